"""The outbox: batches, leases, backoff after failures, and one refused statement holding back
nothing. The LRS here is a small recording HTTP server (the real LRS is in tests/interop)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from courses.lessons import lesson_complete
from lms.celery import backoff
from lms.xapi import delivery
from lms.xapi.delivery import LrsError, statements_deliver
from lms.xapi.models import Statement

pytestmark = pytest.mark.django_db


class RecordingLrs:
    """Answers POST /xAPI/statements as told: stores, fails (status) or refuses one id (400)."""

    def __init__(self):
        self.posts: list[list[dict]] = []
        self.headers: list[dict] = []
        self.status = 200
        self.refuse_id: str | None = None
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                lrs.headers.append(dict(self.headers))
                status = lrs.status
                if lrs.refuse_id and any(s["id"] == lrs.refuse_id for s in body):
                    status = 400
                if status == 200:
                    lrs.posts.append(body)
                payload = json.dumps([s["id"] for s in body]).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stored_ids(self) -> list[str]:
        return [s["id"] for batch in self.posts for s in batch]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lrs(lrs_on):
    server = RecordingLrs()
    lrs_on.LRS_URL = server.url
    yield server
    server.close()


@pytest.fixture
def three_statements(lrs_on, curriculum, enrolled):
    """Enrolled in the qualification (registered in it and its two courses), then a lesson
    completed with the first registration already sent: three statements due."""
    Statement.objects.filter(verb="registered").order_by("created_at")[:1].get().delete()
    lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])
    assert Statement.objects.count() == 3
    return list(Statement.objects.order_by("created_at"))


def test_a_batch_is_posted_with_basic_auth_and_the_xapi_version(lrs, three_statements):
    result = statements_deliver()

    assert (result.sent, result.failed) == (3, 0)
    assert lrs.stored_ids() == [str(s.id) for s in three_statements]
    assert lrs.headers[0]["X-Experience-API-Version"] == "1.0.3"
    assert lrs.headers[0]["Authorization"].startswith("Basic ")
    assert not Statement.objects.filter(sent_at__isnull=True).exists()
    assert statements_deliver().sent == 0  # nothing left: nothing posted again
    assert len(lrs.posts) == 1


def test_batches_are_limited_in_size(lrs, three_statements):
    statements_deliver(batch_size=2)

    assert [len(batch) for batch in lrs.posts] == [2, 1]


def test_an_unreachable_lrs_keeps_the_statements_and_backs_off(lrs_on, three_statements):
    lrs_on.LRS_URL = "http://127.0.0.1:9/xAPI/"

    with pytest.raises(LrsError) as failure:
        statements_deliver()

    assert failure.value.retryable
    rows = list(Statement.objects.all())
    assert all(r.sent_at is None and r.attempts == 1 and r.last_error for r in rows)
    assert all(r.next_attempt_at > timezone.now() + timedelta(seconds=3) for r in rows)
    # Not due yet: a sweep now sends nothing and does not fail.
    assert statements_deliver().sent == 0


def test_after_an_outage_everything_is_sent_once(lrs, three_statements):
    lrs.status = 503
    with pytest.raises(LrsError):
        statements_deliver()
    assert lrs.posts == []

    lrs.status = 200
    Statement.objects.update(next_attempt_at=timezone.now())  # the backoff has passed
    assert statements_deliver().sent == 3
    assert sorted(lrs.stored_ids()) == sorted(str(s.id) for s in three_statements)


def test_a_refused_statement_holds_back_nothing_else(lrs, three_statements):
    bad = three_statements[1]
    lrs.refuse_id = str(bad.id)

    result = statements_deliver()

    assert (result.sent, result.rejected) == (2, 1)
    assert sorted(lrs.stored_ids()) == sorted(str(s.id) for s in three_statements if s != bad)
    bad.refresh_from_db()
    assert bad.sent_at is None and "400" in bad.last_error
    assert bad.next_attempt_at > timezone.now() + timedelta(minutes=30)


def test_a_claimed_batch_is_not_posted_by_a_second_sender(lrs, three_statements):
    claimed = delivery._claim(10)

    assert len(claimed) == 3
    assert delivery._claim(10) == []  # another sender finds nothing due
    assert statements_deliver().sent == 0


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(40).total_seconds() == 3600


def test_nothing_is_sent_without_an_lrs(settings, curriculum):
    settings.LRS_URL = ""
    assert statements_deliver().sent == 0


def test_the_sweep_task_sends_what_is_due(lrs, three_statements):
    from lms.xapi.tasks import sweep_statements

    sweep_statements.apply()

    assert len(lrs.stored_ids()) == 3
