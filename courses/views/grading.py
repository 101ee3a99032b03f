"""Instructor pages: the grading queue, rubric grading, moderation, returns and analytics."""

import csv
from datetime import UTC, date, datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from wagtail.models import Page

from courses import analytics, grading, reminders
from courses.models import (
    Enrolment,
    Grade,
    GradeChange,
    Submission,
    SubmissionFile,
)
from courses.reports import changes_html, sections_of, version_sections, versions_diff
from courses.views.errors import action_error, handles_rule_errors, learner_action, messages_of
from lms.errors import Conflict
from lms.localization import localized
from lms.storage import private_file_response

PDF = "application/pdf"

QUEUE_PAGE_SIZE = 25


class QueueFilterForm(forms.Form):
    """The queue's filters, as GET parameters."""

    cohort = forms.TypedChoiceField(label=_lazy("Cohort"), required=False, coerce=int)
    course = forms.TypedChoiceField(
        label=_lazy("Qualification or course"), required=False, coerce=int
    )
    late = forms.BooleanField(label=_lazy("Late only"), required=False)
    waiting = forms.IntegerField(
        label=_lazy("Waiting longer than (days)"),
        required=False,
        min_value=0,
        max_value=grading.queue.MAX_WAITING_DAYS,
    )

    def __init__(self, data, *, choices: dict):
        super().__init__(data)
        everything = [("", _lazy("All"))]
        self.fields["cohort"].choices = everything + [(str(i), n) for i, n in choices["cohorts"]]
        self.fields["course"].choices = everything + [(str(i), t) for i, t in choices["pages"]]

    def queue_filters(self) -> grading.QueueFilters:
        data = self.cleaned_data
        return grading.QueueFilters(
            cohort=data["cohort"] if data["cohort"] != "" else None,
            page=data["course"] if data["course"] != "" else None,
            late=data["late"],
            waiting_days=data["waiting"],
        )


QUEUE_TAB_LABELS = {
    "to_grade": _lazy("To grade"),
    "to_moderate": _lazy("To moderate"),
    "returned": _lazy("Returned"),
    "graded": _lazy("Graded"),
}


@login_required
def queue(request):
    """The instructor's work: tabs with counts, filters, oldest first, a page at a time."""
    grading.require_grader(request.user)
    tab = request.GET.get("status", "to_grade")
    if tab not in grading.queue.TABS:
        tab = "to_grade"
    form = QueueFilterForm(request.GET, choices=grading.queue_filter_choices(request.user))
    valid = form.is_valid()
    filters = form.queue_filters() if valid else grading.QueueFilters()
    counts = grading.queue_counts(request.user, filters=filters)
    submissions = grading.grading_queue(request.user, status=tab, filters=filters)
    page = Paginator(grading.with_queue_data(submissions), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kept = request.GET.copy()
    kept.pop("page", None)
    kept.pop("status", None)
    return render(
        request,
        "courses/grading/queue.html",
        {
            "page": page,
            "rows": grading.queue_rows(page.object_list, request.user),
            "status": tab,
            "tabs": [
                {"id": t, "label": QUEUE_TAB_LABELS[t], "count": counts[t]}
                for t in grading.queue.TABS
            ],
            "form": form,
            "filter_query": kept.urlencode(),
            "now": timezone.now(),
        },
        status=200 if valid else 400,
    )


def _grading_context(request, submission, form_state=None):
    project = submission.field_project.specific
    shown_project = localized(project)
    rubric = grading.rubric_of(shown_project)
    sections = sections_of(shown_project)
    members = list(submission.members.select_related("learner").order_by("id"))
    grades = {
        g.learner_id: g for g in submission.grades.select_related("graded_by", "moderated_by")
    }
    history = (
        GradeChange.objects.filter(grade__submission=submission)
        .select_related("actor", "grade")
        .order_by("at", "id")
    )
    qualification = project.get_parent().specific
    versions = list(
        submission.versions.prefetch_related("files", "revision_requests__instructor").order_by(
            "-number"
        )
    )
    changes = None
    if len(versions) > 1:
        # What the grader needs first on a resubmission: the same diff as the changes page.
        changes = [
            {**item, "html": changes_html(item["changes"])}
            for item in versions_diff(versions[1], versions[0], sections)
        ]
    people = []
    for member in members:
        hidden = grading.names_hidden(submission, project, member.learner_id, request.user)
        grade = grades.get(member.learner_id)
        people.append(
            {
                "id": member.learner_id,
                "label": _("Learner %(code)s") % {"code": submission.anonymous_code}
                if hidden
                else member.learner.display_name,
                "grade": grade,
                "can_moderate": bool(
                    grade
                    and grade.status == Grade.Status.AWAITING_MODERATION
                    and grade.graded_by_id != request.user.id
                ),
            }
        )
    wanted = request.GET.get("learner") or request.POST.get("learner") or ""
    selected = int(wanted) if wanted.isdigit() else members[0].learner_id
    current = next((p for p in people if p["id"] == selected), people[0])
    levels = (form_state or {}).get("levels") or (
        current["grade"].levels if current["grade"] else {}
    )
    criterion_feedback = (form_state or {}).get("criterion_feedback") or (
        current["grade"].criterion_feedback if current["grade"] else {}
    )
    for criterion in rubric:
        criterion["top"] = max((lv["points"] for lv in criterion["levels"]), default=0) or 1
        criterion["selected"] = levels.get(criterion["id"])
        criterion["feedback"] = criterion_feedback.get(criterion["id"], "")
    return {
        "submission": submission,
        "project": shown_project,
        "qualification": qualification,
        "rubric": rubric,
        "people": people,
        "current": current,
        "versions": [
            {
                "version": version,
                "sections": version_sections(version, sections),
                "pdfs": [f for f in version.files.all() if f.content_type == PDF],
            }
            for version in versions
        ],
        "changes": changes,
        "total_weight": sum(c["weight"] for c in rubric),
        # A team's members are graded one by one: the history shown is the current member's.
        "history": history.filter(grade__learner_id=current["id"]),
        "feedback_text": (form_state or {}).get(
            "feedback", current["grade"].feedback if current["grade"] else ""
        ),
        "requires_moderation": qualification.requires_moderation,
        "can_return": grading.can_return(submission),
        "default_due": grading.default_revision_due().date(),
        "accepts_grades": submission.status != Submission.Status.RETURNED,
        # A second marker moderates: they see the moderation panel, not the first marker's form.
        "shows_grade_form": submission.status != Submission.Status.RETURNED
        and not current["can_moderate"],
    }


def _grading_page(request, context, status=200):
    response = render(request, "courses/grading/submission.html", context, status=status)
    # The submitted PDFs are shown in a frame of our own protected download URL.
    response._csp_update = {"frame-src": ["'self'"]}
    return response


@login_required
@handles_rule_errors
def submission_detail(request, submission_id: int):
    submission = grading.submission_for_grader(request.user, submission_id)
    return _grading_page(request, _grading_context(request, submission))


@login_required
@handles_rule_errors
def submission_file_inline(request, file_id: int):
    """A submitted PDF shown inline beside the rubric, to the submission's graders only."""
    stored = get_object_or_404(
        SubmissionFile.objects.select_related("version__submission"), pk=file_id
    )
    grading.submission_for_grader(request.user, stored.version.submission_id)
    if stored.content_type != PDF:
        raise Http404(_("Only PDF files are shown in the page; download the others."))
    return private_file_response(
        stored.file, filename=stored.original_name, content_type=PDF, inline=True
    )


def _form_levels(request, prefix="level-"):
    return {
        key[len(prefix) :]: value
        for key, value in request.POST.items()
        if key.startswith(prefix) and value
    }


def _form_feedback(request):
    return {
        key[len("cfeedback-") :]: value
        for key, value in request.POST.items()
        if key.startswith("cfeedback-") and value
    }


def _target(request) -> dict:
    """Whose grade a grading form is about, the revision it replaces and the reason given."""
    learner, revision = request.POST.get("learner", ""), request.POST.get("revision", "")
    return {
        "learner_id": int(learner) if learner.isdigit() else None,
        "expected_revision": int(revision) if revision.isdigit() else None,
        "reason": request.POST.get("reason", ""),
    }


@learner_action
def grade(request, submission_id: int):
    submission = grading.submission_for_grader(request.user, submission_id)
    state = {
        "levels": _form_levels(request),
        "criterion_feedback": _form_feedback(request),
        "feedback": request.POST.get("feedback", ""),
    }
    try:
        result = grading.grade_save(
            grader=request.user,
            submission=submission,
            levels=state["levels"],
            criterion_feedback=state["criterion_feedback"],
            feedback=state["feedback"],
            release=request.POST.get("action") == "release",
            **_target(request),
        )
    except (ValidationError, Conflict) as exc:
        context = _grading_context(request, submission, form_state=state)
        if isinstance(exc, Conflict):
            context["conflict"] = exc.message
            status = 409
        else:
            context["form_errors"] = messages_of(exc)
            status = 400
        return _grading_page(request, context, status=status)
    notes = {
        Grade.Status.DRAFT: _("Draft saved. The learner cannot see it yet."),
        Grade.Status.AWAITING_MODERATION: _("Grade saved and waiting for a second marker."),
        Grade.Status.RELEASED: _("Grade released to the learner."),
    }
    messages.success(request, notes[result.status])
    return redirect(f"{request.path.rsplit('/grade/', 1)[0]}/?learner={result.learner_id}")


@learner_action
def moderate(request, submission_id: int):
    submission = grading.submission_for_grader(request.user, submission_id)
    agree = request.POST.get("decision") == "agree"
    try:
        result = grading.grade_moderate(
            moderator=request.user,
            submission=submission,
            agree=agree,
            levels=None if agree else _form_levels(request),
            feedback=None if agree else request.POST.get("feedback"),
            # The adjust form has no per-criterion boxes: keep the first marker's comments.
            criterion_feedback=None if agree else (_form_feedback(request) or None),
            **_target(request),
        )
    except ValidationError as exc:
        return action_error(request, 400, messages_of(exc))
    messages.success(request, _("Moderation recorded; the grade is released."))
    return redirect(f"{request.path.rsplit('/moderate/', 1)[0]}/?learner={result.learner_id}")


def _due_at(value: str):
    """A date from the return form as the end of that day (UTC); None to use the default."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({"due_at": [_("Give the due date as a date.")]}) from exc
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


@learner_action
def return_for_revision(request, submission_id: int):
    submission = grading.submission_for_grader(request.user, submission_id)
    grading.submission_return(
        instructor=request.user,
        submission=submission,
        feedback=request.POST.get("feedback", ""),
        due_at=_due_at(request.POST.get("due_at", "")),
    )
    messages.success(request, _("Returned to the learner for revision."))
    return redirect(request.path.rsplit("/return/", 1)[0] + "/")


@login_required
def analytics_index(request):
    grading.require_grader(request.user)
    return render(
        request,
        "courses/grading/analytics_index.html",
        {"pages": analytics.pages_for(request.user)},
    )


def _analytics_page(request, page_id):
    grading.require_grader(request.user)
    page = get_object_or_404(Page, pk=page_id).specific
    if page.id not in {p.id for p in analytics.pages_for(request.user)}:
        raise PermissionDenied(_("You do not teach this course or qualification."))
    return page


class AnalyticsFilterForm(forms.Form):
    """Narrow a report to one cohort; say how long without activity puts a learner at risk."""

    cohort = forms.TypedChoiceField(label=_lazy("Cohort"), required=False, coerce=int)
    inactive = forms.IntegerField(
        label=_lazy("Inactive for at least (days)"),
        required=False,
        min_value=1,
        max_value=365,
    )

    def __init__(self, data, *, cohorts):
        super().__init__(data)
        self.fields["cohort"].choices = [("", _lazy("All cohorts"))] + [
            (str(i), name) for i, name in cohorts
        ]

    def options(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        cohort = data.get("cohort")
        return {
            "cohort_id": cohort if cohort not in (None, "") else None,
            "inactive_days": data.get("inactive") or analytics.AT_RISK_INACTIVE_DAYS,
        }


def _analytics_report(request, page):
    form = AnalyticsFilterForm(request.GET, cohorts=analytics.cohorts_of(page))
    result = analytics.report(page=page, **form.options())
    return form, result


@login_required
def analytics_detail(request, page_id: int):
    page = _analytics_page(request, page_id)
    form, result = _analytics_report(request, page)
    return render(
        request,
        "courses/grading/analytics.html",
        {
            "page": localized(page),
            "page_id": page.id,
            "form": form,
            "query": request.GET.urlencode(),
            "charts": analytics.charts(result),
            **result,
        },
        status=200 if form.is_valid() else 400,
    )


@login_required
def analytics_chart(request, page_id: int, chart_id: str, fmt: str):
    """One chart's numbers as CSV, or the chart itself as an SVG file."""
    page = _analytics_page(request, page_id)
    form, result = _analytics_report(request, page)
    if not form.is_valid():
        return action_error(
            request, 400, [f"{form.fields[k].label}: {e[0]}" for k, e in form.errors.items()]
        )
    chart = next((c for c in analytics.charts(result) if c.id == chart_id), None)
    if chart is None or fmt not in ("csv", "svg"):
        raise Http404(_("This report has no such chart."))
    filename = f"{page.slug}-{chart.id}.{fmt}"
    if fmt == "svg":
        response = HttpResponse(chart.svg(standalone=True), content_type="image/svg+xml")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow([analytics.csv_safe(c) for c in chart.columns])
        for row in chart.rows:
            writer.writerow([analytics.csv_safe(cell) for cell in row])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@learner_action
def analytics_nudge(request, page_id: int, enrolment_id: int):
    """Nudge a learner at risk (the inactivity e-mail), from the report's at-risk list."""
    page = _analytics_page(request, page_id)
    enrolment = get_object_or_404(
        Enrolment.objects.select_related("learner", "page"), pk=enrolment_id, page=page
    )
    reminders.learner_nudge(enrolment=enrolment)
    messages.success(
        request,
        _("%(name)s will get a nudge by e-mail (at most one a week).")
        % {"name": enrolment.learner.display_name},
    )
    detail = reverse("analytics-detail", args=[page.id])
    back = request.POST.get("next", "")
    return redirect(back if back.startswith(detail) and "//" not in back else detail)


@login_required
def grades_csv(request, page_id: int):
    page = _analytics_page(request, page_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="grades-{page.slug}.csv"'
    writer = csv.writer(response)
    for row in analytics.grade_rows(page=page):
        writer.writerow([analytics.csv_safe(cell) for cell in row])
    return response
