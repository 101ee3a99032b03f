"""Learners submit evidence for a qualification that asks for it; staff review it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from courses.evidence import evidence_review, evidence_submit
from courses.models import EvidenceSubmission, QualificationPage
from courses.views.errors import handles_rule_errors
from lms.localization import canonical_specific


@require_POST
@login_required
@handles_rule_errors
def submit(request, qualification_id: int):
    shown = get_object_or_404(Page.objects.live(), pk=qualification_id).specific
    qualification = canonical_specific(QualificationPage, qualification_id)
    evidence_submit(
        learner=request.user,
        qualification=qualification,
        statement=request.POST.get("statement", ""),
    )
    messages.success(request, _("Your evidence is submitted for review by staff."))
    return redirect(shown.url)


@login_required
def review_list(request):
    if not request.user.is_staff_member:
        raise PermissionDenied
    pending = (
        EvidenceSubmission.objects.filter(status=EvidenceSubmission.Status.PENDING)
        .select_related("learner", "qualification")
        .order_by("submitted_at")
    )
    return render(request, "courses/grading/evidence.html", {"pending": pending})


@require_POST
@login_required
@handles_rule_errors
def review(request, evidence_id: int):
    evidence = get_object_or_404(EvidenceSubmission, pk=evidence_id)
    evidence_review(
        reviewer=request.user,
        evidence=evidence,
        approve=request.POST.get("decision") == "approve",
        note=request.POST.get("note", ""),
    )
    messages.success(request, _("Review recorded."))
    return redirect("evidence-review")
