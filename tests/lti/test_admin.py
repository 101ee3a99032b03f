"""Staff register a platform in the Wagtail admin, seeing the URLs to give the platform."""

import pytest
from django.test import Client
from django.urls import reverse

from lms.lti.models import Platform

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Example University Moodle",
    "issuer": "https://moodle.example.edu",
    "client_id": "aBc123",
    "deployment_ids": "1\n7",
    "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
    "key_set_url": "https://moodle.example.edu/mod/lti/certs.php",
    "auth_audience": "",
    "is_active": "on",
}


def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_staff_register_a_platform(staff):
    client = staff_client(staff)

    form = client.get(reverse("lti_platforms:add"))
    assert form.status_code == 200
    assert "http://testserver/lti/login/" in form.content.decode()
    assert "http://testserver/lti/jwks.json" in form.content.decode()

    response = client.post(reverse("lti_platforms:add"), FORM)

    assert response.status_code == 302
    platform = Platform.objects.get()
    assert platform.deployments == ["1", "7"]
    assert platform.link_by_email is False


def test_a_platform_needs_a_deployment(staff):
    response = staff_client(staff).post(
        reverse("lti_platforms:add"), {**FORM, "deployment_ids": " \n"}
    )

    assert response.status_code == 200
    assert not Platform.objects.exists()


def test_learners_cannot_register_platforms(learner):
    client = Client()
    client.force_login(learner)

    response = client.get(reverse("lti_platforms:add"))

    assert response.status_code in (302, 403)


def test_staff_see_the_outboxes(staff):
    client = staff_client(staff)

    assert client.get(reverse("lti_scores:index")).status_code == 200
    assert client.get(reverse("lti_contexts:index")).status_code == 200
    assert client.get(reverse("xapi_statements:index")).status_code == 200


def test_staff_bring_a_platform_courses_members_in_again(staff):
    from lms.lti.models import PlatformContext

    platform = Platform.objects.create(
        **{k: v for k, v in FORM.items() if k not in ("is_active", "auth_audience")}
    )
    context = PlatformContext.objects.create(
        platform=platform,
        context_id="c1",
        title="Cluster policy 101",
        memberships_url="https://moodle.example.edu/memberships",
    )
    client = staff_client(staff)

    listing = client.get(reverse("lti_contexts:index")).content.decode()
    assert reverse("lti_admin_sync", args=[context.pk]) in listing
    refused = client.get(reverse("lti_admin_sync", args=[context.pk]))  # only by POST
    assert refused.status_code == 302 and refused["Location"] == "/admin/"

    response = client.post(reverse("lti_admin_sync", args=[context.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("lti_contexts:index")
