"""The service description document and dynamic client registration."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from lms.obapi import scopes
from lms.obapi.models import WalletClient
from tests.lms.obapi.spec import SPEC, assert_matches_spec, assert_schema
from tests.lms.obapi.wallet import REDIRECT_URI, Wallet

PREFIX = "/ims/ob/v3p0"


def register(client, **metadata):
    body = {
        "client_name": "Pocket Wallet",
        "client_uri": "https://wallet.example.org/",
        "redirect_uris": ["https://wallet.example.org/cb"],
        "scope": scopes.CREDENTIAL_READ,
        **metadata,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(f"{PREFIX}/register", json.dumps(body), content_type="application/json")


# --- discovery ------------------------------------------------------------------------------


def test_discovery_is_the_profiled_specification(client, db):
    response = client.get(f"{PREFIX}/discovery")
    assert response.status_code == 200
    assert_matches_spec(response)
    document = response.json()
    assert_schema(document, "ServiceDescriptionDocument")
    assert document["openapi"] == SPEC["openapi"]
    assert document["paths"].keys() == SPEC["paths"].keys()
    assert document["servers"] == [
        {"url": "http://testserver/ims/ob/v3p0", "description": "Cluster Manager Academy"}
    ]
    info = document["info"]
    assert info["title"] == "Cluster Manager Academy"
    assert info["termsOfService"] == "http://testserver/en/terms/"
    assert info["x-imssf-privacyPolicyUrl"] == "http://testserver/en/privacy/"
    assert info["x-imssf-image"] == "http://testserver/static/img/ob-api-logo.png"
    assert finders.find("img/ob-api-logo.png")
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == "http://testserver/ims/ob/v3p0/register"
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == "http://testserver/ims/ob/v3p0/authorize"
    assert flow["tokenUrl"] == flow["refreshUrl"] == "http://testserver/ims/ob/v3p0/token"
    assert set(flow["scopes"]) == set(scopes.ALL)
    # The schemas the operations refer to are the specification's own.
    assert document["components"]["schemas"] == SPEC["components"]["schemas"]


def test_discovery_takes_the_operators_policy_pages(client, db, settings):
    settings.PRIVACY_POLICY_URL = "https://academy.example.org/privacy"
    settings.TERMS_OF_SERVICE_URL = "https://academy.example.org/terms"
    info = client.get(f"{PREFIX}/discovery").json()["info"]
    assert info["x-imssf-privacyPolicyUrl"] == "https://academy.example.org/privacy"
    assert info["termsOfService"] == "https://academy.example.org/terms"


def test_discovery_refuses_other_methods_in_the_specifications_shape(client, db):
    response = client.delete(f"{PREFIX}/discovery")
    assert response.status_code == 405
    assert_schema(response.json(), "Imsx_StatusInfo")
    field = response.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert field["imsx_codeMinorFieldValue"] == "not_allowed"


# --- registration ---------------------------------------------------------------------------


def test_a_wallet_registers_and_gets_a_secret_it_alone_knows(client, db):
    response = register(
        client,
        scope=" ".join(scopes.ALL),
        logo_uri="https://wallet.example.org/logo.png",
        policy_uri="https://wallet.example.org/privacy",
        tos_uri="https://wallet.example.org/terms",
        software_id="pocket-wallet",
        software_version="1.2.0",
        token_endpoint_auth_method="client_secret_basic",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["client_name"] == "Pocket Wallet"
    assert data["redirect_uris"] == ["https://wallet.example.org/cb"]
    assert data["scope"] == " ".join(scopes.ALL)
    assert data["grant_types"] == ["authorization_code", "refresh_token"]
    assert data["response_types"] == ["code"]
    assert data["token_endpoint_auth_method"] == "client_secret_basic"
    assert data["software_id"] == "pocket-wallet"
    assert data["client_secret_expires_at"] == 0
    assert isinstance(data["client_id_issued_at"], int)
    stored = WalletClient.objects.select_related("application").get()
    assert stored.application.client_id == data["client_id"]
    # Only the secret's hash is kept.
    assert data["client_secret"] not in stored.application.client_secret


def test_plain_http_is_for_this_machine_only(client, db):
    assert register(client, redirect_uris=["http://localhost:3000/cb"]).status_code == 201
    assert register(client, redirect_uris=[REDIRECT_URI]).status_code == 201
    refused = register(client, redirect_uris=["http://wallet.example.org/cb"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_redirect_uri"
    assert "https" in refused.json()["error_description"]


@pytest.mark.parametrize(
    ("metadata", "error", "words"),
    [
        ({"redirect_uris": []}, "invalid_redirect_uri", "non-empty"),
        (
            {"redirect_uris": ["https://wallet.example.org/cb#frag"]},
            "invalid_redirect_uri",
            "fragment",
        ),
        ({"redirect_uris": ["/cb"]}, "invalid_redirect_uri", "absolute"),
        ({"client_name": " "}, "invalid_client_metadata", "client_name"),
        ({"client_uri": "ftp://x"}, "invalid_client_metadata", "client_uri"),
        ({"scope": "email profile"}, "invalid_client_metadata", "Unknown scope: email profile"),
        ({"scope": None}, "invalid_client_metadata", "scope is required"),
        ({"grant_types": ["client_credentials"]}, "invalid_client_metadata", "grant_types"),
        ({"response_types": ["token"]}, "invalid_client_metadata", "response_types"),
        ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata", "client_secret_basic"),
    ],
)
def test_registration_refuses_what_it_cannot_serve(client, db, metadata, error, words):
    response = register(client, **metadata)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert words in response.json()["error_description"]
    assert not WalletClient.objects.exists()


def test_registration_needs_a_json_object(client, db):
    for body in ("not json", "[1, 2]"):
        response = client.post(f"{PREFIX}/register", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client_metadata"


def test_a_client_may_ask_only_for_the_scopes_it_registered(learner):
    wallet = Wallet(scope=scopes.PROFILE_READ)
    assert wallet.code_for(learner, scope=scopes.PROFILE_READ)
    browser = Client()
    browser.force_login(learner)
    response = browser.get(wallet.authorize_query(scope=scopes.CREDENTIAL_READ))
    # A scope the client did not register is refused back to the client (RFC 6749 §4.1.2.1).
    assert response.status_code == 302
    assert "error=invalid_scope" in response["Location"]
    assert response["Location"].startswith(REDIRECT_URI)
