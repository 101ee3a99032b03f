"""Mass registration from one address: accounts through the web form and the API (one budget
for both), and wallets through the Open Badges API's dynamic client registration. Past the
rate the answer is 429 with a message that says what happened; nothing is created, and other
addresses are not affected."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from oauth2_provider.models import get_application_model

from lms.accounts.throttle import CLIENT_REGISTER_IP_RATE, REGISTER_IP_RATE
from lms.obapi import scopes

ATTACKER = "203.0.113.66"
NEIGHBOUR = "198.51.100.20"
ACCOUNTS_PER_HOUR = int(REGISTER_IP_RATE.split("/")[0])
CLIENTS_PER_HOUR = int(CLIENT_REGISTER_IP_RATE.split("/")[0])
PASSWORD = "a-long-enough-passphrase-42"


def account(username: str) -> dict:
    return {
        "full_name": "Mass Registrant",
        "username": username,
        "email": f"{username}@example.org",
        "password": PASSWORD,
        "preferred_language": "en",
    }


def form_post(data: dict, ip: str = ATTACKER):
    return Client().post("/en/accounts/register/", data, REMOTE_ADDR=ip)


def api_post(data: dict, ip: str = ATTACKER):
    return Client().post(
        "/api/v1/auth/register", json.dumps(data), content_type="application/json", REMOTE_ADDR=ip
    )


def wallet_post(name: str, ip: str = ATTACKER):
    body = {
        "client_name": name,
        "client_uri": "https://wallet.example.org/",
        "redirect_uris": ["https://wallet.example.org/callback"],
        "scope": " ".join(scopes.ALL),
    }
    return Client().post(
        "/ims/ob/v3p0/register", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def test_attack_mass_registration_by_the_form_is_429_and_keeps_what_was_typed(db):
    assert REGISTER_IP_RATE == "20/h"
    # Every attempt counts, valid or not (a failed attempt still probes usernames and addresses).
    for _ in range(ACCOUNTS_PER_HOUR):
        assert form_post({"username": "probe"}).status_code == 400
    response = form_post(account("bot-21"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many accounts were registered from your network in the last hour" in html
    assert 'value="bot-21"' in html
    assert 'value="bot-21@example.org"' in html
    assert 'value="Mass Registrant"' in html
    assert PASSWORD not in html
    assert not get_user_model().objects.filter(username="bot-21").exists()
    # A learner on another network still registers.
    assert form_post(account("neighbour"), ip=NEIGHBOUR).status_code == 302
    assert get_user_model().objects.filter(username="neighbour").exists()


def test_attack_mass_registration_through_the_api_is_429_with_a_clear_message(db):
    for number in range(ACCOUNTS_PER_HOUR):
        assert api_post(account(f"bot-{number}")).status_code == 201
    response = api_post(account("bot-extra"))
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many accounts were registered from this address in the last hour. "
        "Wait an hour and try again."
    }
    assert not get_user_model().objects.filter(username="bot-extra").exists()
    assert api_post(account("neighbour"), ip=NEIGHBOUR).status_code == 201


@pytest.mark.parametrize(("first", "then"), [(form_post, api_post), (api_post, form_post)])
def test_attack_the_form_and_the_api_share_one_budget(db, first, then):
    for number in range(ACCOUNTS_PER_HOUR):
        assert first(account(f"bot-{number}")).status_code in (201, 302)
    assert then(account("switched")).status_code == 429
    assert not get_user_model().objects.filter(username="switched").exists()


def test_attack_mass_wallet_registration_is_429_in_rfc_7591s_shape(db):
    assert CLIENT_REGISTER_IP_RATE == "20/h"
    for number in range(CLIENTS_PER_HOUR):
        assert wallet_post(f"Wallet {number}").status_code == 201
    response = wallet_post("Wallet extra")
    assert response.status_code == 429
    assert response["Cache-Control"] == "no-store"
    assert response.json()["error"] == "temporarily_unavailable"
    assert (
        "Too many clients were registered from this address"
        in (response.json()["error_description"])
    )
    assert not get_application_model().objects.filter(name="Wallet extra").exists()
    assert wallet_post("Neighbour's wallet", ip=NEIGHBOUR).status_code == 201


def test_attack_wallet_registrations_do_not_use_up_the_account_budget(db):
    for number in range(CLIENTS_PER_HOUR):
        wallet_post(f"Wallet {number}")
    assert wallet_post("Wallet extra").status_code == 429
    assert form_post(account("person")).status_code == 302


def test_attack_the_throttled_form_says_so_in_chinese(db):
    for _ in range(ACCOUNTS_PER_HOUR):
        Client().post("/zh-hans/accounts/register/", {"username": "probe"}, REMOTE_ADDR=ATTACKER)
    response = Client().post("/zh-hans/accounts/register/", account("bot-zh"), REMOTE_ADDR=ATTACKER)
    assert response.status_code == 429
    assert "过去一小时内从您所在网络注册的账户过多" in response.content.decode()
