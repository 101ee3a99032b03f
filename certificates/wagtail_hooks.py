"""Wagtail admin: certificates with revoke and re-issue actions, issuer keys, bulk issuance.

Certificates, awards and issuer keys are listed and inspected, never added, edited or deleted by
hand: they change only through issuance, revocation, re-issue and key rotation, which keep the
registry that verifiers rely on consistent (a deleted certificate would verify as NOT FOUND).
"""

from datetime import timedelta

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.models import ModelLogEntry
from wagtail.permissions import register_permission_policy

from certificates.awards import bulk_issue_progress, bulk_issue_start, issuance_failures
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.models import Award, BulkIssue, Certificate, IssuerKey
from certificates.selectors import (
    STATUS_LABELS,
    certificate_status,
    certificates_in_status,
    certificates_issued_since,
)
from courses.models import Cohort, QualificationPage
from lms.localization import default_locale
from lms.permissions import RestrictedPolicy

# Staff may list and inspect; certificates change only through issue, re-issue and revoke.
for _model in (Certificate, Award, IssuerKey):
    register_permission_policy(_model, RestrictedPolicy(_model))


class CertificateFilterSet(WagtailFilterSet):
    """Filter by state through the one state rule (certificates.selectors.certificates_in_status
    mirrors certificates.states), and by qualification."""

    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=list(STATUS_LABELS.items()),
        method="filter_status",
        empty_label=gettext_lazy("Any status"),
    )

    class Meta:
        model = Certificate
        fields = ["qualification"]

    def filter_status(self, queryset, name, value):
        return certificates_in_status(queryset, value) if value else queryset


class StatusColumn(Column):
    def get_value(self, instance):
        return STATUS_LABELS[certificate_status(instance)]


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full-inverse"
    form_fields = ["revocation_reason"]
    list_display = [
        # The ID opens the page where staff revoke or re-issue the certificate.
        TitleColumn(
            "id",
            label="ID",
            get_url=lambda certificate: reverse("certificates_admin_action", args=[certificate.pk]),
        ),
        "learner",
        "qualification",
        StatusColumn("status", label=gettext_lazy("Status")),
        "issued_at",
        "valid_until",
        "revoked_at",
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["id", "learner__username", "learner__full_name", "learner__email"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_view_enabled = False
    inspect_view_fields = [
        "id",
        "learner",
        "qualification",
        "issued_at",
        "valid_until",
        "is_current",
        "supersedes",
        "reissue_reason",
        "revoked_at",
        "revocation_reason",
        "status_index",
        "issuer_key",
    ]


class IssuerKeyViewSet(ModelViewSet):
    model = IssuerKey
    icon = "key"
    form_fields = []
    list_display = ["public_key_multibase", "valid_from", "retired_at"]
    copy_view_enabled = False
    add_view_enabled = False


class AwardViewSet(ModelViewSet):
    model = Award
    icon = "success"
    form_fields = []
    list_display = ["learner", "qualification", "achieved_at", "created_at"]
    copy_view_enabled = False
    add_view_enabled = False


class CertificatesGroup(ModelViewSetGroup):
    menu_label = "Certificates"
    menu_icon = "doc-full-inverse"
    menu_order = 270
    items = (CertificateViewSet, AwardViewSet, IssuerKeyViewSet)


@hooks.register("register_admin_viewset")
def register_certificate_viewsets():
    return CertificatesGroup()


def _staff(request):
    if not request.user.is_staff_member:
        raise PermissionDenied


def certificate_action(request, certificate_id):
    """Revoke or re-issue one certificate, with a required reason (kept in its history)."""
    _staff(request)
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "revoke":
                certificate_revoke(
                    certificate=certificate, by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Certificate %(id)s revoked.") % {"id": certificate.id})
            elif action == "reissue":
                months = (request.POST.get("validity_months") or "").strip()
                if months and not (months.isdigit() and 1 <= int(months) <= 600):
                    raise ValidationError(_("Give the validity as a number of months, 1 to 600."))
                new = certificate_reissue(
                    certificate=certificate,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                    validity_months=int(months) if months else None,
                )
                messages.success(
                    request,
                    _("Re-issued as %(new)s; %(old)s is now superseded.")
                    % {"new": new.id, "old": certificate.id},
                )
                certificate = new
            else:
                raise ValidationError(_("Choose to revoke or to re-issue."))
            return redirect("certificates_admin_action", certificate.id)
        except ValidationError as exc:
            error = " ".join(
                m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms
            )
    return render(
        request,
        "certificates/admin/action.html",
        {
            "certificate": certificate,
            "status": certificate_status(certificate),
            "status_label": STATUS_LABELS[certificate_status(certificate)],
            "history": ModelLogEntry.objects.for_instance(certificate).select_related("user"),
            "error": error,
            "posted": request.POST if error else {},
        },
        status=400 if error else 200,
    )


def bulk_issue(request):
    """Issue every certificate a qualification owes (optionally one cohort), then follow the
    workers on a progress bar."""
    _staff(request)
    qualifications = QualificationPage.objects.filter(locale=default_locale()).live()
    cohorts = Cohort.objects.filter(page__in=qualifications).select_related("page")
    error = None
    if request.method == "POST":
        qualification_id = request.POST.get("qualification", "")
        cohort_id = request.POST.get("cohort", "")
        qualification = (
            qualifications.filter(pk=int(qualification_id)).first()
            if qualification_id.isdigit()
            else None
        )
        cohort = cohorts.filter(pk=int(cohort_id)).first() if cohort_id.isdigit() else None
        if qualification is None:
            error = _("Choose a qualification.")
        elif cohort_id and (cohort is None or cohort.page_id != qualification.id):
            error = _("Choose a cohort of that qualification, or all learners.")
        else:
            batch = bulk_issue_start(qualification=qualification, cohort=cohort, by=request.user)
            return redirect("certificates_admin_bulk_progress", batch.id)
    return render(
        request,
        "certificates/admin/bulk.html",
        {
            "qualifications": qualifications,
            "cohorts": cohorts,
            "error": error,
            "recent": BulkIssue.objects.select_related("qualification", "cohort")[:10],
        },
        status=400 if error else 200,
    )


def bulk_progress(request, batch_id):
    """The progress bar of one bulk run; static/js/bulk-progress.js polls bulk_status."""
    _staff(request)
    batch = get_object_or_404(
        BulkIssue.objects.select_related("qualification", "cohort"), pk=batch_id
    )
    return render(
        request,
        "certificates/admin/bulk_progress.html",
        {"progress": bulk_issue_progress(batch), "batch": batch},
    )


def bulk_status(request, batch_id):
    """The run's progress as JSON, as the workers record it."""
    _staff(request)
    batch = get_object_or_404(
        BulkIssue.objects.select_related("qualification", "cohort"), pk=batch_id
    )
    return JsonResponse(bulk_issue_progress(batch))


@hooks.register("register_admin_urls")
def certificate_admin_urls():
    return [
        path(
            "certificates/action/<str:certificate_id>/",
            certificate_action,
            name="certificates_admin_action",
        ),
        path("certificates/bulk/", bulk_issue, name="certificates_admin_bulk"),
        path(
            "certificates/bulk/<int:batch_id>/",
            bulk_progress,
            name="certificates_admin_bulk_progress",
        ),
        path(
            "certificates/bulk/<int:batch_id>/status/",
            bulk_status,
            name="certificates_admin_bulk_status",
        ),
    ]


@hooks.register("register_admin_menu_item")
def bulk_menu_item():
    return MenuItem(
        gettext_lazy("Issue certificates"),
        reverse("certificates_admin_bulk"),
        icon_name="upload",
        order=271,
    )


@hooks.register("register_log_actions")
def certificate_log_actions(actions):
    actions.register_action(
        "certificates.revoke", gettext_lazy("Revoke"), gettext_lazy("Certificate revoked")
    )
    actions.register_action(
        "certificates.reissue", gettext_lazy("Re-issue"), gettext_lazy("Certificate re-issued")
    )
    actions.register_action(
        "certificates.reissued_from",
        gettext_lazy("Issued as a replacement"),
        gettext_lazy("Issued to replace an earlier certificate"),
    )


# --- the admin's home -------------------------------------------------------------------------


def _week_ago():
    return timezone.now() - timedelta(days=7)


class CertificatesThisWeekPanel(Component):
    name = "certificates_this_week"
    template_name = "certificates/admin/home_issued.html"
    order = 120

    def get_context_data(self, parent_context):
        issued = certificates_issued_since(_week_ago())
        return {"count": issued.count(), "latest": issued[:5]}


class IssuanceFailuresPanel(Component):
    name = "issuance_failures"
    template_name = "certificates/admin/home_failures.html"
    order = 130

    def get_context_data(self, parent_context):
        return {"failures": issuance_failures(since=_week_ago())}


@hooks.register("construct_homepage_panels")
def certificate_home_panels(request, panels):
    if request.user.is_staff_member:
        panels.append(CertificatesThisWeekPanel())
        panels.append(IssuanceFailuresPanel())
