"""A deployment of two hosts on this machine, for the multi-host test.

Each "host" is a set of processes with an LMS_DATA_DIR of its own, empty at the start: web A and
web B (gunicorn), worker A and worker B (Celery), and one beat. They share what a real deployment
shares: one PostgreSQL database (made for the run and dropped after it), one Redis and one
S3-compatible server (moto's, started here on 127.0.0.1, with a private and a public bucket).
Every process runs the production settings with LMS_HOSTS=2, so the settings' own guardrails
hold them to shared services. The release steps (migrate, collectstatic into the public bucket,
the curriculum, the instructors' accounts) run before the processes start, as a deploy would.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.stack import (
    ROOT,
    CeleryBeat,
    CeleryWorker,
    GunicornWeb,
    ManagedProcess,
    MotoS3Server,
    files_under,
    free_port,
    is_postgres,
    throwaway_database,
)

RESULTS = ROOT / "test-results" / "scale"
PASSWORD = "scale-out-" + "clusters-2026"
# The marker and the moderator of the test qualification (create_account's rule, in one process).
CREATE_INSTRUCTORS = f"""
from django.core.management import call_command
for name in ("marker", "moderator"):
    call_command(
        "create_account", role="instructor", username=name, password="{PASSWORD}",
        full_name=name.title(), email=f"{{name}}@example.org", teaches=["test-qualification"],
    )
"""
PRIVATE_BUCKET = "academy-private"
PUBLIC_BUCKET = "academy-public"


def shared_services() -> tuple[str, str]:
    """DATABASE_URL and REDIS_URL from the environment, both reachable, or a failed test that
    says what is missing: the multi-host test is nothing without them, so it never skips."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not is_postgres(database_url) or not redis_url.startswith("redis://"):
        pytest.fail(
            "make test-scale needs a PostgreSQL server and a Redis server, named by "
            "DATABASE_URL=postgres://user@host:5432/name and REDIS_URL=redis://host:6379/<db> "
            f"(now DATABASE_URL={database_url or 'unset'}, REDIS_URL={redis_url or 'unset'}).",
            pytrace=False,
        )
    import psycopg
    import redis

    try:
        psycopg.connect(database_url, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"make test-scale: PostgreSQL at {database_url} is unreachable: {exc}", False)
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.fail(f"make test-scale: Redis at {redis_url} is unreachable: {exc}", False)
    return database_url, redis_url


class Deployment:
    """The shared services, the hosts' environments, and the processes started so far."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.logs = RESULTS
        self.logs.mkdir(parents=True, exist_ok=True)
        for old in self.logs.glob("*.log"):
            old.unlink()
        self.processes: list[ManagedProcess] = []
        self.cleanups = []
        database_url, redis_url = shared_services()
        self.s3 = self.started(MotoS3Server(log_path=self.logs / "s3.log"))
        self.s3.create_bucket(PRIVATE_BUCKET)
        self.s3.create_bucket(PUBLIC_BUCKET, public_read=True)
        base = urlsplit(database_url).path.lstrip("/") or "postgres"
        self.database_url, drop = throwaway_database(
            database_url, f"{base}_scale_{uuid.uuid4().hex[:8]}"
        )
        self.cleanups.append(drop)
        self.redis_url = redis_url
        self._empty_redis()
        # The issuer's key lives where a deployment keeps its secrets, not in a data dir.
        self.key_file = tmp / "secrets" / "issuer.pem"
        self.key_file.parent.mkdir()
        self.key_file.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        # The site's address (the load balancer's, in a real deployment) is web A's.
        self.web_a_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.web_a_port}"
        self.data_dirs: dict[str, Path] = {}

    def _empty_redis(self) -> None:
        """A fresh Redis database: no task or cached value of an earlier run (the outline, a
        verification report) may meet this run's database."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def started(self, process: ManagedProcess, timeout: float = 60) -> ManagedProcess:
        self.processes.append(process.start())
        return process.wait_ready(timeout)

    def env(self, host: str) -> dict:
        """The production environment of one host: its own, empty data dir; the rest shared."""
        data_dir = self.tmp / "hosts" / host
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dirs[host] = data_dir
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "LMS_", "PYTEST_", "DATABASE_URL", "REDIS_URL"))
        }
        return {
            **clean,
            **self.s3.environment(bucket=PRIVATE_BUCKET, public_bucket=PUBLIC_BUCKET),
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "LMS_BASE_URL": self.base_url,
            "LMS_HOSTS": "2",
            "LMS_ISSUER_KEY_FILE": str(self.key_file),
            "LMS_DATA_DIR": str(data_dir),
            # A killed worker's tasks come back after 10 s instead of an hour.
            "CELERY_VISIBILITY_TIMEOUT": "10",
        }

    secret_key = secrets.token_urlsafe(50)

    def manage(self, *args: str, background: bool = False):
        """A release step, run as a deploy would (its own data dir, checked empty too)."""
        command = [sys.executable, "manage.py", *args]
        if background:
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env("release"),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        result = subprocess.run(
            command,
            cwd=ROOT,
            env=self.env("release"),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def release(self) -> None:
        """What a deploy runs once before the processes start; collectstatic (uploading every
        static file to the public bucket) runs beside the database steps."""
        collect = self.manage("collectstatic", "--noinput", "-v0", background=True)
        for step in (
            ("migrate", "--noinput", "-v0"),
            ("load_curriculum", "--content-dir", str(ROOT / "tests/fixtures/curriculum")),
            ("shell", "-c", CREATE_INSTRUCTORS),
        ):
            started = time.monotonic()
            self.manage(*step)
            print(f"  manage.py {step[0]}: {time.monotonic() - started:.0f} s")
        output, _ = collect.communicate(timeout=600)
        if collect.returncode != 0:
            raise RuntimeError(f"manage.py collectstatic failed:\n{output}")

    def start(self, *processes: ManagedProcess, timeout: float = 120) -> None:
        """Start the processes side by side, then wait until each is ready."""
        for process in processes:
            self.processes.append(process.start())
        for process in processes:
            process.wait_ready(timeout)

    def web(self, host: str) -> GunicornWeb:
        web = GunicornWeb(
            f"web-{host}",
            env=self.env(f"web-{host}"),
            log_path=self.logs / f"web-{host}.log",
            port=self.web_a_port if host == "a" else None,
            threads=4,
        )
        return web

    def worker(self, host: str) -> CeleryWorker:
        worker = CeleryWorker(
            f"worker-{host}",
            env=self.env(f"worker-{host}"),
            log_path=self.logs / f"worker-{host}.log",
            concurrency=2,
            hostname=f"worker-{host}@scale",
        )
        return worker

    def beat(self) -> CeleryBeat:
        env = self.env("beat")
        beat = CeleryBeat(
            "beat",
            env=env,
            log_path=self.logs / "beat.log",
            schedule_path=Path(env["LMS_DATA_DIR"]) / "celerybeat-schedule",
        )
        return beat

    def local_files(self, host: str) -> list[str]:
        return files_under(self.data_dirs[host])

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop(timeout=20)
        for cleanup in self.cleanups:
            cleanup()


class Site:
    """The JSON API and pages of one web process, as a client behind a TLS-terminating load
    balancer sees them (X-Forwarded-Proto: https, as the production settings expect)."""

    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=120))

    def __init__(self, url: str):
        self.url = url

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs):
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"{self.url}{path}", headers=headers, **kwargs)

    def api(self, method: str, path: str, body=None, *, token=None, expect=(200, 201)):
        response = self.request(
            method,
            f"/api/v1{path}",
            token=token,
            body=None if body is None else json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        assert response.status in expect, f"{method} {path}: {response.status} {response.data!r}"
        return json.loads(response.data or b"null")

    def token(self, username: str, password: str = PASSWORD) -> str:
        return self.api("POST", "/auth/token", {"username": username, "password": password})[
            "token"
        ]


@pytest.fixture
def deployment(tmp_path):
    live = Deployment(tmp_path)
    try:
        yield live
    finally:
        live.stop()
