"""Learning in the API: enrol, complete lessons, attempt checks, submit field projects, progress."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from courses.api.schemas import (
    AttemptIn,
    AttemptOut,
    CompletionOut,
    EnrolmentOut,
    ErrorOut,
    KnowledgeCheckOut,
    PageId,
    ProgressOut,
    SubmissionOut,
)
from courses.enrolment import enrolment_create
from courses.knowledge_checks import (
    answers_revealed,
    attempt_feedback,
    attempt_questions,
    attempt_start,
    attempt_submit,
    check_state,
)
from courses.lessons import lesson_complete
from courses.models import (
    CoursePage,
    Enrolment,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    QualificationPage,
)
from courses.outline import get_outline
from courses.progress import learner_progress
from courses.submissions import submission_make
from lms.accounts.services import api_token_user
from lms.auth import AUTH, bearer_token
from lms.errors import Conflict
from lms.localization import canonical_specific, live_page

router = Router(tags=["courses"])


def _enrol(request, model, page_id):
    page = canonical_specific(model, page_id)
    enrolment, created = enrolment_create(learner=request.auth, page=page)
    body = {
        "id": enrolment.id,
        "page": enrolment.page_id,
        "kind": enrolment.kind,
        "status": enrolment.status,
        "enrolled_at": enrolment.enrolled_at,
        "created": created,
    }
    return Status(201 if created else 200, body)


@router.post(
    "/qualifications/{qualification_id}/enrolment",
    response={200: EnrolmentOut, 201: EnrolmentOut},
    auth=AUTH,
)
def enrol_qualification(request, qualification_id: PageId):
    return _enrol(request, QualificationPage, qualification_id)


@router.post(
    "/courses/{course_id}/enrolment", response={200: EnrolmentOut, 201: EnrolmentOut}, auth=AUTH
)
def enrol_course(request, course_id: PageId):
    return _enrol(request, CoursePage, course_id)


@router.post(
    "/lessons/{lesson_id}/completion", response={200: CompletionOut, 201: CompletionOut}, auth=AUTH
)
def complete_lesson(request, lesson_id: PageId):
    lesson = canonical_specific(LessonPage, lesson_id)
    completion, created = lesson_complete(learner=request.auth, lesson=lesson)
    return Status(
        201 if created else 200,
        {"lesson": lesson.id, "completed_at": completion.completed_at, "created": created},
    )


def _caller(request):
    """The caller of an endpoint open to anyone: a bearer token's user (a wrong token is a 401),
    the session's user, or an anonymous visitor."""
    token = bearer_token(request)
    if token is None:
        return request.user
    user = api_token_user(token)
    if user is None:
        raise AuthenticationError()
    return user


def _check_body(check, shown, user, *, may_start: bool = True) -> dict:
    """A check for this caller: its rules for anyone; the questions of the current draw (started
    if needed and `may_start`) for an enrolled learner whose module is open, and the last
    attempt's feedback."""
    body = {
        "id": shown.id,
        "title": shown.title,
        "url": shown.url,
        "intro": shown.intro,
        "pass_mark": check.pass_mark,
        "max_attempts": check.max_attempts,
        "draw": check.draw,
        "time_limit_minutes": check.time_limit_minutes,
        "reveal_answers": check.reveal_answers,
        "access": "description",
        "message": "",
        "attempts_left": None,
        "passed": False,
        "attempt": None,
        "last_attempt": None,
    }
    if not getattr(user, "is_authenticated", False):
        return {**body, "message": _("Log in and enrol in the course to take this check.")}
    if not learner_progress(user).enrolled_in(get_outline().course_of(check_id=check.id) or -1):
        return {**body, "message": _("Enrol in the course to take this check.")}
    state = check_state(user, check)
    if state.current is None and state.may_start and not may_start:
        body["message"] = _(
            "A timed check starts its clock only when asked: press Start on its page, or call "
            "with a bearer token."
        )
    elif state.current is None and state.may_start:
        try:
            attempt_start(learner=user, check=check)
        except Conflict as exc:  # the module is locked, or its prerequisites are not met
            body["message"] = exc.message
        state = check_state(user, check)
    current, last = state.current, state.last_finished
    reveal = bool(last) and answers_revealed(
        check, passed=state.passed, attempts_left=state.attempts_left
    )
    body.update(
        access="learner",
        attempts_left=state.attempts_left,
        passed=state.passed,
        attempt={
            "number": current.number,
            "started_at": current.started_at,
            "deadline": current.deadline,
            "questions": [q.public() for q in attempt_questions(shown, current)],
        }
        if current
        else None,
        last_attempt={
            "number": last.number,
            "status": last.status,
            "score": last.score,
            "passed": bool(last.passed),
            "submitted_at": last.submitted_at,
            "answers_revealed": reveal,
            "feedback": attempt_feedback(shown, last, reveal),
        }
        if last
        else None,
    )
    if current is None and not body["message"]:
        body["message"] = (
            _("You have passed this check.")
            if state.passed
            else _("You have used every attempt at this check.")
        )
    return body


@router.get(
    "/knowledge-checks/{check_id}",
    response={200: KnowledgeCheckOut, 401: ErrorOut, 404: ErrorOut},
    auth=None,
)
def knowledge_check(request, check_id: PageId):
    """The check's rules for anyone. For an enrolled learner, also the questions of the attempt
    in progress: opening the check starts one (a new draw) when none is, and it stays the same
    until it is submitted (a timed check's is started only for a bearer-token caller, so that a
    link followed in a browser never starts a clock). Answers are never included before they are
    revealed."""
    shown = live_page(check_id)
    if not isinstance(shown, KnowledgeCheckPage):
        raise Http404(_("No knowledge check with id %(id)s.") % {"id": check_id})
    check = canonical_specific(KnowledgeCheckPage, check_id)
    # A link followed in a browser (a session, no token) must not start a timed check's clock.
    explicit = bearer_token(request) is not None or not check.time_limit_minutes
    return _check_body(check, shown, _caller(request), may_start=explicit)


@router.post(
    "/knowledge-checks/{check_id}/attempts",
    response={
        201: AttemptOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=AUTH,
)
def attempt(request, check_id: PageId, payload: AttemptIn):
    """Grade the attempt in progress against its draw (answers to questions not drawn are
    ignored). 409 when no attempt is in progress (GET the check first), when the check is
    passed or every attempt used, when the module is locked, and when the time limit has passed
    (the attempt then counts as used, without a score)."""
    shown = live_page(check_id)
    check = canonical_specific(KnowledgeCheckPage, check_id)
    result = attempt_submit(learner=request.auth, check=check, answers=payload.answers)
    return Status(
        201,
        {
            "attempt": result.attempt.number,
            "score": result.attempt.score,
            "passed": result.attempt.passed,
            "attempts_left": result.attempts_left,
            "answers_revealed": result.answers_revealed,
            "feedback": attempt_feedback(shown, result.attempt, result.answers_revealed),
        },
    )


@router.post("/field-projects/{project_id}/submissions", response={201: SubmissionOut}, auth=AUTH)
def submit_project(
    request,
    project_id: PageId,
    report: str = Form(...),
    team: str = Form(""),
    files: list[UploadedFile] = File(default=None),
):
    project = canonical_specific(FieldProjectPage, project_id)
    version = submission_make(
        learner=request.auth,
        project=project,
        report=report,
        files=files or [],
        team=[name for name in team.replace(",", " ").split() if name],
    )
    return Status(
        201,
        {
            "id": version.submission_id,
            "field_project": project.id,
            "status": version.submission.status,
            "version": version.number,
            "late": version.late,
            "submitted_at": version.submitted_at,
            "files": [f.original_name for f in version.files.all()],
        },
    )


@router.get("/me/progress", response=list[ProgressOut], auth=AUTH)
def my_progress(request):
    enrolments = (
        Enrolment.objects.filter(learner=request.auth)
        .select_related("snapshot")
        .order_by("enrolled_at")
    )
    rows = []
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        rows.append(
            {
                "enrolment": enrolment.id,
                "page": enrolment.page_id,
                "kind": enrolment.kind,
                "status": enrolment.status,
                "percent": snapshot.percent if snapshot else 0,
                "summary": snapshot.summary if snapshot else None,
                "updated_at": snapshot.updated_at if snapshot else None,
            }
        )
    return rows
