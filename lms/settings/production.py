"""Production settings: refuse to start without what production needs (lms/settings/requirements.py
says what, and the message lists what is missing)."""

import os

from django.core.exceptions import ImproperlyConfigured

from lms.storage import storages_from_environment

from .base import *  # noqa: F403
from .base import DATA_DIR, env, env_bool
from .requirements import production_problems

_problems = production_problems(os.environ)
if _problems:
    raise ImproperlyConfigured(
        "Production settings refuse to start:\n" + "\n".join(f"- {p}" for p in _problems)
    )

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")

# TLS is terminated by the load balancer, which must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [env("LMS_BASE_URL").rstrip("/")]

# Static files collected once per release: hashed names, so browsers may cache them for ever.
STORAGES = storages_from_environment(os.environ, data_dir=DATA_DIR, static_manifest=True)

# A wallet's redirect URI must be https in production; plain http to a loopback address is for
# wallets under development and for the tests.
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}  # noqa: F405
