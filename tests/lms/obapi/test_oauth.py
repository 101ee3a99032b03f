"""The OAuth 2.0 side: the consent page, the code with PKCE, tokens, refresh, revocation and
every refusal a wallet can meet."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model

from lms.obapi import scopes
from tests.conftest import make_user
from tests.lms.obapi.spec import assert_matches_spec
from tests.lms.obapi.wallet import REDIRECT_URI, Wallet, basic, pkce_pair


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


# --- the consent page ---------------------------------------------------------------------


def test_the_consent_page_needs_a_login_and_comes_back(learner):
    wallet = Wallet()
    url = wallet.authorize_query()
    response = Client().get(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/en/accounts/login/"
    assert parse_qs(location.query)["next"] == [url]


def test_the_consent_page_says_who_asks_where_the_answer_goes_and_for_what(learner):
    wallet = Wallet(client_name="Pocket Wallet")
    page = browser_for(learner).get(wallet.authorize_query())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Allow “Pocket Wallet” to access your account?" in html
    assert "<strong>127.0.0.1:8765</strong>" in html
    for label in scopes.LABELS.values():
        assert str(label) in html
    assert 'name="allow"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_the_consent_page_speaks_chinese(learner):
    wallet = Wallet(client_name="Pocket Wallet")
    browser = browser_for(learner)
    page = browser.get(wallet.authorize_query(), HTTP_ACCEPT_LANGUAGE="zh-Hans")
    html = page.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "允许" in html
    assert "读取您有效的证书" in html


def test_denying_sends_access_denied_back_and_issues_nothing(learner):
    wallet = Wallet()
    query = wallet.consent(learner, allow=False)
    assert query == {"error": "access_denied", "state": wallet.state} | (
        {"error_description": query["error_description"]} if "error_description" in query else {}
    )
    assert not get_grant_model().objects.exists()


def test_an_unknown_client_is_not_redirected_to(learner):
    wallet = Wallet()
    response = browser_for(learner).get(
        wallet.authorize_query().replace(wallet.client_id, "no-such-client")
    )
    assert response.status_code == 400
    assert "This request cannot be accepted" in response.content.decode()


def test_an_unregistered_redirect_uri_is_not_redirected_to(learner):
    wallet = Wallet()
    response = browser_for(learner).get(
        wallet.authorize_query(redirect_uri="https://attacker.example.org/cb")
    )
    assert response.status_code == 400
    assert "Location" not in response
    assert "redirect" in response.content.decode().lower()


@pytest.mark.parametrize(
    "extra",
    [
        {"code_challenge": None, "code_challenge_method": None},  # no PKCE
        {"code_challenge_method": "plain"},
    ],
)
def test_pkce_with_s256_is_required(learner, extra):
    wallet = Wallet()
    response = browser_for(learner).get(wallet.authorize_query(**extra))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(REDIRECT_URI)
    assert query["error"] == ["invalid_request"]


# --- the token endpoint ------------------------------------------------------------------


def test_the_code_buys_tokens_once_with_pkce(learner):
    wallet = Wallet()
    code = wallet.code_for(learner)
    response = wallet.exchange(code)
    assert response.status_code == 200
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert set(tokens["scope"].split()) == set(scopes.ALL)
    assert tokens["refresh_token"]
    assert response["Cache-Control"] == "no-store"
    profile = wallet.get("/profile", tokens["access_token"])
    assert profile.status_code == 200
    assert_matches_spec(profile)


def test_a_replayed_code_is_refused_and_revokes_what_it_bought(learner):
    wallet = Wallet()
    code = wallet.code_for(learner)
    tokens = wallet.exchange(code).json()
    assert wallet.get("/profile", tokens["access_token"]).status_code == 200
    replay = wallet.exchange(code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    refused = wallet.get("/profile", tokens["access_token"])
    assert refused.status_code == 401
    assert_matches_spec(refused)
    assert wallet.refresh(tokens["refresh_token"]).status_code == 400


def test_an_expired_code_is_refused(learner):
    wallet = Wallet()
    code = wallet.code_for(learner)
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = wallet.exchange(code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_codes_live_a_minute(learner):
    wallet = Wallet()
    wallet.code_for(learner)
    grant = get_grant_model().objects.get()
    assert grant.expires - timezone.now() <= timedelta(seconds=60)


def test_a_wrong_pkce_verifier_is_refused(learner):
    wallet = Wallet()
    code = wallet.code_for(learner)
    other_verifier, _ = pkce_pair()
    response = wallet.exchange(code, verifier=other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.exists()


def test_another_clients_credentials_cannot_use_the_code(learner):
    wallet, thief = Wallet(), Wallet(client_name="Thief")
    code = wallet.code_for(learner)
    response = wallet.exchange(code, auth=basic(thief.client_id, thief.secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    wrong_secret = wallet.exchange(code, auth=basic(wallet.client_id, "not-the-secret"))
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"] == "invalid_client"
    assert not get_access_token_model().objects.exists()


def test_the_redirect_uri_must_be_the_one_the_code_was_sent_to(learner):
    wallet = Wallet(redirect_uris=[REDIRECT_URI, "http://127.0.0.1:8765/other"])
    code = wallet.code_for(learner)
    response = wallet.exchange(code, redirect_uri="http://127.0.0.1:8765/other")
    assert response.status_code == 400
    # oauthlib's answer (RFC 6749 §4.1.3 would also allow invalid_grant).
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Mismatching redirect URI.",
    }
    assert not get_access_token_model().objects.exists()


def test_refreshing_rotates_the_refresh_token(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    refreshed = wallet.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert wallet.get("/profile", new["access_token"]).status_code == 200
    # The old refresh token is spent; presenting it again ends the whole family.
    assert wallet.refresh(tokens["refresh_token"]).status_code == 400
    assert wallet.refresh(new["refresh_token"]).status_code == 400


# --- revocation and scopes ----------------------------------------------------------------


def test_a_revoked_access_token_is_refused(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    assert wallet.revoke(tokens["access_token"]).status_code == 200
    response = wallet.get("/profile", tokens["access_token"])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert_matches_spec(response)


def test_a_revoked_refresh_token_refreshes_nothing(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    assert wallet.revoke(tokens["refresh_token"], "refresh_token").status_code == 200
    assert wallet.refresh(tokens["refresh_token"]).status_code == 400
    assert wallet.get("/profile", tokens["access_token"]).status_code == 401


def test_a_token_without_the_scope_is_forbidden(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner, scope=scopes.PROFILE_READ)
    for method, path in (("get", "/credentials"), ("put", "/profile")):
        if method == "get":
            response = wallet.get(path, tokens["access_token"])
        else:
            response = wallet.send("put", path, tokens["access_token"], {})
        assert response.status_code == 403
        assert "insufficient_scope" in response["WWW-Authenticate"]
        assert_matches_spec(response)
        field = response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
        assert field["imsx_codeMinorFieldValue"] == "forbidden"


def test_no_token_and_a_made_up_token_are_unauthorised(learner):
    wallet = Wallet()
    for token in (None, "made-up"):
        response = wallet.get("/credentials", token)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert_matches_spec(response)


def test_a_deactivated_learners_token_is_refused(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert wallet.get("/profile", tokens["access_token"]).status_code == 401


def test_tokens_speak_for_their_own_learner_only(learner):
    other = make_user("learner", "otto")
    wallet = Wallet()
    mine, theirs = wallet.tokens_for(learner), wallet.tokens_for(other)
    assert wallet.get("/profile", mine["access_token"]).json()["name"] == learner.display_name
    assert wallet.get("/profile", theirs["access_token"]).json()["name"] == other.display_name
