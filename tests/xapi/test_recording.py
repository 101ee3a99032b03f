"""Learning events become statements in the outbox, in the transaction that records them."""

from __future__ import annotations

import pytest
from django.db import transaction

from courses.grading import grade_save, submission_return
from courses.lessons import lesson_complete
from courses.progress import learner_events_process
from lms.xapi.models import LearnerAccount, Statement
from lms.xapi.recording import page_url
from tests.conftest import answers_for, submit_check
from tests.courses.helpers import complete_course, levels_for, request_as, set_moderation, submit

pytestmark = pytest.mark.django_db


def statements(learner, verb=None):
    rows = Statement.objects.filter(learner=learner).order_by("created_at", "id")
    if verb:
        rows = rows.filter(verb=verb)
    return [row.statement for row in rows]


def parents(statement):
    return [a["id"] for a in statement["context"].get("contextActivities", {}).get("parent", [])]


def groupings(statement):
    return [a["id"] for a in statement["context"].get("contextActivities", {}).get("grouping", [])]


def test_nothing_is_written_without_an_lrs(curriculum, enrolled):
    lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])

    assert not Statement.objects.exists()
    assert not LearnerAccount.objects.exists()


def test_enrolment_registers_the_learner_in_the_qualification_and_each_course(
    lrs_on, curriculum, learner, cohort
):
    from courses.enrolment import enrolment_create

    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)

    registered = statements(learner, "registered")
    objects = {s["object"]["id"] for s in registered}
    assert objects == {
        page_url(curriculum.qualification),
        page_url(curriculum.course("course-one")),
        page_url(curriculum.course("course-two")),
    }
    course = next(s for s in registered if s["object"]["id"] == page_url(curriculum.course()))
    assert parents(course) == [page_url(curriculum.qualification)]
    assert groupings(course) == [f"{page_url(curriculum.qualification)}#cohort-{cohort.id}"]


def test_a_completed_lesson_is_one_statement_with_its_course_qualification_and_cohort(
    lrs_on, curriculum, enrolled, cohort
):
    Statement.objects.all().delete()
    lesson = curriculum.lessons()[0]

    lesson_complete(learner=enrolled, lesson=lesson)
    lesson_complete(learner=enrolled, lesson=lesson)  # again: nothing new

    [statement] = statements(enrolled)
    account = LearnerAccount.objects.get(learner=enrolled)
    assert statement["actor"]["account"] == {
        "homePage": "http://testserver",
        "name": str(account.name),
    }
    assert enrolled.email not in str(statement) and enrolled.username not in str(statement)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert statement["object"]["id"] == page_url(lesson)
    assert statement["object"]["id"].startswith("http://testserver/en/")
    assert statement["result"] == {"completion": True}
    assert parents(statement) == [
        page_url(curriculum.course()),
        page_url(curriculum.qualification),
    ]
    assert groupings(statement) == [f"{page_url(curriculum.qualification)}#cohort-{cohort.id}"]
    assert statement["context"]["registration"]


def test_a_lesson_read_in_chinese_is_recorded_on_the_default_language_page(
    lrs_on, curriculum, enrolled
):
    from lms.localization import localized_in_language

    Statement.objects.all().delete()
    lesson = curriculum.lessons()[0]
    chinese = localized_in_language(lesson.id, "zh-hans")
    assert chinese is not None and chinese.id != lesson.id

    lesson_complete(learner=enrolled, lesson=lesson)

    [statement] = statements(enrolled)
    assert statement["object"]["id"] == page_url(lesson) != page_url(chinese)


def test_a_check_attempt_gives_attempted_and_passed_or_failed_with_the_score(
    lrs_on, curriculum, enrolled
):
    Statement.objects.all().delete()
    check = curriculum.checks()[0]
    for lesson in curriculum.lessons()[:2]:
        lesson_complete(learner=enrolled, lesson=lesson)

    submit_check(learner=enrolled, check=check, answers=answers_for(check, correct=False))
    submit_check(learner=enrolled, check=check, answers=answers_for(check))

    attempted = statements(enrolled, "attempted")
    assert [s["result"]["score"]["raw"] for s in attempted] == [0.0, 100.0]
    [failed] = statements(enrolled, "failed")
    [passed] = statements(enrolled, "passed")
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0
    assert passed["result"] == {
        "score": {"scaled": 1.0, "raw": 100.0, "min": 0, "max": 100},
        "success": True,
        "completion": True,
    }
    assert (
        passed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    )


def test_a_field_project_submitted_returned_and_graded(lrs_on, curriculum, enrolled, instructor):
    set_moderation(curriculum.qualification, False)
    Statement.objects.all().delete()
    submission = submit(enrolled, curriculum.project).submission
    submission_return(instructor=instructor, submission=submission, feedback="Add the map.")
    submit(enrolled, curriculum.project, report="Revised, with the map.")
    grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(curriculum.project, 3),
        release=True,
    )

    verbs = [s["verb"]["display"]["en"] for s in statements(enrolled)]
    assert verbs == ["submitted", "received back for revision", "submitted", "scored"]
    [graded] = statements(enrolled, "graded")
    assert graded["object"]["id"] == page_url(curriculum.project)
    assert graded["result"]["score"]["raw"] == 75.0
    assert graded["result"]["success"] is True
    assert parents(graded) == [page_url(curriculum.qualification)]
    [returned] = statements(enrolled, "returned")
    assert returned["result"] == {"completion": False}


def test_completing_a_course_and_the_qualification(lrs_on, curriculum, enrolled, instructor):
    set_moderation(curriculum.qualification, False)
    complete_course(enrolled, curriculum, "course-one")
    learner_events_process(learner_id=enrolled.id)

    completed = {s["object"]["id"] for s in statements(enrolled, "completed")}
    assert page_url(curriculum.course()) in completed
    assert page_url(curriculum.qualification) not in completed
    course_statements = [
        s
        for s in statements(enrolled, "completed")
        if s["object"]["id"] == page_url(curriculum.course())
    ]
    # Recorded for the course's enrolment and the qualification's: one statement.
    assert len(course_statements) == 1
    assert parents(course_statements[0]) == [page_url(curriculum.qualification)]

    complete_course(enrolled, curriculum, "course-two")
    submission = submit(enrolled, curriculum.project).submission
    grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(curriculum.project, 4),
        release=True,
    )
    learner_events_process(learner_id=enrolled.id)

    completed = [
        s
        for s in statements(enrolled, "completed")
        if s["object"]["id"] == page_url(curriculum.qualification)
    ]
    assert len(completed) == 1
    assert (
        completed[0]["object"]["definition"]["type"]
        == "http://activitystrea.ms/schema/1.0/collection"
    )


def test_a_statement_is_written_with_its_event_or_not_at_all(lrs_on, curriculum, enrolled):
    Statement.objects.all().delete()

    def complete_then_fail():
        with transaction.atomic():
            lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])
            assert Statement.objects.count() == 1
            raise RuntimeError("the request failed after recording the completion")

    with pytest.raises(RuntimeError):
        complete_then_fail()

    assert not Statement.objects.exists()


def test_opening_a_lesson_is_experienced_once(lrs_on, curriculum, enrolled):
    from courses.page_contexts import lesson_context

    Statement.objects.all().delete()
    lesson = curriculum.lessons()[0]

    lesson_context(lesson, request_as(enrolled))
    lesson_context(lesson, request_as(enrolled))

    [statement] = statements(enrolled)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"
    assert statement["object"]["id"] == page_url(lesson)


def test_a_visitor_who_is_not_enrolled_experiences_nothing(lrs_on, curriculum, learner):
    from courses.page_contexts import lesson_context

    lesson_context(curriculum.lessons()[0], request_as(learner))

    assert not Statement.objects.exists()


def test_the_learner_account_name_is_stable_and_opaque(lrs_on, curriculum, enrolled):
    lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])
    lesson_complete(learner=enrolled, lesson=curriculum.lessons()[1])

    names = {s["actor"]["account"]["name"] for s in statements(enrolled)}
    assert len(names) == 1
    name = names.pop()
    assert name not in (str(enrolled.id), enrolled.username, enrolled.email)
