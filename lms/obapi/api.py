"""The Open Badges 3.0 API at /ims/ob/v3p0/ (a NinjaAPI of its own: its errors are the
specification's Imsx_StatusInfo, not /api/v1/'s): the service description, client
registration, the learner's credentials and profile. The OAuth 2.0 endpoints are in views.py.
The service description (GET /ims/ob/v3p0/discovery) is this API's documentation."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from ninja import NinjaAPI
from oauth2_provider.oauth2_backends import get_oauthlib_core

from lms.accounts.throttle import client_register_ip_throttled
from lms.obapi import scopes, services
from lms.obapi.discovery import endpoint, service_description
from lms.obapi.registration import RegistrationError, client_register
from lms.obapi.services import Refused

api = NinjaAPI(
    title="Open Badges 3.0 API",
    version="3.0",
    urls_namespace="obapi",
    docs_url=None,
    openapi_url=None,
)


def status_info(code_minor: str, description: str) -> dict:
    """The specification's Imsx_StatusInfo for a failed request."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": code_minor,
                }
            ]
        },
    }


class Unauthorized(Refused):
    def __init__(self, description: str, error: str = "invalid_token"):
        super().__init__(401, "unauthorizedrequest", description)
        self.challenge = f'Bearer error="{error}"'


class MissingScope(Refused):
    def __init__(self, scope: str):
        super().__init__(403, "forbidden", f"The access token does not grant the scope {scope}.")
        self.challenge = f'Bearer error="insufficient_scope", scope="{scope}"'


@api.exception_handler(Refused)
def on_refused(request, exc: Refused):
    if exc.status == 304:
        return HttpResponse(status=304)
    response = JsonResponse(status_info(exc.code_minor, exc.description), status=exc.status)
    challenge = getattr(exc, "challenge", None)
    if challenge:
        response["WWW-Authenticate"] = challenge
    response["Cache-Control"] = "no-store"
    return response


def learner_for(request, scope: str):
    """The learner the request's bearer token speaks for, if the token grants `scope`."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        raise Unauthorized(
            "Send an access token: Authorization: Bearer <token>.", "invalid_request"
        )
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None or token.user is None or not token.user.is_active:
        raise Unauthorized("The access token is unknown, expired or revoked.")
    if not token.allow_scopes([scope]):
        raise MissingScope(scope)
    return token.user


def _not_allowed(request, *args, **kwargs):
    raise Refused(405, "not_allowed", f"{request.method} is not allowed here.")


# --- discovery and registration ------------------------------------------------------------


@api.get("/discovery", auth=None)
def discovery(request):
    response = JsonResponse(service_description())
    response["Cache-Control"] = "public, max-age=3600"
    return response


@api.post("/register", auth=None)
def register(request):
    """RFC 7591 registration; its errors are RFC 7591's ({"error", "error_description"}).
    Throttled per client address (429)."""
    if client_register_ip_throttled(request):
        return JsonResponse(
            {
                "error": "temporarily_unavailable",
                "error_description": "Too many clients were registered from this address in "
                "the last hour. Wait an hour and try again.",
            },
            status=429,
            headers={"Cache-Control": "no-store"},
        )
    try:
        metadata = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        metadata = None
    try:
        registration = client_register(metadata)
    except RegistrationError as exc:
        return JsonResponse(
            {"error": exc.error, "error_description": exc.description},
            status=400,
            headers={"Cache-Control": "no-store"},
        )
    return JsonResponse(
        registration.as_response(), status=201, headers={"Cache-Control": "no-store"}
    )


# --- credentials -------------------------------------------------------------------------


def _int_parameter(request, name: str, default: int, minimum: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise Refused(
            400, "invalid_query_parameter", f"{name} must be an integer of at least {minimum}."
        )
    return value


def _since(request):
    raw = request.GET.get("since")
    if raw is None:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(
            400,
            "invalid_query_parameter",
            "since must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z.",
        )
    return make_aware(moment) if is_naive(moment) else moment


def _link_header(page: services.CredentialsPage, since: str | None) -> str:
    """RFC 8288 links to the first, previous, next and last pages."""

    def url(offset: int) -> str:
        query = {"limit": page.limit, "offset": offset}
        if since is not None:
            query["since"] = since
        return f"{endpoint('credentials')}?{urlencode(query)}"

    last = max(0, (page.total - 1) // page.limit * page.limit)
    links = [f'<{url(0)}>; rel="first"']
    if page.offset > 0:
        links.append(f'<{url(max(0, page.offset - page.limit))}>; rel="prev"')
    if page.offset + page.limit < page.total:
        links.append(f'<{url(page.offset + page.limit)}>; rel="next"')
    links.append(f'<{url(last)}>; rel="last"')
    return ", ".join(links)


@api.get("/credentials", auth=None)
def get_credentials(request):
    user = learner_for(request, scopes.CREDENTIAL_READ)
    limit = min(_int_parameter(request, "limit", services.DEFAULT_LIMIT, 1), services.MAX_LIMIT)
    offset = _int_parameter(request, "offset", 0, 0)
    since = _since(request)
    page = services.credentials_page(user=user, limit=limit, offset=offset, since=since)
    response = JsonResponse({"credential": page.credentials, "compactJwsString": []})
    response["X-Total-Count"] = str(page.total)
    response["Link"] = _link_header(page, request.GET.get("since"))
    response["Cache-Control"] = "no-store"
    return response


@api.post("/credentials", auth=None)
def upsert_credential(request):
    user = learner_for(request, scopes.CREDENTIAL_UPSERT)
    content_type = request.content_type or ""
    if content_type not in ("application/json", "text/plain"):
        raise Refused(
            400, "invalid_data", "Send the credential as application/json or text/plain (JWS)."
        )
    status = services.credential_upsert(user=user, body=request.body, content_type=content_type)
    return HttpResponse(status=status)


# --- profile -----------------------------------------------------------------------------


@api.get("/profile", auth=None)
def get_profile(request):
    user = learner_for(request, scopes.PROFILE_READ)
    return JsonResponse(services.profile_of(user), headers={"Cache-Control": "no-store"})


@api.put("/profile", auth=None)
def put_profile(request):
    user = learner_for(request, scopes.PROFILE_UPDATE)
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "invalid_data", "The body is not valid JSON.") from None
    profile = services.profile_update(user=user, data=data)
    return JsonResponse(profile, headers={"Cache-Control": "no-store"})


for path, methods in (
    ("/discovery", ["POST", "PUT", "PATCH", "DELETE"]),
    ("/credentials", ["PUT", "PATCH", "DELETE"]),
    ("/profile", ["POST", "PATCH", "DELETE"]),
):
    api.api_operation(methods, path, auth=None)(_not_allowed)
