"""What a wallet reads and changes through the Open Badges API: the learner's valid credentials
(paged), the learner's profile, and the answer to a credential sent to this site."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from certificates import states
from certificates.models import Certificate
from certificates.selectors import certificate_status
from lms.accounts.validators import validate_no_control_characters

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
