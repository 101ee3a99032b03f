"""A wallet takes a learner's certificate through the Open Badges 3.0 API: the wallet (a Python
client here) reads the service description, registers, sends the learner to the consent page in
Chromium, where the learner logs in and allows it; the wallet exchanges the code with its PKCE
verifier, pulls the credential, and the site's verification API says it is valid. The consent
page passes axe-core at desktop and phone widths, in English and Chinese."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.lms.obapi.spec import SPEC, VC2_DIFFERENCES, schema_errors
from tests.support.accessibility import assert_fits, serious_violations
from tests.support.stack import ROOT

GUIDES = ROOT / "docs" / "images" / "guides"
LEARNER = "ob-wallet-learner"
PASSWORD = "a-strong-learner-passphrase"
REDIRECT_URI = "http://127.0.0.1:9/wallet/callback"  # intercepted in the browser
ALL_SCOPES = " ".join(
    SPEC["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]["scopes"]
)

ISSUE = """
from django.utils import timezone
from certificates.issuance import certificate_issue
from certificates.models import Award
from courses.models import QualificationPage
from lms.accounts.services import account_create
learner, _ = account_create(role="learner", username="{username}", password="{password}",
    full_name="Wang Xiaoming", email="{username}@example.org")
qualification = QualificationPage.objects.get(slug="certified-cluster-manager", locale__language_code="en")
award = Award.objects.create(learner=learner, qualification=qualification, achieved_at=timezone.now())
print(certificate_issue(award_id=award.id).id)
"""


@pytest.fixture(scope="module")
def certificate_id(stack):
    out = stack.manage("shell", "-c", ISSUE.format(username=LEARNER, password=PASSWORD))
    return out.strip().splitlines()[-1]


def check_against_spec(response: requests.Response, path: str, method: str = "get") -> None:
    operation = SPEC["paths"][path][method]
    described = operation["responses"].get(str(response.status_code))
    assert described, f"{response.status_code} is not a response of {method} {path}"
    for header in described.get("headers", {}):
        assert header in response.headers
    schema = described["content"]["application/json"]["schema"]
    errors = [
        e
        for e in schema_errors(response.json(), schema)
        if not any(known.match(e) for known in VC2_DIFFERENCES)
    ]
    assert not errors, errors


class PythonWallet:
    def __init__(self, base_url: str):
        discovery = requests.get(f"{base_url}/ims/ob/v3p0/discovery", timeout=30)
        assert discovery.status_code == 200
        check_against_spec(discovery, "/discovery")
        self.description = discovery.json()
        scheme = self.description["components"]["securitySchemes"]["OAuth2ACG"]
        self.flow = scheme["flows"]["authorizationCode"]
        self.api = self.description["servers"][0]["url"]
        registration = requests.post(
            scheme["x-imssf-registrationUrl"],
            json={
                "client_name": "Pocket Wallet",
                "client_uri": "https://wallet.example.org/",
                "logo_uri": "https://wallet.example.org/logo.png",
                "tos_uri": "https://wallet.example.org/terms",
                "policy_uri": "https://wallet.example.org/privacy",
                "software_id": "pocket-wallet",
                "software_version": "1.0",
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "scope": ALL_SCOPES,
            },
            timeout=30,
        )
        assert registration.status_code == 201, registration.text
        self.client_id = registration.json()["client_id"]
        self.secret = registration.json()["client_secret"]
        self.verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode()).digest()
        self.challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        self.state = secrets.token_urlsafe(12)

    def authorization_url(self) -> str:
        return (
            self.flow["authorizationUrl"]
            + "?"
            + urlencode(
                {
                    "response_type": "code",
                    "client_id": self.client_id,
                    "redirect_uri": REDIRECT_URI,
                    "scope": ALL_SCOPES,
                    "state": self.state,
                    "code_challenge": self.challenge,
                    "code_challenge_method": "S256",
                }
            )
        )

    def exchange(self, code: str) -> dict:
        response = requests.post(
            self.flow["tokenUrl"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": self.verifier,
            },
            auth=(self.client_id, self.secret),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()


def _consent_in_browser(page, wallet: PythonWallet, *, shot=None) -> dict:
    """The learner follows the wallet's link, logs in, reads the consent page and allows.
    Returns the query the wallet's redirect URI receives."""
    captured = {}

    def at_wallet(route):
        captured["url"] = route.request.url
        route.fulfill(status=200, content_type="text/plain", body="Back in the wallet.")

    page.route("http://127.0.0.1:9/**", at_wallet)
    page.goto(wallet.authorization_url())
    assert "/accounts/login/" in page.url
    page.fill("#id_username", LEARNER)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Allow “Pocket Wallet” to access your account?")
    expect(page.locator("#consent-who")).to_contain_text("127.0.0.1:9")
    expect(page.locator(".consent-scopes li")).to_have_count(4)
    if shot:
        shot(page)
    page.click("button[name=allow]")
    page.wait_for_url(REDIRECT_URI + "**")
    return {k: v[0] for k, v in parse_qs(urlsplit(captured["url"]).query).items()}


def test_a_wallet_takes_the_certificate_and_it_verifies(stack, new_page, shots, certificate_id):
    wallet = PythonWallet(stack.base_url)
    page = new_page(viewport={"width": 1280, "height": 900})

    def shot(page):
        shots(page, "consent")
        page.screenshot(path=str(GUIDES / "ob-api-consent.png"), full_page=True)

    query = _consent_in_browser(page, wallet, shot=shot)
    assert query["state"] == wallet.state
    tokens = wallet.exchange(query["code"])
    assert tokens["token_type"] == "Bearer"

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = requests.get(f"{wallet.api}/credentials", headers=bearer, timeout=30)
    assert listed.status_code == 200
    check_against_spec(listed, "/credentials")
    assert listed.headers["X-Total-Count"] == "1"
    credentials = listed.json()["credential"]
    assert [c["id"] for c in credentials] == [f"{stack.base_url}/certificates/{certificate_id}"]

    # The credential the wallet holds verifies at the site's verification API.
    report = requests.post(
        f"{stack.base_url}/api/v1/verifications",
        files={"file": ("credential.json", json.dumps(credentials[0]), "application/json")},
        timeout=60,
    )
    assert report.status_code == 200, report.text
    assert report.json()["status"] == "valid"
    assert report.json()["certificate_id"] == certificate_id

    profile = requests.get(f"{wallet.api}/profile", headers=bearer, timeout=30)
    check_against_spec(profile, "/profile")
    assert profile.json()["name"] == "Wang Xiaoming"

    # The code was single-use: presented again, it is refused and what it bought is revoked.
    replay = requests.post(
        wallet.flow["tokenUrl"],
        data={
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": wallet.verifier,
        },
        auth=(wallet.client_id, wallet.secret),
        timeout=30,
    )
    assert replay.status_code == 400
    assert requests.get(f"{wallet.api}/profile", headers=bearer, timeout=30).status_code == 401


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_consent_page_is_accessible(stack, new_page, shots, certificate_id, viewport):
    from axe_playwright_python.sync_playwright import Axe

    wallet = PythonWallet(stack.base_url)
    page = new_page(viewport=viewport)
    page.goto("/en/accounts/login/")
    page.fill("#id_username", LEARNER)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    axe = Axe()
    problems = []
    for language in ("en", "zh-hans"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": stack.base_url}]
        )
        page.goto(wallet.authorization_url())
        expect(page.locator("button[name=allow]")).to_be_visible()
        name = f"consent-{language}-{viewport['width']}"
        shots(page, name)
        if viewport["width"] == 390 and language == "en":
            page.screenshot(path=str(GUIDES / "ob-api-consent-phone.png"), full_page=True)
        problems += serious_violations(page, name, axe)
        assert_fits(page, name, viewport["width"])
    assert "允许" in page.locator("h1").inner_text()
    assert not problems, "\n".join(problems)


def test_the_learner_sees_the_wallet_on_the_profile_and_revokes_its_access(
    stack, new_page, shots, certificate_id
):
    """The profile lists the wallet the learner allowed, in plain words; "Revoke access" signs
    it out: its access token is refused and its refresh token buys nothing."""
    wallet = PythonWallet(stack.base_url)
    page = new_page(viewport={"width": 1280, "height": 900})
    query = _consent_in_browser(page, wallet)
    tokens = wallet.exchange(query["code"])
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{wallet.api}/profile", headers=bearer, timeout=30).status_code == 200

    page.goto("/en/accounts/profile/")
    section = page.locator("#wallets")
    entry = section.locator("[data-testid=wallet]").filter(has_text="Pocket Wallet").last
    expect(entry).to_contain_text("wallet.example.org")
    expect(entry.locator(".wallet-scopes li")).to_have_count(4)
    expect(entry).to_contain_text("Read your valid certificates")
    expect(entry).to_contain_text("Last token issued")
    section.scroll_into_view_if_needed()
    shots(page, "profile-wallets")
    section.screenshot(path=str(GUIDES / "profile-wallets-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits(page, "profile-wallets-390", 390)
    section.screenshot(path=str(GUIDES / "profile-wallets-390.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    count = section.locator("[data-testid=wallet]").count()
    entry.get_by_role("button", name="Revoke access for Pocket Wallet").click()
    expect(page.locator(".message-success")).to_contain_text("Access revoked")
    expect(page.locator("#wallets [data-testid=wallet]")).to_have_count(count - 1)

    assert requests.get(f"{wallet.api}/profile", headers=bearer, timeout=30).status_code == 401
    refreshed = requests.post(
        wallet.flow["tokenUrl"],
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(wallet.client_id, wallet.secret),
        timeout=30,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
