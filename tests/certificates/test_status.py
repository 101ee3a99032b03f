"""The revocation status list (W3C Bitstring Status List): encoded, signed, short-lived,
re-signed on revocation and by beat."""

import base64
import gzip
from datetime import timedelta

from django.utils import timezone

from certificates.bitstring import bit_is_set, decode_bitstring, encoded_bitstring
from certificates.dates import parse_time
from certificates.issuance import certificate_revoke
from certificates.keys import rotate_issuer_key, signing_key
from certificates.models import StatusList
from certificates.signing import public_key_from_multibase, verify
from certificates.status import STATUS_LIST_LIFETIME, current_status_list, status_list_refresh
from certificates.tasks import refresh_status_list


def test_the_encoding_is_gzip_and_base64url_with_the_u_prefix():
    encoded = encoded_bitstring([0, 9, 131_071], 131_072)
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16 * 1024
    assert raw[0] == 0b1000_0000  # index 0 is the leftmost bit
    assert raw[1] == 0b0100_0000
    assert raw[-1] == 0b0000_0001
    assert decode_bitstring(encoded) == raw
    assert [i for i in range(131_072) if bit_is_set(raw, i)] == [0, 9, 131_071]


def test_the_list_marks_revoked_certificates_only(issued, other_issued, staff):
    certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    credential = current_status_list().credential
    subject = credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    bits = decode_bitstring(subject["encodedList"])
    assert len(bits) * 8 == StatusList.SIZE
    assert bit_is_set(bits, issued.status_index)
    assert not bit_is_set(bits, other_issued.status_index)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_list_is_a_signed_credential_the_issuer_key_verifies(issued):
    credential = current_status_list().credential
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == issued.credential["credentialStatus"]["statusListCredential"]
    assert credential["issuer"] == issued.credential["issuer"]["id"]
    key, _ = signing_key()
    assert credential["proof"]["verificationMethod"].endswith("#" + key.public_key_multibase)
    result = verify(credential, public_key_from_multibase(key.public_key_multibase))
    assert result.valid, result.reason
    tampered = {**credential, "validUntil": "2099-01-01T00:00:00Z"}
    assert not verify(tampered, public_key_from_multibase(key.public_key_multibase)).valid


def test_the_list_is_short_lived(db):
    status_list = status_list_refresh()
    credential = status_list.credential
    valid_from, valid_until = (
        parse_time(credential["validFrom"]),
        parse_time(credential["validUntil"]),
    )
    assert valid_until - valid_from == STATUS_LIST_LIFETIME <= timedelta(days=1)
    assert status_list.valid_until == valid_until
    assert valid_from <= timezone.now() < valid_until


def test_an_expiring_list_is_refreshed_when_served(db):
    stale = status_list_refresh()
    StatusList.objects.filter(pk=stale.pk).update(valid_until=timezone.now() + timedelta(minutes=1))
    fresh = current_status_list()
    assert fresh.valid_until > timezone.now() + timedelta(hours=1)
    assert current_status_list().credential == fresh.credential  # not re-signed on every request


def test_the_beat_task_refreshes_the_list(db, settings):
    from lms.celery import app

    old = status_list_refresh()
    StatusList.objects.filter(pk=old.pk).update(valid_until=timezone.now() + timedelta(hours=1))
    refresh_status_list.delay()
    refreshed = StatusList.objects.get()
    assert refreshed.valid_until > timezone.now() + timedelta(hours=20)
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    interval = schedule["certificates.tasks.refresh_status_list"]
    # Re-signed well before it lapses, so a stale list is never served.
    assert timedelta(seconds=interval) < STATUS_LIST_LIFETIME / 2


def test_after_rotation_the_list_is_signed_by_the_new_key(issued):
    new_key = rotate_issuer_key()
    credential = status_list_refresh().credential
    assert credential["proof"]["verificationMethod"].endswith("#" + new_key.public_key_multibase)
    assert verify(credential, public_key_from_multibase(new_key.public_key_multibase)).valid
