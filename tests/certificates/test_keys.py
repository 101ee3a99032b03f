"""Issuer keys: generated or loaded, rotated without invalidating anything, all published."""

import stat
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.utils import timezone

from certificates.dates import parse_time
from certificates.keys import (
    _register_current,
    did_document,
    issuer_did,
    issuer_profile,
    rotate_issuer_key,
    signing_key,
    verification_method_id,
)
from certificates.models import IssuerKey
from certificates.signing import public_key_multibase, sign, verify
from certificates.verification import Status, verify_by_id
from tests.certificates.conftest import issue, pem_key_file
from tests.conftest import make_user


def _raw(private_key) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def test_the_first_key_is_generated_once_into_the_key_dir(db, settings):
    key, private_key = signing_key()
    assert key.retired_at is None
    assert key.public_key_multibase == public_key_multibase(_raw(private_key))
    path = settings.ISSUER_KEY_DIR / f"{key.public_key_multibase}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, again_private = signing_key()
    assert again == key
    assert _raw(again_private) == _raw(private_key)
    assert IssuerKey.objects.count() == 1


def test_a_key_starts_on_a_whole_second(db):
    """Credentials are dated to the second; a key made at 09:30:00.7 must cover 09:30:00."""
    key, _ = signing_key()
    assert key.valid_from.microsecond == 0
    assert key.valid_from <= timezone.now()


def test_the_key_file_setting_is_used_and_registered(db, settings, tmp_path):
    private_key = pem_key_file(tmp_path / "issuer.pem")
    settings.ISSUER_KEY_FILE = str(tmp_path / "issuer.pem")
    key, loaded = signing_key()
    assert key.public_key_multibase == public_key_multibase(_raw(private_key))
    assert _raw(loaded) == _raw(private_key)
    with pytest.raises(ValueError, match="LMS_ISSUER_KEY_FILE is set"):
        rotate_issuer_key()


def test_a_missing_private_key_is_a_clear_error(db, settings, tmp_path):
    signing_key()
    settings.ISSUER_KEY_DIR = tmp_path / "elsewhere"
    with pytest.raises(RuntimeError, match="LMS_ISSUER_KEY_FILE"):
        signing_key()


def test_rotation_keeps_old_certificates_valid_and_signs_new_ones_with_the_new_key(
    issued, curriculum
):
    old_key = issued.issuer_key
    new_key = rotate_issuer_key()
    old_key.refresh_from_db()
    assert old_key.retired_at is not None
    assert new_key.retired_at is None
    assert new_key.valid_from <= timezone.now()

    report = verify_by_id(issued.id)
    assert report.status == Status.VALID, report.checks
    assert all(check.passed for check in report.checks)

    fresh = issue(make_user("learner", "after-rotation"))
    assert fresh.issuer_key == new_key
    assert fresh.credential["proof"]["verificationMethod"] == verification_method_id(new_key)
    assert verify_by_id(fresh.id).status == Status.VALID
    assert signing_key()[0] == new_key


def test_a_certificate_issued_in_the_second_of_a_rotation_is_valid(curriculum):
    """The periods of consecutive keys meet to the second, whichever side a certificate falls."""
    before = issue(make_user("learner", "before"))
    rotate_issuer_key()
    after = issue(make_user("learner", "after"))
    rotate_issuer_key()
    for certificate in (before, after):
        assert verify_by_id(certificate.id).status == Status.VALID


def test_rotating_to_a_given_key_file(db, tmp_path):
    signing_key()
    private_key = pem_key_file(tmp_path / "next.pem")
    key = rotate_issuer_key(key_file=tmp_path / "next.pem")
    assert key.public_key_multibase == public_key_multibase(_raw(private_key))
    # Rotating to the current key changes nothing; to a retired one is refused.
    assert rotate_issuer_key(key_file=tmp_path / "next.pem") == key
    retired = IssuerKey.objects.exclude(pk=key.pk).get()
    rotate_issuer_key()
    with pytest.raises(ValueError, match="retired key is never used"):
        _register_current(retired.public_key_multibase)


def test_the_did_document_lists_current_and_retired_keys_with_their_periods(db):
    first, _ = signing_key()
    second = rotate_issuer_key()
    third = rotate_issuer_key()
    document = did_document()
    did = issuer_did()
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert document["id"] == did == "did:web:testserver"
    methods = document["verificationMethod"]
    assert [m["publicKeyMultibase"] for m in methods] == [
        k.public_key_multibase for k in (first, second, third)
    ]
    assert document["assertionMethod"] == [m["id"] for m in methods]
    for method, key in zip(methods, (first, second, third), strict=True):
        key.refresh_from_db()
        assert method["id"] == f"{did}#{key.public_key_multibase}"
        assert method["type"] == "Multikey"
        assert method["controller"] == did
        assert parse_time(method["validFrom"]) == key.valid_from
        if key.retired_at:
            assert parse_time(method["validUntil"]) == key.retired_at
    assert "validUntil" not in methods[-1]
    # Consecutive periods leave no gap.
    assert parse_time(methods[0]["validUntil"]) >= parse_time(methods[1]["validFrom"])


def test_a_published_key_verifies_what_it_signed(db):
    key, private_key = signing_key()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer_did(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "https://example.org/x"},
    }
    signed = sign(document, private_key, verification_method_id(key), "2026-01-01T00:00:00Z")
    assert verify(signed, _raw(private_key)).valid


@pytest.mark.parametrize(
    ("base_url", "did"),
    [
        ("https://academy.example.org", "did:web:academy.example.org"),
        ("http://localhost:8000", "did:web:localhost%3A8000"),
        ("https://academy.example.org/", "did:web:academy.example.org"),
    ],
)
def test_issuer_did_is_did_web_of_the_host(base_url, did):
    assert issuer_did(base_url) == did


def test_the_issuer_profile(settings):
    assert issuer_profile() == {
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": settings.ISSUER_NAME,
        "url": "http://testserver/",
    }


def test_the_rotate_command(db, capsys):
    call_command("rotate_issuer_key")
    call_command("rotate_issuer_key")
    out = capsys.readouterr().out
    keys = list(IssuerKey.objects.all())
    assert len(keys) == 3  # the first made on demand, then two rotations
    assert keys[-1].public_key_multibase in out
    assert "earlier keys stay in /.well-known/did.json" in out
    assert all(k.retired_at for k in keys[:-1])
    # The status list is re-signed with the new key at once.
    from certificates.models import StatusList

    proof = StatusList.objects.get().credential["proof"]
    assert proof["verificationMethod"].endswith(keys[-1].public_key_multibase)


def test_key_validity_period(db):
    key, _ = signing_key()
    assert key.valid_at(key.valid_from)
    assert not key.valid_at(key.valid_from - timedelta(seconds=1))
    key.retired_at = key.valid_from + timedelta(days=1)
    assert key.valid_at(key.retired_at - timedelta(seconds=1))
    assert not key.valid_at(key.retired_at)
