"""Telling people: queue a notification after the current transaction commits; keep it once.

Apps call `notify(user, key=..., template=..., context=...)`. A worker renders
templates/emails/<template>.txt (first line: the subject) in the recipient's language and keeps
it as an in-app notification (the bell), unless one with the same key was kept before. The
template's name is the notification's kind (lms.notifications.kinds): the recipient's choice for
that kind says whether the e-mail goes now, waits for the daily digest, or does not go.
`context["page"]`, when given, is the default-language page the message is about: the recipient
reads its title, and follows its link, in their own language.

Every e-mail carries one-click unsubscribe headers (RFC 8058) with a signed token naming the
person and the kind; posting the token turns that kind's e-mail off without logging in.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.celery import send, send_after_commit
from lms.localization import localized_in_language
from lms.notifications.kinds import BY_NAME, DIGEST, Delivery, kinds_for
from lms.notifications.models import EmailDigest, Notification, NotificationPreference

SITE_NAME = "Cluster Manager Academy"
UNSUBSCRIBE_SALT = "lms.notifications.unsubscribe"
# The notifications page shows this many at a time; the API at most this many per request.
PAGE_SIZE = 50


def notify(user, *, key: str, template: str, context: dict) -> None:
    """Tell `user` (in the site, and by e-mail as they chose) once the current transaction
    commits, never if it rolls back. A broker outage does not fail the caller's request."""
    send_after_commit("notifications.tasks.send_notification", user.id, key, template, context)


def _about_page_in(context: dict, language: str) -> dict:
    """The title and URL of the page a message is about, in `language`; links are absolute."""
    page = localized_in_language(context.get("page") or 0, language)
    if page is None:
        return context
    context = {**context, "title": page.title, "page_url": urljoin(settings.BASE_URL, page.url)}
    if "url" in context:
        context["url"] = context["page_url"]
    return context


def _site_path(url: str) -> str:
    """A link on this site as a path (so it survives a change of host); others unchanged."""
    base = settings.BASE_URL.rstrip("/")
    if url.startswith(base + "/"):
        return url[len(base) :]
    return url


def _link(kind: str, context: dict) -> str:
    """Where the in-app notification leads: the thing it is about."""
    url = (
        context.get("link")
        or context.get("url")
        or context.get("page_url")
        or context.get("verify_url")
        or ""
    )
    known = BY_NAME.get(kind)
    if url and known and known.anchor:
        url = f"{url}#{known.anchor}"
    return _site_path(url)


# --- preferences --------------------------------------------------------------------------


def preference_of(user, kind: str) -> str:
    """How `user` takes `kind` by e-mail (immediately unless they said otherwise)."""
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("email", flat=True)
        .first()
    )
    return chosen or Delivery.IMMEDIATELY


def preferences_of(user) -> dict[str, str]:
    """Each kind this person may receive → how they take it by e-mail."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.name: chosen.get(kind.name, Delivery.IMMEDIATELY) for kind in kinds_for(user)}


def preferences_set(*, user, choices: dict[str, str]) -> dict[str, str]:
    """Set how `user` takes some kinds by e-mail. Unknown kinds or choices: ValidationError,
    nothing changed."""
    allowed = {kind.name for kind in kinds_for(user)}
    errors = {}
    for kind, email in choices.items():
        if kind not in allowed:
            errors[kind] = [_("There is no such kind of notification.")]
        elif email not in Delivery.values:
            errors[kind] = [_("Choose immediately, daily digest or off.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for kind, email in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": email}
            )
    return preferences_of(user)


# --- one-click unsubscribe ----------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    """A signed token naming this person and this kind (or DIGEST). It does not expire: an old
    e-mail's link still works, and the same person and kind always get the same token."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object([user.id, kind])


def unsubscribe_url(user, kind: str) -> str:
    """The absolute one-click unsubscribe URL, in the person's language."""
    with translation.override(user.preferred_language):
        path = reverse("notifications-unsubscribe", args=[unsubscribe_token(user, kind)])
    return urljoin(settings.BASE_URL, path)


def unsubscribe_token_read(token: str):
    """(user, kind) of a token. A forged, damaged or stale token raises ValidationError."""
    try:
        user_id, kind = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ValidationError(_("This unsubscribe link is not valid.")) from exc
    if not isinstance(user_id, int) or (kind != DIGEST and kind not in BY_NAME):
        raise ValidationError(_("This unsubscribe link is not valid."))
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user, kind


def email_turn_off(*, user, kind: str) -> list[str]:
    """Turn off e-mail for `kind` (DIGEST: every kind the person takes in the daily digest).
    Returns the kinds turned off. In-app notifications go on."""
    if kind == DIGEST:
        kinds = [k for k, email in preferences_of(user).items() if email == Delivery.DAILY_DIGEST]
    else:
        kinds = [kind]
    with transaction.atomic():
        for name in kinds:
            NotificationPreference.objects.update_or_create(
                user=user, kind=name, defaults={"email": Delivery.OFF}
            )
        Notification.objects.filter(
            user=user, kind__in=kinds, email=Notification.Email.DIGEST_PENDING
        ).update(email=Notification.Email.OFF)
    return kinds


def _email(user, *, subject: str, body: str, kind: str) -> EmailMessage:
    """An e-mail to `user` with the footer and the one-click unsubscribe headers."""
    url = unsubscribe_url(user, kind)
    with translation.override(user.preferred_language):
        settings_url = urljoin(settings.BASE_URL, reverse("notifications-settings"))
        footer = _(
            "Choose which e-mails you receive: %(settings)s\nStop these e-mails: %(unsubscribe)s"
        ) % {"settings": settings_url, "unsubscribe": url}
    return EmailMessage(
        subject=subject.strip(),
        body=f"{body.strip()}\n\n--\n{footer}\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


# --- keeping and sending one notification -------------------------------------------------


def notification_send(*, user_id: int, key: str, template: str, context: dict) -> bool:
    """Keep one notification and e-mail it as the recipient chose, unless its key was kept
    before. Returns whether it was kept now."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    context = _about_page_in(context, user.preferred_language)
    with translation.override(user.preferred_language):
        text = render_to_string(
            f"emails/{template}.txt",
            {**context, "user": user, "base_url": settings.BASE_URL, "site_name": SITE_NAME},
        )
    subject, _sep, body = text.strip().partition("\n")
    subject, body = subject.strip(), body.strip()
    if not user.email:
        email = Notification.Email.NONE
    else:
        email = {
            Delivery.IMMEDIATELY: Notification.Email.SENT,
            Delivery.DAILY_DIGEST: Notification.Email.DIGEST_PENDING,
            Delivery.OFF: Notification.Email.OFF,
        }[preference_of(user, template)]
    with transaction.atomic():
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user,
                    key=key,
                    kind=template,
                    subject=subject[:200],
                    body=body,
                    link=_link(template, context)[:500],
                    email=email,
                )
        except IntegrityError:
            return False
        if email == Notification.Email.SENT:
            # Sent inside the transaction: if sending fails the key is not kept and a retry sends.
            _email(user, subject=subject, body=body, kind=template).send()
    return True


# --- the daily digest ---------------------------------------------------------------------


def digests_send(*, day: date | None = None) -> int:
    """Queue one digest task for each person with notifications waiting for it. Returns how
    many were queued."""
    day = day or timezone.localdate()
    user_ids = (
        Notification.objects.filter(email=Notification.Email.DIGEST_PENDING)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    count = 0
    for user_id in user_ids.iterator(chunk_size=500):
        send("notifications.tasks.send_digest", user_id, day.isoformat())
        count += 1
    return count


def digest_send(*, user_id: int, day: date) -> bool:
    """Send `user_id` one e-mail with everything waiting for their digest, at most once a day
    (the key `digest:<user>:<day>`). Returns whether it was sent now."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    with transaction.atomic():
        pending = Notification.objects.select_for_update().filter(
            user=user, email=Notification.Email.DIGEST_PENDING
        )
        off = [k for k, email in preferences_of(user).items() if email == Delivery.OFF]
        pending.filter(kind__in=off).update(email=Notification.Email.OFF)
        items = list(pending.exclude(kind__in=off).order_by("created_at", "id"))
        if not items:
            return False
        try:
            with transaction.atomic():
                digest = EmailDigest.objects.create(user=user, key=f"digest:{user.id}:{day}")
        except IntegrityError:
            return False
        Notification.objects.filter(pk__in=[n.pk for n in items]).update(
            email=Notification.Email.DIGESTED, digest=digest
        )
        with translation.override(user.preferred_language):
            text = render_to_string(
                "emails/digest.txt",
                {
                    "user": user,
                    "items": [
                        {
                            "subject": n.subject,
                            "link": urljoin(settings.BASE_URL, n.link) if n.link else "",
                        }
                        for n in items
                    ],
                    "count": len(items),
                    "day": day.isoformat(),
                    "notifications_url": urljoin(settings.BASE_URL, reverse("notifications")),
                    "base_url": settings.BASE_URL,
                    "site_name": SITE_NAME,
                },
            )
        subject, _sep, body = text.strip().partition("\n")
        # Sent inside the transaction: if sending fails nothing is marked and a retry sends.
        _email(user, subject=subject, body=body, kind=DIGEST).send()
    return True


# --- in the site --------------------------------------------------------------------------


def notifications_of(user, *, unread_only: bool = False):
    """The person's notifications, newest first."""
    found = Notification.objects.filter(user=user)
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_of(user, notification_id: int) -> Notification:
    """One of the person's notifications; anyone else's, or none, is a 404."""
    found = Notification.objects.filter(user=user, pk=notification_id).first()
    if found is None:
        raise Http404(_("There is no such notification."))
    return found


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = notification_of(user, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification read; returns how many were."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
