"""Account e-mails (confirm an address, change it, reset a password): sent by a worker.

They go to an address that is not necessarily the account's own yet (a new address being
confirmed), and each carries a link that must work, so they are not notifications kept once
under a key: every request sends its own message. Rendering happens in the worker, in the
account's language; templates/emails/<template>.txt, first line the subject.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from lms.celery import send_after_commit

SITE_NAME = "Cluster Manager Academy"


def account_email(*, user, to: str, template: str, context: dict) -> None:
    """Queue the e-mail once the current transaction commits."""
    send_after_commit("accounts.tasks.send_account_email", user.pk, to, template, context)


def account_email_send(*, user_id: int, to: str, template: str, context: dict) -> bool:
    from .models import User

    user = User.objects.filter(pk=user_id).first()
    if user is None or not to:
        return False
    with translation.override(user.preferred_language):
        text = render_to_string(
            f"emails/{template}.txt",
            {**context, "user": user, "base_url": settings.BASE_URL, "site_name": SITE_NAME},
        )
    subject, _, body = text.strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [to])
    return True


def plain_email_send(*, subject: str, body: str, to: str, html: str | None = None) -> None:
    """Send a message already rendered (Django's password-reset e-mail)."""
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], html_message=html)
