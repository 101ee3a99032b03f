"""Learners submit evidence for a qualification that asks for it; staff review it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from courses.evidence import evidence_review, evidence_submit
from courses.models import EvidenceSubmission, QualificationPage
from courses.views.errors import learner_action
from lms.localization import shown_and_canonical


@learner_action
def submit(request, qualification_id: int):
    shown, qualification = shown_and_canonical(QualificationPage, qualification_id)
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


@learner_action
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
