"""A new edition of the curriculum over the old one, on a site with learners in progress
(courses/curriculum/loader.py, courses/progress.py, courses/enrolment.py): the loader maps the
second edition idempotently; completions, attempts, progress and milestones survive; enrolments
keep the outline they were made with, new enrolments get the new one, and staff may move a
learner to the current outline.

The first edition (tests/fixtures/curriculum-first-edition) has checks without a draw and a
qualification that requires course one; the second (tests/fixtures/curriculum) gives each check
a bank of four questions drawn two at a time, and the qualification requires both courses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from courses.curriculum.loader import curriculum_load
from courses.enrolment import enrolment_create, enrolment_outline_update
from courses.grading import grade_moderate
from courses.knowledge_checks import attempt_start, attempt_submit, questions_of
from courses.lessons import lesson_complete
from courses.models import (
    Enrolment,
    KnowledgeCheckAttempt,
    LessonCompletion,
    Milestone,
    ProgressSnapshot,
)
from courses.progress import learner_events_process, learner_progress, progress_rebuild_all
from lms.errors import Conflict
from tests.conftest import (
    FIXTURE_CURRICULUM,
    Curriculum,
    answers_for,
    ensure_wagtail_root,
    make_instructor,
    make_user,
    submit_check,
)
from tests.courses.helpers import complete_course, complete_module, release, submit

FIRST_EDITION = Path(__file__).parent.parent / "fixtures" / "curriculum-first-edition"
Kind = Milestone.Kind


@pytest.fixture
def first_edition(db):
    ensure_wagtail_root()
    curriculum_load(content_dir=FIRST_EDITION)
    return Curriculum()


def process(*learners):
    for learner in learners:
        learner_events_process(learner_id=learner.id)


def learning_records(learners) -> dict:
    """Everything learners did and what follows from it, to compare before and after a load."""
    return {
        "completions": sorted(
            LessonCompletion.objects.filter(learner__in=learners).values_list(
                "learner_id", "lesson_id", "completed_at"
            )
        ),
        "attempts": sorted(
            KnowledgeCheckAttempt.objects.filter(learner__in=learners).values_list(
                "id", "number", "status", "drawn", "answers", "results", "score", "passed"
            ),
            key=lambda row: row[0],
        ),
        "requirements": sorted(
            Enrolment.objects.filter(learner__in=learners).values_list(
                "id", "requirements", "status"
            )
        ),
        "snapshots": sorted(
            ProgressSnapshot.objects.filter(enrolment__learner__in=learners).values_list(
                "enrolment_id", "percent", "facts"
            )
        ),
        "milestones": sorted(
            Milestone.objects.filter(enrolment__learner__in=learners).values_list(
                "enrolment_id", "kind", "page_id", "achieved_at"
            )
        ),
    }


def qualification_percent(learner, curriculum) -> int:
    return learner_progress(learner).summaries[curriculum.qualification.id]["percent"]


def test_the_second_edition_loads_over_the_first_and_learners_keep_their_progress(first_edition):
    curriculum = first_edition
    qualification = curriculum.qualification
    check = curriculum.checks()[0]
    assert check.draw == 0 and len(questions_of(check)) == 2  # the first edition asks all

    ada = make_user("learner", "ada")  # finished course one
    ben = make_user("learner", "ben")  # lessons done, failed the check, a retake in progress
    for learner in (ada, ben):
        enrolment_create(learner=learner, page=qualification)
    complete_course(ada, curriculum, "course-one")
    for lesson in curriculum.lessons()[:2]:
        lesson_complete(learner=ben, lesson=lesson)
    submit_check(learner=ben, check=check, answers=answers_for(check, correct=False))
    in_progress = attempt_start(learner=ben, check=check)
    process(ada, ben)
    before = learning_records([ada, ben])
    percents = {p.id: qualification_percent(p, curriculum) for p in (ada, ben)}
    assert percents[ada.id] == 86  # course one (6 items of 6), and the field project to come
    assert Milestone.objects.filter(enrolment__learner=ada, kind=Kind.COURSE_COMPLETE).exists()

    report = curriculum_load(content_dir=FIXTURE_CURRICULUM)
    assert report.updated and not report.kept_author_edits
    check.refresh_from_db()
    assert check.draw == 2 and len(questions_of(check)) == 4
    first_question = questions_of(check)[0]
    assert all(c.feedback for c in first_question.choices) and not first_question.scenario

    # What learners did is untouched, and what follows from it is the same.
    assert learning_records([ada, ben]) == before
    assert {p.id: qualification_percent(p, curriculum) for p in (ada, ben)} == percents
    summary = learner_progress(ada).summaries[qualification.id]
    assert [c["id"] for c in summary["courses"]] == [curriculum.course().id]
    progress_rebuild_all()
    after = learning_records([ada, ben])
    assert after["snapshots"] == before["snapshots"]
    assert after["milestones"] == before["milestones"]

    # The retake in progress keeps its draw (the whole first-edition bank) and is graded on it.
    result = attempt_submit(learner=ben, check=check, answers=answers_for(check))
    assert result.attempt.id == in_progress.id and len(result.attempt.results) == 2
    assert result.attempt.score == 100
    # The next learner draws from the new bank.
    cleo = make_user("learner", "cleo")
    enrolment_create(learner=cleo, page=qualification)
    assert len(attempt_start(learner=cleo, check=check).drawn) == 2

    # A second load changes nothing.
    again = curriculum_load(content_dir=FIXTURE_CURRICULUM)
    assert not again.created and not again.updated and not again.kept_author_edits


def test_enrolments_keep_their_outline_and_new_ones_get_the_new_one(first_edition):
    curriculum = first_edition
    qualification = curriculum.qualification
    early = make_user("learner", "early")
    enrolment_create(learner=early, page=qualification)
    curriculum_load(content_dir=FIXTURE_CURRICULUM)
    late = make_user("learner", "late")
    enrolment_create(learner=late, page=qualification)

    one, two = curriculum.course("course-one").id, curriculum.course("course-two").id
    kept = Enrolment.objects.get(learner=early, page=qualification)
    new = Enrolment.objects.get(learner=late, page=qualification)
    assert kept.requirements == {"courses": [one], "evidence_required": False}
    assert new.requirements == {"courses": [one, two], "evidence_required": False}
    assert set(Enrolment.objects.filter(learner=late).values_list("page_id", flat=True)) == {
        qualification.id,
        one,
        two,
    }
    assert not Enrolment.objects.filter(learner=early, page_id=two).exists()

    # Enrolling again changes nothing for the early learner: they keep their outline.
    enrolment_create(learner=early, page=qualification)
    kept.refresh_from_db()
    assert kept.requirements["courses"] == [one]
    assert not Enrolment.objects.filter(learner=early, page_id=two).exists()

    # Both finish course one and pass the field project: only the early learner has met
    # the requirements; the late one still needs course two.
    instructor = make_instructor("ines")
    moderator = make_instructor("moritz")
    for learner in (early, late):
        complete_course(learner, curriculum, "course-one")
        submission = submit(learner, curriculum.project).submission
        release(instructor, submission, 3)
        grade_moderate(moderator=moderator, submission=submission, agree=True)
    process(early, late)
    met = set(
        Milestone.objects.filter(kind=Kind.REQUIREMENTS_MET).values_list(
            "enrolment__learner__username", flat=True
        )
    )
    assert met == {"early"}
    assert learner_progress(early).summaries[qualification.id]["percent"] == 100
    assert learner_progress(late).summaries[qualification.id]["percent"] == 54  # 7 of 13

    kept.refresh_from_db()
    with pytest.raises(Conflict, match="met the requirements"):
        enrolment_outline_update(enrolment=kept)


def test_staff_move_a_learner_to_the_current_outline(first_edition):
    curriculum = first_edition
    qualification = curriculum.qualification
    learner = make_user("learner", "mover")
    enrolment = enrolment_create(learner=learner, page=qualification)[0]
    complete_module(learner, curriculum, "course-one", 0)
    process(learner)
    curriculum_load(content_dir=FIXTURE_CURRICULUM)
    before = learner_progress(learner).summaries[qualification.id]
    assert len(before["courses"]) == 1 and before["percent"] == 43  # 3 of 6 items + project

    staff = make_user("staff", "stella")
    client = Client()
    client.force_login(staff)
    listing = client.get("/admin/enrolment/").content.decode()
    url = f"/admin/enrolment/current-outline/{enrolment.id}/"
    assert url in listing
    page = client.get(url)
    assert page.status_code == 200 and "Course Two" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302

    enrolment.refresh_from_db()
    one, two = curriculum.course("course-one").id, curriculum.course("course-two").id
    assert enrolment.requirements["courses"] == [one, two]
    assert Enrolment.objects.filter(learner=learner, page_id=two, via=enrolment).exists()
    summary = enrolment.snapshot.summary
    assert [c["id"] for c in summary["courses"]] == [one, two]
    assert summary["courses"][0]["done"] == 3  # what was done still counts
    assert enrolment_outline_update(enrolment=enrolment) is False
    assert url not in client.get("/admin/enrolment/").content.decode()


def test_learners_cannot_move_an_outline(first_edition):
    learner = make_user("learner", "lara")
    enrolment = enrolment_create(learner=learner, page=first_edition.qualification)[0]
    client = Client()
    client.force_login(learner)
    response = client.post(f"/admin/enrolment/current-outline/{enrolment.id}/")
    assert response.status_code in (302, 403)
    enrolment.refresh_from_db()
    assert enrolment.requirements["courses"] == [first_edition.course("course-one").id]
