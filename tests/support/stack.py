"""Real processes and throwaway databases, shared by the integration tests, the browser journeys
(tests/e2e) and the benchmarks (bench/): one way to start a Celery worker and know it is ready,
and one way to make a PostgreSQL database for a run and drop it afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


class CeleryWorker:
    """One `celery -A lms worker` process in a process group of its own, logging to `log_path`.

    `wait_ready()` returns once the worker says it is ready; `kill()` sends SIGKILL to the whole
    group (the main process and its pool), as a crash would; `stop()` asks it to finish first.
    Used as a context manager it starts, waits and stops.
    """

    def __init__(
        self,
        name: str,
        *,
        env: dict,
        log_path: Path,
        concurrency: int = 1,
        hostname: str | None = None,
    ):
        self.name = name
        self.env = env
        self.log_path = Path(log_path)
        self.concurrency = concurrency
        self.hostname = hostname or f"{name}-{os.getpid()}@%h"
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self) -> CeleryWorker:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={self.hostname}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_tail(self, size: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-size:] if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 60) -> CeleryWorker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited early:\n{self.log_tail()}")
            if " ready." in self.log_path.read_text(errors="replace"):
                return self
            time.sleep(0.2)
        raise TimeoutError(f"worker {self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 60) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> CeleryWorker:
        return self.start().wait_ready()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _pg(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def throwaway_database(database_url: str, name: str) -> tuple[str, callable]:
    """A new, empty PostgreSQL database beside the one `database_url` names: its URL, and a
    function that drops it."""
    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    _pg(admin, f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: _pg(
        admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://"))
