"""Start real Celery worker processes against the test database and the configured broker.

The worker runs `celery -A lms worker` with the test settings and LMS_CELERY_EAGER=0, pointed at
the database pytest-django created (SQLite file or PostgreSQL), consuming this test process's own
queue. Tests here use `transactional_db` so that what they write is committed and visible to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user = params.get("USER") or ""
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{params.get('HOST') or '127.0.0.1'}:{params.get('PORT') or 5432}/{params['NAME']}"


class Worker:
    """One `celery worker` process; `kill()` sends SIGKILL, as a crash would."""

    def __init__(self, name: str, concurrency: int = 1, extra_env: dict | None = None):
        self.name = name
        self.log_path = (
            Path(settings.DATA_DIR)
            / f"worker-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{name}.log"
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "LMS_CELERY_EAGER": "0",
            "DATABASE_URL": database_url(),
            **(extra_env or {}),
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={name}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-4000:]}")
            if "ready." in self.log_path.read_text():
                return
            time.sleep(0.2)
        raise TimeoutError(
            f"worker not ready after {timeout}s:\n{self.log_path.read_text()[-4000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def real_celery(settings):
    """Send tasks to the broker instead of running them in this process."""
    from lms.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def start_worker(transactional_db, real_celery):
    workers: list[Worker] = []

    def start(name: str = "w1", concurrency: int = 1, extra_env: dict | None = None) -> Worker:
        worker = Worker(name, concurrency, extra_env)
        workers.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.25, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
