"""The notifications pages: the list (open, mark read), the e-mail settings, and the one-click
unsubscribe link that works without logging in. Thin: the rules are in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from lms.notifications import services
from lms.notifications.kinds import BY_NAME, DIGEST, Delivery, kinds_for


@login_required
@require_http_methods(["GET"])
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    found = services.notifications_of(request.user, unread_only=unread_only)
    page = Paginator(found, services.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "unread_only": unread_only,
            "unread": services.unread_count(request.user),
        },
    )


@login_required
@require_http_methods(["GET"])
def notification_open(request, notification_id: int):
    """Mark it read and go to the thing it is about (or back to the list)."""
    notification = services.notification_mark_read(
        user=request.user, notification_id=notification_id
    )
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notifications")


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_POST
def notification_read(request, notification_id: int):
    services.notification_mark_read(user=request.user, notification_id=notification_id)
    messages.success(request, _("Marked as read."))
    return _back(request)


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All %(count)s marked as read.") % {"count": count})
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    current = services.preferences_of(request.user)
    errors = {}
    status = 200
    if request.method == "POST":
        # A kind left out of the form stays as it is.
        choices = {kind: request.POST[kind] for kind in current if kind in request.POST}
        try:
            current = services.preferences_set(user=request.user, choices=choices)
        except ValidationError as exc:
            errors = exc.message_dict
            current = {**current, **choices}
            status = 400
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications-settings")
    rows = [
        {"kind": kind, "chosen": current[kind.name], "errors": errors.get(kind.name, [])}
        for kind in kinds_for(request.user)
    ]
    return render(
        request,
        "notifications/settings.html",
        {
            "learning_rows": [r for r in rows if not r["kind"].teaching],
            "teaching_rows": [r for r in rows if r["kind"].teaching],
            "choices": Delivery.choices,
            "errors": errors,
        },
        status=status,
    )


@csrf_exempt  # RFC 8058: the mail provider posts without a session or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: say what the link turns off and ask to confirm. POST (one click, RFC 8058, or the
    confirmation form): turn that kind's e-mail off. A forged or damaged token: 400."""
    try:
        user, kind = services.unsubscribe_token_read(token)
    except ValidationError as exc:
        return render(
            request, "notifications/unsubscribe.html", {"error": exc.messages[0]}, status=400
        )
    label = _("the daily digest") if kind == DIGEST else BY_NAME[kind].label
    context = {"label": label, "token": token, "done": False}
    if request.method == "POST":
        services.email_turn_off(user=user, kind=kind)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
