"""Accounts and roles: create_account, registration, API tokens and session login."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lms.accounts.models import ApiToken

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_create_account_is_idempotent_and_sets_the_role():
    for _ in range(2):
        call_command(
            "create_account",
            role="staff",
            username="sam",
            password="a-long-password-1",
            full_name="Sam Okafor",
            email="sam@example.org",
        )
    user = User.objects.get(username="sam")
    assert User.objects.filter(username="sam").count() == 1
    assert user.role == "staff" and user.is_staff and user.full_name == "Sam Okafor"
    assert user.groups.filter(name="Staff").exists()
    assert user.has_perm("wagtailadmin.access_admin")
    assert user.check_password("a-long-password-1")


def test_create_account_rejects_a_bad_role_clearly():
    with pytest.raises(CommandError, match=r"Unknown role 'wizard'.*learner, instructor, staff"):
        call_command("create_account", role="wizard", username="x", password="a-long-password-1")
    assert not User.objects.filter(username="x").exists()


def test_create_account_teaches_by_slug(curriculum):
    from courses.models import TeachingAssignment

    call_command(
        "create_account",
        role="instructor",
        username="ingrid",
        password="a-long-password-1",
        teaches=["test-qualification", "course-one"],
    )
    pages = set(
        TeachingAssignment.objects.filter(instructor__username="ingrid").values_list(
            "page__slug", flat=True
        )
    )
    assert pages == {"test-qualification", "course-one"}


@pytest.mark.parametrize(
    ("role", "slug", "message"),
    [
        ("instructor", "no-such-course", "no-such-course"),
        ("learner", "course-one", "instructors only"),
    ],
)
def test_create_account_refuses_unknown_slugs_and_teaching_learners(
    curriculum, role, slug, message
):
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_account", role=role, username="x2", password="a-long-password-1", teaches=[slug]
        )


def test_register_and_token_flow(client):
    response = client.post(
        "/api/v1/auth/register",
        {
            "username": "new",
            "email": "new@example.org",
            "password": "correct-horse-battery",
            "full_name": "新 学员",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "learner"
    token = client.post(
        "/api/v1/auth/token",
        {"username": "new", "password": "correct-horse-battery"},
        content_type="application/json",
    ).json()["token"]
    assert ApiToken.objects.get().key_hash != token  # only the hash is kept
    me = client.get("/api/v1/me/progress", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and me.json() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"username": "u1", "email": "u1@example.org", "password": "123", "full_name": "U"},
            "password",
        ),
        (
            {
                "username": "u2",
                "email": "not-an-email",
                "password": "correct-horse-battery",
                "full_name": "U",
            },
            "email",
        ),
        (
            {
                "username": "u3",
                "email": "u3@example.org",
                "password": "correct-horse-battery",
                "full_name": "Tab\there",
            },
            "full_name",
        ),
        (
            {
                "username": "bad name!",
                "email": "u4@example.org",
                "password": "correct-horse-battery",
                "full_name": "U",
            },
            "username",
        ),
    ],
)
def test_register_rejects_bad_input_with_400(client, payload, field):
    response = client.post("/api/v1/auth/register", payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_register_rejects_missing_fields_with_400(client):
    response = client.post(
        "/api/v1/auth/register", {"username": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_token_with_wrong_password_is_401(client, learner):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "lena", "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_character_in_the_credentials_is_a_plain_401(client, learner, field):
    # PostgreSQL refuses NUL in a query; the endpoint must answer 401, never 500.
    body = {"username": "lena", "password": "pw", field: "le\x00na"}
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password."}


def test_bad_bearer_token_is_401(client):
    assert client.get("/api/v1/me/progress", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_web_registration_logs_in_and_keeps_input_on_error(client):
    page = client.post(
        "/en/accounts/register/",
        {
            "full_name": "Ana",
            "username": "ana",
            "email": "ana@example.org",
            "password": "123",
            "preferred_language": "en",
        },
    )
    assert page.status_code == 400
    assert b"ana@example.org" in page.content  # what was typed is still in the form
    ok = client.post(
        "/en/accounts/register/",
        {
            "full_name": "Ana",
            "username": "ana",
            "email": "ana@example.org",
            "password": "correct-horse-battery",
            "preferred_language": "zh-hans",
        },
    )
    assert ok.status_code == 302
    assert User.objects.get(username="ana").preferred_language == "zh-hans"


def test_login_is_throttled(client, learner):
    for _ in range(10):
        client.post("/en/accounts/login/", {"username": "lena", "password": "wrong"})
    response = client.post("/en/accounts/login/", {"username": "lena", "password": "wrong"})
    assert response.status_code == 429
