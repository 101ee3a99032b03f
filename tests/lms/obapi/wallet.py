"""A wallet for the tests: registers, sends the learner to the consent page (as the learner's
logged-in browser would), exchanges the code with PKCE, refreshes, revokes, calls the API."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client

from lms.obapi import scopes

REDIRECT_URI = "http://127.0.0.1:8765/callback"
PREFIX = "/ims/ob/v3p0"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class Wallet:
    def __init__(self, client: Client | None = None, *, scope: str | None = None, **metadata):
        self.http = client or Client()
        body = {
            "client_name": "Test Wallet",
            "client_uri": "https://wallet.example.org/",
            "redirect_uris": [REDIRECT_URI],
            "scope": scope or " ".join(scopes.ALL),
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            **metadata,
        }
        self.registration = self.http.post(
            f"{PREFIX}/register", json.dumps(body), content_type="application/json"
        )
        assert self.registration.status_code == 201, self.registration.content
        data = self.registration.json()
        self.client_id, self.secret = data["client_id"], data["client_secret"]
        self.verifier, self.challenge = pkce_pair()
        self.state = secrets.token_urlsafe(8)

    def authorize_query(self, scope: str | None = None, **extra) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope or " ".join(scopes.ALL),
            "state": self.state,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **extra,
        }
        return f"{PREFIX}/authorize?" + urlencode(
            {k: v for k, v in params.items() if v is not None}
        )

    def consent(self, learner, *, allow=True, scope: str | None = None, **extra):
        """The learner opens the consent page and answers. Returns the redirect's query."""
        browser = Client()
        browser.force_login(learner)
        page = browser.get(self.authorize_query(scope, **extra))
        assert page.status_code == 200, page.content
        form = dict(page.context["form"].initial)
        form = {k: v for k, v in form.items() if v is not None}
        if allow:
            form["allow"] = "true"
        answer = browser.post(f"{PREFIX}/authorize", form)
        assert answer.status_code == 302, answer.content
        location = urlsplit(answer["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
        return {k: v[0] for k, v in parse_qs(location.query).items()}

    def code_for(self, learner, **kwargs) -> str:
        query = self.consent(learner, **kwargs)
        assert query["state"] == self.state
        return query["code"]

    def token(self, data: dict, *, auth: str | None = None):
        return self.http.post(
            f"{PREFIX}/token",
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=auth or basic(self.client_id, self.secret),
        )

    def exchange(self, code: str, *, verifier: str | None = None, redirect_uri=REDIRECT_URI, **kw):
        return self.token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier or self.verifier,
            },
            **kw,
        )

    def tokens_for(self, learner, **kwargs) -> dict:
        response = self.exchange(self.code_for(learner, **kwargs))
        assert response.status_code == 200, response.content
        return response.json()

    def refresh(self, refresh_token: str):
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str, hint: str = "access_token"):
        return self.http.post(
            f"{PREFIX}/revoke",
            urlencode({"token": token, "token_type_hint": hint}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic(self.client_id, self.secret),
        )

    def get(self, path: str, access_token: str | None, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {access_token}"} if access_token else {}
        return self.http.get(f"{PREFIX}{path}", params, **headers)

    def send(
        self, method: str, path: str, access_token: str, body, content_type="application/json"
    ):
        raw = json.dumps(body) if not isinstance(body, (str, bytes)) else body
        return getattr(self.http, method)(
            f"{PREFIX}{path}",
            raw,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {access_token}",
        )
