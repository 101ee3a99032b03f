"""Dynamic client registration (RFC 7591) as the Open Badges 3.0 API profiles it: a wallet
sends its metadata and gets a client ID and secret for the authorization-code flow."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import transaction
from oauth2_provider.models import get_application_model

from lms.obapi import scopes
from lms.obapi.models import WalletClient

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
GRANT_TYPES = ["authorization_code", "refresh_token"]
RESPONSE_TYPES = ["code"]
OPTIONAL_URIS = ("logo_uri", "tos_uri", "policy_uri")


class RegistrationError(Exception):
    """RFC 7591 §3.2.2: `error` is invalid_redirect_uri or invalid_client_metadata."""

    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class Registration:
    client: WalletClient
    client_secret: str

    def as_response(self) -> dict:
        application = self.client.application
        body = {
            "client_id": application.client_id,
            "client_secret": self.client_secret,
            "client_id_issued_at": int(self.client.created_at.timestamp()),
            "client_secret_expires_at": 0,
            "client_name": application.name,
            "client_uri": self.client.client_uri,
            "redirect_uris": application.redirect_uris.split(),
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": GRANT_TYPES,
            "response_types": RESPONSE_TYPES,
            "scope": self.client.scope,
        }
        for field in (*OPTIONAL_URIS, "software_id", "software_version"):
            if getattr(self.client, field):
                body[field] = getattr(self.client, field)
        return body


def _metadata_error(description: str) -> RegistrationError:
    return RegistrationError("invalid_client_metadata", description)


def _web_url(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _metadata_error(f"{field} must be a URL.")
    parts = urlsplit(value.strip())
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise _metadata_error(f"{field} must be an http or https URL.")
    if len(value) > 500:
        raise _metadata_error(f"{field} is longer than 500 characters.")
    return value.strip()


def redirect_uri_check(uri) -> str:
    """A redirect URI must be absolute, without a fragment, and https, except plain http to this
    machine (loopback) for development and tests."""
    if not isinstance(uri, str) or not uri:
        raise RegistrationError("invalid_redirect_uri", "Each redirect URI must be a string.")
    parts = urlsplit(uri)
    if not parts.netloc or parts.fragment:
        raise RegistrationError(
            "invalid_redirect_uri", f"{uri!r} is not an absolute URI without a fragment."
        )
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS | {"::1"}:
        return uri
    if parts.scheme != "https":
        raise RegistrationError(
            "invalid_redirect_uri",
            f"{uri!r} must use https (plain http only to localhost or 127.0.0.1).",
        )
    return uri


def _scope(value) -> str:
    if not isinstance(value, str) or not value.split():
        raise _metadata_error(
            "scope is required: the space-separated Open Badges scopes the client will ask for."
        )
    requested = value.split()
    unknown = [s for s in requested if s not in scopes.ALL]
    if unknown:
        raise RegistrationError("invalid_client_metadata", f"Unknown scope: {' '.join(unknown)}.")
    return " ".join(dict.fromkeys(requested))


def client_register(metadata) -> Registration:
    """Register a wallet. Raises RegistrationError for metadata this server cannot accept."""
    if not isinstance(metadata, dict):
        raise _metadata_error("The request body must be a JSON object.")
    name = metadata.get("client_name")
    if not isinstance(name, str) or not name.strip():
        raise _metadata_error("client_name is required.")
    if len(name) > 255:
        raise _metadata_error("client_name is longer than 255 characters.")
    client_uri = _web_url(metadata.get("client_uri"), "client_uri")
    redirect_uris = metadata.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a non-empty list.")
    redirect_uris = [redirect_uri_check(uri) for uri in redirect_uris]
    scope = _scope(metadata.get("scope"))
    auth_method = metadata.get("token_endpoint_auth_method", "client_secret_basic")
    if auth_method not in AUTH_METHODS:
        raise _metadata_error(
            f"token_endpoint_auth_method must be one of: {', '.join(AUTH_METHODS)}."
        )
    grant_types = metadata.get("grant_types", GRANT_TYPES)
    if (
        not isinstance(grant_types, list)
        or "authorization_code" not in grant_types
        or not set(grant_types) <= set(GRANT_TYPES)
    ):
        raise _metadata_error("grant_types must be authorization_code and refresh_token.")
    if metadata.get("response_types", RESPONSE_TYPES) != RESPONSE_TYPES:
        raise _metadata_error('response_types must be ["code"].')
    optional = {
        field: _web_url(metadata[field], field) for field in OPTIONAL_URIS if metadata.get(field)
    }
    for field, limit in (("software_id", 200), ("software_version", 100)):
        value = metadata.get(field, "")
        if not isinstance(value, str) or len(value) > limit:
            raise _metadata_error(f"{field} must be a string of at most {limit} characters.")
        optional[field] = value

    Application = get_application_model()
    application = Application(
        name=name.strip(),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        skip_authorization=False,
    )
    # The secret is shown once, here; the application keeps only its hash.
    secret = application.client_secret
    with transaction.atomic():
        application.save()
        client = WalletClient.objects.create(
            application=application, scope=scope, client_uri=client_uri, **optional
        )
    return Registration(client=client, client_secret=secret)
