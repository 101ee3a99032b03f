"""Settings shared by every environment, read from the environment with working defaults.

The variables are listed in README.md; nothing secret has a literal default here.
"""

import os
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from lms.storage import ObjectStorage, storages_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def filesystem_broker_options(folder: Path) -> dict:
    """Kombu's file-system transport in `folder` (made if missing): the zero-setup broker."""
    for name in ("queue", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        # The transport fetches by polling the folder; the default second between polls would
        # limit a worker to a task or two a second.
        "polling_interval": 0.05,
    }


DATA_DIR = Path(env("LMS_DATA_DIR", str(BASE_DIR / "var"))).resolve()
BASE_URL = env("LMS_BASE_URL", f"http://localhost:{env('PORT', '8000')}").rstrip("/")
REDIS_URL = env("REDIS_URL")

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "lms.accounts",
    "lms.notifications",
    "lms.home",
    "courses",
    "certificates",
    "lms.xapi",
    "lms.lti",
    "lms.privacy",
    "lms.obapi",
    "oauth2_provider",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.AuthBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lms.middleware.AdminPreviewFramingMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one SQLite file: WAL lets readers run beside a
    # writer, IMMEDIATE transactions take the write lock up front instead of failing mid-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Password-reset links work this long (seconds); used links and links made before a password
# change stop working anyway.
PASSWORD_RESET_TIMEOUT = int(env("LMS_PASSWORD_RESET_TIMEOUT", str(2 * 60 * 60)))
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
# Where private files, media and static files live (the file system, or S3-compatible buckets):
# lms/storage.py decides from the environment. Private files never have a URL.
STORAGES = storages_from_environment(os.environ, data_dir=DATA_DIR)
OBJECT_STORAGE = ObjectStorage.from_environment(os.environ)
PUBLIC_FILES_URL = OBJECT_STORAGE.public_base_url
if PUBLIC_FILES_URL:
    STATIC_URL = f"{PUBLIC_FILES_URL}/static/"
    MEDIA_URL = f"{PUBLIC_FILES_URL}/media/"
    # The bucket serves static files; WhiteNoise would have nothing to serve.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Cache and broker -----------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis can treat an unreachable Redis as a cache miss: requests keep working
            # (slower) through a Redis outage instead of failing.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lms",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task unacknowledged this long (its worker died) is delivered again. It must be
        # longer than any task runs; ours take seconds.
        "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600")),
    }
else:
    # Zero-setup: processes on one machine share a file cache and a file-system broker in the
    # data dir. Both are real inter-process transports, so `make run` runs a real worker.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    # lms/broker.py: kombu's file-system transport with messages written atomically.
    CELERY_BROKER_URL = "lmsfs://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(DATA_DIR / "broker")

# Learners' work (progress, certificates, email) has the default queue; Wagtail's indexing jobs
# have their own, so a bulk content load never makes learners wait. Workers consume both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("maintenance"))
CELERY_TASK_ROUTES = {"lms.run_django_task": {"queue": "maintenance"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing during a broker outage gives up quickly; the event is stored and a sweep re-sends it.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# The beat schedule (periodic sweeps, reminders) is listed in lms/celery.py.

# Wagtail's own background jobs (reference index, file clean-up) run on the Celery workers.
TASKS = {"default": {"BACKEND": "lms.tasks_backend.CeleryBackend"}}

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For django.core.mail.backends.filebased.EmailBackend (the e2e stack reads its mail there).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Cluster Manager Academy <academy@localhost>")
# The address the privacy notice and the terms of use give for questions, data requests and
# complaints; unset, the address DEFAULT_FROM_EMAIL sends from.
CONTACT_EMAIL = env("LMS_CONTACT_EMAIL") or parseaddr(DEFAULT_FROM_EMAIL)[1]
# How long the servers' logs are kept, as the privacy notice tells learners: set it to what the
# deployment's log rotation keeps.
LOG_RETENTION_DAYS = int(env("LMS_LOG_RETENTION_DAYS", "30"))

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Cluster Manager Academy"
WAGTAILADMIN_BASE_URL = BASE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
# No Gravatar: the admin's avatars were requests to www.gravatar.com (a broken image offline or
# behind a firewall, and staff e-mail hashes sent to a third party). None: Wagtail's default
# avatar from our own static files, or the picture a user uploads.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No site may frame ours; lms.middleware lets the Wagtail admin frame its own previews.
X_FRAME_OPTIONS = "DENY"
# Static files and media come from the public bucket when it holds them (a trailing slash: a
# CSP source with a path matches everything under it).
_public_files = [f"{PUBLIC_FILES_URL}/"] if PUBLIC_FILES_URL else []
CONTENT_SECURITY_POLICY = {
    # Wagtail's admin pages carry inline scripts and styles of their own.
    "EXCLUDE_URL_PREFIXES": ("/admin/", "/django-admin/"),
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *_public_files],
        "style-src": ["'self'", "'unsafe-inline'", *_public_files],
        # No 'unsafe-inline': every script is a file (static/js), loaded with src (issue 17).
        "script-src": ["'self'", *_public_files],
        "font-src": ["'self'", *_public_files],
        "media-src": ["'self'", *_public_files],
        # Wagtail's embed finders return youtube.com and player.vimeo.com player URLs.
        "frame-src": [
            "https://www.youtube.com",
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
        ],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "lms.client_ip.client_ip"
TRUSTED_PROXIES = int(env("LMS_TRUSTED_PROXIES", "0"))
RATELIMIT_VIEW = "lms.views.ratelimited"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Certificates ---------------------------------------------------------------------------
# The issuer's Ed25519 private key (PEM). Unset: keys are generated into the data dir; set it on
# every worker host when there is more than one.
ISSUER_KEY_FILE = env("LMS_ISSUER_KEY_FILE")
ISSUER_KEY_DIR = DATA_DIR / "issuer-keys"
ISSUER_NAME = env("LMS_ISSUER_NAME", "Cluster Manager Academy")
VERIFY_RATE = env("LMS_VERIFY_RATE", "60/m")

# --- Sign-in throttles ----------------------------------------------------------------------
# Attempts per client address and username together, and per client address alone.
LOGIN_RATE = env("LMS_LOGIN_RATE", "10/5m")
LOGIN_IP_RATE = env("LMS_LOGIN_IP_RATE", "30/5m")

# --- Notifications --------------------------------------------------------------------------
# Instructors hear about a submission version left ungraded this many days (a daily beat job).
GRADING_OVERDUE_DAYS = int(env("LMS_GRADING_OVERDUE_DAYS", "7"))

# --- Learning Record Store (xAPI) -----------------------------------------------------------
# The LRS's xAPI endpoint (statements are posted to <LMS_LRS_URL>/statements) and the Basic-auth
# credentials it gave this site. Unset: no statement is recorded or sent.
LRS_URL = env("LMS_LRS_URL")
LRS_USERNAME = env("LMS_LRS_USERNAME")
LRS_PASSWORD = env("LMS_LRS_PASSWORD")

# --- Open Badges 3.0 API for wallets (lms/obapi, docs/verification.md) ---------------------
# django-oauth-toolkit runs the OAuth 2.0 server; lms.obapi adds registration and the profile.
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only, never "plain"
    # The rest of RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, tokens only
    # in the Authorization header, the issuer named in the authorization response (RFC 9207),
    # tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 180 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],  # http only for loopback: lms.obapi
    "SCOPES_BACKEND_CLASS": "lms.obapi.scopes.RegisteredScopes",
    "OAUTH2_VALIDATOR_CLASS": "lms.obapi.validator.WalletValidator",
    "OAUTH2_SERVER_CLASS": "lms.obapi.validator.S256Server",
    "SCOPES": {
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly": "Read your credentials",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert": "Add credentials",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly": "Read your profile",
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update": "Update your profile",
    },
}
# Named, though it is the toolkit's default, so lms.obapi's models can refer to it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# The pages the service description names (the operator publishes them, e.g. as Wagtail pages).
# Unset: <LMS_BASE_URL>/en/privacy/ and <LMS_BASE_URL>/en/terms/.
PRIVACY_POLICY_URL = env("LMS_PRIVACY_POLICY_URL")
TERMS_OF_SERVICE_URL = env("LMS_TERMS_OF_SERVICE_URL")
