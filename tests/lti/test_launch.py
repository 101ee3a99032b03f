"""The tool's own rules and endpoints, without a platform: keys, refusals before any launch,
account linking and role mapping, nonces, and which events become gradebook scores."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import Milestone
from lms.lti.launch import LaunchRefused, account_for, is_instructor_role, nonce_use
from lms.lti.models import Platform, PlatformAccount, ResourceLink, ScorePassback
from lms.lti.passback import SCORE_SCOPE, on_milestone
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


@pytest.fixture
def platform():
    return Platform.objects.create(
        name="Uni",
        issuer="https://lms.example.edu",
        client_id="client-1",
        deployment_ids="d1",
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url="https://lms.example.edu/token",
        key_set_url="https://lms.example.edu/jwks",
    )


def test_the_jwks_publishes_one_stable_public_key():
    client = Client()

    first = client.get("/lti/jwks.json").json()
    again = client.get("/lti/jwks.json").json()

    assert first == again and len(first["keys"]) == 1
    assert {"kty", "n", "e", "kid", "alg"} <= set(first["keys"][0])
    assert "d" not in first["keys"][0]


def test_the_configuration_names_the_tools_urls():
    config = Client().get("/lti/configuration.json").json()

    assert config["oidc_initiation_url"] == "http://testserver/lti/login/"
    assert config["jwks_uri"] == "http://testserver/lti/jwks.json"


def test_a_login_from_an_unknown_issuer_is_refused(platform):
    response = Client().get(
        "/lti/login/",
        {
            "iss": "https://unknown.example",
            "login_hint": "u1",
            "target_link_uri": "http://testserver/lti/launch/",
            "client_id": "client-1",
        },
    )

    assert response.status_code == 400
    assert b"could not be accepted" in response.content


def test_a_login_naming_another_site_is_refused(platform):
    response = Client().get(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "login_hint": "u1",
            "target_link_uri": "https://evil.example/steal",
            "client_id": "client-1",
        },
    )

    assert response.status_code == 400


def test_a_known_platform_login_redirects_to_its_authorisation_endpoint(platform):
    response = Client().get(
        "/lti/login/",
        {
            "iss": platform.issuer,
            "login_hint": "u1",
            "target_link_uri": "http://testserver/lti/launch/",
            "client_id": "client-1",
            "lti_message_hint": "abc",
        },
    )

    assert response.status_code == 302
    assert response["Location"].startswith("https://lms.example.edu/auth?")
    assert "nonce=" in response["Location"] and "state=" in response["Location"]


def test_a_launch_without_a_token_is_a_bad_request():
    assert Client().post("/lti/launch/", {}).status_code == 400
    assert Client().get("/lti/launch/").status_code == 405


def test_a_launch_token_that_is_not_a_jwt_is_refused(platform):
    response = Client().post("/lti/launch/", {"id_token": "not-a-jwt", "state": "s"})

    assert response.status_code == 401


def test_the_deep_link_page_answers_only_a_platforms_request(learner):
    client = Client()
    client.force_login(learner)

    assert client.get("/lti/deep-link/").status_code == 403


@pytest.mark.parametrize(
    ("roles", "instructor"),
    [([LEARNER], False), ([INSTRUCTOR], True), ([TA], True), ([], False)],
)
def test_lti_roles_map_to_ours(roles, instructor):
    assert is_instructor_role(roles) is instructor


def test_a_new_platform_user_gets_an_account_without_a_password(platform):
    user = account_for(platform=platform, subject="s-1", name="Mei Chen", email="mei@uni.example")

    assert user.role == "learner" and user.full_name == "Mei Chen"
    assert not user.has_usable_password()
    assert account_for(platform=platform, subject="s-1") == user
    assert PlatformAccount.objects.filter(platform=platform).count() == 1


def test_an_instructor_from_the_platform_becomes_an_instructor_but_staff_stay_staff(
    platform, staff
):
    learner_first = account_for(platform=platform, subject="t-1")
    assert learner_first.role == "learner"

    assert account_for(platform=platform, subject="t-1", instructor=True).role == "instructor"
    platform.link_by_email = True
    platform.save()
    linked = account_for(platform=platform, subject="admin-9", email=staff.email, instructor=True)
    assert linked == staff and linked.role == "staff"


def test_accounts_are_linked_by_email_only_when_staff_trust_the_platform(platform, learner):
    separate = account_for(platform=platform, subject="s-2", email=learner.email)
    assert separate != learner

    platform.link_by_email = True
    platform.save()
    assert account_for(platform=platform, subject="s-3", email=learner.email) == learner


def test_a_nonce_is_accepted_once(platform):
    nonce_use(platform=platform, nonce="n-1")

    with pytest.raises(LaunchRefused):
        nonce_use(platform=platform, nonce="n-1")


def test_a_completed_course_becomes_a_score_only_for_a_platforms_learner(platform, curriculum):
    from courses.enrolment import enrolment_create

    course = curriculum.course()
    link = ResourceLink.objects.create(
        platform=platform,
        resource_link_id="r1",
        page=course,
        lineitem_url="https://lms.example.edu/lineitems/1",
        ags_scopes=[SCORE_SCOPE],
    )
    from_platform = account_for(platform=platform, subject="s-7")
    local = make_user("learner", "local-learner")
    for user in (from_platform, local):
        enrolment = enrolment_create(learner=user, page=course)[0]
        on_milestone(
            enrolment=enrolment,
            kind=Milestone.Kind.COURSE_COMPLETE,
            page_id=course.id,
            achieved_at=timezone.now(),
        )
        on_milestone(  # recorded again (the qualification's enrolment): one score
            enrolment=enrolment,
            kind=Milestone.Kind.COURSE_COMPLETE,
            page_id=course.id,
            achieved_at=timezone.now(),
        )

    [score] = ScorePassback.objects.all()
    assert score.link == link and score.account.user == from_platform
    assert score.score_given == 100 and score.kind == "course_completion"
