"""Staff manage accounts in the Django admin, but cannot make anyone, themselves included, a
superuser, hand out permissions, or take over a superuser's account."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import make_user

User = get_user_model()


def _change_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "role": user.role,
        "full_name": user.full_name,
        "preferred_language": "en",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_staff_cannot_make_themselves_superuser(client):
    staff = make_user("staff", "sam")
    client.force_login(staff)
    page = client.get(f"/django-admin/accounts/user/{staff.pk}/change/")
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content
    assert b'name="user_permissions"' not in page.content
    response = client.post(
        f"/django-admin/accounts/user/{staff.pk}/change/",
        _change_form(staff, is_superuser="on", full_name="Sam Staff"),
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "Sam Staff"  # the rest of the form was saved
    assert not staff.is_superuser


@pytest.mark.django_db
def test_staff_cannot_change_a_superuser(client):
    staff = make_user("staff", "sam")
    root = User.objects.create_superuser("root", "root@example.org", "a-long-root-password-1")
    client.force_login(staff)
    response = client.post(
        f"/django-admin/accounts/user/{root.pk}/change/",
        _change_form(root, email="sam@example.org"),
    )
    assert response.status_code == 403
    password = client.post(
        f"/django-admin/accounts/user/{root.pk}/password/",
        {"password1": "taken-over-1234", "password2": "taken-over-1234"},
    )
    assert password.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.org"
    assert root.check_password("a-long-root-password-1")


@pytest.mark.django_db
def test_a_superuser_still_manages_superuser_status(client):
    root = User.objects.create_superuser("root", "root@example.org", "a-long-root-password-1")
    staff = make_user("staff", "sam")
    client.force_login(root)
    page = client.get(f"/django-admin/accounts/user/{staff.pk}/change/")
    assert b'name="is_superuser"' in page.content
