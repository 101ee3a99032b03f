"""Settings come from the environment; production refuses to start without its variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms.storage import ObjectStorage, storages_from_environment

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
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "LMS_BASE_URL", "REDIS_URL"):
        assert f"- {name} is not set" in result.stderr


# Everything production needs on two hosts; each case below takes one thing away.
PRODUCTION_ON_TWO_HOSTS = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "DJANGO_SECRET_KEY": "x7!" * 20 + "kq9#v2&zt",
    "DATABASE_URL": "postgres://lms@db.example:5432/lms",
    "REDIS_URL": "redis://cache.example:6379/0",
    "LMS_BASE_URL": "https://academy.example.org",
    "LMS_HOSTS": "2",
    "LMS_S3_BUCKET": "academy-private",
    "LMS_S3_PUBLIC_BUCKET": "academy-public",
    "LMS_ISSUER_KEY_FILE": "/run/secrets/issuer.pem",
}
# The settings alone (no django.setup(): that would read the static manifest from the bucket).
PRINT_STORAGE = "from django.conf import settings as s; print(s.STORAGES['private']['BACKEND'])"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "- DJANGO_SECRET_KEY is not set."),
        ({"DATABASE_URL": ""}, "- DATABASE_URL is not set."),
        ({"LMS_BASE_URL": ""}, "- LMS_BASE_URL is not set."),
        ({"REDIS_URL": ""}, "- REDIS_URL is not set; production needs Redis"),
        (
            {"DATABASE_URL": "sqlite:////srv/lms/db.sqlite3"},
            "- DATABASE_URL names SQLite; production needs PostgreSQL",
        ),
        (
            {"LMS_S3_BUCKET": ""},
            "- LMS_S3_BUCKET is not set, and LMS_HOSTS=2 declares more than one host: it must "
            "name the private bucket",
        ),
        (
            {"LMS_S3_PUBLIC_BUCKET": ""},
            "- LMS_S3_PUBLIC_BUCKET is not set, and LMS_HOSTS=2 declares more than one host",
        ),
        (
            {"LMS_ISSUER_KEY_FILE": ""},
            "- LMS_ISSUER_KEY_FILE is not set, and LMS_HOSTS=2 declares more than one host",
        ),
        ({"LMS_HOSTS": "two"}, "- LMS_HOSTS must be a whole number of machines"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_production_refuses_to_start_and_says_what_is_missing(change, message):
    result = run_python(PRINT_STORAGE, **{**PRODUCTION_ON_TWO_HOSTS, **change})
    assert result.returncode != 0
    assert "Production settings refuse to start:" in result.stderr
    assert message in result.stderr
    # Only what is wrong is listed.
    assert result.stderr.count("\n- ") == 1, result.stderr


def test_production_starts_with_everything_two_hosts_need():
    result = run_python(PRINT_STORAGE, **PRODUCTION_ON_TWO_HOSTS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lms.storage.PrivateS3Storage"


def test_one_host_may_keep_its_files_on_its_own_disk(tmp_path):
    one_host = {
        k: v
        for k, v in PRODUCTION_ON_TWO_HOSTS.items()
        if not k.startswith("LMS_S3_") and k not in ("LMS_HOSTS", "LMS_ISSUER_KEY_FILE")
    }
    result = run_python(PRINT_STORAGE, **one_host, LMS_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lms.storage.PrivateFileSystemStorage"


def test_production_passes_the_deploy_check(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "LMS_", "DATABASE_URL", "REDIS_URL"))
            },
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "DJANGO_SECRET_KEY": "x7!" * 20 + "kq9#v2&zt",
            "DATABASE_URL": "postgres://lms@db.example:5432/lms",
            "REDIS_URL": "redis://cache.example:6379/0",
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
        ({}, "django.db.backends.sqlite3", "lmsfs://localhost/"),
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


# --- Where files go: the environment -> STORAGES ----------------------------------------------

S3 = {
    "LMS_S3_ENDPOINT_URL": "https://objects.example.net/",
    "LMS_S3_BUCKET": "academy-private",
    "LMS_S3_PUBLIC_BUCKET": "academy-public",
    "LMS_S3_REGION": "eu-central-1",
    "LMS_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "LMS_S3_SECRET_ACCESS_KEY": "not-a-real-secret",
}


def test_without_buckets_every_file_stays_in_the_data_dir(tmp_path):
    storages = storages_from_environment({}, data_dir=tmp_path)
    assert storages["private"] == {
        "BACKEND": "lms.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
    }
    assert storages["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert storages["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedStaticFilesStorage"
    manifest = storages_from_environment({}, data_dir=tmp_path, static_manifest=True)
    assert manifest["staticfiles"]["BACKEND"].endswith("CompressedManifestStaticFilesStorage")


def test_buckets_hold_private_files_media_and_static_files(tmp_path):
    storages = storages_from_environment(S3, data_dir=tmp_path)
    private, media, static = storages["private"], storages["default"], storages["staticfiles"]
    assert private["BACKEND"] == "lms.storage.PrivateS3Storage"
    assert media["BACKEND"] == "lms.storage.PublicS3Storage"
    assert static["BACKEND"] == "storages.backends.s3.S3ManifestStaticStorage"
    assert private["OPTIONS"]["bucket_name"] == "academy-private"
    assert (media["OPTIONS"]["bucket_name"], media["OPTIONS"]["location"]) == (
        "academy-public",
        "media",
    )
    assert (static["OPTIONS"]["bucket_name"], static["OPTIONS"]["location"]) == (
        "academy-public",
        "static",
    )
    for backend in (private, media, static):
        options = backend["OPTIONS"]
        assert options["endpoint_url"] == "https://objects.example.net"
        assert options["region_name"] == "eu-central-1"
        assert (options["access_key"], options["secret_key"]) == (
            "AKIDEXAMPLE",
            "not-a-real-secret",
        )
        # A named endpoint gets path-style addresses unless told otherwise.
        assert options["client_config"].s3 == {"addressing_style": "path"}
        assert options["client_config"].connect_timeout == 3
    assert "custom_domain" not in private["OPTIONS"]


def test_unset_keys_and_endpoint_leave_boto3_to_find_them(tmp_path):
    options = storages_from_environment({"LMS_S3_BUCKET": "b"}, data_dir=tmp_path)["private"][
        "OPTIONS"
    ]
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["endpoint_url"] is None and options["region_name"] is None
    assert options["client_config"].s3 == {"addressing_style": "virtual"}  # AWS itself
    # A private bucket alone: media and static files stay with this host.
    storages = storages_from_environment({"LMS_S3_BUCKET": "b"}, data_dir=tmp_path)
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.parametrize(
    ("env", "public_url"),
    [
        (S3, "https://objects.example.net/academy-public"),
        (
            {**S3, "LMS_S3_ADDRESSING_STYLE": "virtual"},
            "https://academy-public.objects.example.net",
        ),
        (
            {"LMS_S3_PUBLIC_BUCKET": "pub", "LMS_S3_REGION": "eu-west-1"},
            "https://pub.s3.eu-west-1.amazonaws.com",
        ),
        ({**S3, "LMS_S3_PUBLIC_URL": "https://cdn.example.org/"}, "https://cdn.example.org"),
        ({"LMS_S3_BUCKET": "private-only"}, ""),
    ],
)
def test_where_browsers_fetch_public_files(env, public_url):
    assert ObjectStorage.from_environment(env).public_base_url == public_url


def test_a_cdn_in_front_of_the_public_bucket_names_the_urls(tmp_path):
    env = {**S3, "LMS_S3_PUBLIC_URL": "https://cdn.example.org/assets"}
    storages = storages_from_environment(env, data_dir=tmp_path)
    assert storages["staticfiles"]["OPTIONS"]["custom_domain"] == "cdn.example.org/assets"
    assert storages["staticfiles"]["OPTIONS"]["url_protocol"] == "https:"
    assert "custom_domain" not in storages["private"]["OPTIONS"]  # never a URL for private files


def test_an_unknown_addressing_style_is_refused(tmp_path):
    with pytest.raises(ValueError, match="LMS_S3_ADDRESSING_STYLE must be path or virtual"):
        storages_from_environment({**S3, "LMS_S3_ADDRESSING_STYLE": "dns"}, data_dir=tmp_path)


def test_the_settings_take_their_storages_and_csp_from_the_environment(tmp_path):
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'private': s.STORAGES['private']['BACKEND'], "
        "'static_url': s.STATIC_URL, 'media_url': s.MEDIA_URL, "
        "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "'whitenoise': any('whitenoise' in m for m in s.MIDDLEWARE)}))"
    )
    result = run_python(
        code, DJANGO_SETTINGS_MODULE="lms.settings.dev", LMS_DATA_DIR=str(tmp_path), **S3
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "private": "lms.storage.PrivateS3Storage",
        "static_url": "https://objects.example.net/academy-public/static/",
        "media_url": "https://objects.example.net/academy-public/media/",
        "img_src": ["'self'", "data:", "https://objects.example.net/academy-public/"],
        "whitenoise": False,
    }
