"""Wagtail admin: certificates with revoke and re-issue actions, issuer keys, bulk issuance.

Certificates, awards and issuer keys are listed and inspected, never added, edited or deleted by
hand: they change only through issuance, revocation, re-issue and key rotation, which keep the
registry that verifiers rely on consistent (a deleted certificate would verify as NOT FOUND).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from certificates.awards import awards_for_bulk
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.models import Award, Certificate, IssuerKey
from courses.models import Cohort, QualificationPage
from lms.localization import default_locale
from lms.permissions import RestrictedPolicy

# Staff may list and inspect; certificates change only through issue, re-issue and revoke.
for _model in (Certificate, Award, IssuerKey):
    register_permission_policy(_model, RestrictedPolicy(_model))


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
        "issued_at",
        "valid_until",
        "is_current",
        "revoked_at",
    ]
    list_filter = ["is_current"]
    search_fields = ["id", "learner__username", "learner__full_name"]
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
    """Revoke or re-issue one certificate, with a reason."""
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
                messages.success(request, f"Certificate {certificate.id} revoked.")
            elif action == "reissue":
                months = request.POST.get("validity_months") or None
                new = certificate_reissue(
                    certificate=certificate,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                    validity_months=int(months) if months and months.isdigit() else None,
                )
                messages.success(
                    request, f"Re-issued as {new.id}; {certificate.id} is now superseded."
                )
                certificate = new
            return redirect("certificates_admin_action", certificate.id)
        except ValidationError as exc:
            error = " ".join(
                m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms
            )
    return render(
        request,
        "certificates/admin/action.html",
        {"certificate": certificate, "error": error},
        status=400 if error else 200,
    )


def bulk_issue(request):
    """Issue every certificate a qualification owes (optionally one cohort), then show progress."""
    _staff(request)
    qualifications = QualificationPage.objects.filter(locale=default_locale()).live()
    cohorts = Cohort.objects.all()
    error = None
    if request.method == "POST":
        qualification_id = request.POST.get("qualification", "")
        cohort_id = request.POST.get("cohort", "")
        qualification = (
            qualifications.filter(pk=int(qualification_id)).first()
            if qualification_id.isdigit()
            else None
        )
        if qualification is None:
            error = "Choose a qualification."
        elif cohort_id and not (
            cohort_id.isdigit() and cohorts.filter(pk=int(cohort_id), page=qualification).exists()
        ):
            error = "Choose a cohort of that qualification, or all learners."
        else:
            awards = awards_for_bulk(
                qualification=qualification, cohort_id=int(cohort_id) if cohort_id else None
            )
            ids = ",".join(str(a.id) for a in awards)
            return redirect(reverse("certificates_admin_bulk_progress") + f"?awards={ids}")
    return render(
        request,
        "certificates/admin/bulk.html",
        {"qualifications": qualifications, "cohorts": cohorts, "error": error},
        status=400 if error else 200,
    )


def bulk_progress(request):
    _staff(request)
    ids = [int(i) for i in request.GET.get("awards", "").split(",") if i.isdigit()]
    done = Certificate.objects.filter(award_id__in=ids).values("award_id").distinct().count()
    return render(
        request,
        "certificates/admin/bulk_progress.html",
        {"total": len(ids), "done": done, "finished": done >= len(ids)},
    )


@hooks.register("register_admin_urls")
def certificate_admin_urls():
    return [
        path(
            "certificates/action/<str:certificate_id>/",
            certificate_action,
            name="certificates_admin_action",
        ),
        path("certificates/bulk/", bulk_issue, name="certificates_admin_bulk"),
        path("certificates/bulk/progress/", bulk_progress, name="certificates_admin_bulk_progress"),
    ]


@hooks.register("register_admin_menu_item")
def bulk_menu_item():
    return MenuItem(
        "Issue certificates", reverse("certificates_admin_bulk"), icon_name="upload", order=271
    )
