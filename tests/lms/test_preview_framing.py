"""Wagtail's preview panel: the admin frames previews of our pages from its own origin, and no
other site can frame them (lms.middleware.AdminPreviewFramingMiddleware)."""

from __future__ import annotations

import pytest

from lms.middleware import frame_ancestors_self
from tests.conftest import make_user


def directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}


@pytest.fixture
def staff_client(client, db):
    client.force_login(make_user("staff", "sam"))
    return client


def test_a_page_preview_may_be_framed_by_the_admin_only(staff_client, curriculum):
    lesson = curriculum.lessons()[0]
    revision = lesson.latest_revision or lesson.save_revision()

    preview = staff_client.get(f"/admin/pages/{lesson.id}/revisions/{revision.id}/view/")

    assert preview.status_code == 200
    assert lesson.title in preview.content.decode()
    # Same origin only: the admin's preview iframe shows it; any other site is refused.
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    policy = directives(preview["Content-Security-Policy"])
    assert policy["frame-ancestors"] == "frame-ancestors 'self'"
    # The rest of the page's policy still applies to the preview.
    assert policy["default-src"] == "default-src 'self'"
    assert policy["object-src"] == "object-src 'none'"


def test_the_same_page_served_publicly_may_not_be_framed(staff_client, curriculum):
    lesson = curriculum.lessons()[0]

    response = staff_client.get(lesson.url)

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == (
        "frame-ancestors 'none'"
    )


def test_the_preview_policy_replaces_frame_ancestors_wherever_it_stands():
    assert frame_ancestors_self("default-src 'self'; frame-ancestors 'none'; img-src data:") == (
        "default-src 'self'; img-src data:; frame-ancestors 'self'"
    )
    assert (
        frame_ancestors_self("default-src 'self'") == "default-src 'self'; frame-ancestors 'self'"
    )
