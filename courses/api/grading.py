"""Grading in the API: the queue, the answer key, grades, moderation and returns."""

from __future__ import annotations

from typing import Literal

from ninja import Router

from courses import grading
from courses.api.schemas import (
    ErrorOut,
    GradeIn,
    GradeOut,
    ModerationIn,
    PageId,
    QueueItemOut,
    ReturnIn,
    RowId,
)
from courses.knowledge_checks import answer_key as check_answer_key
from courses.knowledge_checks import require_answer_key_reader
from courses.models import KnowledgeCheckPage
from lms.auth import AUTH
from lms.localization import canonical_specific

router = Router(tags=["courses"])

QUEUE_LIMIT = 500


def _queue_item(row: grading.queue.QueueRow) -> dict:
    names = [m.username for m in row.members]
    return {
        "id": row.submission.id,
        "field_project": row.submission.field_project_id,
        "learner": names[0] if len(names) == 1 else ", ".join(n or "(anonymous)" for n in names),
        "learners": names,
        # Ids to name a team member in a grade (`learner`); no name is revealed by them.
        "learner_ids": [m.id for m in row.members],
        "submitted_at": row.submission.latest_submitted_at,
        "late": row.late,
        "version": row.submission.version_count,
        "status": row.submission.status,
        "awaiting_moderation": row.awaiting_moderation,
    }


@router.get(
    "/knowledge-checks/{check_id}/answer-key",
    response={200: dict[str, list[str]], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
)
def answer_key(request, check_id: PageId):
    """Every question of the check's bank by id, with the ids of its right choices: for the
    instructors and staff of the check's course."""
    check = canonical_specific(KnowledgeCheckPage, check_id)
    require_answer_key_reader(request.auth, check)
    return check_answer_key(check)


@router.get("/grading/submissions", response=list[QueueItemOut], auth=AUTH)
def grading_submissions(request, status: Literal[grading.queue.STATUSES] = "pending"):
    user = request.auth
    grading.require_grader(user)
    submissions = grading.with_queue_data(
        grading.grading_queue(user, status=None if status == "all" else status)
    )[:QUEUE_LIMIT]
    return [_queue_item(row) for row in grading.queue_rows(submissions, user)]


def _options(payload) -> dict:
    """A grading payload as the action's options (the API's names → the rules' names)."""
    options = payload.model_dump()
    options["learner_id"] = options.pop("learner")
    options["expected_revision"] = options.pop("revision")
    return options


@router.post("/grading/submissions/{submission_id}/grade", response=GradeOut, auth=AUTH)
def grade_submission(request, submission_id: RowId, payload: GradeIn):
    submission = grading.submission_for_grader(request.auth, submission_id)
    return grading.grade_save(grader=request.auth, submission=submission, **_options(payload))


@router.post("/grading/submissions/{submission_id}/moderation", response=GradeOut, auth=AUTH)
def moderate_submission(request, submission_id: RowId, payload: ModerationIn):
    submission = grading.submission_for_grader(request.auth, submission_id)
    return grading.grade_moderate(
        moderator=request.auth, submission=submission, **_options(payload)
    )


@router.post("/grading/submissions/{submission_id}/return", response={200: dict}, auth=AUTH)
def return_submission(request, submission_id: RowId, payload: ReturnIn):
    submission = grading.submission_for_grader(request.auth, submission_id)
    revision_request = grading.submission_return(
        instructor=request.auth,
        submission=submission,
        feedback=payload.feedback,
        due_at=payload.due_at,
    )
    return {
        "submission": submission.id,
        "status": "returned",
        "version": revision_request.version.number,
        "due_at": revision_request.due_at.isoformat(),
    }
