"""Celery tasks of lms.xapi: send the outbox after each event, and a beat sweep for what is left."""

from celery import shared_task

from lms.celery import backoff
from lms.xapi.delivery import LrsError, statements_deliver

SEND_RETRIES = 6


@shared_task(bind=True, max_retries=SEND_RETRIES, ignore_result=True)
def send_statements(self):
    """Post what is due to the LRS; while it cannot be reached, try again later, waiting longer
    each time. The beat sweep sends whatever this gives up on."""
    try:
        statements_deliver()
    except LrsError as exc:
        if self.request.is_eager:
            return  # the caller is a request (tests run tasks eagerly): the sweep sends it later
        raise self.retry(
            exc=exc, countdown=backoff(self.request.retries + 1).total_seconds()
        ) from exc


@shared_task(ignore_result=True)
def sweep_statements():
    """Beat: send statements still waiting (an LRS or broker outage left them behind)."""
    try:
        statements_deliver()
    except LrsError:
        return
