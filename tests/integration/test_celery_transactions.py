"""A task enqueued with on_commit runs on a real worker only if its transaction commits."""

import pytest
from django.db import transaction

from lms.notifications.models import Notification
from tests.conftest import make_user
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def _enqueue_email(user, key):
    from lms.notifications.services import notify

    notify(user, key=key, template="enrolled", context={"title": "Course", "url": "http://x/"})


def test_committed_task_runs_and_rolled_back_task_never_runs(start_worker):
    user = make_user("learner", "committed")
    start_worker()

    with transaction.atomic():
        _enqueue_email(user, "committed-key")

    class Rollback(Exception):
        pass

    def enqueue_then_fail():
        with transaction.atomic():
            _enqueue_email(user, "rolled-back-key")
            raise Rollback

    with pytest.raises(Rollback):
        enqueue_then_fail()

    with transaction.atomic():
        _enqueue_email(user, "committed-after-key")

    # One worker process takes messages in order: once the last committed task has run, a
    # message from the rolled-back transaction, had one been sent, would have run before it.
    wait_for(
        lambda: Notification.objects.filter(key="committed-after-key").exists(), message="the tasks"
    )
    assert Notification.objects.filter(key="committed-key").exists()
    assert not Notification.objects.filter(key="rolled-back-key").exists()


def test_health_check_sees_the_worker(start_worker, client):
    start_worker()
    response = wait_for(
        lambda: (r := client.get("/healthz")).json()["worker"]["ok"] and r,
        message="a worker ping reply",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["worker"]["count"] >= 1
    client.force_login(make_user("staff", "health-check-staff"))
    assert client.get("/healthz").json()["worker"]["workers"]  # names, for staff only
