"""Celery tasks of accounts: account e-mails, sent by a worker."""

from celery import shared_task

from lms.accounts import emails


@shared_task(
    name="accounts.tasks.send_account_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_account_email(user_id: int, to: str, template: str, context: dict) -> bool:
    return emails.account_email_send(user_id=user_id, to=to, template=template, context=context)


@shared_task(
    name="accounts.tasks.send_rendered_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_rendered_email(subject: str, body: str, to: str, html: str | None = None) -> None:
    emails.plain_email_send(subject=subject, body=body, to=to, html=html)
