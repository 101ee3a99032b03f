"""Checks on a credential that need no Django settings and no database.

Both verifiers use them: the site's (certificates.verification, which adds what only the
registry knows: integrity against the issued copy, revocation, supersession) and the offline one
(certificates.verify). Nothing here imports Django; the site translates the English messages
(they are marked with gettext_noop for the message catalogue).
"""

from __future__ import annotations

import base64
import gzip
import io
from datetime import UTC, datetime

from certificates.jsonld import OB_CONTEXT, VC_CONTEXT, CredentialError, assert_fully_defined

CONTEXTS = [VC_CONTEXT, OB_CONTEXT]


def gettext_noop(message: str) -> str:
    """Marks a message for translation without translating it (the caller does, if it can)."""
    return message


# --- dates --------------------------------------------------------------------------------


def xsd_datetime(moment: datetime) -> str:
    """UTC, to the second, as credentials write dates: 2026-11-27T09:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value) -> datetime | None:
    """A date-time with a time zone (xsd:dateTimeStamp), or None. A time without a zone is
    ambiguous, so it counts as no date at all rather than being compared with aware times."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def period_covers(moment: datetime, valid_from: datetime | None, valid_until: datetime | None):
    """Whether `moment` falls in [valid_from, valid_until); an open end is unbounded."""
    return (valid_from is None or valid_from <= moment) and (
        valid_until is None or moment < valid_until
    )


# --- format -------------------------------------------------------------------------------


def _types(value) -> list:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else []


def issuer_id(credential: dict) -> str | None:
    """The issuer's id (the issuer is a Profile object, or only its IRI)."""
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) and value else None


def format_problems(credential) -> list[str]:
    """What makes `credential` not an Open Badges 3.0 credential we could have issued: contexts,
    types, required fields, and any property the contexts do not define (JSON-LD would drop it,
    so the signature would not cover it). An empty list means the format is right."""
    if not isinstance(credential, dict):
        return [gettext_noop("Not a JSON credential.")]
    problems = []
    if credential.get("@context") != CONTEXTS:
        problems.append(
            gettext_noop(
                "contexts are not the W3C VC 2.0 and Open Badges 3.0.3 contexts in that order"
            )
        )
    types = _types(credential.get("type"))
    if "VerifiableCredential" not in types or "OpenBadgeCredential" not in types:
        problems.append(gettext_noop("not an OpenBadgeCredential"))
    if not isinstance(credential.get("id"), str) or not credential.get("id"):
        problems.append(gettext_noop("no credential id"))
    if not issuer_id(credential):
        problems.append(gettext_noop("no issuer"))
    if not isinstance(credential.get("name"), str) or not credential.get("name"):
        problems.append(gettext_noop("no name"))
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(achievement, dict):
        problems.append(gettext_noop("no achievement"))
    elif not all(
        isinstance(achievement.get(field), str | dict) and achievement.get(field)
        for field in ("id", "name", "description", "criteria")
    ) or "Achievement" not in _types(achievement.get("type")):
        problems.append(
            gettext_noop("the achievement lacks its id, type, name, description or criteria")
        )
    valid_from = parse_time(credential.get("validFrom"))
    if valid_from is None:
        problems.append(gettext_noop("no valid issue date"))
    if "validUntil" in credential:
        valid_until = parse_time(credential.get("validUntil"))
        if valid_until is None or (valid_from is not None and valid_until <= valid_from):
            problems.append(gettext_noop("no valid expiry date"))
    if not isinstance(credential.get("proof"), dict):
        problems.append(gettext_noop("no proof"))
    if not problems:
        try:
            assert_fully_defined({k: v for k, v in credential.items() if k != "proof"})
        except CredentialError as exc:
            problems.append(str(exc))
    return problems


def verification_method(document) -> str:
    """The proof's verificationMethod, or "" when there is none worth looking up."""
    proof = document.get("proof") if isinstance(document, dict) else None
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return method if isinstance(method, str) else ""


# --- the revocation bitstring (W3C Bitstring Status List) ----------------------------------


def encoded_bitstring(revoked_indexes: list[int], size: int) -> str:
    """Multibase base64url ('u', no padding) of the GZIP-compressed bitstring; index 0 is the
    leftmost bit."""
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    """The bitstring of an encodedList; ValueError when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url (it must start with 'u').")
    data = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError("encodedList is not GZIP-compressed base64url.") from exc


def bit_is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


# --- the PDF ------------------------------------------------------------------------------

ATTACHMENT_NAME = "credential.json"


def attached_credential(content: bytes) -> bytes | None:
    """The bytes of the PDF's credential.json attachment, or None if it has none. Raises
    ValueError when the file cannot be read as a PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        data = reader.attachments.get(ATTACHMENT_NAME)
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise ValueError("This PDF cannot be read.") from exc
    return data[0] if data else None
