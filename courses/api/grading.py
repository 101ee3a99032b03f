"""Grading in the API: the queue, the answer key, grades, moderation and returns."""

from __future__ import annotations

from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from wagtail.models import Page

from courses import analytics, grading, reminders
from courses.api.schemas import (
    AnalyticsOut,
    ErrorOut,
    GradeIn,
    GradeOut,
    ModerationIn,
    NudgeIn,
    NudgeOut,
    PageId,
    QueueCountsOut,
    QueueItemDetailOut,
    ReturnIn,
    RowId,
    with_errors,
)
from courses.knowledge_checks import answer_key as check_answer_key
from courses.knowledge_checks import require_answer_key_reader
from courses.models import Enrolment, KnowledgeCheckPage
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
        "grades": [
            {
                "learner": g.learner_id,
                "percent": g.percent,
                "passed": g.passed,
                "status": g.status,
                "grader": g.grader,
            }
            for g in row.grades
        ],
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


Days = Annotated[int, Query(ge=0, le=grading.queue.MAX_WAITING_DAYS)]
FilterId = Annotated[int, Query(ge=1, le=2**31 - 1)]


@router.get(
    "/grading/submissions",
    response=with_errors({200: list[QueueItemDetailOut]}, 401, 403, 400),
    auth=AUTH,
)
def grading_submissions(
    request,
    status: Literal[grading.queue.STATUSES] = "pending",
    cohort: FilterId | None = None,
    course: FilterId | None = None,
    late: bool = False,
    waiting_days: Days | None = None,
):
    """The queue, oldest first: a tab (to_grade, to_moderate, returned, graded) or `pending`,
    `submitted`, `all`; narrowed to a cohort, a qualification or course (`course`), late work,
    or work waiting longer than `waiting_days`."""
    user = request.auth
    grading.require_grader(user)
    filters = grading.QueueFilters(cohort=cohort, page=course, late=late, waiting_days=waiting_days)
    submissions = grading.with_queue_data(
        grading.grading_queue(user, status=None if status == "all" else status, filters=filters)
    )[:QUEUE_LIMIT]
    return [_queue_item(row) for row in grading.queue_rows(submissions, user)]


@router.get(
    "/grading/queue-counts",
    response=with_errors({200: QueueCountsOut}, 401, 403, 400),
    auth=AUTH,
)
def grading_queue_counts(
    request,
    cohort: FilterId | None = None,
    course: FilterId | None = None,
    late: bool = False,
    waiting_days: Days | None = None,
):
    """How many submissions each tab of the queue holds, with the same filters."""
    grading.require_grader(request.auth)
    filters = grading.QueueFilters(cohort=cohort, page=course, late=late, waiting_days=waiting_days)
    return grading.queue_counts(request.auth, filters=filters)


def _analytics_page(user, page_id: int):
    grading.require_grader(user)
    page = get_object_or_404(Page, pk=page_id).specific
    if page.id not in {p.id for p in analytics.pages_for(user)}:
        raise PermissionDenied(_("You do not teach this course or qualification."))
    return page


def _plain(value):
    """Report values as JSON: learners by id and name, dates as ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "username"):
        return {"id": value.id, "username": value.username, "name": value.display_name}
    return value


@router.get(
    "/analytics/{page_id}",
    response=with_errors({200: AnalyticsOut}, 401, 403, 404, 400),
    auth=AUTH,
)
def analytics_report(
    request,
    page_id: PageId,
    cohort: FilterId | None = None,
    inactive_days: Annotated[int, Query(ge=1, le=365)] = analytics.AT_RISK_INACTIVE_DAYS,
):
    """A course's or qualification's analytics, the numbers behind the page's charts."""
    page = _analytics_page(request.auth, page_id)
    result = analytics.report(page=page, cohort_id=cohort, inactive_days=inactive_days)
    return {"page": page.id, **_plain({k: v for k, v in result.items() if k != "inactive_days"})}


@router.post(
    "/analytics/{page_id}/nudges",
    response=with_errors({202: NudgeOut}, 400, 401, 403, 404, 400),
    auth=AUTH,
)
def analytics_nudge(request, page_id: PageId, payload: NudgeIn):
    """Send a learner of this page the inactivity nudge by e-mail now (at most one a week
    reaches them, whoever sends it): 400 when the enrolment is not active."""
    page = _analytics_page(request.auth, page_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner", "page"), pk=payload.enrolment, page=page
    )
    reminders.learner_nudge(enrolment=enrolment)
    return 202, {
        "enrolment": enrolment.id,
        "learner": enrolment.learner_id,
        "message": "The nudge is queued; a learner gets at most one a week.",
    }


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
