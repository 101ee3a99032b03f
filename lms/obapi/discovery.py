"""The service description document (GET /ims/ob/v3p0/discovery): the specification's own
OpenAPI document (openapi/ob-v3p0-openapi.json, unchanged in the repository), profiled for this
site as the specification requires: our server, our OAuth 2.0 endpoints and registration URL,
the scopes we grant, our terms and privacy policy."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from django.conf import settings

from lms.obapi import scopes

OPENAPI_FILE = Path(__file__).resolve().parent / "openapi" / "ob-v3p0-openapi.json"
PREFIX = "/ims/ob/v3p0"


@functools.cache
def specification() -> dict:
    """The official OpenAPI document of the Open Badges 3.0 API."""
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def endpoint(name: str) -> str:
    return f"{settings.BASE_URL}{PREFIX}/{name}"


def service_description() -> dict:
    base = settings.BASE_URL
    document = copy.deepcopy(specification())
    document["info"].update(
        {
            "title": settings.ISSUER_NAME,
            "description": "The Open Badges 3.0 API of "
            f"{settings.ISSUER_NAME}: a learner's certificates as Open Badges credentials.",
            "version": "3.0",
            "termsOfService": settings.TERMS_OF_SERVICE_URL or f"{base}/en/terms/",
            "x-imssf-privacyPolicyUrl": settings.PRIVACY_POLICY_URL or f"{base}/en/privacy/",
            "x-imssf-image": f"{base}/static/img/ob-api-logo.png",
        }
    )
    document["servers"] = [{"url": base + PREFIX, "description": settings.ISSUER_NAME}]
    document["components"]["securitySchemes"] = {
        "OAuth2ACG": {
            "type": "oauth2",
            "description": "OAuth 2.0 authorization code grant with PKCE (S256). Register "
            "first (RFC 7591); revoke tokens at " + endpoint("revoke") + " (RFC 7009).",
            "x-imssf-registrationUrl": endpoint("register"),
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": endpoint("authorize"),
                    "tokenUrl": endpoint("token"),
                    "refreshUrl": endpoint("token"),
                    "scopes": dict(scopes.DESCRIPTIONS),
                }
            },
        }
    }
    return document
