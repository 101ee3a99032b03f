"""Checks on a credential that need no Django settings and no database.

Both verifiers use them: the site's (certificates.verification, which adds what only the
registry knows: integrity against the issued copy, revocation, supersession) and the offline one
(certificates.offline_verifier). Nothing here imports Django; the site translates the English
messages (they are marked with gettext_noop for the message catalogue). The credential builder
never imports this module: what both sides need (dates, the bitstring, the contexts) lives in
certificates.dates, certificates.bitstring and certificates.jsonld.
"""

from __future__ import annotations

import io
import zlib

from certificates.credential_limits import (
    MAX_CREDENTIAL_BYTES,
    TOO_LARGE,
    CredentialRefused,
    InflateLimitExceeded,
    inflate_capped,
)
from certificates.dates import parse_time
from certificates.jsonld import CONTEXTS, CredentialError, assert_fully_defined


def gettext_noop(message: str) -> str:
    """Marks a message for translation without translating it (the caller does, if it can)."""
    return message


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


# --- the PDF ------------------------------------------------------------------------------

ATTACHMENT_NAME = "credential.json"


def _attachment_bytes(stream, limit: int) -> bytes:
    """The decoded bytes of an embedded file stream, inflated with a streaming cap: the file's
    size limit applies to what the stream decompresses to, not only to the PDF."""
    from pypdf.generic import EncodedStreamObject

    filters = stream.get("/Filter")
    filters = [] if filters is None else list(filters) if isinstance(filters, list) else [filters]
    if not isinstance(stream, EncodedStreamObject):
        data = stream.get_data()  # already decoded by pypdf (no filter)
    elif not filters:
        data = stream._data
    elif [str(f) for f in filters] == ["/FlateDecode"] and not stream.get("/DecodeParms"):
        try:
            data = inflate_capped(stream._data, limit)
        except InflateLimitExceeded as exc:
            raise CredentialRefused(
                TOO_LARGE, too_large=True, limit=MAX_CREDENTIAL_BYTES // 1024
            ) from exc
        except zlib.error as exc:
            raise ValueError("The attachment cannot be decompressed.") from exc
    else:
        raise ValueError("The attachment is encoded in a way our certificates never are.")
    if len(data) > limit:
        raise CredentialRefused(TOO_LARGE, too_large=True, limit=MAX_CREDENTIAL_BYTES // 1024)
    return data


def attached_credential(content: bytes, limit: int = MAX_CREDENTIAL_BYTES) -> bytes | None:
    """The bytes of the PDF's credential.json attachment, or None if it has none. Raises
    CredentialRefused when it inflates to more than `limit` bytes, and ValueError when the file
    cannot be read as a PDF."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        for entry in reader.attachment_list:
            if ATTACHMENT_NAME in list(entry._names):
                return _attachment_bytes(entry._embedded_file, limit)
    except CredentialRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        raise ValueError("This PDF cannot be read.") from exc
    return None
