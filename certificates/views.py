"""Public verification pages, the issuer's identity documents, and certificate downloads."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import throttle
from certificates.credentials import certificate_url
from certificates.dates import date_in_words
from certificates.keys import did_document, issuer_profile
from certificates.models import Certificate
from certificates.selectors import STATUS_LABELS, certificate_of, certificate_status
from certificates.sharing import (
    certificate_visibility_set,
    linkedin_url,
    page_visible_to,
    share_image,
)
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
    error, status = None, 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error, status = _("Choose a PDF or JSON file to upload."), 400
        elif upload.size > MAX_UPLOAD_BYTES:
            error, status = _("The file is larger than 10 MB."), 413
        else:
            try:
                report = verify_upload(upload.read(MAX_UPLOAD_BYTES + 1))
            except UnreadableUpload as exc:
                error, status = str(exc), exc.status
            else:
                return _render_report(request, report)
    return render(request, "certificates/verify.html", {"error": error}, status=status)


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


def _visible_certificate(request, certificate_id: str) -> Certificate:
    """The certificate whose page (or share picture, or credential) is asked for: 404 when there
    is none, and when its holder made it private and the visitor is neither them nor staff."""
    certificate = (
        Certificate.objects.select_related("superseded_by").filter(pk=certificate_id).first()
    )
    if certificate is None or not page_visible_to(certificate, request.user):
        raise Http404
    return certificate


def _private_unless_public(response, certificate: Certificate):
    """Caches must ask again every time (the holder may make the page private at any moment and
    it must then disappear at once); a private page is never kept by a shared cache."""
    if certificate.public:
        patch_cache_control(response, public=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def credential_json(request, certificate_id: str):
    certificate = _visible_certificate(request, certificate_id)
    response = JsonResponse(
        certificate.credential, headers=JSON_HEADERS, json_dumps_params={"ensure_ascii": False}
    )
    return _private_unless_public(response, certificate)


OUTCOME_LABELS = {"pass": gettext_lazy("Pass"), "distinction": gettext_lazy("Distinction")}


def _page_context(request, certificate: Certificate) -> dict:
    frozen = certificate.frozen
    language = get_language() or "en"
    status = certificate_status(certificate)
    holder_view = request.user.is_authenticated and request.user.id == certificate.learner_id
    project = (frozen.get("transcript") or {}).get("project")
    title = (frozen.get("qualification_titles") or {}).get(language) or frozen.get(
        "certificate_title"
    )
    return {
        "certificate": certificate,
        "frozen": frozen,
        "qualification_title": title,
        "issuer_name": _(frozen.get("issuer_name", "")),
        "status": status,
        "status_label": STATUS_LABELS[status],
        "issued": date_in_words(certificate.issued_at.date(), language),
        "valid_until": date_in_words(certificate.valid_until, language)
        if certificate.valid_until
        else "",
        "outcome": OUTCOME_LABELS.get(project["outcome"]) if project else "",
        "score": project["percent"].rstrip("0").rstrip(".") if project else "",
        "page_url": certificate_url(certificate.id),
        "share_image_url": certificate_url(certificate.id) + "/share.png",
        "holder_view": holder_view,
        "linkedin_url": linkedin_url(certificate) if holder_view and status == "valid" else "",
        "badge": frozen.get("achievement_image", ""),
    }


@require_GET
def certificate_page(request, certificate_id: str):
    """The certificate's own page, at the URL its credential names: what it certifies, for whom,
    by whom and when, with a button to verify it. Its holder also finds here who may see it,
    Add to LinkedIn and the downloads."""
    certificate = _visible_certificate(request, certificate_id)
    response = render(
        request, "certificates/certificate_page.html", _page_context(request, certificate)
    )
    return _private_unless_public(response, certificate)


@require_POST
@login_required
def certificate_visibility(request, certificate_id: str):
    """The holder makes the certificate's page public or private (form field `public`: 1 or 0)."""
    certificate = certificate_of(request.user, certificate_id)
    if certificate is None:
        raise Http404
    public = request.POST.get("public")
    if public not in ("0", "1"):
        messages.error(request, _("Choose whether the page is public or private."))
        return redirect("certificate-page", certificate_id=certificate.id)
    certificate = certificate_visibility_set(
        certificate=certificate, by=request.user, public=public == "1"
    )
    messages.success(
        request,
        _("Anyone with the link can now see this page.")
        if certificate.public
        else _("Only you can now see this page. The certificate can still be verified by its ID."),
    )
    return redirect("certificate-page", certificate_id=certificate.id)


@require_GET
def certificate_share_image(request, certificate_id: str):
    """The picture shown when the certificate's page is shared: its first page on a card."""
    certificate = _visible_certificate(request, certificate_id)
    response = HttpResponse(share_image(certificate), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    return _private_unless_public(response, certificate)


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
