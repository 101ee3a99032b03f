"""The progress pipeline (courses/progress.py, courses/tasks.py, courses/outline.py): events
recorded once, folded idempotently and in any order, rebuilt exactly, milestones and the award
recorded once, nothing lost when the broker is down, and progress on the dashboard.
"""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from certificates.models import Award
from courses.grading import grade_moderate
from courses.lessons import lesson_complete
from courses.models import (
    Enrolment,
    LessonPage,
    Milestone,
    ProgressEvent,
    ProgressSnapshot,
)
from courses.outline import get_outline
from courses.progress import (
    apply_event,
    event_record,
    learner_events_process,
    relevant_enrolments,
    snapshot_rebuild,
    summarise,
    unprocessed_learners_sweep,
)
from tests.conftest import answers_for, submit_check
from tests.courses.helpers import (
    complete_course,
    complete_module,
    release,
    submit,
)

Kind = Milestone.Kind


def process(learner) -> int:
    return learner_events_process(learner_id=learner.id)


def snapshots(learner=None) -> dict[int, tuple]:
    rows = ProgressSnapshot.objects.all()
    if learner is not None:
        rows = rows.filter(enrolment__learner=learner)
    return {
        s.enrolment_id: (s.facts, s.summary, s.percent, s.last_activity_at)
        for s in rows.order_by("enrolment_id")
    }


def milestones(learner) -> list[tuple]:
    return sorted(
        Milestone.objects.filter(enrolment__learner=learner).values_list(
            "enrolment__page_id", "kind", "page_id"
        )
    )


@pytest.fixture
def some_progress(curriculum, enrolled):
    """Lessons, a failed and a passed attempt, and a submission: a mixed event history."""
    complete_module(enrolled, curriculum, "course-one", 0)
    check = curriculum.checks("course-one")[1]
    for lesson in curriculum.lessons("course-one")[2:]:
        lesson_complete(learner=enrolled, lesson=lesson)
    submit_check(learner=enrolled, check=check, answers=answers_for(check, correct=False))
    submit(enrolled, curriculum.project)
    return enrolled


def unprocess(learner):
    ProgressEvent.objects.filter(learner=learner).update(processed_at=None)


# --- recording ------------------------------------------------------------------------------


def test_recording_is_idempotent_by_key(learner):
    first = event_record(
        learner_id=learner.id, kind="lesson_completed", key="lesson:x", payload={"lesson": 1}
    )
    second = event_record(
        learner_id=learner.id, kind="lesson_completed", key="lesson:x", payload={"lesson": 1}
    )
    assert (first, second) == (True, False)
    assert ProgressEvent.objects.filter(key="lesson:x").count() == 1


def test_every_fact_writes_one_event(curriculum, some_progress):
    kinds = list(ProgressEvent.objects.filter(learner=some_progress).values_list("kind", flat=True))
    assert kinds.count("enrolled") == 3
    assert kinds.count("lesson_completed") == 4
    assert kinds.count("check_attempted") == 2
    assert kinds.count("project_submitted") == 1
    assert not ProgressEvent.objects.filter(processed_at__isnull=False).exists()


# --- folding --------------------------------------------------------------------------------


def test_processing_folds_events_into_each_enrolment(curriculum, some_progress):
    assert process(some_progress) == 10
    qualification = Enrolment.objects.get(learner=some_progress, kind="qualification")
    course_one = Enrolment.objects.get(learner=some_progress, page=curriculum.course())
    course_two = Enrolment.objects.get(learner=some_progress, page=curriculum.course("course-two"))

    summary = course_one.snapshot.summary
    assert [(m["done"], m["total"]) for m in summary["modules"]] == [(3, 3), (2, 3)]
    assert summary["percent"] == 83 and course_one.snapshot.percent == 83
    assert summary["next"] == {"kind": "check", "id": curriculum.checks()[1].id}
    assert course_two.snapshot.percent == 0

    qualification_summary = qualification.snapshot.summary
    assert qualification_summary["project"]["submitted"] is True
    assert (qualification_summary["done"], qualification_summary["total"]) == (5, 13)
    assert not ProgressEvent.objects.filter(processed_at__isnull=True).exists()
    assert process(some_progress) == 0


def test_folding_the_same_events_twice_changes_nothing(curriculum, some_progress):
    process(some_progress)
    before = snapshots(some_progress)
    unprocess(some_progress)
    assert process(some_progress) == 10
    assert snapshots(some_progress) == before


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_events_in_any_order_give_the_same_facts(curriculum, some_progress, seed):
    outline = get_outline()
    events = list(ProgressEvent.objects.filter(learner=some_progress).order_by("id"))
    shuffled = events[:]
    random.Random(seed).shuffle(shuffled)
    for enrolment in Enrolment.objects.filter(learner=some_progress):
        in_order = snapshot_rebuild(enrolment, outline)
        facts: dict = {}
        for event in shuffled + shuffled[:3]:  # and a few applied twice
            if event.kind != ProgressEvent.Kind.ENROLLED and enrolment in relevant_enrolments(
                event, [enrolment], outline
            ):
                apply_event(facts, event)
        facts.setdefault("last_activity", in_order.get("last_activity"))
        assert facts == in_order
        assert summarise(enrolment, facts, outline) == summarise(enrolment, in_order, outline)


def test_processing_in_several_batches_gives_the_same_snapshots(curriculum, some_progress):
    """A worker that picks up events as they come must end where one big fold ends."""
    process(some_progress)
    all_at_once = snapshots(some_progress)
    ProgressSnapshot.objects.all().delete()
    unprocess(some_progress)
    for event in ProgressEvent.objects.filter(learner=some_progress).order_by("id"):
        ProgressEvent.objects.filter(id__gt=event.id).update(processed_at=timezone.now())
        process(some_progress)
        ProgressEvent.objects.filter(id__gt=event.id).update(processed_at=None)
    assert snapshots(some_progress) == all_at_once


# --- rebuilding -----------------------------------------------------------------------------


def test_rebuild_progress_reproduces_every_snapshot_exactly(
    curriculum, some_progress, other_learner
):
    from courses.enrolment import enrolment_create

    enrolment_create(learner=other_learner, page=curriculum.course())
    lesson_complete(learner=other_learner, lesson=curriculum.lessons()[0])
    process(some_progress)
    process(other_learner)
    before = snapshots()
    assert len(before) == 4

    call_command("rebuild_progress", stdout=io.StringIO())
    assert snapshots() == before

    ProgressSnapshot.objects.update(facts={}, summary={}, percent=0, last_activity_at=None)
    call_command("rebuild_progress", stdout=io.StringIO())
    assert snapshots() == before


# --- milestones and the award ---------------------------------------------------------------


def test_milestones_are_recorded_once(curriculum, enrolled):
    complete_module(enrolled, curriculum, "course-one", 0)
    process(enrolled)
    course_one = curriculum.course()
    module_one = curriculum.checks()[0].get_parent()
    assert milestones(enrolled) == [(course_one.id, Kind.MODULE_COMPLETE, module_one.id)]

    complete_module(enrolled, curriculum, "course-one", 1)
    process(enrolled)
    unprocess(enrolled)
    process(enrolled)
    call_command("rebuild_progress", stdout=io.StringIO())
    module_two = curriculum.checks()[1].get_parent()
    qualification = curriculum.qualification
    assert milestones(enrolled) == sorted(
        [
            (course_one.id, Kind.MODULE_COMPLETE, module_one.id),
            (course_one.id, Kind.MODULE_COMPLETE, module_two.id),
            (course_one.id, Kind.COURSE_COMPLETE, course_one.id),
            (qualification.id, Kind.COURSE_COMPLETE, course_one.id),
        ]
    )
    assert Enrolment.objects.get(learner=enrolled, page=course_one).status == "completed"


def _pass_the_project(curriculum, learner, instructor, second_instructor):
    submission = submit(learner, curriculum.project).submission
    release(instructor, submission, 3)
    grade_moderate(moderator=second_instructor, submission=submission, agree=True)


def test_meeting_every_requirement_creates_exactly_one_award(
    curriculum, enrolled, instructor, second_instructor
):
    complete_course(enrolled, curriculum, "course-one")
    complete_course(enrolled, curriculum, "course-two")
    process(enrolled)
    assert not Award.objects.exists()

    _pass_the_project(curriculum, enrolled, instructor, second_instructor)
    process(enrolled)
    qualification = curriculum.qualification
    met = Milestone.objects.get(kind=Kind.REQUIREMENTS_MET)
    assert (met.enrolment.page_id, met.page_id) == (qualification.id, qualification.id)
    assert Milestone.objects.filter(kind=Kind.PROJECT_PASSED, page=curriculum.project).count() == 1
    award = Award.objects.get()
    assert (award.learner, award.qualification_id) == (enrolled, qualification.id)
    assert award.achieved_at == met.achieved_at
    qualification_enrolment = Enrolment.objects.get(learner=enrolled, page=qualification)
    assert qualification_enrolment.status == "completed"
    assert qualification_enrolment.snapshot.percent == 100

    unprocess(enrolled)
    process(enrolled)
    call_command("rebuild_progress", stdout=io.StringIO())
    assert Award.objects.count() == 1
    assert Milestone.objects.filter(kind=Kind.REQUIREMENTS_MET).count() == 1


def test_a_failed_project_meets_no_requirement(curriculum, enrolled, instructor, second_instructor):
    complete_course(enrolled, curriculum, "course-one")
    complete_course(enrolled, curriculum, "course-two")
    submission = submit(enrolled, curriculum.project).submission
    release(instructor, submission, 2)
    grade_moderate(moderator=second_instructor, submission=submission, agree=True)
    process(enrolled)
    assert not Milestone.objects.filter(kind__in=[Kind.PROJECT_PASSED, Kind.REQUIREMENTS_MET])
    assert not Award.objects.exists()


# --- a broker outage ------------------------------------------------------------------------


def test_events_left_unprocessed_by_a_broker_outage_are_swept_up(
    curriculum, learner, instructor, second_instructor, django_capture_on_commit_callbacks
):
    from courses.enrolment import enrolment_create
    from courses.tasks import sweep_progress_events

    # The broker is down: what would enqueue the progress task after commit never runs.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        enrolment_create(learner=learner, page=curriculum.qualification)
        complete_course(learner, curriculum, "course-one")
        complete_course(learner, curriculum, "course-two")
        _pass_the_project(curriculum, learner, instructor, second_instructor)
    assert lost, "the work did try to enqueue the progress task"
    assert ProgressEvent.objects.filter(learner=learner, processed_at__isnull=True).count() == 17
    assert not ProgressSnapshot.objects.exists() and not Award.objects.exists()

    # The sweep leaves fresh events to the task that may still be on its way ...
    assert unprocessed_learners_sweep() == []
    # ... and picks them up once they are old enough (eager Celery runs the task inline).
    assert unprocessed_learners_sweep(older_than_seconds=0) == [learner.id]

    assert not ProgressEvent.objects.filter(processed_at__isnull=True).exists()
    qualification = Enrolment.objects.get(learner=learner, page=curriculum.qualification)
    assert qualification.snapshot.percent == 100
    assert Award.objects.filter(learner=learner).count() == 1
    swept = snapshots(learner)
    call_command("rebuild_progress", stdout=io.StringIO())
    assert snapshots(learner) == swept
    assert sweep_progress_events.delay().get() == 0


def test_the_progress_task_runs_after_commit(
    curriculum, enrolled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])
    assert not ProgressEvent.objects.filter(processed_at__isnull=True).exists()
    assert Enrolment.objects.get(learner=enrolled, page=curriculum.course()).snapshot.percent == 17


# --- the outline follows the page tree ------------------------------------------------------


def test_publishing_a_lesson_updates_the_outline_and_progress(curriculum, enrolled):
    complete_module(enrolled, curriculum, "course-one", 0)
    process(enrolled)
    module = curriculum.checks()[0].get_parent()
    assert len(get_outline().courses[curriculum.course().id].modules[0].lesson_ids) == 2

    module.add_child(
        instance=LessonPage(
            title="Lesson 1.3",
            slug="lesson-1-3",
            summary="New.",
            body=[{"type": "rich_text", "value": "<p>New.</p>"}],
        )
    )
    course_outline = get_outline().courses[curriculum.course().id]
    assert len(course_outline.modules[0].lesson_ids) == 3
    new_lesson = LessonPage.objects.get(slug="lesson-1-3")
    assert get_outline().lesson_module[new_lesson.id] == module.id

    new_lesson.unpublish()
    assert new_lesson.id not in get_outline().lesson_module


# --- the dashboard --------------------------------------------------------------------------


def test_the_dashboard_shows_progress_per_course_and_module(client, curriculum, some_progress):
    """Before a worker folds the events the dashboard already shows them (it folds the pending
    ones the same way), and the figures do not move when the worker has."""
    client.force_login(some_progress)
    before = client.get("/en/dashboard/").content.decode()
    process(some_progress)
    body = client.get("/en/dashboard/").content.decode()
    figures = 'value="38" aria-label="Test Qualification"'
    assert figures in before and figures in body
    assert "Test Qualification" in body
    assert 'value="38" aria-label="Test Qualification"' in body  # 5 of 13 parts
    assert 'value="83" aria-label="Course One"' in body
    assert 'value="0" aria-label="Course Two"' in body
    assert 'value="100" aria-label="Module 1"' in body
    assert 'value="67" aria-label="Module 2"' in body
    assert f'href="{curriculum.checks()[1].url}">Check</a>' in body  # next step
    assert "Field project deadline:" in body
    assert '<svg class="chart"' in body

    chinese = client.get("/zh-hans/dashboard/").content.decode()
    assert 'aria-label="Course One（中文）"' in chinese  # noqa: RUF001
    assert 'aria-label="模块1"' in chinese
