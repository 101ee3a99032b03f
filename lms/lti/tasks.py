"""Celery tasks of lms.lti: sync a platform course's members, send scores, sweep what is left."""

from celery import shared_task
from pylti1p3.exception import LtiException

from lms.lti import services


@shared_task(
    autoretry_for=(LtiException, OSError), retry_backoff=5, max_retries=5, ignore_result=True
)
def sync_members(context_id: int) -> int:
    return services.context_members_sync(context_id=context_id)


@shared_task(ignore_result=True)
def send_scores() -> int:
    return services.scores_deliver()[0]


@shared_task(ignore_result=True)
def sweep_scores() -> int:
    """Beat: send scores still waiting (a platform or broker outage left them behind)."""
    return services.scores_deliver()[0]
