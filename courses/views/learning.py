"""Learner actions posted from course pages: enrol, complete, attempt, submit, download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from wagtail.models import Page

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
from courses.submissions import can_view_submission, submission_make
from courses.views.errors import learner_action, messages_of
from lms.localization import canonical_specific, live_page, shown_and_canonical
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


@learner_action
def project_submit(request, project_id: int):
    shown, project = shown_and_canonical(FieldProjectPage, project_id)
    team = [name for name in request.POST.get("team", "").replace(",", " ").split() if name]
    try:
        submission_make(
            learner=request.user,
            project=project,
            report=request.POST.get("report", ""),
            files=request.FILES.getlist("files"),
            team=team,
        )
    except ValidationError as exc:
        # Show the page again with what the learner wrote, so nothing is lost.
        response = shown.serve(request)
        if isinstance(response, TemplateResponse):
            response.context_data.update(
                {
                    "form_errors": messages_of(exc),
                    "form_report": request.POST.get("report", ""),
                    "form_team": request.POST.get("team", ""),
                }
            )
            response.status_code = 400
            return response
        raise
    messages.success(request, _("Your field project is submitted. Your instructor will grade it."))
    return redirect(shown.url)


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
