"""Settings come from the environment; production refuses to start without its variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LMS_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_required_variables():
    result = run_python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="lms.settings.production"
    )
    assert result.returncode != 0
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "LMS_BASE_URL"):
        assert name in result.stderr


def test_production_passes_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LMS_"))},
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "DJANGO_SECRET_KEY": "x7!" * 20 + "kq9#v2&zt",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "LMS_BASE_URL": "https://academy.example.org",
            "DJANGO_ALLOWED_HOSTS": "academy.example.org",
            "LMS_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "expected_engine", "expected_broker"),
    [
        ({}, "django.db.backends.sqlite3", "filesystem://localhost/"),
        (
            {
                "DATABASE_URL": "postgres://u:p@db.example:5432/lms",
                "REDIS_URL": "redis://cache.example:6379/1",
            },
            "django.db.backends.postgresql",
            "redis://cache.example:6379/1",
        ),
    ],
)
def test_database_and_broker_follow_the_environment(
    tmp_path, env, expected_engine, expected_broker
):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE']); print(s.CELERY_BROKER_URL); print(s.CACHES['default']['BACKEND']); "
        "print(s.DATA_DIR)"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="lms.settings.dev", LMS_DATA_DIR=str(tmp_path), **env
    )
    assert result.returncode == 0, result.stderr
    engine, broker, cache_backend, data_dir = result.stdout.split()
    assert engine == expected_engine
    assert broker == expected_broker
    assert ("Redis" in cache_backend) == ("REDIS_URL" in env)
    assert data_dir == str(tmp_path)


def test_dev_settings_keep_a_secret_key_in_the_data_dir(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    first = run_python(code, DJANGO_SETTINGS_MODULE="lms.settings.dev", LMS_DATA_DIR=str(tmp_path))
    second = run_python(code, DJANGO_SETTINGS_MODULE="lms.settings.dev", LMS_DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_celery_reliability_settings():
    from lms.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.worker_prefetch_multiplier == 1
    assert "sweep-unprocessed-progress-events" in app.conf.beat_schedule
