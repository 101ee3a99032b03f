"""Middleware of the project."""

import re

from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, except that a view's own 404 stays a 404.

    Django redirects a 404 outside the language-prefixed URLs to /<language>/<path> when that
    path would resolve. Wagtail's catch-all page route makes every such path "resolve", so an
    unknown certificate on /verify/<id>/ would answer with a redirect. Only a request that matched
    no URL at all should be tried again with a language prefix.
    """

    def process_response(self, request, response):
        if response.status_code == 404 and getattr(request, "resolver_match", None) is not None:
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        return super().process_response(request, response)


class AdminPreviewFramingMiddleware:
    """The site may not be framed (X-Frame-Options: DENY, CSP frame-ancestors 'none'), except by
    the Wagtail admin, on the same origin: its editor frames the admin itself and the page
    previews it renders.

    A preview is rendered by Wagtail through the whole middleware chain with a dummy request for
    the page's own URL (`Page.make_preview_request`), which marks it `is_preview`; left alone it
    would carry the public pages' DENY and 'none', and the preview panel would stay blank. Only
    the preview response is relaxed, to the admin's own origin: X-Frame-Options SAMEORIGIN and
    frame-ancestors 'self', so no other site can frame a preview either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_preview", False):
            response["X-Frame-Options"] = "SAMEORIGIN"
            for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
                if header in response:
                    response[header] = frame_ancestors_self(response[header])
        elif request.path.startswith("/admin/") and "X-Frame-Options" not in response:
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response


# Sign-in, registration and password forms are small; anything bigger is refused before it is
# read (a 50 MB body would otherwise be read, then fail as a 400 or 500 deep inside a view).
AUTH_BODY_LIMIT = 64 * 1024
_AUTH_PATHS = re.compile(r"^/(api/v1/auth/|[a-z-]+/accounts/(login|register|password)/)")


class AuthBodyLimitMiddleware:
    """413 with a JSON message for an oversized body sent to an account endpoint."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _AUTH_PATHS.match(request.path) and _declared_length(request) > AUTH_BODY_LIMIT:
            return JsonResponse(
                {
                    "detail": (
                        f"The request body is too large: account requests take at most "
                        f"{AUTH_BODY_LIMIT // 1024} KB."
                    )
                },
                status=413,
            )
        return self.get_response(request)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def frame_ancestors_self(policy: str) -> str:
    """The policy with its frame-ancestors directive (added if missing) set to 'self'."""
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    kept = [d for d in directives if d.split(" ", 1)[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, "frame-ancestors 'self'"])
