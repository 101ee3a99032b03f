"""Rubric grading (courses/grading.py, views/grading.py, the grading API): scores and the pass
rule, drafts, moderation, optimistic locking, append-only history, anonymous grading, returns,
the grading queue, and query counts that do not grow with the number of learners.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.enrolment import enrolment_create
from courses.grading import (
    grade_moderate,
    grade_save,
    grading_queue,
    score,
    submission_return,
)
from courses.models import (
    Cohort,
    Enrolment,
    Grade,
    GradeChange,
    ProgressEvent,
    Submission,
    SubmissionMember,
    SubmissionVersion,
    TeachingAssignment,
)
from lms.errors import Conflict
from tests.conftest import make_user
from tests.courses.helpers import levels_for, post_grade, release, set_moderation, submit


@pytest.fixture
def submission(curriculum, enrolled):
    return submit(enrolled, curriculum.project).submission


def released_events(learner):
    return ProgressEvent.objects.filter(learner=learner, kind=ProgressEvent.Kind.GRADE_RELEASED)


# --- the score ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranks", "percent", "passed", "distinction"),
    [
        # Strategy (weight 2) and governance (weight 1), four levels worth 1 to 4 points.
        ((4, 4), "100.00", True, True),
        ((3, 3), "75.00", True, False),
        ((4, 2), "83.33", True, True),
        ((3, 2), "66.67", False, False),  # below the pass mark of 70
        ((4, 1), "75.00", False, False),  # governance below the lowest level allowed (2)
        ((2, 4), "66.67", False, False),
        ((1, 1), "25.00", False, False),
    ],
)
def test_the_weighted_score_and_pass_rule(curriculum, ranks, percent, passed, distinction):
    project = curriculum.project
    result = score(project, levels_for(project, *ranks))
    assert result["percent"] == Decimal(percent)
    assert (result["passed"], result["distinction"]) == (passed, distinction)
    assert [row["rank"] for row in result["breakdown"]] == list(ranks)
    assert [row["max_points"] for row in result["breakdown"]] == [4, 4]


def test_no_distinction_without_a_distinction_mark(curriculum):
    project = curriculum.project
    project.distinction_mark = None
    assert score(project, levels_for(project, 4))["distinction"] is False


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (lambda p: {**levels_for(p, 3), "not-a-criterion": "x"}, "Unknown criterion"),
        (lambda p: dict(list(levels_for(p, 3).items())[:1]), "Choose a level for: Governance"),
        (lambda p: dict.fromkeys(levels_for(p, 3), "not-a-level"), "has no such level"),
        (lambda p: ["a", "list"], "Give a level id"),
    ],
)
def test_bad_levels_are_refused(curriculum, levels, message):
    with pytest.raises(ValidationError, match=message):
        score(curriculum.project, levels(curriculum.project))


# --- drafts, release and moderation ---------------------------------------------------------


def test_a_draft_is_private_until_released(
    client, api, curriculum, enrolled, instructor, submission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grade = grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(curriculum.project, 4),
            feedback="Excellent diagnosis of the weakest link.",
        )
    assert grade.status == Grade.Status.DRAFT and grade.released_at is None
    assert not released_events(enrolled).exists()
    assert mail.outbox == []

    from courses.progress import learner_events_process

    learner_events_process(learner_id=enrolled.id)
    client.force_login(enrolled)
    for url in (curriculum.project.url, "/en/dashboard/"):
        body = client.get(url).content.decode()
        assert "Excellent diagnosis" not in body and "100.00%" not in body
    progress = api.get("/me/progress", user=enrolled).json()
    qualification = next(row for row in progress if row["kind"] == "qualification")
    project = qualification["summary"]["project"]
    assert project["submitted"] is True and project["grade"] is None


def test_with_moderation_a_release_waits_for_a_second_marker(
    api, curriculum, enrolled, instructor, second_instructor, submission
):
    project = curriculum.project
    response = api.post(
        f"/grading/submissions/{submission.id}/grade",
        {"levels": levels_for(project, 3), "feedback": "Good.", "release": True},
        user=instructor,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_moderation" and body["awaits_moderation"] is True
    assert "awaits moderation" in body["message"]
    assert not released_events(enrolled).exists()

    same = api.post(
        f"/grading/submissions/{submission.id}/moderation", {"agree": True}, user=instructor
    )
    assert same.status_code == 409
    assert "second marker" in same.json()["detail"]

    agreed = api.post(
        f"/grading/submissions/{submission.id}/moderation",
        {"agree": True, "reason": "Fair."},
        user=second_instructor,
    )
    assert agreed.status_code == 200 and agreed.json()["status"] == "released"
    grade = Grade.objects.get()
    assert grade.moderated_by == second_instructor and grade.graded_by == instructor
    assert grade.released_at is not None and released_events(enrolled).count() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    assert list(grade.history.values_list("action", flat=True)) == [
        "submitted_for_moderation",
        "moderation_agreed",
    ]


def test_a_second_marker_can_adjust_the_grade(
    curriculum, enrolled, instructor, second_instructor, submission
):
    project = curriculum.project
    release(instructor, submission, 3)
    with pytest.raises(ValidationError, match="choose the levels"):
        grade_moderate(moderator=second_instructor, submission=submission, agree=False)

    grade = grade_moderate(
        moderator=second_instructor,
        submission=submission,
        agree=False,
        levels=levels_for(project, 4, 2),
        feedback="Strategy is excellent; governance is still developing.",
        reason="Raised strategy after reading annex B.",
    )
    assert grade.status == Grade.Status.RELEASED
    assert grade.percent == Decimal("83.33") and grade.passed and grade.distinction
    assert grade.levels == levels_for(project, 4, 2)
    change = grade.history.last()
    assert change.action == GradeChange.Action.MODERATION_ADJUSTED
    assert change.actor == second_instructor and "annex B" in change.reason
    assert released_events(enrolled).get().payload["percent"] == "83.33"


def test_nothing_to_moderate_is_a_conflict(curriculum, instructor, second_instructor, submission):
    with pytest.raises(Conflict, match="no grade waiting"):
        grade_moderate(moderator=second_instructor, submission=submission, agree=True)
    grade_save(grader=instructor, submission=submission, levels=levels_for(curriculum.project, 3))
    with pytest.raises(Conflict, match="no grade waiting"):
        grade_moderate(moderator=second_instructor, submission=submission, agree=True)


def test_without_moderation_a_release_is_immediate(
    curriculum, enrolled, instructor, submission, django_capture_on_commit_callbacks
):
    set_moderation(curriculum.qualification, False)
    with django_capture_on_commit_callbacks(execute=True):
        grade = release(instructor, submission, 3)
    assert grade.status == Grade.Status.RELEASED and grade.moderated_by is None
    assert released_events(enrolled).count() == 1
    (email,) = [m for m in mail.outbox if "grade" in m.subject.lower()]
    assert email.to == [enrolled.email] and "75.00%" in email.body


# --- optimistic locking ---------------------------------------------------------------------


def test_a_save_naming_an_old_revision_gets_409_with_the_current_grade(
    api, curriculum, instructor, second_instructor, submission
):
    project = curriculum.project
    url = f"/grading/submissions/{submission.id}/grade"
    first = api.post(url, {"levels": levels_for(project, 3), "revision": 0}, user=instructor)
    assert first.status_code == 200 and first.json()["revision"] == 1

    second = api.post(
        url, {"levels": levels_for(project, 4), "revision": 1}, user=second_instructor
    )
    assert second.status_code == 200 and second.json()["revision"] == 2

    stale = api.post(url, {"levels": levels_for(project, 2), "revision": 1}, user=instructor)
    assert stale.status_code == 409
    current = stale.json()["current"]
    assert current["revision"] == 2 and current["percent"] == "100.00"
    assert current["graded_by"] == second_instructor.id
    assert current["levels"] == levels_for(project, 4)
    assert Grade.objects.get().revision == 2

    # Naming no revision over another grader's work is refused too.
    blind = api.post(url, {"levels": levels_for(project, 2)}, user=instructor)
    assert blind.status_code == 409 and blind.json()["current"]["revision"] == 2


def test_the_grading_form_shows_the_other_graders_change(
    client, curriculum, instructor, second_instructor, submission
):
    project = curriculum.project
    grade_save(grader=instructor, submission=submission, levels=levels_for(project, 3))
    grade_save(
        grader=second_instructor,
        submission=submission,
        levels=levels_for(project, 4),
        expected_revision=1,
    )
    client.force_login(instructor)
    response = post_grade(
        client, submission, 2, revision="1", feedback="My draft feedback.", action="draft"
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this grade" in body
    assert "Now at revision 2 by Kenji: 100.00%." in body
    assert "My draft feedback." in body  # what this grader typed is not lost
    assert Grade.objects.get().revision == 2


# --- history ------------------------------------------------------------------------------


def test_grade_history_is_append_only_and_records_who_when_why(curriculum, instructor, submission):
    project = curriculum.project
    grade = grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(project, 2),
        reason="First read.",
    )
    grade = grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(project, 3),
        expected_revision=1,
        reason="Re-read the action plan.",
    )
    changes = list(grade.history.all())
    assert [(c.revision, c.actor, c.reason) for c in changes] == [
        (1, instructor, "First read."),
        (2, instructor, "Re-read the action plan."),
    ]
    assert all(c.at is not None and c.at <= timezone.now() for c in changes)
    assert [c.state["percent"] for c in changes] == ["50.00", "75.00"]

    change = changes[0]
    change.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        change.save()
    with pytest.raises(TypeError, match="append-only"):
        change.delete()
    with pytest.raises(TypeError, match="append-only"):
        GradeChange.objects.filter(grade=grade).update(reason="rewritten")
    with pytest.raises(TypeError, match="append-only"):
        GradeChange.objects.all().delete()
    with pytest.raises(TypeError, match="append-only"):
        grade.history.all().delete()
    assert list(GradeChange.objects.values_list("reason", flat=True)) == [
        "First read.",
        "Re-read the action plan.",
    ]


# --- anonymous grading ----------------------------------------------------------------------


def test_anonymous_grading_hides_names_until_release(
    client, api, curriculum, enrolled, instructor, staff, submission
):
    project = curriculum.project
    project.anonymous_grading = True
    project.save_revision().publish()
    set_moderation(curriculum.qualification, False)
    enrolled.full_name = "Lena Lindqvist"
    enrolled.save()

    client.force_login(instructor)
    for url in ("/en/grading/", f"/en/grading/submissions/{submission.id}/"):
        body = client.get(url).content.decode()
        assert "Lindqvist" not in body and "lena" not in body, url
        assert f"Learner {submission.anonymous_code}" in body, url
    item = api.get("/grading/submissions", user=instructor).json()[0]
    assert item["learner"] is None and item["learners"] == [None]

    # Staff see names; they run the process.
    assert "Lena Lindqvist" in _page(client, staff, "/en/grading/")
    assert api.get("/grading/submissions", user=staff).json()[0]["learner"] == "lena"

    release(instructor, submission, 3)
    all_items = api.get("/grading/submissions", user=instructor, status="all").json()
    assert all_items[0]["learner"] == "lena"
    assert "Lena Lindqvist" in _page(
        client, instructor, f"/en/grading/submissions/{submission.id}/"
    )


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- returns --------------------------------------------------------------------------------


def test_return_for_revision_then_resubmission(
    curriculum, enrolled, instructor, submission, django_capture_on_commit_callbacks
):
    project = curriculum.project
    with pytest.raises(ValidationError, match="Say what the learner should revise"):
        submission_return(instructor=instructor, submission=submission, feedback="  ")
    with django_capture_on_commit_callbacks(execute=True):
        request = submission_return(
            instructor=instructor, submission=submission, feedback="Add measurable targets."
        )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert request.version.number == 1
    assert [m.to for m in mail.outbox] == [[enrolled.email]]
    assert not Grade.objects.exists()

    with pytest.raises(Conflict, match="returned for revision"):
        grade_save(grader=instructor, submission=submission, levels=levels_for(project, 3))
    with pytest.raises(Conflict, match="Only a submission waiting"):
        submission_return(instructor=instructor, submission=submission, feedback="Again.")

    submit(enrolled, project, report="Now with targets.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.version_count == 2
    grade = grade_save(grader=instructor, submission=submission, levels=levels_for(project, 3))
    assert grade.version_number == 2


def test_the_learner_sees_every_version_and_its_feedback(
    client, curriculum, enrolled, instructor, submission
):
    submission_return(instructor=instructor, submission=submission, feedback="Add targets.")
    submit(enrolled, curriculum.project, report="Version two.")
    body = _page(client, enrolled, curriculum.project.url)
    assert "Version 1," in body and "Version 2," in body
    assert "Add targets." in body and "Version two." in body


# --- the grading queue --------------------------------------------------------------------


def _queue_ids(api, user, **params):
    response = api.get("/grading/submissions", user=user, **params)
    assert response.status_code == 200
    return [item["id"] for item in response.json()]


def test_the_queue_shows_only_what_the_instructor_teaches(
    api, client, curriculum, enrolled, instructor, other_instructor, staff, submission
):
    assert _queue_ids(api, instructor) == [submission.id]
    assert _queue_ids(api, staff) == [submission.id]
    assert _queue_ids(api, other_instructor) == []
    assert "Nothing is waiting for you." in _page(client, other_instructor, "/en/grading/")

    course_one = make_user("instructor", "teaches-one")
    TeachingAssignment.objects.create(instructor=course_one, page=curriculum.course("course-one"))
    assert _queue_ids(api, course_one) == []
    # The project says it concludes course two: its instructors grade it.
    course_two = make_user("instructor", "teaches-two")
    TeachingAssignment.objects.create(instructor=course_two, page=curriculum.course("course-two"))
    assert _queue_ids(api, course_two) == [submission.id]


def test_a_cohort_instructor_sees_only_the_cohort(api, curriculum, enrolled, other_learner):
    cohort_teacher = make_user("instructor", "cohort-teacher")
    cohort = Cohort.objects.create(
        name="Autumn", page=curriculum.qualification, starts_on=timezone.now().date()
    )
    cohort.instructors.add(cohort_teacher)
    enrolment_create(learner=other_learner, page=curriculum.qualification, cohort=cohort)
    outside = submit(enrolled, curriculum.project).submission
    inside = submit(other_learner, curriculum.project).submission

    assert _queue_ids(api, cohort_teacher) == [inside.id]
    response = api.post(
        f"/grading/submissions/{outside.id}/grade",
        {"levels": levels_for(curriculum.project, 3)},
        user=cohort_teacher,
    )
    assert response.status_code == 403


def test_the_queue_is_oldest_first_with_late_and_resubmission_flags(
    api, client, curriculum, enrolled, other_learner, instructor
):
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    older = submit(enrolled, curriculum.project).submission
    newer = submit(other_learner, curriculum.project).submission
    Submission.objects.filter(id=older.id).update(
        latest_submitted_at=timezone.now() - timezone.timedelta(days=2)
    )
    SubmissionVersion.objects.filter(submission=older).update(late=True)
    submission_return(instructor=instructor, submission=newer, feedback="Revise.")
    submit(other_learner, curriculum.project, report="Second version.")

    items = api.get("/grading/submissions", user=instructor).json()
    assert [i["id"] for i in items] == [older.id, newer.id]
    assert [(i["late"], i["version"]) for i in items] == [(True, 1), (False, 2)]
    assert set(items[0]) >= {"id", "field_project", "learner", "submitted_at", "late", "version"}

    body = _page(client, instructor, "/en/grading/")
    assert body.index(f"/grading/submissions/{older.id}/") < body.index(
        f"/grading/submissions/{newer.id}/"
    )
    assert body.count('badge-warn">late') == 1 and body.count("resubmission</span>") == 1


def test_the_queue_filters_by_status(curriculum, enrolled, instructor, submission):
    assert list(grading_queue(instructor)) == [submission]
    assert list(grading_queue(instructor, status="graded")) == []
    release(instructor, submission, 3)
    # Awaiting a second marker still counts as pending.
    assert list(grading_queue(instructor)) == [submission]


# --- query counts for 10 and 1,000 learners -------------------------------------------------


def _populate(curriculum, count, start):
    """`count` learners enrolled in the qualification, each with a pending submission."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"bulk{i}", email=f"bulk{i}@example.org", full_name=f"Bulk {i}")
            for i in range(start, start + count)
        ]
    )
    qualification, project = curriculum.qualification, curriculum.project
    Enrolment.objects.bulk_create(
        [Enrolment(learner=u, page=qualification, kind=Enrolment.Kind.QUALIFICATION) for u in users]
    )
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                field_project=project,
                latest_submitted_at=now - timezone.timedelta(minutes=i),
                version_count=1,
            )
            for i in range(count)
        ]
    )
    SubmissionMember.objects.bulk_create(
        [
            SubmissionMember(submission=s, learner=u, field_project=project)
            for s, u in zip(submissions, users, strict=True)
        ]
    )
    SubmissionVersion.objects.bulk_create(
        [
            SubmissionVersion(submission=s, number=1, report="R.", submitted_by=u, late=i % 2 == 0)
            for i, (s, u) in enumerate(zip(submissions, users, strict=True))
        ]
    )


def _count_queries(fetch) -> int:
    fetch()  # warm the outline and site caches
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return len(captured.captured_queries)


def test_grading_queue_and_dashboard_queries_do_not_grow_with_learners(
    client, api, curriculum, enrolled, instructor
):
    from courses.progress import learner_events_process
    from tests.courses.helpers import complete_module

    complete_module(enrolled, curriculum, "course-one", 0)
    submit(enrolled, curriculum.project)
    learner_events_process(learner_id=enrolled.id)

    def queue_page():
        client.force_login(instructor)
        assert client.get("/en/grading/").status_code == 200

    def queue_api():
        assert api.get("/grading/submissions", user=instructor).status_code == 200

    def dashboard():
        client.force_login(enrolled)
        assert client.get("/en/dashboard/").status_code == 200

    def analytics():
        client.force_login(instructor)
        url = f"/en/grading/analytics/{curriculum.qualification.id}/"
        assert client.get(url).status_code == 200

    views = {
        "queue page": queue_page,
        "queue API": queue_api,
        "dashboard": dashboard,
        "analytics": analytics,
    }
    _populate(curriculum, 9, 0)
    with_ten = {name: _count_queries(fetch) for name, fetch in views.items()}
    _populate(curriculum, 990, 9)
    assert Enrolment.objects.filter(kind="qualification").count() == 1000
    with_thousand = {name: _count_queries(fetch) for name, fetch in views.items()}
    assert with_thousand == with_ten


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", ""])
def test_the_grade_page_ignores_a_bad_learner_parameter(client, instructor, submission, value):
    client.force_login(instructor)
    response = client.get(f"/en/grading/submissions/{submission.id}/", {"learner": value})
    assert response.status_code == 200
    response = client.post(
        f"/en/grading/submissions/{submission.id}/grade/", {"learner": value, "action": "draft"}
    )
    assert response.status_code == 400
    assert '<ul class="form-errors" role="alert"><li>' in response.content.decode()
