"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite: Ed25519 over RDFC-1.0.

W3C "Data Integrity EdDSA Cryptosuites v1.0". To sign: canonicalise the document (without its
proof) and the proof options (the proof without proofValue, carrying the document's @context),
hash each with SHA-256, and sign the proof hash followed by the document hash. proofValue is the
signature as multibase base58btc ("z..."). Public keys are Multikeys: "z" + base58btc(0xed 0x01 +
the 32-byte Ed25519 key).
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.jsonld import (
    OB_CONTEXT,
    VC_CONTEXT,
    CredentialError,
    assert_fully_defined,
    canonicalize,
)

__all__ = [
    "CRYPTOSUITE",
    "CredentialError",
    "VerificationResult",
    "check_contexts",
    "document_hash",
    "hash_data",
    "proof_hash",
    "proof_options",
    "public_key_from_multibase",
    "public_key_multibase",
    "refuse_control_characters",
    "sign",
    "verify",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
OPEN_BADGE_TYPES = frozenset(
    {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
)

_ED25519_MULTICODEC = b"\xed\x01"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# XML Schema dateTimeStamp: the time zone is required.
_DATETIME_STAMP = re.compile(r"\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    reason: str


# Multikey


def public_key_multibase(public_key_bytes: bytes) -> str:
    """The Multikey form of a raw 32-byte Ed25519 public key: "z6Mk..."."""
    if not isinstance(public_key_bytes, bytes | bytearray) or len(public_key_bytes) != 32:
        raise CredentialError("An Ed25519 public key is 32 bytes.")
    return "z" + base58.b58encode(_ED25519_MULTICODEC + bytes(public_key_bytes)).decode("ascii")


def public_key_from_multibase(value: str) -> bytes:
    """The raw 32-byte Ed25519 key of a Multikey; CredentialError if it is not one."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("A Multikey must be base58btc multibase, starting with 'z'.")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("The Multikey is not valid base58btc.") from exc
    if not raw.startswith(_ED25519_MULTICODEC):
        raise CredentialError("The Multikey is not an Ed25519 public key (multicodec 0xed01).")
    if len(raw) != 34:
        raise CredentialError("The Multikey does not hold a 32-byte Ed25519 public key.")
    return raw[2:]


def _signature_from_proof_value(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("The proofValue is not base58btc multibase (it must start with 'z').")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("The proofValue is not valid base58btc.") from exc
    if len(signature) != 64:
        raise CredentialError("The proofValue is not a 64-byte Ed25519 signature.")
    return signature


# Checks made before signing and before trusting a signature


def refuse_control_characters(document: Any, path: str = "$") -> None:
    """Refuse C0 control characters (U+0000-U+001F) and DEL anywhere, keys included.

    RDFC-1.0 escapes them in canonical N-Quads; PyLD writes most of them raw, so a signature over
    such text would not verify anywhere else.
    """
    if isinstance(document, str):
        match = _CONTROL.search(document)
        if match:
            raise CredentialError(
                f"{path} contains a control character (U+{ord(match.group()):04X}); tabs, line "
                "breaks and other control characters cannot be signed."
            )
    elif isinstance(document, dict):
        for key, value in document.items():
            if isinstance(key, str) and _CONTROL.search(key):
                refuse_control_characters(key, f"The key {key!r} in {path}")
            refuse_control_characters(value, f"{path}.{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            refuse_control_characters(value, f"{path}[{index}]")


def check_contexts(document: dict) -> None:
    """@context must list W3C VC 2.0 first and, for an Open Badge, Open Badges 3.0.3 second.

    Credentials that are not Open Badges (the Bitstring status list) may carry VC 2.0 alone;
    any further contexts would have to be inline, as the loader refuses other URLs.
    """
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_CONTEXT:
        raise CredentialError(f"@context must be a list whose first entry is {VC_CONTEXT}.")
    types = document.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    is_open_badge = any(t in OPEN_BADGE_TYPES for t in types if isinstance(t, str))
    if (is_open_badge or OB_CONTEXT in contexts) and contexts[1:2] != [OB_CONTEXT]:
        raise CredentialError(
            f"An Open Badges credential's @context must be [{VC_CONTEXT}, {OB_CONTEXT}, ...]: "
            "the W3C VC 2.0 context first and the Open Badges 3.0.3 context second."
        )


# Hashing


def _without_proof(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "proof"}


def proof_options(proof: dict, context: Any) -> dict:
    """The proof configuration that is signed: the proof without proofValue, in `context`."""
    options = {k: copy.deepcopy(v) for k, v in proof.items() if k not in ("proofValue", "@context")}
    return {"@context": copy.deepcopy(context), **options}


def _sha256(text: str) -> bytes:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CredentialError("The credential contains text that is not valid Unicode.") from exc
    return hashlib.sha256(data).digest()


def document_hash(document: dict) -> bytes:
    """SHA-256 of the canonical form of `document` without its proof."""
    return _sha256(canonicalize(_without_proof(document)))


def proof_hash(proof: dict, context: Any) -> bytes:
    """SHA-256 of the canonical form of the proof options."""
    return _sha256(canonicalize(proof_options(proof, context)))


def hash_data(document: dict, proof: dict) -> bytes:
    """What Ed25519 signs: the proof options hash FIRST, then the document hash (64 bytes)."""
    return proof_hash(proof, document.get("@context")) + document_hash(document)


# Sign and verify


def _refuse_unsignable(document: dict, proof: dict) -> None:
    """`document` is without its proof."""
    check_contexts(document)
    refuse_control_characters(document)
    refuse_control_characters(proof, "$.proof")
    assert_fully_defined(document)
    # A relative verificationMethod, say, would silently drop out of the signed proof options.
    assert_fully_defined(proof_options(proof, document["@context"]))


def sign(
    document: dict, private_key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict:
    """A copy of `document` with an eddsa-rdfc-2022 DataIntegrityProof (replacing any proof).

    Raises CredentialError when the contexts are wrong, when text holds a control character, or
    when part of the document would not be covered by the signature (undefined property, null,
    relative IRI...). `created` is an XML Schema dateTimeStamp such as 2026-01-31T09:30:00Z.
    """
    if not isinstance(document, dict):
        raise CredentialError("A credential is a JSON object.")
    if not isinstance(created, str) or not _DATETIME_STAMP.fullmatch(created):
        raise CredentialError(
            f"created must be a date and time with a time zone, e.g. 2026-01-31T09:30:00Z; "
            f"got {created!r}."
        )
    unsigned = copy.deepcopy(_without_proof(document))
    proof = {
        "type": PROOF_TYPE,
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": PROOF_PURPOSE,
    }
    _refuse_unsignable(unsigned, proof)
    signature = private_key.sign(hash_data(unsigned, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**unsigned, "proof": proof}


def _verify(document: Any, public_key_bytes: Any) -> VerificationResult:
    if not isinstance(document, dict):
        return VerificationResult(False, "The credential is not a JSON object.")
    proof = document.get("proof")
    if proof is None:
        return VerificationResult(False, "The credential has no proof.")
    if isinstance(proof, list):
        return VerificationResult(
            False, f"The credential has several proofs; one {CRYPTOSUITE} proof is expected."
        )
    if not isinstance(proof, dict):
        return VerificationResult(False, "The proof is not a JSON object.")
    if proof.get("type") != PROOF_TYPE:
        return VerificationResult(
            False, f"The proof type is {proof.get('type')!r}, not {PROOF_TYPE}."
        )
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return VerificationResult(
            False, f"The proof's cryptosuite is {proof.get('cryptosuite')!r}, not {CRYPTOSUITE}."
        )
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return VerificationResult(
            False, f"The proof's purpose is {proof.get('proofPurpose')!r}, not {PROOF_PURPOSE}."
        )
    signature = _signature_from_proof_value(proof.get("proofValue"))
    if not isinstance(public_key_bytes, bytes | bytearray) or len(public_key_bytes) != 32:
        return VerificationResult(False, "The public key is not a 32-byte Ed25519 key.")
    public_key = Ed25519PublicKey.from_public_bytes(bytes(public_key_bytes))
    unsigned = _without_proof(document)
    # The same refusals as sign(): what the signature does not cover must not be shown as signed.
    _refuse_unsignable(unsigned, proof)
    try:
        public_key.verify(signature, hash_data(document, proof))
    except InvalidSignature:
        return VerificationResult(
            False,
            "The signature does not match the content: it was altered, or signed with another key.",
        )
    return VerificationResult(True, f"The {CRYPTOSUITE} signature is valid.")


def verify(document: dict, public_key_bytes: bytes) -> VerificationResult:
    """Check the eddsa-rdfc-2022 proof of `document` against a raw Ed25519 public key.

    Never raises for a malformed document: the result is then invalid, with the reason.
    """
    try:
        return _verify(document, public_key_bytes)
    except CredentialError as exc:
        return VerificationResult(False, str(exc))
    except Exception as exc:
        # Deliberately broad: a verifier fed arbitrary JSON must answer, not crash.
        return VerificationResult(
            False, f"The credential could not be checked ({type(exc).__name__})."
        )
