"""Test settings: pytest uses these. Celery runs eagerly here, and only here.

Integration tests start real worker processes with LMS_CELERY_EAGER=0, against the same
database and broker the environment names (SQLite and the file broker, or PostgreSQL and Redis).
Each pytest-xdist worker gets its own cache, queue and broker folder, so parallel test processes
and the Celery workers they start never see each other's messages.
"""

import os
from pathlib import Path

os.environ.setdefault(
    "LMS_DATA_DIR", str(Path(__file__).resolve().parent.parent.parent / "var" / "test")
)

from django.core.management.utils import get_random_secret_key
from kombu import Queue

from .base import *  # noqa: F403
from .base import DATA_DIR, DATABASES, REDIS_URL, env, env_bool, filesystem_broker_options

TEST_RUNNER_ID = os.environ.get("PYTEST_XDIST_WORKER", "main")

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY") or get_random_secret_key()
ALLOWED_HOSTS = ["*"]
# Fixed, whatever the shell exports: tests compare URLs and did:web identifiers with it.
BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

CELERY_TASK_ALWAYS_EAGER = env_bool("LMS_CELERY_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = f"lms-test-{TEST_RUNNER_ID}"
CELERY_TASK_QUEUES = (
    Queue(CELERY_TASK_DEFAULT_QUEUE),
    Queue(f"{CELERY_TASK_DEFAULT_QUEUE}-maintenance"),
)
CELERY_TASK_ROUTES = {"lms.run_django_task": {"queue": f"{CELERY_TASK_DEFAULT_QUEUE}-maintenance"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a worker process in an integration test sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

if REDIS_URL:
    # Tests clear the cache between them, and clearing a Redis cache empties its whole database:
    # each test process gets a database number of its own, apart from the broker's.
    from urllib.parse import urlsplit, urlunsplit

    _worker_number = int("".join(ch for ch in TEST_RUNNER_ID if ch.isdigit()) or "0")
    _cache_db = 1 + _worker_number % 14
    CACHES["default"]["LOCATION"] = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{_cache_db}"))  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"lms-test-{TEST_RUNNER_ID}"  # noqa: F405
else:
    CACHES["default"]["LOCATION"] = str(DATA_DIR / "cache" / TEST_RUNNER_ID)  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        DATA_DIR / "broker" / TEST_RUNNER_ID
    )

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Each test process keeps its private files apart: a folder of its own, or a prefix in the bucket.
if STORAGES["private"]["BACKEND"] == "lms.storage.PrivateS3Storage":  # noqa: F405
    STORAGES["private"]["OPTIONS"]["location"] = f"test/{TEST_RUNNER_ID}"  # noqa: F405
else:
    STORAGES["private"]["OPTIONS"]["location"] = str(DATA_DIR / "private" / TEST_RUNNER_ID)  # noqa: F405
ISSUER_KEY_DIR = DATA_DIR / "issuer-keys" / TEST_RUNNER_ID
