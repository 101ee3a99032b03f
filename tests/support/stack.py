"""Real processes and throwaway databases, shared by the integration tests, the browser journeys
(tests/e2e), the multi-host test (tests/scale) and the benchmarks (bench/): one way to start a
Celery worker, beat, a gunicorn web process or a local S3-compatible server and know it is
ready, and one way to make a PostgreSQL database for a run and drop it afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class ManagedProcess:
    """A child process in a process group of its own, logging to `log_path`.

    Subclasses say what to run (`command()`) and when it is ready (`is_ready()`).
    `wait_ready()` returns once it is; `kill()` sends SIGKILL to the whole group (the main
    process and its children), as a crash would; `stop()` asks it to finish first. Used as a
    context manager it starts, waits and stops.
    """

    kind = "process"

    def __init__(self, name: str, *, env: dict, log_path: Path):
        self.name = name
        self.env = env
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None
        self._log = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def is_ready(self) -> bool:
        raise NotImplementedError

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, size: int = 4000) -> str:
        return self.log_text()[-size:]

    def wait_ready(self, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} {self.name} exited early:\n{self.log_tail()}")
            if self.is_ready():
                return self
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.kind} {self.name} not ready after {timeout}s:\n{self.log_tail()}"
        )

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

    def __enter__(self):
        return self.start().wait_ready()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def celery_command(program: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "lms", program, "--loglevel=INFO", *options]


class CeleryWorker(ManagedProcess):
    """One `celery -A lms worker` process (prefork, `concurrency` children)."""

    kind = "worker"

    def __init__(
        self,
        name: str,
        *,
        env: dict,
        log_path: Path,
        concurrency: int = 1,
        hostname: str | None = None,
    ):
        super().__init__(name, env=env, log_path=log_path)
        self.concurrency = concurrency
        self.hostname = hostname or f"{name}-{os.getpid()}@%h"

    def command(self) -> list[str]:
        return celery_command(
            "worker",
            f"--concurrency={self.concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={self.hostname}",
        )

    def is_ready(self) -> bool:
        return " ready." in self.log_text()


class CeleryBeat(ManagedProcess):
    """The one `celery -A lms beat` of a deployment; its schedule file goes to `schedule_path`."""

    kind = "beat"

    def __init__(self, name: str, *, env: dict, log_path: Path, schedule_path: Path):
        super().__init__(name, env=env, log_path=log_path)
        self.schedule_path = Path(schedule_path)

    def command(self) -> list[str]:
        return celery_command("beat", f"--schedule={self.schedule_path}")

    def is_ready(self) -> bool:
        return "beat: Starting..." in self.log_text()


class GunicornWeb(ManagedProcess):
    """`gunicorn lms.wsgi` on 127.0.0.1:`port` (threaded workers), ready once it accepts."""

    kind = "web"

    def __init__(
        self,
        name: str,
        *,
        env: dict,
        log_path: Path,
        port: int | None = None,
        workers: int = 1,
        threads: int = 4,
        wsgi: str = "lms.wsgi",
    ):
        super().__init__(name, env=env, log_path=log_path)
        self.port = port or free_port()
        self.workers = workers
        self.threads = threads
        self.wsgi = wsgi

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            self.wsgi,
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--worker-class=gthread",
            "--access-logfile=-",
            "--log-level=warning",
        ]

    def is_ready(self) -> bool:
        return port_open(self.port)


class MotoS3Server(ManagedProcess):
    """moto's standalone server on 127.0.0.1: an S3-compatible endpoint for tests and benches.

    `environment(...)` gives the LMS_S3_* variables for buckets on it (made by `create_bucket`).
    """

    kind = "S3 server"
    ACCESS_KEY = "moto-access-key"
    SECRET_KEY = "moto-secret-key"
    REGION = "us-east-1"

    def __init__(self, name: str = "s3", *, log_path: Path, port: int | None = None):
        super().__init__(name, env={**os.environ}, log_path=log_path)
        self.port = port or free_port()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]

    def is_ready(self) -> bool:
        return port_open(self.port)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.REGION,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        )

    def create_bucket(self, name: str, *, public_read: bool = False) -> str:
        """A bucket; `public_read` gives anyone GET on its objects, as a public bucket's policy
        does (a private bucket answers an unsigned request with 403)."""
        client = self.client()
        client.create_bucket(Bucket=name)
        if public_read:
            statement = {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
            client.put_bucket_policy(
                Bucket=name,
                Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
            )
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        paginator = self.client().get_paginator("list_objects_v2")
        return [
            entry["Key"]
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
            for entry in page.get("Contents", ())
        ]

    def environment(self, *, bucket: str, public_bucket: str = "") -> dict:
        return {
            "LMS_S3_ENDPOINT_URL": self.endpoint_url,
            "LMS_S3_BUCKET": bucket,
            "LMS_S3_PUBLIC_BUCKET": public_bucket,
            "LMS_S3_REGION": self.REGION,
            "LMS_S3_ACCESS_KEY_ID": self.ACCESS_KEY,
            "LMS_S3_SECRET_ACCESS_KEY": self.SECRET_KEY,
            "LMS_S3_ADDRESSING_STYLE": "path",
        }


def files_under(folder: Path) -> list[str]:
    """Every file below `folder` (relative paths): what a process wrote to its local disk."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


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
