"""The JSON API root at /api/v1/: authentication, error shapes, and each app's router."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from certificates.api import router as certificates_router
from courses.api import router as courses_router
from lms.accounts.api import router as accounts_router
from lms.errors import Conflict
from lms.notifications.api import router as notifications_router

api = NinjaAPI(
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


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return _error(request, exc.status_code, str(exc))


api.add_router("/auth", accounts_router)
api.add_router("", courses_router)
api.add_router("", certificates_router)
api.add_router("", notifications_router)
