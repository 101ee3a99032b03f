"""Telling people: queue a notification after the current transaction commits; send it once.

Apps call `notify(user, key=..., template=..., context=...)`. A worker renders
templates/emails/<template>.txt (first line: the subject) in the recipient's language and sends
it, unless a notification with the same key was sent before. `context["page"]`, when given, is
the default-language page the message is about: the recipient reads its title, and follows its
link, in their own language.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from lms.celery import send_after_commit
from lms.localization import localized_in_language
from lms.notifications.models import Notification

SITE_NAME = "Cluster Manager Academy"


def notify(user, *, key: str, template: str, context: dict) -> None:
    """Send `template` to `user` once the current transaction commits (never if it rolls back).

    A broker outage does not fail the caller's request (`robust`)."""
    if not user.email:
        return
    send_after_commit("notifications.tasks.send_notification", user.id, key, template, context)


def _about_page_in(context: dict, language: str) -> dict:
    """The title and URL of the page a message is about, in `language`; links are absolute."""
    page = localized_in_language(context.get("page") or 0, language)
    if page is None:
        return context
    context = {**context, "title": page.title}
    if "url" in context:
        context["url"] = urljoin(settings.BASE_URL, page.url)
    return context


def notification_send(*, user_id: int, key: str, template: str, context: dict) -> bool:
    """Render and send one email unless its key was sent before. Returns whether it was sent."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    context = _about_page_in(context, user.preferred_language)
    with translation.override(user.preferred_language):
        text = render_to_string(
            f"emails/{template}.txt",
            {**context, "user": user, "base_url": settings.BASE_URL, "site_name": SITE_NAME},
        )
    subject, _, body = text.strip().partition("\n")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Notification.objects.create(user=user, key=key, subject=subject[:200])
        except IntegrityError:
            return False
        # Sent inside the transaction: if sending fails the key is not kept and a retry sends.
        send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
