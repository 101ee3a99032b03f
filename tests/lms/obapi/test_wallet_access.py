"""The profile's "Wallets and apps": the wallets a learner allowed, in the learner's words, and
revoking one, which signs it out for good (its access and refresh tokens stop working)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
)

from lms.obapi import scopes
from lms.obapi.services import wallet_access_of, wallet_access_revoke
from tests.lms.obapi.wallet import Wallet


def browser_for(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def revoke_url(wallet: Wallet) -> str:
    return reverse("wallet_revoke", args=[application_id(wallet)])


def application_id(wallet: Wallet) -> int:
    return get_application_model().objects.get(client_id=wallet.client_id).pk


# --- listing --------------------------------------------------------------------------------


def test_a_wallet_the_learner_allowed_is_listed_with_its_scopes_and_dates(learner):
    before = timezone.now()
    wallet = Wallet(client_name="Pocket Wallet", scope=f"{scopes.CREDENTIAL_READ}")
    wallet.tokens_for(learner, scope=scopes.CREDENTIAL_READ)
    [access] = wallet_access_of(learner)
    assert access.name == "Pocket Wallet"
    assert access.client_host == "wallet.example.org"
    assert access.scopes == [scopes.CREDENTIAL_READ]
    assert access.scope_labels == [str(scopes.LABELS[scopes.CREDENTIAL_READ])]
    assert before <= access.allowed_at <= access.last_token_at <= timezone.now()


def test_a_refresh_moves_the_last_token_issued_not_the_consent(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    [first] = wallet_access_of(learner)
    assert wallet.refresh(tokens["refresh_token"]).status_code == 200
    [after] = wallet_access_of(learner)
    assert after.allowed_at == first.allowed_at
    assert after.last_token_at > first.last_token_at
    assert after.scopes == list(scopes.ALL)


def test_only_the_learners_own_live_wallets_are_listed(learner, other_learner):
    mine, theirs, denied = Wallet(client_name="Mine"), Wallet(client_name="Theirs"), Wallet()
    mine.tokens_for(learner)
    theirs.tokens_for(other_learner)
    denied.consent(learner, allow=False)
    assert [a.name for a in wallet_access_of(learner)] == ["Mine"]
    assert [a.name for a in wallet_access_of(other_learner)] == ["Theirs"]


def test_a_wallet_whose_tokens_have_lapsed_is_no_longer_listed(learner):
    wallet = Wallet()
    wallet.tokens_for(learner)
    long_ago = timezone.now() - timedelta(days=400)
    get_access_token_model().objects.update(expires=long_ago)
    assert wallet_access_of(learner) == []


def test_the_profile_page_lists_the_wallet_in_plain_words(learner):
    Wallet(client_name="Pocket <Wallet>").tokens_for(learner)
    html = browser_for(learner).get(reverse("profile")).content.decode()
    assert "Wallets and apps" in html
    assert "Pocket &lt;Wallet&gt;" in html
    for label in scopes.LABELS.values():
        assert str(label) in html
    assert "Last token issued" in html
    assert "Revoke access" in html


def test_the_profile_page_says_when_no_wallet_has_access(learner):
    html = browser_for(learner).get(reverse("profile")).content.decode()
    assert "No wallet or app has access to your account." in html


def test_the_profile_page_speaks_chinese(learner):
    Wallet().tokens_for(learner)
    html = (
        browser_for(learner).get(reverse("profile").replace("/en/", "/zh-hans/")).content.decode()
    )
    assert "钱包和应用" in html
    assert "撤销访问权限" in html


# --- revoking -------------------------------------------------------------------------------


def test_revoking_signs_the_wallet_out_and_its_refresh_token_no_longer_works(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    assert wallet.get("/profile", tokens["access_token"]).status_code == 200
    response = browser_for(learner).post(revoke_url(wallet))
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert wallet.get("/profile", tokens["access_token"]).status_code == 401
    refreshed = wallet.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert wallet_access_of(learner) == []


def test_revoking_covers_every_refreshed_token_and_an_unexchanged_code(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    refreshed = wallet.refresh(tokens["refresh_token"]).json()
    pending_code = wallet.code_for(learner)
    assert wallet_access_revoke(user=learner, application_id=application_id(wallet))
    assert wallet.get("/profile", refreshed["access_token"]).status_code == 401
    assert wallet.refresh(refreshed["refresh_token"]).status_code == 400
    assert not get_grant_model().objects.filter(user=learner).exists()
    assert wallet.exchange(pending_code).status_code == 400


def test_revoking_leaves_other_wallets_and_other_learners_alone(learner, other_learner):
    wallet, other_wallet = Wallet(), Wallet(client_name="Other")
    tokens = wallet.tokens_for(learner)
    theirs = wallet.tokens_for(other_learner)
    other = other_wallet.tokens_for(learner)
    assert wallet_access_revoke(user=learner, application_id=application_id(wallet))
    assert wallet.get("/profile", tokens["access_token"]).status_code == 401
    assert wallet.get("/profile", theirs["access_token"]).status_code == 200
    assert other_wallet.get("/profile", other["access_token"]).status_code == 200


def test_another_learners_wallet_cannot_be_revoked_404(learner, other_learner):
    wallet = Wallet()
    theirs = wallet.tokens_for(other_learner)
    response = browser_for(learner).post(revoke_url(wallet))
    assert response.status_code == 404
    assert wallet.get("/profile", theirs["access_token"]).status_code == 200
    assert wallet.refresh(theirs["refresh_token"]).status_code == 200


def test_an_unknown_wallet_is_404_and_revoking_twice_is_404(learner):
    assert browser_for(learner).post(reverse("wallet_revoke", args=[999999])).status_code == 404
    wallet = Wallet()
    wallet.tokens_for(learner)
    browser = browser_for(learner)
    assert browser.post(revoke_url(wallet)).status_code == 302
    assert browser.post(revoke_url(wallet)).status_code == 404


@pytest.mark.parametrize("method", ["get", "put"])
def test_revoking_needs_a_post(learner, method):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    response = getattr(browser_for(learner), method)(revoke_url(wallet))
    assert response.status_code == 405
    assert wallet.get("/profile", tokens["access_token"]).status_code == 200


def test_revoking_needs_the_csrf_token_and_a_login(learner):
    wallet = Wallet()
    tokens = wallet.tokens_for(learner)
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(learner)
    assert forged.post(revoke_url(wallet)).status_code == 403
    anonymous = Client().post(revoke_url(wallet))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert wallet.get("/profile", tokens["access_token"]).status_code == 200
