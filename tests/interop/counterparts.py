"""The real counterparts the interoperability tests run against, each in its own process: Ralph,
an xAPI Learning Record Store, and an LTI 1.3 platform built on the lti1p3platform library.

They live in their own virtual environment (`make interop-counterparts` makes it from
tests/interop/requirements.txt): Ralph pins versions of FastAPI, python-jose and click that the
site's own environment must not be held to.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.stack import ROOT

VENV = Path(os.environ.get("LMS_INTEROP_VENV", ROOT / ".venv-interop"))
PYTHON = VENV / "bin" / "python"


def require_counterparts() -> None:
    if not PYTHON.exists():
        raise RuntimeError(
            f"No interoperability counterparts at {VENV}: run `make interop-counterparts` "
            "(or `make test-interop`, which makes them)."
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A server process in a process group of its own, logging to a file; start() waits until
    `ready_path` answers, stop() ends the whole group."""

    def __init__(
        self, name: str, command: list[str], *, env: dict, port: int, log: Path, ready_path: str
    ):
        self.name = name
        self.command = command
        self.env = env
        self.port = port
        self.log_path = log
        self.ready_path = ready_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers (an error status is still an answer)
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, size: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-size:] if self.log_path.exists() else ""


def counterpart_env(**extra: str) -> dict:
    """The environment of a counterpart: none of the site's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LMS_", "PYTEST_", "RALPH_", "DATABASE_", "REDIS_"))
    }
    env.update(extra)
    return env
