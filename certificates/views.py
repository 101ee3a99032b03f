"""Public verification pages, the issuer's identity documents, and certificate downloads."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from certificates import throttle
from certificates.keys import did_document, issuer_profile
from certificates.models import Certificate
from certificates.status import current_status_list
from certificates.verification import (
    MAX_UPLOAD_BYTES,
    Status,
    UnreadableUpload,
    verify_by_id,
    verify_upload,
)
from lms.accounts.services import api_token_user
from lms.auth import bearer_token
from lms.storage import private_file_response
from lms.views import ratelimited

VERDICT_CLASS = {
    Status.VALID: "verdict-valid",
    Status.REVOKED: "verdict-bad",
    Status.TAMPERED: "verdict-bad",
    Status.NOT_FOUND: "verdict-bad",
    Status.EXPIRED: "verdict-warn",
    Status.SUPERSEDED: "verdict-warn",
}

JSON_HEADERS = {"Access-Control-Allow-Origin": "*"}


def verify_limit(view):
    """One limit per client across every way to verify: these pages and the API share it."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if throttle.throttled(request):
            return ratelimited(request)
        return view(request, *args, **kwargs)

    return limited


def _render_report(request, report, status_code=200):
    return render(
        request,
        "certificates/verify_result.html",
        {"report": report, "verdict_class": VERDICT_CLASS[report.status]},
        status=status_code,
    )


@require_http_methods(["GET", "POST"])
@verify_limit
def verify_form(request):
    """Enter an ID, or upload a PDF or credential JSON."""
    if request.method == "GET" and request.GET.get("id"):
        report = verify_by_id(request.GET["id"])
        return _render_report(request, report, 404 if report.status == Status.NOT_FOUND else 200)
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a PDF or JSON file to upload.")
        elif upload.size > MAX_UPLOAD_BYTES:
            error = _("The file is larger than 10 MB.")
        else:
            try:
                report = verify_upload(upload.read(MAX_UPLOAD_BYTES + 1))
            except UnreadableUpload as exc:
                error = str(exc)
            else:
                return _render_report(request, report)
    return render(
        request, "certificates/verify.html", {"error": error}, status=400 if error else 200
    )


@require_GET
@verify_limit
def verify_page(request, certificate_id: str):
    report = verify_by_id(certificate_id)
    return _render_report(request, report, 404 if report.status == Status.NOT_FOUND else 200)


@require_GET
def certificate_pdf(request, certificate_id: str):
    """The stored PDF, for its holder and staff: signed in, or with an API token (the
    `pdf_url` of GET /api/v1/me/certificates)."""
    token = bearer_token(request)
    if token is not None:
        user = api_token_user(token)
        if user is None:
            return JsonResponse(
                {"detail": "The API token is invalid or has expired."},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif request.user.is_authenticated:
        user = request.user
    else:
        return redirect_to_login(request.get_full_path())
    certificate = get_object_or_404(Certificate, pk=certificate_id)
    if certificate.learner_id != user.id and not user.is_staff_member:
        raise PermissionDenied
    return private_file_response(
        certificate.pdf,
        filename=f"certificate-{certificate.id}.pdf",
        content_type="application/pdf",
    )


@require_GET
@cache_control(public=True, max_age=300)
def credential_json(request, certificate_id: str):
    certificate = Certificate.objects.filter(pk=certificate_id).only("credential").first()
    if certificate is None:
        raise Http404
    return JsonResponse(
        certificate.credential, headers=JSON_HEADERS, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@cache_control(public=True, max_age=300)
def did_json(request):
    return JsonResponse(did_document(), headers=JSON_HEADERS, content_type="application/did+json")


@require_GET
@cache_control(public=True, max_age=300)
def issuer(request):
    profile = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **issuer_profile(),
    }
    return JsonResponse(profile, headers=JSON_HEADERS)


@require_GET
@cache_control(public=True, max_age=60)
def status_list(request, list_id: int):
    if list_id != 1:
        raise Http404
    return JsonResponse(current_status_list().credential, headers=JSON_HEADERS)
