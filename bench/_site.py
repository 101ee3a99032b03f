"""A running site for the benchmarks that need one: gunicorn with the production settings.

`running_site(env, ...)` collects the static files once, starts gunicorn on a free port of
127.0.0.1 with bench/bench_settings.py (production plus /bench/bare) and yields its base URL once
/bench/bare answers; the server is stopped when the block ends. `env` is what
_setup.prepare() returned (the throwaway database and data dir), so the site serves what the
benchmark created there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _setup import ROOT

GUNICORN_WORKERS = 3
GUNICORN_THREADS = 4
_SECRET_KEY = secrets.token_urlsafe(50)  # one per run: sessions made by one server work on the next
_collected: list[bool] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_environment(env: dict, port: int, **overrides: str) -> dict:
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DJANGO_SECRET_KEY": _SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LMS_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
        **overrides,
    }


@contextlib.contextmanager
def running_site(env: dict, port: int | None = None, **overrides: str):
    """gunicorn serving the site on 127.0.0.1:`port`; `overrides` are environment variables
    (LMS_VERIFY_RATE, LMS_TRUSTED_PROXIES, ...)."""
    port = port or free_port()
    server_env = site_environment(env, port, **overrides)
    if not _collected:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=server_env,
            check=True,
        )
        _collected.append(True)
    # The server's log goes to a file: hostile runs make thousands of 4xx warnings. What is worse
    # than a warning (an error, a traceback) is printed when the server stops.
    log_path = Path(env["LMS_DATA_DIR"]) / f"gunicorn-{port}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed when the server stops
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            str(GUNICORN_THREADS),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/bench/bare", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        _print_errors(log_path)


def _print_errors(log_path: Path) -> None:
    lines = log_path.read_text(errors="replace").splitlines()
    errors = [
        line
        for line in lines
        if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
    ]
    if errors:
        print(f"server errors ({len(errors)}, full log {log_path}):", file=sys.stderr)
        for line in errors[:20]:
            print(f"  {line}", file=sys.stderr)


def os_environment_note() -> None:
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        print(
            "note: run with DATABASE_URL=postgres://... and REDIS_URL=redis://... as in production",
            file=sys.stderr,
        )
