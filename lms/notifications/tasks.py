"""Celery tasks of notifications: fetch by id, call the service."""

from datetime import date

from celery import shared_task

from lms.notifications import services


@shared_task(
    name="notifications.tasks.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification(user_id: int, key: str, template: str, context: dict) -> bool:
    return services.notification_send(user_id=user_id, key=key, template=template, context=context)


@shared_task(name="notifications.tasks.send_daily_digests")
def send_daily_digests() -> int:
    return services.digests_send()


@shared_task(
    name="notifications.tasks.send_digest",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_digest(user_id: int, day: str) -> bool:
    return services.digest_send(user_id=user_id, day=date.fromisoformat(day))
