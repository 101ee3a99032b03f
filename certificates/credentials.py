"""Building the Open Badges 3.0 credential of a certificate, and the status list credential."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime

from django.conf import settings

from certificates.bitstring import encoded_bitstring
from certificates.dates import xsd_datetime
from certificates.jsonld import CONTEXTS, VC_CONTEXT
from certificates.keys import issuer_profile


def certificate_url(certificate_id: str) -> str:
    return f"{settings.BASE_URL}/certificates/{certificate_id}"


def verify_url(certificate_id: str) -> str:
    return f"{settings.BASE_URL}/verify/{certificate_id}/"


def status_list_url(list_id: int = 1) -> str:
    return f"{settings.BASE_URL}/status/{list_id}"


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityObject hash: 'sha256$' + hex of SHA-256(email + salt)."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def build_credential(
    *,
    certificate_id: str,
    frozen: dict,
    valid_from: datetime,
    valid_until: datetime | None,
    status_index: int,
) -> dict:
    """The unsigned credential. Every property is defined by the VC 2.0 or OB 3.0 context."""
    subject: dict = {
        "type": ["AchievementSubject"],
        "name": frozen["holder_name"],
        "achievement": {
            "id": frozen["achievement_id"],
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": frozen["qualification_title"],
            "description": frozen["qualification_description"],
            "criteria": {"narrative": frozen["criteria_narrative"]},
        },
    }
    if frozen.get("email"):
        salt = frozen.get("email_salt") or secrets.token_hex(16)
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(frozen["email"], salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ]
    credential = {
        "@context": CONTEXTS,
        "id": certificate_url(certificate_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "name": frozen["qualification_title"],
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_url()}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list_url(),
        },
        "evidence": [
            {
                "id": f"{certificate_url(certificate_id)}#evidence-{i}",
                "type": ["Evidence"],
                "name": item["name"],
                "narrative": item["narrative"],
            }
            for i, item in enumerate(frozen["evidence"], start=1)
        ],
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    return credential


def build_status_list(
    *,
    revoked_indexes: list[int],
    size: int,
    valid_from: datetime,
    valid_until: datetime,
    list_id: int = 1,
) -> dict:
    url = status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_bitstring(revoked_indexes, size),
        },
    }


def canonical_json(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
