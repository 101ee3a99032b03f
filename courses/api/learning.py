"""Learning in the API: enrol, complete lessons, attempt checks, write and submit field-project
reports (drafts, preview, versions and what changed), teams by invitation, progress and the
learner's deadlines."""

from __future__ import annotations

import json
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile

from courses import calendar, drafts, reports, teams
from courses.api.schemas import (
    AttemptIn,
    AttemptOut,
    CalendarOut,
    CompletionOut,
    DraftIn,
    DraftOut,
    EnrolmentOut,
    ErrorOut,
    InvitationOut,
    InvitationsIn,
    KnowledgeCheckOut,
    PageId,
    PreviewIn,
    PreviewOut,
    ProgressOut,
    RowId,
    SubmissionOut,
    TeamOut,
    VersionDiffOut,
    VersionNumber,
    with_errors,
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
from courses.submissions import submission_make, version_changes
from lms.accounts.services import api_token_user
from lms.auth import AUTH, bearer_token
from lms.errors import Conflict
from lms.localization import canonical_specific, live_page, localized

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


def _sections_field(raw: str) -> dict | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValidationError({"sections": [_("Send the sections as a JSON object.")]}) from exc
    return value


@router.post(
    "/field-projects/{project_id}/submissions",
    response=with_errors({201: SubmissionOut}, 400, 401, 403, 404, 409, 413),
    auth=AUTH,
)
def submit_project(
    request,
    project_id: PageId,
    report: str = Form(
        "", description="The whole report as one text (for a project without sections)."
    ),
    sections: str = Form(
        "", description="A JSON object mapping each report section's id to its Markdown text."
    ),
    from_draft: bool = Form(False, description="Submit the draft saved on the server."),
    team: str = Form("", description="Usernames to invite to your team (they must accept)."),
    files: list[UploadedFile] = File(default=None),
):
    """Submit a version of the report: by sections, as one text, or the saved draft."""
    project = canonical_specific(FieldProjectPage, project_id)
    texts = _sections_field(sections)
    if from_draft:
        known = {section.id for section in reports.sections_of(project)}
        saved = drafts.draft_of(request.auth, project).texts
        texts = {key: text for key, text in saved.items() if key in known}
    version = submission_make(
        learner=request.auth,
        project=project,
        report=report,
        sections=texts,
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


# --- the report editor ----------------------------------------------------------------------


def _enrolled_project(request, project_id: int) -> FieldProjectPage:
    """The (default-language) field project, for a learner enrolled in its qualification."""
    project = canonical_specific(FieldProjectPage, project_id)
    teams.require_enrolled(request.auth, project)
    return project


def _draft_out(learner, project) -> dict:
    draft = drafts.draft_of(learner, project)
    shown = reports.sections_of(localized(project))
    return {
        "field_project": project.id,
        "sections": drafts.draft_sections(draft, shown),
        "revision": draft.revision,
        "base_version": draft.base_version,
        "latest_version": draft.latest_version,
        "outdated": draft.outdated,
        "saved_at": draft.saved.updated_at if draft.saved else None,
    }


@router.get(
    "/field-projects/{project_id}/draft",
    response=with_errors({200: DraftOut}, 401, 403, 404),
    auth=AUTH,
)
def read_draft(request, project_id: PageId):
    """The learner's draft report; without one, the team's latest version to start from."""
    project = _enrolled_project(request, project_id)
    return _draft_out(request.auth, project)


@router.put(
    "/field-projects/{project_id}/draft",
    response=with_errors({200: DraftOut}, 400, 401, 403, 404, 409, 413),
    auth=AUTH,
)
def save_draft(request, project_id: PageId, payload: DraftIn):
    """Save sections of the draft (others keep their text). Send the `revision` you last read:
    409 with the stored draft when another window saved since."""
    project = canonical_specific(FieldProjectPage, project_id)
    drafts.draft_save(
        learner=request.auth,
        project=project,
        texts=payload.sections,
        expected_revision=payload.revision,
    )
    return _draft_out(request.auth, project)


@router.delete(
    "/field-projects/{project_id}/draft",
    response=with_errors({204: None}, 401, 403, 404),
    auth=AUTH,
)
def discard_draft(request, project_id: PageId):
    """Forget the draft: the editor starts again from the latest version."""
    project = _enrolled_project(request, project_id)
    drafts.draft_discard(learner=request.auth, project=project)
    return Status(204, None)


@router.post(
    "/field-projects/{project_id}/preview",
    response=with_errors({200: PreviewOut}, 400, 401, 403, 404),
    auth=AUTH,
)
def preview(request, project_id: PageId, payload: PreviewIn):
    """Markdown as the project page will show it: the same sanitiser, and its word count."""
    _enrolled_project(request, project_id)  # only enrolled learners preview
    return {
        "html": str(reports.render_markdown(payload.text)),
        "words": reports.word_count(payload.text),
    }


@router.get(
    "/submissions/{submission_id}/versions/{number}/changes",
    response=with_errors({200: VersionDiffOut}, 400, 401, 404),
    auth=AUTH,
)
def version_diff(
    request,
    submission_id: RowId,
    number: VersionNumber,
    against: int | None = Query(
        None, ge=1, le=32767, description="An earlier version; the one before if left out."
    ),
):
    """What changed in a version, section by section, word by word."""
    changes = version_changes(
        user=request.auth, submission_id=submission_id, number=number, against=against
    )
    return {
        "submission": changes.submission.id,
        "version": changes.version.number,
        "against": changes.against.number,
        "sections": changes.sections,
    }


# --- teams ----------------------------------------------------------------------------------


@router.get(
    "/field-projects/{project_id}/team",
    response=with_errors({200: TeamOut}, 401, 403, 404),
    auth=AUTH,
)
def team(request, project_id: PageId):
    """Your team (members who accepted) and your pending invitations, received and sent."""
    project = _enrolled_project(request, project_id)
    invitations = teams.invitations_of(request.auth, project)
    return {
        "field_project": project.id,
        "members": [m.username for m in teams.team_members(request.auth, project)],
        **invitations,
    }


@router.post(
    "/field-projects/{project_id}/invitations",
    response=with_errors({201: list[InvitationOut]}, 400, 401, 403, 404, 409),
    auth=AUTH,
)
def invite(request, project_id: PageId, payload: InvitationsIn):
    """Invite learners to your team. They join only when they accept; the answer never says
    whether a username exists, is enrolled or is in another team."""
    project = canonical_specific(FieldProjectPage, project_id)
    invitations = teams.team_invite(
        inviter=request.auth, project=project, usernames=payload.usernames
    )
    return Status(201, invitations)


@router.get("/me/invitations", response=with_errors({200: list[InvitationOut]}, 401), auth=AUTH)
def my_invitations(request):
    """Your pending invitations, received and sent, for every project."""
    invitations = teams.invitations_of(request.auth)
    return [*invitations["received"], *invitations["sent"]]


@router.post(
    "/invitations/{invitation_id}/{answer}",
    response=with_errors({200: InvitationOut}, 401, 403, 404, 409),
    auth=AUTH,
)
def answer_invitation(
    request, invitation_id: RowId, answer: Literal["accept", "decline", "withdraw"]
):
    """Accept (join the inviter's team: its submission becomes yours too) or decline an
    invitation you received, or withdraw one you sent that is still waiting for an answer."""
    return teams.invitation_answer(user=request.auth, invitation_id=invitation_id, answer=answer)


# --- deadlines ------------------------------------------------------------------------------


def _feed_url(request, feed) -> str:
    return request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))


@router.get("/me/calendar", response=with_errors({200: CalendarOut}, 401), auth=AUTH)
def my_calendar(request):
    """Your deadlines and the secret address of their iCalendar feed."""
    events = calendar.deadlines_for(request.auth)
    return {
        "feed_url": _feed_url(request, calendar.feed_of(request.auth)),
        "events": [
            {
                "uid": e.uid,
                "kind": e.kind,
                "title": e.title,
                "date": e.at.isoformat(),
                "all_day": e.all_day,
                "url": e.page.url if e.page is not None else None,
            }
            for e in events
        ],
    }


@router.post("/me/calendar/reset", response=with_errors({200: CalendarOut}, 401), auth=AUTH)
def reset_calendar(request):
    """A new secret feed address; the old one stops working."""
    calendar.feed_reset(learner=request.auth)
    return my_calendar(request)
