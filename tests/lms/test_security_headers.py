"""Production settings: security headers, CSP, secure cookies and HTTPS redirect, checked on real
responses from a process running lms.settings.production."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from django.test import Client
client = Client()
out = {}
plain = client.get("/verify/", HTTP_HOST="academy.example.org")
out["plain_status"] = plain.status_code
out["plain_location"] = plain.get("Location", "")
page = client.get("/en/accounts/login/", secure=True, HTTP_HOST="academy.example.org")
out["status"] = page.status_code
out["headers"] = {k.lower(): v for k, v in page.items()}
out["cookies"] = {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]} for name, c in page.cookies.items()}
admin = client.get("/admin/login/", secure=True, HTTP_HOST="academy.example.org")
out["admin_frame"] = admin.get("X-Frame-Options")
health = client.get("/healthz", HTTP_HOST="academy.example.org")
out["healthz_status"] = health.status_code
print("RESULT" + json.dumps(out))
"""


def test_production_responses_carry_the_security_headers(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LMS_", "DATABASE_URL", "REDIS_URL"))
    }
    # Production refuses SQLite and a missing Redis (tests/lms/test_settings.py): the probe's
    # settings pass those checks, then swap in a SQLite file, a local cache and an in-memory
    # broker, so the headers are checked without a database or Redis server.
    (tmp_path / "probe_settings.py").write_text(
        "from lms.settings.production import *  # noqa: F403\n"
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', "
        f"'NAME': {str(tmp_path / 'db.sqlite3')!r}}}}}\n"
        "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}\n"
        "CELERY_BROKER_URL = 'memory://'\n"
    )
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "probe_settings",
            "PYTHONPATH": str(tmp_path),
            "DJANGO_SECRET_KEY": "k" * 20 + "-prod-test-9#xq!" + "z" * 20,
            "DATABASE_URL": "postgres://lms@db.invalid:5432/lms",
            "REDIS_URL": "redis://cache.invalid:6379/0",
            "LMS_BASE_URL": "https://academy.example.org",
            "DJANGO_ALLOWED_HOSTS": "academy.example.org",
            "LMS_DATA_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.split("RESULT", 1)[1])

    assert out["plain_status"] == 301
    assert out["plain_location"].startswith("https://academy.example.org/verify/")
    assert out["status"] == 200
    headers = out["headers"]
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "includesubdomains" in headers["strict-transport-security"].lower()
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
    ):
        assert directive in csp
    csrf = out["cookies"]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    assert out["admin_frame"] == "SAMEORIGIN"  # the editor's preview frame
    # The health check answers over plain HTTP too (load balancers probe it that way).
    assert out["healthz_status"] in (200, 503)
