"""What a wallet reads and changes through the Open Badges API: the learner's valid credentials
(paged), the learner's profile, and the answer to a credential sent to this site; and what the
learner sees and does on the profile page: the wallets that have access, and revoking it."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from certificates import states
from certificates.models import Certificate
from certificates.selectors import certificate_status
from lms.accounts.validators import validate_no_control_characters
from lms.obapi import scopes as ob_scopes
from lms.obapi.models import SpentCode
from lms.obapi.validator import tokens_revoke

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
COMPACT_JWS = re.compile(r"^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")
FULL_NAME_MAX = 150


class Refused(Exception):
    """A request the API answers with an Imsx_StatusInfo error: HTTP status, code minor value
    (the specification's vocabulary) and a description for the developer."""

    def __init__(self, status: int, code_minor: str, description: str):
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description


# --- credentials ----------------------------------------------------------------------------


@dataclass
class CredentialsPage:
    credentials: list[dict]
    total: int
    limit: int
    offset: int


def credentials_page(*, user, limit: int, offset: int, since: datetime | None) -> CredentialsPage:
    """The learner's valid credentials (neither revoked, superseded nor expired), oldest first
    so that paging is stable while new ones are issued; `since`: issued after that moment."""
    now = timezone.now()
    query = Certificate.objects.filter(learner=user, is_current=True, revoked_at__isnull=True)
    if since is not None:
        query = query.filter(issued_at__gt=since)
    valid = [
        c for c in query.order_by("issued_at", "id") if certificate_status(c, now) == states.VALID
    ]
    return CredentialsPage(
        credentials=[c.credential for c in valid[offset : offset + limit]],
        total=len(valid),
        limit=limit,
        offset=offset,
    )


def credential_upsert(*, user, body: bytes, content_type: str) -> int:
    """A credential sent by a wallet. This site stores only the credentials it issues, so the
    only one it accepts is the learner's own, unchanged: 304 (nothing to change). Raises Refused
    for anything else."""
    if content_type == "text/plain":
        text = body.decode("utf-8", "replace").strip()
        if not COMPACT_JWS.match(text):
            raise Refused(400, "invalid_data", "The body is not a compact JWS.")
        raise Refused(
            403,
            "forbidden",
            "This site keeps only the credentials it issues (Data Integrity, not VC-JWT); it "
            "does not store credentials from other issuers.",
        )
    try:
        credential = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "invalid_data", "The body is not valid JSON.") from None
    if (
        not isinstance(credential, dict)
        or not isinstance(credential.get("type"), list)
        or not {"OpenBadgeCredential", "AchievementCredential"} & set(credential["type"])
        or not isinstance(credential.get("id"), str)
    ):
        raise Refused(
            400,
            "invalid_data",
            "The body must be an OpenBadgeCredential (AchievementCredential) with an id.",
        )
    prefix = f"{settings.BASE_URL}/certificates/"
    certificate_id = (
        credential["id"].removeprefix(prefix) if credential["id"].startswith(prefix) else None
    )
    own = (
        Certificate.objects.filter(pk=certificate_id, learner=user).first()
        if certificate_id
        else None
    )
    if own is None:
        raise Refused(
            403,
            "forbidden",
            "This site keeps only the credentials it issued to you; it does not store "
            "credentials from other issuers.",
        )
    if own.credential != credential:
        raise Refused(
            403,
            "forbidden",
            "This credential differs from the one this site issued; the issued one stays as it is.",
        )
    return 304


# --- profile --------------------------------------------------------------------------------


def profile_id(user) -> str:
    """The learner's profile ID: stable for this site and learner, and no database key in it."""
    return "urn:uuid:" + str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.BASE_URL}/learners/{user.pk}")
    )


def profile_of(user) -> dict:
    profile = {"id": profile_id(user), "type": ["Profile"], "name": user.display_name}
    if user.email:
        profile["email"] = user.email
    return profile


CHANGEABLE = {"name"}
IGNORED = {"@context"}


def profile_update(*, user, data) -> dict:
    """Change what a wallet may change: the name (as it appears on future certificates). Any
    other field must be sent as it is, or left out; otherwise nothing changes (Refused)."""
    if not isinstance(data, dict):
        raise Refused(400, "invalid_data", "The body must be a JSON Profile object.")
    current = profile_of(user)
    if data.get("id") != current["id"]:
        raise Refused(400, "invalid_data", f"The profile's id must be {current['id']}.")
    if not isinstance(data.get("type"), list) or "Profile" not in data["type"]:
        raise Refused(400, "invalid_data", 'The profile\'s type must include "Profile".')
    refused = sorted(
        key
        for key, value in data.items()
        if key not in CHANGEABLE | IGNORED | {"id", "type"} and current.get(key) != value
    )
    if refused:
        raise Refused(
            400,
            "invalid_data",
            "Only the name can be changed here; these fields cannot: " + ", ".join(refused) + ".",
        )
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str) or not name.strip():
            raise Refused(400, "invalid_data", "The name must be a non-empty string.")
        name = name.strip()
        if len(name) > FULL_NAME_MAX:
            raise Refused(
                400, "invalid_data", f"The name is longer than {FULL_NAME_MAX} characters."
            )
        try:
            validate_no_control_characters(name)
        except ValidationError as exc:
            raise Refused(400, "invalid_data", " ".join(exc.messages)) from None
        if name != user.display_name:
            user.full_name = name
            user.save(update_fields=["full_name"])
    return profile_of(user)


# --- the learner's wallets --------------------------------------------------------------------


@dataclass
class WalletAccess:
    """A wallet (an OAuth client registered here) that holds a live token for the learner.

    `allowed_at`: when the learner last allowed it on the consent page (the code exchanged);
    `last_token_at`: when the site last issued it a token (at that consent or a refresh). The
    site does not record each call a wallet makes, so there is no "last used"."""

    application_id: int
    name: str
    client_uri: str
    scopes: list[str]
    allowed_at: datetime | None
    last_token_at: datetime

    @property
    def client_host(self) -> str:
        return urlsplit(self.client_uri).netloc

    @property
    def scope_labels(self) -> list[str]:
        return [str(ob_scopes.LABELS.get(scope, scope)) for scope in self.scopes]


def _refresh_window() -> timedelta | None:
    seconds = oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    return timedelta(seconds=seconds) if seconds else None


def _live_tokens(user, application_id: int | None = None):
    """The learner's access tokens that still work, or can still be refreshed, for wallets."""
    now = timezone.now()
    window = _refresh_window()
    query = get_access_token_model().objects.filter(
        user=user, application__wallet_client__isnull=False
    )
    if application_id is not None:
        query = query.filter(application_id=application_id)
    live = []
    for token in query.select_related("application__wallet_client"):
        refresh = getattr(token, "refresh_token", None)
        refreshable = (
            refresh is not None
            and refresh.revoked is None
            and (window is None or token.expires + window > now)
        )
        if token.expires > now or refreshable:
            live.append(token)
    return live


def wallet_access_of(user) -> list[WalletAccess]:
    """The wallets that can reach the learner's account now, most recently issued a token first."""
    by_application: dict[int, list] = {}
    for token in _live_tokens(user):
        by_application.setdefault(token.application_id, []).append(token)
    allowed = {}
    for spent in SpentCode.objects.filter(user=user, application_id__in=by_application).order_by(
        "granted_at"
    ):
        allowed[spent.application_id] = spent.granted_at
    access = []
    for application_id, tokens in by_application.items():
        application = tokens[0].application
        granted = {scope for token in tokens for scope in token.scope.split()}
        access.append(
            WalletAccess(
                application_id=application_id,
                name=application.name,
                client_uri=application.wallet_client.client_uri,
                scopes=[scope for scope in ob_scopes.ALL if scope in granted],
                allowed_at=allowed.get(application_id),
                last_token_at=max(token.created for token in tokens),
            )
        )
    return sorted(access, key=lambda a: a.last_token_at, reverse=True)


def wallet_access_revoke(*, user, application_id: int) -> bool:
    """Cut a wallet off the learner's account: its access and refresh tokens are revoked, and a
    code not yet exchanged is dropped, so it must ask the learner again. Returns False when the
    wallet has no live access to this learner (nothing to revoke, or not the learner's)."""
    with transaction.atomic():
        if not _live_tokens(user, application_id):
            return False
        application = get_application_model().objects.get(pk=application_id)
        tokens_revoke(application=application, user=user)
        get_grant_model().objects.filter(application=application, user=user).delete()
        get_refresh_token_model().objects.filter(
            application=application, user=user, revoked__isnull=True
        ).update(revoked=timezone.now())
    return True
