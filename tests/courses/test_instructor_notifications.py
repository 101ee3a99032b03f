"""Instructors and moderators are told (courses/grading/notices.py): a new submission, a
resubmission, a grade waiting for a second marker, a submission ungraded too long (once per
version); and the learner's grade-released notification lands on the result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from courses.enrolment import enrolment_create
from courses.grading import grade_save, submission_return
from courses.grading.notices import grading_overdue_send
from courses.grading.permissions import instructors_of
from courses.models import Cohort, Submission
from lms.notifications.models import Notification
from lms.notifications.services import preferences_set
from tests.conftest import make_user
from tests.courses.helpers import levels_for, release, set_moderation, submit


def told(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind))


@pytest.fixture
def submitted(curriculum, enrolled, instructor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return submit(enrolled, curriculum.project).submission


def test_instructors_hear_of_a_new_submission_in_the_site_and_by_email(
    curriculum, enrolled, instructor, other_instructor, submitted
):
    [notice] = told(instructor, "submission_received")
    assert notice.subject == f"New submission to grade: {curriculum.project.title}"
    assert notice.link == f"/en/grading/submissions/{submitted.id}/"
    assert enrolled.display_name in notice.body
    assert [m.to for m in mail.outbox] == [[instructor.email]]
    assert "http://testserver/en/grading/submissions/" in mail.outbox[0].body
    assert not told(other_instructor, "submission_received")  # teaches nothing here
    assert not Notification.objects.filter(user=enrolled).exists()


def test_a_resubmission_is_its_own_notification_once_per_version(
    curriculum, enrolled, instructor, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission_return(instructor=instructor, submission=submitted, feedback="Add targets.")
    with django_capture_on_commit_callbacks(execute=True):
        submit(enrolled, curriculum.project, report="Now with targets.")
    [notice] = told(instructor, "submission_resubmitted")
    assert "(version 2)" in notice.subject
    assert len(told(instructor, "submission_received")) == 1


def test_the_cohort_instructor_hears_of_their_cohort_only(
    curriculum, enrolled, other_learner, django_capture_on_commit_callbacks
):
    leader = make_user("instructor", "cohort-leader")
    cohort = Cohort.objects.create(
        name="Autumn", page=curriculum.qualification, starts_on=timezone.now().date()
    )
    cohort.instructors.add(leader)
    enrolment_create(learner=other_learner, page=curriculum.qualification, cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        outside = submit(enrolled, curriculum.project).submission
        inside = submit(other_learner, curriculum.project).submission
    assert instructors_of(inside) == [leader]
    assert instructors_of(outside) == []
    assert [n.link for n in told(leader, "submission_received")] == [
        f"/en/grading/submissions/{inside.id}/"
    ]


def test_anonymous_grading_keeps_names_out_of_the_notification(
    curriculum, enrolled, instructor, django_capture_on_commit_callbacks
):
    project = curriculum.project
    project.anonymous_grading = True
    project.save_revision().publish()
    enrolled.full_name = "Lena Lindqvist"
    enrolled.save()
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, curriculum.project).submission
    [notice] = told(instructor, "submission_received")
    assert "Lindqvist" not in notice.body and "Lindqvist" not in mail.outbox[0].body
    assert f"Learner {submission.anonymous_code}" in notice.body


def test_the_second_marker_hears_a_grade_waits_for_moderation(
    curriculum, instructor, second_instructor, submitted, django_capture_on_commit_callbacks
):
    set_moderation(curriculum.qualification, True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grade = release(instructor, submitted, 3)
    assert grade.status == "awaiting_moderation"
    [notice] = told(second_instructor, "moderation_waiting")
    assert notice.link == f"/en/grading/submissions/{submitted.id}/"
    assert instructor.display_name in notice.body
    assert not told(instructor, "moderation_waiting")  # not their own grade
    assert [m.to for m in mail.outbox] == [[second_instructor.email]]


def test_with_one_instructor_staff_moderate(
    curriculum, instructor, staff, submitted, django_capture_on_commit_callbacks
):
    set_moderation(curriculum.qualification, True)
    with django_capture_on_commit_callbacks(execute=True):
        release(instructor, submitted, 3)
    assert len(told(staff, "moderation_waiting")) == 1


def test_instructor_notifications_follow_their_preferences(
    curriculum, enrolled, instructor, django_capture_on_commit_callbacks
):
    preferences_set(user=instructor, choices={"submission_received": "daily_digest"})
    with django_capture_on_commit_callbacks(execute=True):
        submit(enrolled, curriculum.project)
    [notice] = told(instructor, "submission_received")
    assert notice.email == Notification.Email.DIGEST_PENDING and mail.outbox == []


# --- grading overdue ----------------------------------------------------------------------


def _age(submission, days):
    Submission.objects.filter(pk=submission.pk).update(
        latest_submitted_at=timezone.now() - timedelta(days=days)
    )


def test_overdue_submissions_are_told_once_per_version(
    settings,
    curriculum,
    enrolled,
    instructor,
    second_instructor,
    submitted,
    django_capture_on_commit_callbacks,
):
    settings.GRADING_OVERDUE_DAYS = 5
    _age(submitted, 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_overdue_send() == 0
    _age(submitted, 6)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_overdue_send() == 2  # both instructors of the qualification
        grading_overdue_send()  # the next day's run: nothing new
    for user in (instructor, second_instructor):
        [notice] = told(user, "grading_overdue")
        assert notice.subject == f"Waiting 6 days for a grade: {curriculum.project.title}"

    # Returned, resubmitted and again left waiting: the new version is told once more.
    with django_capture_on_commit_callbacks(execute=True):
        submission_return(instructor=instructor, submission=submitted, feedback="Revise.")
        submit(enrolled, curriculum.project, report="Revised.")
    _age(submitted, 6)
    with django_capture_on_commit_callbacks(execute=True):
        grading_overdue_send()
    assert len(told(instructor, "grading_overdue")) == 2


def test_graded_or_returned_submissions_are_not_overdue(
    settings, curriculum, instructor, submitted, django_capture_on_commit_callbacks
):
    settings.GRADING_OVERDUE_DAYS = 1
    set_moderation(curriculum.qualification, False)
    grade_save(
        grader=instructor,
        submission=submitted,
        levels=levels_for(curriculum.project, 3),
        release=True,
    )
    _age(submitted, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_overdue_send() == 0


def test_the_beat_job_is_scheduled():
    from lms.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"courses.tasks.send_grading_overdue", "notifications.tasks.send_daily_digests"} <= tasks


# --- the grade-released notification lands on the result ---------------------------------


def test_grade_released_links_to_the_result_section(
    client, curriculum, enrolled, instructor, submitted, django_capture_on_commit_callbacks
):
    set_moderation(curriculum.qualification, False)
    with django_capture_on_commit_callbacks(execute=True):
        release(instructor, submitted, 3)
    [notice] = told(enrolled, "grade_released")
    assert notice.link.endswith("#result")
    page_path, _, anchor = notice.link.partition("#")
    email = next(m for m in mail.outbox if m.to == [enrolled.email])
    assert f"http://testserver{notice.link}" in email.body
    client.force_login(enrolled)
    opened = client.get(f"/en/notifications/{notice.id}/open/")
    assert opened.status_code == 302 and opened["Location"] == notice.link
    page = client.get(page_path)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'id="{anchor}"' in body and "Your result" in body
