"""The issuer's signing keys and its did:web identity.

The current private key comes from LMS_ISSUER_KEY_FILE, or is generated once into the data dir.
Every public key ever used stays published in the DID document with the period it signed in,
so certificates signed before a rotation keep verifying.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.dates import xsd_datetime
from certificates.models import IssuerKey
from certificates.signing import public_key_multibase


def issuer_did(base_url: str | None = None) -> str:
    """did:web of the site's host; a port is percent-encoded as the method requires."""
    parts = urlsplit(base_url or settings.BASE_URL)
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    return "did:web:" + quote(host, safe="")


def verification_method_id(key: IssuerKey) -> str:
    return f"{issuer_did()}#{key.public_key_multibase}"


def _public_multibase(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return public_key_multibase(raw)


def _write_key(private_key: Ed25519PrivateKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _read_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key.")
    return key


def _start_now() -> datetime:
    """When a key starts, to the second: credentials date their issue to the second, so a key
    created at 09:30:00.7 must already cover a certificate dated 09:30:00."""
    return timezone.now().replace(microsecond=0)


def _end_now() -> datetime:
    """When a key retires, rounded up to the second, for the same reason: a certificate signed
    with it at 09:30:00.3 is dated 09:30:00 and must fall before the end of its period."""
    now = timezone.now()
    return now.replace(microsecond=0) + timedelta(seconds=1) if now.microsecond else now


def _key_path(multibase: str) -> Path:
    return Path(settings.ISSUER_KEY_DIR) / f"{multibase}.pem"


def _register_current(multibase: str) -> IssuerKey:
    """The IssuerKey row of the configured key file, registering (and retiring the previous key)
    when the file changed. Issuance calls this inside its transaction: the usual case, the key
    already current, must lock nothing, or issuances would queue behind each other's renders."""
    current = IssuerKey.objects.filter(public_key_multibase=multibase, retired_at__isnull=True)
    if (key := current.first()) is not None:
        return key
    return _register_new(multibase)


@transaction.atomic
def _register_new(multibase: str) -> IssuerKey:
    existing = IssuerKey.objects.select_for_update().filter(public_key_multibase=multibase).first()
    if existing is not None and existing.retired_at is None:
        return existing
    IssuerKey.objects.select_for_update().filter(retired_at__isnull=True).update(
        retired_at=_end_now()
    )
    if existing is not None:
        raise ValueError("This key was retired; a retired key is never used to sign again.")
    return IssuerKey.objects.create(public_key_multibase=multibase, valid_from=_start_now())


def signing_key() -> tuple[IssuerKey, Ed25519PrivateKey]:
    """The current key and its private half, creating one on first use."""
    if settings.ISSUER_KEY_FILE:
        private_key = _read_key(Path(settings.ISSUER_KEY_FILE))
        return _register_current(_public_multibase(private_key)), private_key
    current = IssuerKey.objects.filter(retired_at__isnull=True).first()
    if current is not None:
        path = _key_path(current.public_key_multibase)
        if not path.exists():
            raise RuntimeError(
                f"The private key of the current issuer key {current.public_key_multibase} is not "
                f"in {settings.ISSUER_KEY_DIR}. Set LMS_ISSUER_KEY_FILE on this host."
            )
        return current, _read_key(path)
    private_key = Ed25519PrivateKey.generate()
    multibase = _public_multibase(private_key)
    _write_key(private_key, _key_path(multibase))
    try:
        with transaction.atomic():
            key = IssuerKey.objects.create(public_key_multibase=multibase, valid_from=_start_now())
    except IntegrityError:
        # Another process made the first key at the same moment: use theirs.
        _key_path(multibase).unlink(missing_ok=True)
        return signing_key()
    return key, private_key


@transaction.atomic
def rotate_issuer_key(*, key_file: Path | None = None) -> IssuerKey:
    """Retire the current key and start signing with a new one (generated, or from a file)."""
    if key_file is not None:
        private_key = _read_key(key_file)
    elif settings.ISSUER_KEY_FILE:
        raise ValueError(
            "LMS_ISSUER_KEY_FILE is set: rotate by pointing it at a new key file, or pass --key-file."
        )
    else:
        private_key = Ed25519PrivateKey.generate()
    multibase = _public_multibase(private_key)
    path = _key_path(multibase)
    if not path.exists():
        _write_key(private_key, path)
    return _register_current(multibase)


def did_document() -> dict:
    did = issuer_did()
    methods = []
    for key in IssuerKey.objects.order_by("valid_from", "id"):
        method = {
            "id": f"{did}#{key.public_key_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
            "validFrom": xsd_datetime(key.valid_from),
        }
        if key.retired_at:
            method["validUntil"] = xsd_datetime(key.retired_at)
        methods.append(method)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def issuer_profile() -> dict:
    """The Open Badges Profile of the academy, embedded in every credential and served at /issuer."""
    return {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": settings.ISSUER_NAME,
        "url": settings.BASE_URL + "/",
    }
