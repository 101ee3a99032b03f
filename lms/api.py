"""The JSON API root at /api/v1/: authentication, error shapes, and each app's router."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from certificates.api import router as certificates_router
from courses.api import router as courses_router
from courses.api.schemas import ErrorOut
from lms.accounts.api import router as accounts_router
from lms.errors import Conflict
from lms.notifications.api import router as notifications_router
from lms.privacy.api import router as privacy_router


class DocumentedErrorsAPI(NinjaAPI):
    """The API whose OpenAPI document lists, for every operation, the error responses it can
    answer (issue 17: most operations listed only their 2xx, so clients and schemathesis's
    conformance check disagreed with the API). An operation that declares an error response
    keeps its own; the others are added by what the operation is: see `error_responses`."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorOut" not in components:
            components["ErrorOut"] = ErrorOut.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in error_responses(method, operation):
                    responses.setdefault(
                        code,
                        {
                            "description": ERROR_DESCRIPTIONS[code],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorOut"}
                                }
                            },
                        },
                    )
        return schema


ERROR_DESCRIPTIONS = {
    400: "Bad request: a parameter or the body is invalid; `detail` says which and why.",
    401: "Authentication required: send a bearer token (POST /api/v1/auth/token) or log in.",
    403: "Forbidden: you may not do this; `detail` says why.",
    404: "Not found: no such object, or not one you may see.",
    409: "Conflict with the current state (already done, changed meanwhile); `detail` says which.",
    413: "Too large: the body or upload is over the limit (for a credential, once decompressed).",
    429: "Too many requests from this client: wait and try again.",
}
# Operations limited per client (certificates.throttle, the login and token limits).
THROTTLED_OPERATIONS = frozenset(
    {
        "certificates_api_verification",
        "certificates_api_verify_file",
        "lms_accounts_api_token",
        "lms_accounts_api_register",
    }
)

# Errors an operation answers that its shape does not reveal (a wrong password is a 401 on an
# operation that needs no login).
EXTRA_ERRORS = {"lms_accounts_api_token": (401,)}


def error_responses(method: str, operation: dict) -> list[int]:
    """The error codes an operation can answer, from what it is: 400 when it takes parameters or
    a body (validation), 401 and 403 when it needs a login, 404 when a path names an object, 409
    when an authenticated request changes state, 413 when it takes a body, 429 when throttled."""
    parameters = operation.get("parameters") or []
    has_body = "requestBody" in operation
    codes = []
    if parameters or has_body:
        codes.append(400)
    if operation.get("security"):
        codes += [401, 403]
    if any(p.get("in") == "path" for p in parameters):
        codes.append(404)
    if operation.get("security") and method.lower() in ("post", "put", "patch", "delete"):
        codes.append(409)
    if has_body:
        codes.append(413)
    if operation.get("operationId") in THROTTLED_OPERATIONS:
        codes.append(429)
    codes += EXTRA_ERRORS.get(operation.get("operationId"), ())
    return sorted(set(codes))


api = DocumentedErrorsAPI(
    title="Cluster Manager Academy API",
    version="1",
    description=(
        "Courses, learning progress, grading and certificates. Authenticate with "
        "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`."
    ),
    urls_namespace="api-v1",
)


def _error(request, status: int, message: str, **extra):
    return api.create_response(request, {"detail": message, **extra}, status=status)


def _first_messages(errors) -> str:
    parts = []
    for error in errors:
        location = ".".join(str(p) for p in error.get("loc", [])[1:]) or "body"
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    return _error(request, 400, _first_messages(exc.errors), errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc):
    if hasattr(exc, "message_dict"):
        message = " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return _error(request, 400, message, errors=exc.message_dict)
    return _error(request, 400, " ".join(exc.messages))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(request, 401, "Authentication required: send a bearer token or log in.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(Conflict)
def on_conflict(request, exc):
    return _error(request, 409, exc.message, **exc.detail)


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    return _error(request, 413, "The request body is too large.")


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


api.add_router("/auth", accounts_router)
api.add_router("/privacy", privacy_router)
api.add_router("", courses_router)
api.add_router("", certificates_router)
api.add_router("", notifications_router)
