"""The tool's RSA signing key: made the first time it is needed, kept in the database so that
every web process and worker signs with the same key, published at /lti/jwks.json."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from pylti1p3.registration import Registration

from lms.lti.models import ToolKey


def _new_key() -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    kid = Registration.get_jwk(public_pem)["kid"]
    return ToolKey(kid=kid, private_key=private_pem, public_key=public_pem)


def tool_key() -> ToolKey:
    """The current key, made once (two processes racing to make it keep the first)."""
    key = ToolKey.objects.filter(retired_at__isnull=True).order_by("created_at").first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            if not ToolKey.objects.exists():
                _new_key().save()
    except IntegrityError:
        pass
    return ToolKey.objects.filter(retired_at__isnull=True).order_by("created_at").first()


def tool_jwks() -> dict:
    """The public keys platforms verify our messages with: every key not retired."""
    tool_key()
    return {
        "keys": [
            Registration.get_jwk(key.public_key)
            for key in ToolKey.objects.filter(retired_at__isnull=True).order_by("created_at")
        ]
    }
