"""Learning rules (courses/enrolment.py, lessons.py, submissions.py, access.py, views/learning.py): enrolment,
prerequisites and modules that open in order, lesson completion recorded once, knowledge-check
and field-project submissions (versions, deadlines, teams, returns).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone
from wagtail.models import Locale

from courses.enrolment import enrolment_create
from courses.grading import grade_save, submission_return
from courses.lessons import lesson_complete
from courses.models import (
    Cohort,
    Enrolment,
    LessonCompletion,
    Milestone,
    ProgressEvent,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.errors import Conflict
from tests.conftest import answers_for, make_user, submit_check
from tests.courses.helpers import (
    complete_course,
    levels_for,
    submit,
    upload,
)


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def events(learner, kind):
    return ProgressEvent.objects.filter(learner=learner, kind=kind)


# --- enrolment ------------------------------------------------------------------------------


def test_enrolling_in_a_qualification_enrols_in_each_of_its_courses(curriculum, learner):
    enrolment, created = enrolment_create(learner=learner, page=curriculum.qualification)

    assert created and enrolment.kind == Enrolment.Kind.QUALIFICATION
    courses = Enrolment.objects.filter(learner=learner, kind=Enrolment.Kind.COURSE)
    assert {e.page_id for e in courses} == {
        curriculum.course("course-one").id,
        curriculum.course("course-two").id,
    }
    assert all(e.via_id == enrolment.id for e in courses)
    assert events(learner, ProgressEvent.Kind.ENROLLED).count() == 3

    again, created = enrolment_create(learner=learner, page=curriculum.qualification)
    assert not created and again.id == enrolment.id
    assert Enrolment.objects.filter(learner=learner).count() == 3
    assert events(learner, ProgressEvent.Kind.ENROLLED).count() == 3


def test_enrolling_from_the_chinese_page_enrols_in_the_english_one(client, curriculum, learner):
    client.force_login(learner)
    chinese = zh(curriculum.qualification)
    response = client.post(f"/zh-hans/learn/enrol/{chinese.id}/")
    assert response.status_code == 302 and response["Location"] == chinese.url
    assert Enrolment.objects.get(learner=learner, kind="qualification").page_id == (
        curriculum.qualification.id
    )


def test_the_api_says_whether_an_enrolment_is_new(api, curriculum, learner):
    course = curriculum.course()
    first = api.post(f"/courses/{course.id}/enrolment", user=learner)
    second = api.post(f"/courses/{course.id}/enrolment", user=learner)
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (second.status_code, second.json()["created"]) == (200, False)
    assert first.json()["id"] == second.json()["id"]


def test_only_courses_and_qualifications_take_enrolments(client, curriculum, learner):
    client.force_login(learner)
    response = client.post(f"/en/learn/enrol/{curriculum.lessons()[0].id}/")
    assert response.status_code == 400
    assert "Only courses and qualifications take enrolments." in response.content.decode()


def test_a_cohort_must_belong_to_the_page(curriculum, learner):
    cohort = Cohort.objects.create(
        name="Spring", page=curriculum.course("course-two"), starts_on=timezone.now().date()
    )
    with pytest.raises(ValidationError, match="different course or qualification"):
        enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)


def test_a_second_tier_qualification_needs_the_first_held(api, curriculum, learner):
    trainer = curriculum.trainer
    response = api.post(f"/qualifications/{trainer.id}/enrolment", user=learner)
    assert response.status_code == 409
    assert "Test Qualification" in response.json()["detail"]

    held = enrolment_create(learner=learner, page=curriculum.qualification)[0]
    Milestone.objects.create(
        enrolment=held,
        kind=Milestone.Kind.REQUIREMENTS_MET,
        page=curriculum.qualification,
        achieved_at=timezone.now(),
    )
    assert api.post(f"/qualifications/{trainer.id}/enrolment", user=learner).status_code == 201


def test_a_withdrawn_learner_can_enrol_again(curriculum, learner):
    enrolment = enrolment_create(learner=learner, page=curriculum.course())[0]
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.save()
    again, created = enrolment_create(learner=learner, page=curriculum.course())
    assert created and again.id == enrolment.id and again.status == Enrolment.Status.ACTIVE


# --- prerequisites and modules that open in order -------------------------------------------


def test_a_course_prerequisite_gates_completion_but_not_reading(api, client, enrolled):
    from tests.conftest import Curriculum

    curriculum = Curriculum()
    lesson = curriculum.lessons("course-two")[0]

    response = api.post(f"/lessons/{lesson.id}/completion", user=enrolled)
    assert response.status_code == 409
    assert "prerequisites" in response.json()["detail"]
    check = curriculum.checks("course-two")[0]
    response = api.post(
        f"/knowledge-checks/{check.id}/attempts", {"answers": answers_for(check)}, user=enrolled
    )
    assert response.status_code == 409

    client.force_login(enrolled)
    page = client.get(lesson.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Complete the prerequisite courses" in body and "Mark complete" not in body

    complete_course(enrolled, curriculum, "course-one")
    assert api.post(f"/lessons/{lesson.id}/completion", user=enrolled).status_code == 201


def test_sequential_modules_open_in_order(api, client, enrolled):
    from tests.conftest import Curriculum

    curriculum = Curriculum()
    later_lesson = curriculum.lessons("course-one")[2]  # module 2
    later_check = curriculum.checks("course-one")[1]

    response = api.post(f"/lessons/{later_lesson.id}/completion", user=enrolled)
    assert response.status_code == 409
    assert "opens when you complete the one before" in response.json()["detail"]
    with pytest.raises(Conflict):
        submit_check(learner=enrolled, check=later_check, answers=answers_for(later_check))

    client.force_login(enrolled)
    body = client.get(later_lesson.url).content.decode()
    assert "This module opens when you complete the one before it." in body
    assert "Mark complete" not in body

    # Lessons alone do not open the next module: the check must be passed too.
    for lesson in curriculum.lessons("course-one")[:2]:
        lesson_complete(learner=enrolled, lesson=lesson)
    assert api.post(f"/lessons/{later_lesson.id}/completion", user=enrolled).status_code == 409

    first_check = curriculum.checks("course-one")[0]
    submit_check(learner=enrolled, check=first_check, answers=answers_for(first_check))
    assert api.post(f"/lessons/{later_lesson.id}/completion", user=enrolled).status_code == 201


def test_modules_of_a_non_sequential_course_open_in_any_order(api, enrolled):
    from tests.conftest import Curriculum

    curriculum = Curriculum()
    complete_course(enrolled, curriculum, "course-one")
    last_lesson = curriculum.lessons("course-two")[-1]
    assert api.post(f"/lessons/{last_lesson.id}/completion", user=enrolled).status_code == 201


def test_learners_not_enrolled_may_read_but_not_complete(api, client, curriculum, learner):
    lesson = curriculum.lessons()[0]
    assert api.post(f"/lessons/{lesson.id}/completion", user=learner).status_code == 403
    client.force_login(learner)
    assert client.get(lesson.url).status_code == 200
    with pytest.raises(PermissionDenied):
        lesson_complete(learner=learner, lesson=lesson)


# --- lesson completion is recorded once -----------------------------------------------------


def test_a_completion_posted_twice_counts_once(api, client, enrolled):
    from tests.conftest import Curriculum

    lesson = Curriculum().lessons()[0]
    first = api.post(f"/lessons/{lesson.id}/completion", user=enrolled)
    second = api.post(f"/lessons/{lesson.id}/completion", user=enrolled)
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (second.status_code, second.json()["created"]) == (200, False)
    assert first.json()["completed_at"] == second.json()["completed_at"]

    client.force_login(enrolled)
    for _ in range(2):
        assert client.post(f"/en/learn/lessons/{lesson.id}/complete/").status_code == 302
    # ... and from the Chinese page, which is the same lesson.
    assert client.post(f"/zh-hans/learn/lessons/{zh(lesson).id}/complete/").status_code == 302

    assert LessonCompletion.objects.filter(learner=enrolled).count() == 1
    assert events(enrolled, ProgressEvent.Kind.LESSON_COMPLETED).count() == 1


@pytest.mark.parametrize(
    ("target", "allowed"),
    [("/en/catalog/course-one/module-1/lesson-1-2/", True), ("https://evil.example/", False)],
)
def test_mark_complete_continues_only_to_this_site(client, enrolled, target, allowed):
    from tests.conftest import Curriculum

    lesson = Curriculum().lessons()[0]
    client.force_login(enrolled)
    response = client.post(f"/en/learn/lessons/{lesson.id}/complete/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == (target if allowed else lesson.url)


def test_a_completion_racing_another_request_counts_once(enrolled):
    """The other request inserts the completion between our read and our insert.

    This is the IntegrityError path a real race takes on PostgreSQL; it is injected at the
    database level (a statement run right after our SELECT), so it runs on SQLite too.
    """
    from tests.conftest import Curriculum

    lesson = Curriculum().lessons()[0]
    race = {"injected": False, "our_insert_failed": False}

    def other_request_wins(execute, sql, params, many, context):
        ours = 'INTO "courses_lessoncompletion"' in sql and race["injected"]
        try:
            result = execute(sql, params, many, context)
        except IntegrityError:
            race["our_insert_failed"] = ours
            raise
        lookup = '"courses_lessoncompletion"."lesson_id" = ' in sql and sql.startswith("SELECT")
        if lookup and not race["injected"]:
            race["injected"] = True
            LessonCompletion.objects.create(learner=enrolled, lesson=lesson)
        return result

    with connection.execute_wrapper(other_request_wins):
        _completion, created = lesson_complete(learner=enrolled, lesson=lesson)

    assert race == {"injected": True, "our_insert_failed": True}
    assert not created
    assert LessonCompletion.objects.filter(learner=enrolled).count() == 1
    assert events(enrolled, ProgressEvent.Kind.LESSON_COMPLETED).count() == 0


# --- field projects -------------------------------------------------------------------------


def test_submissions_are_versioned_and_returned_work_can_be_resubmitted(
    curriculum, enrolled, instructor
):
    first = submit(enrolled, curriculum.project, report="Version one.")
    submission = first.submission
    submission_return(instructor=instructor, submission=submission, feedback="Add targets.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED

    second = submit(enrolled, curriculum.project, report="Version two, with targets.")
    submission.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert submission.version_count == 2 and submission.status == Submission.Status.SUBMITTED
    assert list(submission.versions.values_list("report", flat=True)) == [
        "Version one.",
        "Version two, with targets.",
    ]
    assert first.revision_requests.get().feedback == "Add targets."


def test_a_submission_after_the_enrolment_deadline_is_late(curriculum, enrolled):
    enrolment = Enrolment.objects.get(learner=enrolled, page=curriculum.qualification)
    Enrolment.objects.filter(id=enrolment.id).update(
        enrolled_at=timezone.now() - timedelta(days=29)
    )
    on_time = submit(enrolled, curriculum.project)
    assert not on_time.late
    assert abs(on_time.deadline - (timezone.now() + timedelta(days=1))) < timedelta(minutes=1)

    Enrolment.objects.filter(id=enrolment.id).update(
        enrolled_at=timezone.now() - timedelta(days=31)
    )
    late = submit(enrolled, curriculum.project, report="Second version.")
    assert late.late


def test_a_cohort_deadline_overrides_the_project_days(curriculum, learner):
    cohort = Cohort.objects.create(
        name="Spring",
        page=curriculum.qualification,
        starts_on=timezone.now().date(),
        submission_deadline=timezone.now() - timedelta(hours=1),
    )
    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    version = submit(learner, curriculum.project)
    assert version.late and version.deadline == cohort.submission_deadline

    cohort.submission_deadline = timezone.now() + timedelta(days=400)
    cohort.save()
    assert not submit(learner, curriculum.project, report="Again.").late


@pytest.fixture
def teammates(curriculum):
    people = [make_user("learner", f"mate{i}") for i in range(3)]
    for person in people:
        enrolment_create(learner=person, page=curriculum.qualification)
    return people


def form_team(leader, project, mates):
    """`leader` invites `mates`, and each accepts: the only way a team comes to exist."""
    from courses.teams import invitation_accept, team_invite

    invitations = team_invite(
        inviter=leader, project=project, usernames=[m.username for m in mates]
    )
    for invitation in invitations:
        invitation_accept(learner=invitation.invitee, invitation_id=invitation.id)


def test_a_team_shares_one_submission_and_each_member_is_graded(
    curriculum, enrolled, teammates, instructor
):
    project = curriculum.project
    form_team(enrolled, project, teammates[:2])
    version = submit(enrolled, project)
    submission = version.submission
    members = set(submission.members.values_list("learner_id", flat=True))
    assert members == {enrolled.id, teammates[0].id, teammates[1].id}

    # Any member may submit the next version of the shared submission.
    assert submit(teammates[0], project, report="Our second draft.").submission == submission

    with pytest.raises(ValidationError, match="say which member"):
        grade_save(grader=instructor, submission=submission, levels=levels_for(project, 3))
    grades = {
        enrolled.id: grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(project, 4),
            learner_id=enrolled.id,
        ),
        teammates[0].id: grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(project, 2),
            learner_id=teammates[0].id,
        ),
    }
    assert grades[enrolled.id].percent == 100 and grades[enrolled.id].passed
    assert grades[teammates[0].id].percent == 50 and not grades[teammates[0].id].passed
    with pytest.raises(ValidationError, match="not a member"):
        grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(project, 3),
            learner_id=teammates[2].id,
        )


@pytest.mark.parametrize(
    ("team", "message"),
    [
        (["mate0", "mate1", "mate2"], "A team has at most 3 members."),
        (["nobody-here"], "nobody-here cannot be invited. Check the username"),
        (["outsider"], "outsider cannot be invited. Check the username"),
    ],
)
def test_team_rules(api, curriculum, enrolled, teammates, team, message):
    make_user("learner", "outsider")
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"report": "Our report.", "team": " ".join(team)},
        user=enrolled,
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Submission.objects.exists()


def test_a_learner_cannot_join_two_teams(curriculum, enrolled, teammates):
    form_team(teammates[0], curriculum.project, [teammates[1]])
    with pytest.raises(ValidationError, match=f"{teammates[1].username} cannot be invited"):
        submit(enrolled, curriculum.project, team=[teammates[1].username])


def test_a_solo_project_takes_no_team(curriculum, enrolled, teammates):
    project = curriculum.project
    project.max_team_size = 1
    with pytest.raises(ValidationError, match="done alone"):
        submit(enrolled, project, team=[teammates[0].username])


def test_a_graded_submission_cannot_change(api, curriculum, enrolled, instructor):
    from tests.courses.helpers import set_moderation

    set_moderation(curriculum.qualification, False)
    version = submit(enrolled, curriculum.project)
    grade_save(
        grader=instructor,
        submission=version.submission,
        levels=levels_for(curriculum.project, 3),
        release=True,
    )
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"report": "A late improvement."},
        user=enrolled,
    )
    assert response.status_code == 409
    assert "graded" in response.json()["detail"]
    assert SubmissionVersion.objects.filter(submission=version.submission).count() == 1


def test_the_report_is_kept_when_a_submission_is_refused(client, curriculum, enrolled):
    client.force_login(enrolled)
    report = "Our cluster profile: 42 members, three universities & a <b>bank</b>."
    section = curriculum.project.report_sections[0].id
    response = client.post(
        f"/en/learn/projects/{curriculum.project.id}/submit/",
        {
            f"section-{section}": report,
            "files": [upload("plan.docx", b"MZ\x90\x00 not a document")],
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "plan.docx is not an accepted file type" in body
    assert (
        ">Our cluster profile: 42 members, three universities &amp; a &lt;b&gt;bank&lt;/b&gt;."
        in body
    )
    assert not Submission.objects.exists() and not SubmissionFile.objects.exists()


@pytest.mark.parametrize(
    ("report", "message"),
    [("   ", "Write the report"), ("x" * 60_001, "longer than 60000 characters")],
)
def test_a_report_must_be_written_and_not_too_long(api, curriculum, enrolled, report, message):
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions", {"report": report}, user=enrolled
    )
    assert response.status_code == 400 and message in response.json()["detail"]


def test_only_enrolled_learners_submit(api, curriculum, learner):
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions", {"report": "R."}, user=learner
    )
    assert response.status_code == 403
