"""GET /healthz reports the database, the broker, the workers and private storage; 503 when the
database or the broker is down. Only staff see the details (vendor, transport, worker host
names, storage backend, error classes)."""

import pytest

from lms.storage import storages_from_environment
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_part_and_nothing_more_to_anyone(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body == {
        "status": body["status"],
        "database": {"ok": True},
        "broker": {"ok": True},
        "worker": {"ok": body["worker"]["ok"], "count": body["worker"]["count"]},
        "storage": {"ok": True},
    }
    assert body["status"] in ("ok", "degraded")


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_only_staff_see_the_details(client, role):
    client.force_login(make_user(role, f"health-{role}"))
    assert set(client.get("/healthz").json()["database"]) == {"ok"}
    client.force_login(make_user("staff", "health-staff"))
    body = client.get("/healthz").json()
    assert body["database"]["vendor"] in ("sqlite", "postgresql")
    assert "transport" in body["broker"]
    assert set(body["worker"]) == {"ok", "workers", "count"}
    assert body["storage"] == {"ok": True, "backend": "filesystem"}


def test_storage_that_cannot_write_degrades_but_keeps_the_site_in_the_pool(client, settings):
    """Uploads and certificates wait; pages, progress and verification go on (200)."""
    unreachable = storages_from_environment(
        {"LMS_S3_BUCKET": "gone", "LMS_S3_ENDPOINT_URL": "http://127.0.0.1:1"},
        data_dir=settings.DATA_DIR,
    )["private"]
    unreachable["OPTIONS"].update(access_key="k", secret_key="s", region_name="us-east-1")
    settings.STORAGES = {**settings.STORAGES, "private": unreachable}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["storage"] == {"ok": False}
    client.force_login(make_user("staff", "health-storage-staff"))
    storage = client.get("/healthz").json()["storage"]
    assert storage["backend"] == "s3" and storage["ok"] is False
    assert storage["error"]


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from lms.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False}
    assert response.json()["status"] == "unavailable"


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/courses/{course_id}" in paths
