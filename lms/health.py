"""GET /healthz: is the database reachable, is the broker reachable, does a worker answer, can
private storage write and read a small object?

Anyone (a load balancer, an uptime monitor) gets the verdict and one `ok` per part, plus how many
workers answered. Which database vendor, which broker transport, the workers' host names, the
storage backend and the class of an error are shown to signed-in staff only: they help an
operator and would help an attacker map the deployment.

The database and the broker decide between 200 and 503: without them no request that writes
can work, and a load balancer should stop sending traffic. No worker, or storage that fails,
makes the status `degraded` (still 200): pages, progress and verification keep working while
certificates and uploads wait, and taking every web process out of the pool would be worse.
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.celery import app as celery_app
from lms.storage import private_storage_backend, private_storage_probe

PING_TIMEOUT = 1.0


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable" here
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": str(transport)}


def _check_workers() -> dict:
    try:
        replies = celery_app.control.ping(timeout=PING_TIMEOUT) or []
    except Exception as exc:
        return {"ok": False, "workers": [], "error": exc.__class__.__name__}
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "workers": names}


def _check_storage() -> dict:
    backend = private_storage_backend()
    try:
        private_storage_probe()
    except Exception as exc:  # any backend error means "cannot store" here
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    return {"ok": True, "backend": backend}


@never_cache
@require_GET
def healthz(request):
    database = _check_database()
    broker = _check_broker()
    worker = _check_workers() if broker["ok"] else {"ok": False, "workers": []}
    healthy = database["ok"] and broker["ok"]
    storage = _check_storage()
    complete = worker["ok"] and storage["ok"]
    status = "ok" if healthy and complete else ("degraded" if healthy else "unavailable")
    worker["count"] = len(worker["workers"])
    parts = {"database": database, "broker": broker, "worker": worker, "storage": storage}
    if not getattr(request.user, "is_staff_member", False):
        parts = {
            name: {key: value for key, value in part.items() if key in ("ok", "count")}
            for name, part in parts.items()
        }
    return JsonResponse({"status": status, **parts}, status=200 if healthy else 503)
