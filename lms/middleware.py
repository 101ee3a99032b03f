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
    """The site may not be framed (X-Frame-Options: DENY), except the Wagtail admin by itself:
    its editor shows page previews in a same-origin frame."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/admin/") and "X-Frame-Options" not in response:
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
