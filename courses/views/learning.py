"""Learner actions posted from course pages (enrol, complete, attempt, save and submit the
report, invite and answer team-mates, download) and the learner's own pages: what changed between
versions, and the calendar of deadlines with its feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET
from wagtail.models import Locale, Page

from courses import calendar, teams
from courses.drafts import draft_discard, draft_save
from courses.enrolment import enrolment_create
from courses.knowledge_checks import AttemptExpired, attempt_start, attempt_submit
from courses.lessons import lesson_complete as complete_lesson
from courses.models import (
    CoursePage,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    QualificationPage,
    SubmissionFile,
)
from courses.reports import changes_html
from courses.submissions import can_view_submission, submission_make, version_changes
from courses.views.errors import handles_rule_errors, learner_action, messages_of
from lms.localization import canonical_specific, live_page, localized, shown_and_canonical
from lms.storage import private_file_response


def _back(request, page: Page, fallback_page: Page | None = None):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect((fallback_page or page).url)


@learner_action
def enrol(request, page_id: int):
    shown = live_page(page_id)
    if not isinstance(shown, CoursePage | QualificationPage):
        raise ValidationError(_("Only courses and qualifications take enrolments."))
    page = canonical_specific(type(shown), page_id)
    _enrolment, created = enrolment_create(learner=request.user, page=page)
    if created:
        messages.success(request, _("You are enrolled in %(title)s.") % {"title": shown.title})
    else:
        messages.info(
            request, _("You were already enrolled in %(title)s.") % {"title": shown.title}
        )
    return _back(request, shown)


@learner_action
def lesson_complete(request, lesson_id: int):
    shown, lesson = shown_and_canonical(LessonPage, lesson_id)
    _completion, created = complete_lesson(learner=request.user, lesson=lesson)
    if created:
        messages.success(request, _("Lesson marked complete."))
    return _back(request, shown)


@learner_action
def check_start(request, check_id: int):
    """Start an attempt (a new draw) at a check, or resume the one in progress."""
    shown, check = shown_and_canonical(KnowledgeCheckPage, check_id)
    attempt_start(learner=request.user, check=check)
    return redirect(shown.url + "#questions")


@learner_action
def check_attempt(request, check_id: int):
    shown, check = shown_and_canonical(KnowledgeCheckPage, check_id)
    answers = {}
    for key in request.POST:
        if key.startswith("q-"):
            values = request.POST.getlist(key)
            answers[key[2:]] = values if len(values) > 1 else values[0]
    try:
        result = attempt_submit(learner=request.user, check=check, answers=answers)
    except AttemptExpired as exc:
        messages.error(request, exc.message)
        return redirect(shown.url + "#results")
    if result.attempt.passed:
        messages.success(
            request, _("You scored %(score)s%% and passed.") % {"score": result.attempt.score}
        )
    else:
        messages.warning(
            request,
            _("You scored %(score)s%%; the pass mark is %(mark)s%%.")
            % {"score": result.attempt.score, "mark": check.pass_mark},
        )
    return redirect(shown.url + "#results")


def _posted_sections(request) -> dict | None:
    texts = {
        key[len("section-") :]: value
        for key, value in request.POST.items()
        if key.startswith("section-")
    }
    return texts or None


def _project_page_again(request, shown, exc: ValidationError, **form):
    """The project page once more, with the errors and everything the learner typed."""
    response = shown.serve(request)
    if not isinstance(response, TemplateResponse):
        raise exc
    context = response.context_data
    texts = form.pop("sections", None) or {}
    for item in context.get("editor_sections", []):
        item["text"] = texts.get(item["id"], item["text"])
    context.update({"form_errors": messages_of(exc), **form})
    response.status_code = 400
    return response


def _names(value: str) -> list[str]:
    return [name for name in value.replace(",", " ").split() if name]


@learner_action
def project_submit(request, project_id: int):
    """Save the report's sections as the draft, then (unless only saving) submit them."""
    shown, project = shown_and_canonical(FieldProjectPage, project_id)
    texts = _posted_sections(request)
    try:
        if texts is not None:
            # Saved first: a submission refused below leaves the text in the draft.
            draft_save(learner=request.user, project=project, texts=texts)
        if request.POST.get("action") == "draft":
            messages.success(request, _("Draft saved."))
            return redirect(shown.url + "#editor")
        submission_make(
            learner=request.user,
            project=project,
            report=request.POST.get("report", ""),
            sections=texts,
            files=request.FILES.getlist("files"),
            team=_names(request.POST.get("team", "")),
        )
    except ValidationError as exc:
        return _project_page_again(
            request,
            shown,
            exc,
            sections=texts,
            form_report=request.POST.get("report", ""),
            form_team=request.POST.get("team", ""),
        )
    messages.success(request, _("Your field project is submitted. Your instructor will grade it."))
    return redirect(shown.url)


@learner_action
def project_draft_discard(request, project_id: int):
    shown, project = shown_and_canonical(FieldProjectPage, project_id)
    teams.require_enrolled(request.user, project)
    draft_discard(learner=request.user, project=project)
    messages.info(request, _("The editor now starts from your team's latest version."))
    return redirect(shown.url + "#editor")


@learner_action
def team_invite(request, project_id: int):
    shown, project = shown_and_canonical(FieldProjectPage, project_id)
    try:
        invitations = teams.team_invite(
            inviter=request.user, project=project, usernames=_names(request.POST.get("team", ""))
        )
    except ValidationError as exc:
        return _project_page_again(
            request, shown, exc, form_team=request.POST.get("team", ""), team_errors=True
        )
    messages.success(
        request,
        ngettext(
            "Invitation sent. Your team-mate joins once they accept.",
            "%(n)s invitations sent. Your team-mates join once they accept.",
            len(invitations),
        )
        % {"n": len(invitations)},
    )
    return redirect(shown.url + "#team")


ANSWERED = {
    "accept": gettext_lazy("You joined the team."),
    "decline": gettext_lazy("Invitation declined."),
    "withdraw": gettext_lazy("Invitation withdrawn."),
}


@learner_action
def invitation_answer(request, invitation_id: int, answer: str):
    invitation = teams.invitation_answer(
        user=request.user, invitation_id=invitation_id, answer=answer
    )
    messages.success(request, str(ANSWERED[answer]))
    return redirect(localized(invitation.field_project).url + "#team")


@login_required
@handles_rule_errors
def version_diff(request, submission_id: int, number: int):
    """What changed in a version since the one before (or `?against=`), for the team and its
    graders."""
    against = request.GET.get("against", "")
    changes = version_changes(
        user=request.user,
        submission_id=submission_id,
        number=number,
        against=int(against) if against.isdigit() else None,
    )
    project = localized(changes.submission.field_project.specific)
    return render(
        request,
        "courses/version_diff.html",
        {
            "project": project,
            "changes": changes,
            "sections": [
                {**item, "html": changes_html(item["changes"])} for item in changes.sections
            ],
            "earlier": range(1, changes.version.number),
            "is_grader": not changes.submission.members.filter(learner=request.user).exists(),
        },
    )


# --- the learner's deadlines -----------------------------------------------------------------


@login_required
def calendar_page(request):
    events = calendar.deadlines_for(request.user, Locale.get_active())
    today = timezone.localdate()
    feed = calendar.feed_of(request.user)
    return render(
        request,
        "courses/calendar.html",
        {
            "upcoming": [e for e in events if not e.is_past(today)],
            "past": [e for e in events if e.is_past(today)],
            "feed_url": request.build_absolute_uri(reverse("calendar-feed", args=[feed.token])),
        },
    )


@learner_action
def calendar_reset(request):
    calendar.feed_reset(learner=request.user)
    messages.success(
        request,
        _("Your calendar has a new address. Subscribe to it again; the old one no longer works."),
    )
    return redirect("calendar")


@require_GET
def calendar_feed(request, token: str):
    """The learner's deadlines as iCalendar, for calendar apps: the secret address is the key."""
    learner = calendar.feed_owner(token)
    if learner is None:
        raise Http404(_("No such calendar."))
    body = calendar.ics_of(
        calendar.deadlines_for(learner, Locale.get_active()),
        site=f"{request.scheme}://{request.get_host()}",
        calendar_name=_("Cluster Manager Academy deadlines"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def submission_file(request, file_id: int):
    stored = get_object_or_404(
        SubmissionFile.objects.select_related("version__submission"), pk=file_id
    )
    if not can_view_submission(request.user, stored.version.submission):
        raise PermissionDenied
    return private_file_response(
        stored.file, filename=stored.original_name, content_type=stored.content_type, sandbox=True
    )
