"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (Ed25519 over RDFC-1.0).

To sign: canonicalise the document (without proof) and the proof options (the proof without
proofValue, carrying the document's @context), hash each with SHA-256, and sign the proof hash
followed by the document hash. proofValue is the signature in multibase base58btc ("z...").
Public keys are Multikeys: "z" + base58btc(0xed 0x01 + the 32-byte Ed25519 key).
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

from certificates.jsonld import CredentialError, assert_fully_defined, canonicalize

__all__ = [
    "CredentialError",
    "VerificationResult",
    "public_key_from_multibase",
    "public_key_multibase",
    "refuse_control_characters",
    "sign",
    "verify",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
REQUIRED_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_ED25519_MULTICODEC = b"\xed\x01"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    reason: str = ""


def public_key_multibase(public_key: bytes) -> str:
    if len(public_key) != 32:
        raise CredentialError("An Ed25519 public key is 32 bytes.")
    return "z" + base58.b58encode(_ED25519_MULTICODEC + public_key).decode()


def public_key_from_multibase(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("A Multikey must be base58btc multibase (start with 'z').")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError("The Multikey is not valid base58.") from exc
    if len(raw) != 34 or not raw.startswith(_ED25519_MULTICODEC):
        raise CredentialError("The Multikey is not an Ed25519 public key.")
    return raw[2:]


def refuse_control_characters(document: Any, path: str = "$") -> None:
    """Refuse C0 control characters anywhere: our canonicaliser would not escape them as RDFC-1.0
    requires, so other verifiers would compute a different hash."""
    if isinstance(document, str):
        if _CONTROL.search(document):
            raise CredentialError(
                f"{path} contains a control character; remove tabs, line breaks and the like."
            )
    elif isinstance(document, dict):
        for key, value in document.items():
            refuse_control_characters(key, f"{path} (key)")
            refuse_control_characters(value, f"{path}.{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            refuse_control_characters(value, f"{path}[{index}]")


def _check_contexts(document: dict) -> None:
    contexts = document.get("@context")
    if not isinstance(contexts, list) or contexts[: len(REQUIRED_CONTEXTS)] != REQUIRED_CONTEXTS:
        raise CredentialError(
            "@context must list the W3C VC 2.0 context first and the Open Badges 3.0.3 context second."
        )


def hash_data(document: dict, proof_options: dict) -> bytes:
    """SHA-256(canonical proof options) followed by SHA-256(canonical document)."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    options["@context"] = unsigned["@context"]
    proof_hash = hashlib.sha256(canonicalize(options).encode()).digest()
    document_hash = hashlib.sha256(canonicalize(unsigned).encode()).digest()
    return proof_hash + document_hash


def sign(
    document: dict, private_key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict:
    """Return a copy of `document` with a DataIntegrityProof. Raises CredentialError when the
    document has control characters, wrong contexts, or properties its contexts do not define."""
    unsigned = {k: copy.deepcopy(v) for k, v in document.items() if k != "proof"}
    refuse_control_characters(unsigned)
    if "OpenBadgeCredential" in unsigned.get("type", []):
        _check_contexts(unsigned)
    assert_fully_defined(unsigned)
    proof = {
        "type": "DataIntegrityProof",
        "created": created,
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(hash_data(unsigned, proof))
    return {
        **unsigned,
        "proof": {**proof, "proofValue": "z" + base58.b58encode(signature).decode()},
    }


def verify(document: dict, public_key: bytes) -> VerificationResult:
    """Check the proof of `document` against an Ed25519 public key. Never raises."""
    try:
        if not isinstance(document, dict):
            return VerificationResult(False, "The credential is not a JSON object.")
        proof = document.get("proof")
        if not isinstance(proof, dict):
            return VerificationResult(False, "The credential has no proof.")
        if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
            return VerificationResult(
                False, f"The proof is not a DataIntegrityProof with {CRYPTOSUITE}."
            )
        if proof.get("proofPurpose") != "assertionMethod":
            return VerificationResult(False, "The proof's purpose is not assertionMethod.")
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            return VerificationResult(False, "The proofValue is not base58btc multibase.")
        signature = base58.b58decode(value[1:])
        if len(signature) != 64:
            return VerificationResult(False, "The proofValue is not a 64-byte Ed25519 signature.")
        refuse_control_characters(document)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, hash_data(document, proof))
    except InvalidSignature:
        return VerificationResult(
            False,
            "The signature does not match the content: it was altered or signed by another key.",
        )
    except CredentialError as exc:
        return VerificationResult(False, str(exc))
    except (ValueError, TypeError, KeyError) as exc:
        return VerificationResult(False, f"The credential could not be checked: {exc}")
    return VerificationResult(True, "")
