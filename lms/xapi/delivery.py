"""Delivering the outbox to the LRS: batches posted with HTTP Basic auth, retried with backoff.

A sender claims a batch by setting a lease (`claim`, and `next_attempt_at` a little ahead), so
senders on several workers never post the same rows at once; a sender that dies leaves its rows
to be claimed again when the lease ends. A batch the LRS accepts is marked sent. A batch that
fails for a reason that may pass (no connection, a timeout, a 5xx or 429) waits longer after each
failure; a batch the LRS refuses (4xx) is posted statement by statement so one bad statement
never holds back the others, and the refused one waits the longest backoff with its error shown
in the admin. The LRS keeps one copy of a statement id it receives twice, so a batch that was
stored but whose answer was lost is simply sent again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lms.celery import backoff
from lms.xapi.models import Statement
from lms.xapi.statements import XAPI_VERSION

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
LEASE = timedelta(seconds=120)
BACKOFF_MAX_SECONDS = 3600
TIMEOUT_SECONDS = 10


class LrsError(Exception):
    """The LRS did not store a batch. `retryable` when trying later may succeed."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    rejected: int = 0


def statements_endpoint() -> str:
    return settings.LRS_URL.rstrip("/") + "/statements"


def lrs_post(statements: list[dict]) -> None:
    """POST statements to the LRS's statements resource; raise LrsError unless it stored them."""
    try:
        response = requests.post(
            statements_endpoint(),
            json=statements,
            auth=(settings.LRS_USERNAME, settings.LRS_PASSWORD),
            headers={"X-Experience-API-Version": XAPI_VERSION},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise LrsError(f"LRS unreachable: {exc}", retryable=True) from exc
    if response.status_code in (200, 204):
        return
    retryable = response.status_code >= 500 or response.status_code in (401, 403, 408, 429)
    raise LrsError(
        f"LRS answered {response.status_code}: {response.text[:500]}",
        retryable=retryable,
        status=response.status_code,
    )


def _claim(batch_size: int) -> list[Statement]:
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = list(
            Statement.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "created_at")
            .values_list("id", flat=True)[:batch_size]
        )
        if not due:
            return []
        # Only rows still due: another sender that claimed them first moved their time on.
        Statement.objects.filter(id__in=due, sent_at__isnull=True, next_attempt_at__lte=now).update(
            claim=token, next_attempt_at=now + LEASE
        )
    return list(Statement.objects.filter(claim=token, sent_at__isnull=True).order_by("created_at"))


def _mark_sent(rows: list[Statement]) -> None:
    Statement.objects.filter(id__in=[r.id for r in rows]).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, claim=None, last_error=""
    )


def _mark_failed(rows: list[Statement], error: str, *, longest: bool = False) -> None:
    now = timezone.now()
    for row in rows:
        attempts = row.attempts + 1
        wait = timedelta(seconds=BACKOFF_MAX_SECONDS) if longest else backoff(attempts)
        Statement.objects.filter(id=row.id).update(
            attempts=attempts, next_attempt_at=now + wait, claim=None, last_error=error[:2000]
        )


def _send_one_by_one(rows: list[Statement], delivery: Delivery) -> None:
    for row in rows:
        try:
            lrs_post([row.statement])
        except LrsError as exc:
            if exc.retryable:
                _mark_failed([row], str(exc))
                delivery.failed += 1
                raise
            _mark_failed([row], str(exc), longest=True)
            delivery.rejected += 1
            logger.warning("The LRS refused statement %s: %s", row.id, exc)
        else:
            _mark_sent([row])
            delivery.sent += 1


def statements_deliver(*, batch_size: int = BATCH_SIZE, max_batches: int = 50) -> Delivery:
    """Send what is due, a batch at a time. Raises LrsError (retryable) when the LRS cannot be
    reached: the rows keep their statements and wait their backoff."""
    delivery = Delivery()
    if not settings.LRS_URL:
        return delivery
    for _batch in range(max_batches):
        rows = _claim(batch_size)
        if not rows:
            break
        try:
            lrs_post([row.statement for row in rows])
        except LrsError as exc:
            if exc.retryable:
                _mark_failed(rows, str(exc))
                delivery.failed += len(rows)
                raise
            _send_one_by_one(rows, delivery)
            continue
        _mark_sent(rows)
        delivery.sent += len(rows)
    return delivery


def statements_pending() -> int:
    return Statement.objects.filter(sent_at__isnull=True).count()
