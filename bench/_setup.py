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
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.stack import CeleryWorker, is_postgres, throwaway_database  # noqa: E402


def prepare(name: str, *, settings: str = "lms.settings.dev") -> dict:
    """Point Django at a fresh database and data dir; return the environment for subprocesses."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"cma-bench-{name}-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        db_name = f"{urlsplit(url).path.lstrip('/') or 'postgres'}_bench_{name}_{os.getpid()}"
        database_url, drop = throwaway_database(url, db_name)
        atexit.register(drop)
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


def load_small_curriculum():
    from wagtail.models import Locale, Page

    from courses.curriculum.loader import curriculum_load

    Locale.objects.get_or_create(language_code="en")
    assert Page.get_first_root_node() is not None
    return curriculum_load(content_dir=ROOT / "tests" / "fixtures" / "curriculum")


@contextlib.contextmanager
def celery_worker(env: dict, *, concurrency: int, name: str):
    """A real `celery worker` process for the length of the block, once it is ready."""
    log_path = Path(env["LMS_DATA_DIR"]) / f"{name}.log"
    with CeleryWorker(name, env=env, log_path=log_path, concurrency=concurrency) as worker:
        yield worker
