"""A live stack for browser journeys: web server, real Celery worker, the shipped curriculum,
and Chromium driven by Playwright.

The stack gets its own data dir and database (a fresh PostgreSQL database when DATABASE_URL
names PostgreSQL, else SQLite) and, with REDIS_URL, its own Redis database number. Screenshots
go to test-results/e2e/<test name>/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.stack import ROOT, CeleryWorker, is_postgres, throwaway_database

RESULTS = ROOT / "test-results" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.data_dir = tmp / "data"
        self.processes: list[subprocess.Popen] = []
        self.cleanups = []
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LMS_", "PYTEST_"))
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
                "DJANGO_DEBUG": "1",
                "LMS_DATA_DIR": str(self.data_dir),
                "LMS_BASE_URL": self.base_url,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "LMS_VERIFY_RATE": "1000/m",
                # Every journey signs in from 127.0.0.1: the suite passes 30 sign-ins in 5 minutes.
                "LMS_LOGIN_RATE": "1000/5m",
                "LMS_LOGIN_IP_RATE": "1000/5m",
                # Journeys read the e-mails the site sends (reset and confirmation links).
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.data_dir / "mail"),
            }
        )
        database_url = os.environ.get("DATABASE_URL", "")
        if is_postgres(database_url):
            env["DATABASE_URL"], drop = throwaway_database(
                database_url, f"e2e_{uuid.uuid4().hex[:10]}"
            )
            self.cleanups.append(drop)
        else:
            env.pop("DATABASE_URL", None)
        redis_url = os.environ.get("REDIS_URL")
        if redis_url:
            parts = urlsplit(redis_url)
            env["REDIS_URL"] = urlunsplit(parts._replace(path="/7"))
            import redis

            redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        self.env = env
        # Logs outlive the temporary directory: CI keeps test-results/ for a failed run.
        self.logs = RESULTS / "_stack"
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def spawn(self, name: str, *command: str) -> None:
        log = (self.logs / f"{name}.log").open("w")
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("load_curriculum")
        self.manage("create_demo_accounts")
        self.spawn(
            "web", sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"
        )
        self.worker = CeleryWorker(
            "worker",
            env=self.env,
            log_path=self.logs / "worker.log",
            concurrency=2,
            hostname=f"e2e-{self.port}@%h",
        ).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                    if json.load(response)["worker"]["ok"]:
                        return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        raise RuntimeError(
            "the stack did not become healthy:\n"
            + "\n".join(p.read_text()[-3000:] for p in self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        import signal

        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if getattr(self, "worker", None) is not None:
            self.worker.stop(timeout=20)
        for cleanup in self.cleanups:
            cleanup()

    # --- the JSON API, for set-up steps that are not the subject of a journey ------------------
    def api(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}", data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def emails(self, to: str | None = None) -> list:
        """The e-mails the stack has sent (oldest first), optionally only those to `to`."""
        import email
        from email import policy

        folder = self.data_dir / "mail"
        messages = []
        for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime_ns):
            # What follows the last separator is a message still being written: left for later.
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[:-1]:
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk, policy=policy.default))
        if to is not None:
            messages = [m for m in messages if to.lower() in str(m["To"]).lower()]
        return messages

    def wait_for_email(self, to: str, count: int = 1, timeout: float = 60):
        """The newest e-mail to `to` once at least `count` have arrived (the worker sends them)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.emails(to)
            if len(messages) >= count:
                return messages[-1]
            time.sleep(0.3)
        raise AssertionError(f"no e-mail #{count} to {to} within {timeout} s")

    def token(self, username: str, password: str) -> str:
        status, body = self.api("POST", "/auth/token", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    live = Stack(tmp_path_factory.mktemp("e2e"))
    try:
        live.start()
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Shots:
    """Numbered screenshots of a journey's key screens."""

    def __init__(self, name: str):
        self.folder = RESULTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, label: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.name)


@pytest.fixture
def new_page(browser, stack):
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=stack.base_url, accept_downloads=True, **options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def journey():
    """State handed from one journey to the next (learner → instructor → employer)."""
    return {}
