"""Shared set-up for the benchmarks: a fresh database of their own, migrated, with a curriculum.

Each benchmark runs against the database and broker the environment names (DATABASE_URL,
REDIS_URL), but in a database created for the run (PostgreSQL: `<name>_bench_<pid>`, dropped at
the end; SQLite: a file in a temporary directory), so nothing real is touched.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(name: str, *, settings: str = "lms.settings.dev") -> dict:
    """Point Django at a fresh database and data dir; return the environment for subprocesses."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"cma-bench-{name}-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        db_name = f"{parts.path.lstrip('/') or 'postgres'}_bench_{name}_{os.getpid()}"
        admin = urlunsplit(parts._replace(path="/postgres"))
        _pg(admin, f'CREATE DATABASE "{db_name}"')
        atexit.register(_pg, admin, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        database_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    else:
        database_url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    env = {
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "LMS_DATA_DIR": str(data_dir),
        "DJANGO_DEBUG": "0",
        "LMS_BASE_URL": os.environ.get("LMS_BASE_URL", "http://localhost:8000"),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {**os.environ, **env}


def _pg(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def load_small_curriculum():
    from wagtail.models import Locale, Page

    from courses.curriculum.loader import curriculum_load

    Locale.objects.get_or_create(language_code="en")
    assert Page.get_first_root_node() is not None
    return curriculum_load(content_dir=ROOT / "tests" / "fixtures" / "curriculum")


@contextlib.contextmanager
def celery_worker(env: dict, *, concurrency: int, name: str):
    """A real `celery worker` process for the length of the block, answering pings first."""
    from lms.celery import app

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            f"--hostname={name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("the worker did not start")
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=60)
