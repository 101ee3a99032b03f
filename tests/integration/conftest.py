"""Start real Celery worker processes against the test database and the configured broker.

The worker runs `celery -A lms worker` with the test settings and LMS_CELERY_EAGER=0, pointed at
the database pytest-django created (SQLite file or PostgreSQL), consuming this test process's own
queue. Tests here use `transactional_db` so that what they write is committed and visible to it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.support.stack import CeleryWorker


def database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


def worker(name: str, concurrency: int = 1, extra_env: dict | None = None) -> CeleryWorker:
    """A worker on the test settings, the test database and this test process's queue."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "LMS_CELERY_EAGER": "0",
        "DATABASE_URL": database_url(),
        **(extra_env or {}),
    }
    log = (
        Path(settings.DATA_DIR)
        / f"worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{name}.log"
    )
    return CeleryWorker(name, env=env, log_path=log, concurrency=concurrency)


@pytest.fixture
def real_celery(settings):
    """Send tasks to the broker instead of running them in this process."""
    from lms.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def start_worker(transactional_db, real_celery):
    workers: list[CeleryWorker] = []

    def start(
        name: str = "w1", concurrency: int = 1, extra_env: dict | None = None
    ) -> CeleryWorker:
        started = worker(name, concurrency, extra_env).start()
        workers.append(started)
        started.wait_ready()
        return started

    yield start
    for started in workers:
        started.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.25, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
