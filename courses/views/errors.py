"""Turn rule errors into pages with the right status and a message a person can act on."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from lms.errors import Conflict


def messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def action_error(request, status: int, messages: list[str]):
    return render(
        request,
        "courses/action_error.html",
        {"status": status, "messages_list": messages, "back": request.META.get("HTTP_REFERER", "")},
        status=status,
    )


def handles_rule_errors(view):
    """400 for bad input, 403 for not allowed, 404 for missing, 409 for a conflicting state."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as exc:
            return action_error(request, 400, messages_of(exc))
        except PermissionDenied as exc:
            return action_error(request, 403, [str(exc) or "You may not do this."])
        except Conflict as exc:
            return action_error(request, 409, [exc.message])
        except Http404 as exc:
            return action_error(request, 404, [str(exc) or "Not found."])

    return wrapper


def learner_action(view):
    """A form post by a signed-in user that runs a rule: POST only, login required, rule errors
    shown as pages with their status."""
    return require_POST(login_required(handles_rule_errors(view)))
