"""API routes for certificates: the learner's list, verification, revocation."""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from certificates import issuance, throttle
from certificates.awards import bulk_issue_progress, bulk_issue_start
from certificates.models import BulkIssue, Certificate
from certificates.selectors import (
    certificate_of,
    certificate_row,
    certificate_status,
    certificates_for,
    certificates_in_status,
)
from certificates.sharing import certificate_visibility_set
from certificates.verification import (
    MAX_UPLOAD_BYTES,
    Status,
    UnreadableUpload,
    report_cache_key,
    verification_json,
    verify_upload,
)
from courses.models import Cohort, QualificationPage
from lms.auth import AUTH
from lms.localization import default_locale

router = Router(tags=["certificates"])


class CheckOut(Schema):
    name: str
    passed: bool
    detail: str


class VerificationOut(Schema):
    status: str
    certificate_id: str | None
    holder_name: str | None
    qualification: str | None
    issued_on: str | None
    expires_on: str | None
    issuer: str | None
    superseded_by: str | None
    revocation_reason: str | None
    checks: list[CheckOut]
    headline: str | None = Field(
        None, description="The verdict as one plain sentence, in the request's language."
    )
    advice: str | None = Field(None, description="What to do next, in plain words.")
    qualification_localized: str | None = Field(
        None, description="The qualification's title in the request's language."
    )
    issuer_localized: str | None = Field(
        None, description="The issuer's name in the request's language."
    )
    issued_on_words: str | None = Field(None, description="The issue date in words.")
    expires_on_words: str | None = Field(None, description="The expiry date in words.")


class MyCertificateOut(Schema):
    id: str
    qualification: int
    qualification_title: str
    status: str
    issued_on: str
    expires_on: str | None
    pdf_url: str
    credential_url: str
    verify_url: str
    page_url: str = Field(description="The certificate's own page (the id of its credential).")
    public: bool = Field(
        description="Whether anyone with the link may see the page; verification by ID works "
        "either way."
    )
    linkedin_url: str | None = Field(
        description="LinkedIn's add-to-profile link, filled in; null unless the certificate is "
        "valid."
    )


class VisibilityIn(Schema):
    public: bool


class ErrorOut(Schema):
    detail: str


class RevocationIn(Schema):
    reason: str


class RevocationOut(Schema):
    id: str
    status: str
    revoked_at: str
    reason: str


TOO_MANY = "Too many verification requests. Wait a minute and try again."


def _out(row: dict) -> dict:
    return {
        **row,
        "issued_on": row["issued_on"].isoformat(),
        "expires_on": row["expires_on"].isoformat() if row["expires_on"] else None,
    }


NOT_YOURS = "You hold no certificate with this ID."


@router.get("/me/certificates", response=list[MyCertificateOut], auth=AUTH)
def my_certificates(request):
    return [_out(row) for row in certificates_for(request.auth)]


@router.get(
    "/me/certificates/{certificate_id}",
    response={200: MyCertificateOut, 404: ErrorOut},
    auth=AUTH,
)
def my_certificate(request, certificate_id: str):
    """One of your certificates, with its page, whether the page is public, and the LinkedIn
    add-to-profile link."""
    certificate = certificate_of(request.auth, certificate_id)
    if certificate is None:
        raise HttpError(404, NOT_YOURS)
    return _out(certificate_row(certificate))


@router.post(
    "/me/certificates/{certificate_id}/visibility",
    response={200: MyCertificateOut, 404: ErrorOut},
    auth=AUTH,
)
def set_visibility(request, certificate_id: str, payload: VisibilityIn):
    """Make your certificate's page public (anyone with the link sees it) or private (only you
    and staff do; everyone else gets 404). The certificate stays verifiable by its ID."""
    certificate = certificate_of(request.auth, certificate_id)
    if certificate is None:
        raise HttpError(404, NOT_YOURS)
    certificate = certificate_visibility_set(
        certificate=certificate, by=request.auth, public=payload.public
    )
    return _out(certificate_row(certificate))


@router.get(
    "/certificates/{certificate_id}/verification",
    response={200: VerificationOut, 404: VerificationOut},
    auth=None,
)
def verification(request, certificate_id: str):
    # One round trip counts the request and reads the cached report, which is already the
    # response body and is sent as it is.
    over, cached = throttle.count_and_get(request, report_cache_key(certificate_id))
    if over:
        raise HttpError(429, TOO_MANY)
    body, status = verification_json(certificate_id, cached=cached)
    return HttpResponse(
        body, status=404 if status == Status.NOT_FOUND else 200, content_type="application/json"
    )


@router.post("/verifications", response={200: VerificationOut}, auth=None)
def verify_file(request, file: UploadedFile = File(...)):
    if throttle.throttled(request):
        raise HttpError(429, TOO_MANY)
    if file.size > MAX_UPLOAD_BYTES:
        raise HttpError(413, "The file is larger than 10 MB.")
    try:
        report = verify_upload(file.read(MAX_UPLOAD_BYTES + 1))
    except UnreadableUpload as exc:
        raise HttpError(exc.status, str(exc)) from exc
    return report.as_dict()


@router.post("/certificates/{certificate_id}/revocation", response=RevocationOut, auth=AUTH)
def revoke(request, certificate_id: str, payload: RevocationIn):
    if not request.auth.is_staff_member:
        raise PermissionDenied("Only staff revoke certificates.")
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    certificate = issuance.certificate_revoke(
        certificate=certificate, by=request.auth, reason=payload.reason
    )
    return {
        "id": certificate.id,
        "status": certificate_status(certificate),
        "revoked_at": certificate.revoked_at.isoformat(),
        "reason": certificate.revocation_reason,
    }


# --- staff: the registry, re-issue, bulk issuance -----------------------------------------------


class CertificateAdminOut(Schema):
    id: str
    learner: int
    learner_name: str
    qualification: int
    status: str = Field(description="valid, revoked, superseded or expired (certificates.states).")
    issued_at: str
    valid_until: str | None
    revocation_reason: str
    supersedes: str | None


def _admin_out(certificate: Certificate) -> dict:
    return {
        "id": certificate.id,
        "learner": certificate.learner_id,
        "learner_name": str(certificate.learner),
        "qualification": certificate.qualification_id,
        "status": certificate_status(certificate),
        "issued_at": certificate.issued_at.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "revocation_reason": certificate.revocation_reason,
        "supersedes": certificate.supersedes_id,
    }


def _staff(user, message: str) -> None:
    if not user.is_staff_member:
        raise PermissionDenied(message)


STAFF_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.get("/certificates", response={200: list[CertificateAdminOut], **STAFF_ERRORS}, auth=AUTH)
def certificates_search(
    request,
    status: Literal["valid", "revoked", "superseded", "expired"] | None = None,
    qualification: int | None = None,
    q: str = "",
    limit: int = Query(100, ge=1, le=500),
):
    """Staff search the registry: by state, qualification, and ID, username, name or e-mail."""
    _staff(request.auth, "Only staff search certificates.")
    queryset = Certificate.objects.select_related("learner").order_by("-issued_at")
    if status:
        queryset = certificates_in_status(queryset, status)
    if qualification:
        queryset = queryset.filter(qualification_id=qualification)
    if q.strip():
        term = q.strip()
        queryset = queryset.filter(
            Q(id__iexact=term)
            | Q(learner__username__icontains=term)
            | Q(learner__full_name__icontains=term)
            | Q(learner__email__icontains=term)
        )
    return [_admin_out(c) for c in queryset[:limit]]


class ReissueIn(Schema):
    reason: str
    validity_months: int | None = Field(None, ge=1, le=600)


@router.post(
    "/certificates/{certificate_id}/reissue",
    response={201: CertificateAdminOut, **STAFF_ERRORS},
    auth=AUTH,
)
def reissue(request, certificate_id: str, payload: ReissueIn):
    """A new certificate that supersedes this one; the reason is required and kept in the
    history. 400 without a reason or for a revoked or superseded certificate."""
    _staff(request.auth, "Only staff re-issue certificates.")
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    new = issuance.certificate_reissue(
        certificate=certificate,
        by=request.auth,
        reason=payload.reason,
        validity_months=payload.validity_months,
    )
    return 201, _admin_out(new)


class BulkIssueIn(Schema):
    qualification: int
    cohort: int | None = None


class BulkFailureOut(Schema):
    award: int
    learner: str
    error: str


class BulkIssueOut(Schema):
    id: int
    qualification: str
    cohort: str | None
    total: int
    issued: int
    failed: int
    done: int
    percent: int
    finished: bool
    failures: list[BulkFailureOut]


@router.post("/certificate-batches", response={202: BulkIssueOut, **STAFF_ERRORS}, auth=AUTH)
def bulk_issue(request, payload: BulkIssueIn):
    """Issue every certificate a qualification owes (optionally one cohort's) on the workers;
    follow it with GET /certificate-batches/{id}."""
    _staff(request.auth, "Only staff issue certificates in bulk.")
    qualification = (
        QualificationPage.objects.filter(pk=payload.qualification, locale=default_locale())
        .live()
        .first()
    )
    if qualification is None:
        raise ValidationError({"qualification": ["No live qualification has that id."]})
    cohort = None
    if payload.cohort is not None:
        cohort = Cohort.objects.filter(pk=payload.cohort).first()
        if cohort is None:
            raise ValidationError({"cohort": ["No cohort has that id."]})
    batch = bulk_issue_start(qualification=qualification, cohort=cohort, by=request.auth)
    return 202, bulk_issue_progress(batch)


@router.get(
    "/certificate-batches/{batch_id}", response={200: BulkIssueOut, **STAFF_ERRORS}, auth=AUTH
)
def bulk_issue_status(request, batch_id: int):
    """How far the workers have got: the same numbers the admin's progress bar shows."""
    _staff(request.auth, "Only staff follow bulk issuance.")
    return bulk_issue_progress(get_object_or_404(BulkIssue, pk=batch_id))
