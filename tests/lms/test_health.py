"""GET /healthz reports the database, the broker and the workers; 503 when a backend is down.
Only staff see the details (vendor, transport, worker host names, error classes)."""

import pytest

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
