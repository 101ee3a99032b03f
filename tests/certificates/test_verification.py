"""Verification: by ID, by the PDF, by the credential JSON. Any change is TAMPERED; revoked,
expired and superseded certificates say so; a key the issuer never published convinces no one."""

import copy
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from certificates.credential_limits import CredentialRefused, load_credential_bytes
from certificates.credentials import canonical_json
from certificates.dates import xsd_datetime
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.keys import signing_key, verification_method_id
from certificates.models import Certificate
from certificates.signing import sign
from certificates.verification import (
    MAX_UPLOAD_BYTES,
    Status,
    UnreadableUpload,
    verify_by_id,
    verify_credential,
    verify_upload,
)
from tests.certificates.conftest import (
    HOLDER_NAME,
    OutsideKey,
    changed_value,
    leaves,
    plain_pdf,
    re_signed,
    with_value,
    without,
)

CHECKS = ["format", "signature", "issuer_key", "integrity", "revocation", "expiry"]


def check(report, name):
    return next(c for c in report.checks if c.name == name)


def failed(report) -> set[str]:
    return {c.name for c in report.checks if not c.passed}


def pdf_with(pages_from: bytes, attachment: bytes | None = None, overlay: bytes | None = None):
    """A PDF with the pages of `pages_from` and `attachment` as its credential.json (by default
    the original attachment, kept as it is), optionally with `overlay`'s page drawn over it."""
    reader = PdfReader(io.BytesIO(pages_from))
    if attachment is None:
        writer = PdfWriter(clone_from=reader)
    else:
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.add_attachment("credential.json", attachment)
    if overlay is not None:
        writer.pages[0].merge_page(PdfReader(io.BytesIO(overlay)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the genuine certificate ----------------------------------------------------------------


def test_sign_then_verify_a_real_issued_certificate(issued, issued_pdf):
    by_id = verify_by_id(issued.id)
    by_pdf = verify_upload(issued_pdf)
    by_json = verify_upload(json.dumps(issued.credential).encode())
    for report in (by_id, by_pdf, by_json):
        assert report.status == Status.VALID
        assert [c.name for c in report.checks] == CHECKS
        assert all(c.passed for c in report.checks), report.checks
        assert report.certificate_id == issued.id
        assert report.holder_name == HOLDER_NAME
        assert report.qualification == "Test Qualification"
        assert report.issued_on == issued.issued_at.date().isoformat()
        assert report.expires_on == issued.valid_until.date().isoformat()
        assert report.issuer == "Cluster Manager Academy"
    assert (
        "PDF and its attached credential are the ones issued" in check(by_pdf, "integrity").detail
    )


def test_verify_by_id_forgives_how_the_id_was_typed(issued):
    typed = issued.id.replace("-", " ").lower().replace("1", "l").replace("0", "o")
    assert verify_by_id(typed).status == Status.VALID


def test_verify_by_id_is_one_query(issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert verify_by_id(issued.id).status == Status.VALID


@pytest.mark.parametrize("raw", ["0000-0000-0000-0000-0000-0000-0000", "nonsense", "", "x" * 500])
def test_unknown_or_malformed_ids_are_not_found(db, raw):
    report = verify_by_id(raw)
    assert report.status == Status.NOT_FOUND
    assert report.certificate_id is None and report.checks == []


# --- every change is caught -----------------------------------------------------------------


def test_every_single_field_change_of_the_credential_fails_the_signature(issued):
    credential = issued.credential
    paths = [path for path, _ in leaves(credential)]
    assert len(paths) >= 40
    still_trusted = []
    for path, value in leaves(credential):
        report = verify_credential(with_value(credential, path, changed_value(value)))
        if report.status != Status.TAMPERED or check(report, "signature").passed:
            still_trusted.append(path)
        assert report.holder_name is None  # nothing from an untrusted credential is shown
    assert still_trusted == []


def test_removing_any_field_of_the_credential_fails(issued):
    credential = issued.credential
    still_trusted = []
    for path, _ in leaves(credential):
        if verify_credential(without(credential, path)).status != Status.TAMPERED:
            still_trusted.append(path)
    assert still_trusted == []


def test_an_added_property_fails(issued):
    for where in ((), ("credentialSubject",), ("credentialSubject", "achievement")):
        changed = copy.deepcopy(issued.credential)
        target = changed
        for step in where:
            target = target[step]
        target["grade"] = "A+"
        report = verify_credential(changed)
        assert report.status == Status.TAMPERED
        assert "'grade'" in check(report, "format").detail


def test_every_single_field_change_of_the_embedded_json_is_tampered(issued, issued_pdf):
    credential = issued.credential
    still_trusted = []
    for path, value in leaves(credential):
        changed = with_value(credential, path, changed_value(value))
        pdf = pdf_with(issued_pdf, attachment=json.dumps(changed).encode())
        report = verify_upload(pdf)
        if report.status != Status.TAMPERED or check(report, "signature").passed:
            still_trusted.append(path)
    assert still_trusted == []


def test_a_pdf_whose_attachment_was_swapped_for_another_genuine_credential_is_tampered(
    issued, issued_pdf, other_issued
):
    """The other credential is genuine and signed, but not the one issued with these pages."""
    pdf = pdf_with(issued_pdf, attachment=json.dumps(other_issued.credential).encode())
    report = verify_upload(pdf)
    assert report.status == Status.TAMPERED
    assert check(report, "signature").passed
    assert failed(report) == {"integrity"}
    assert report.holder_name is None


def test_a_pdf_with_altered_pages_but_the_original_attachment_is_tampered(
    issued, issued_pdf, other_pdf
):
    pdf = pdf_with(issued_pdf, overlay=other_pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert json.loads(reader.attachments["credential.json"][0]) == issued.credential
    report = verify_upload(pdf)
    assert report.status == Status.TAMPERED
    assert failed(report) == {"integrity"}
    assert "pages may have been altered" in check(report, "integrity").detail


def test_a_registered_credential_altered_in_the_database_is_tampered(issued):
    changed = with_value(issued.credential, ("credentialSubject", "name"), "Mallory")
    Certificate.objects.filter(pk=issued.pk).update(credential=changed)
    report = verify_by_id(issued.id)
    assert report.status == Status.TAMPERED
    assert {"signature", "integrity"} <= failed(report)


# --- keys -------------------------------------------------------------------------------------


def test_a_credential_signed_with_an_unpublished_key_fails(issued):
    outsider = OutsideKey()
    forged = re_signed(
        with_value(issued.credential, ("credentialSubject", "name"), "Mallory"), outsider
    )
    report = verify_credential(forged)
    assert report.status == Status.TAMPERED
    assert not check(report, "signature").passed
    assert not check(report, "issuer_key").passed
    assert "never published" in check(report, "signature").detail


def test_claiming_the_published_key_does_not_help_a_forger(issued):
    outsider = OutsideKey()
    forged = re_signed(
        with_value(issued.credential, ("credentialSubject", "name"), "Mallory"),
        outsider,
        method=issued.credential["proof"]["verificationMethod"],
    )
    report = verify_credential(forged)
    assert report.status == Status.TAMPERED
    assert not check(report, "signature").passed


def test_a_new_credential_signed_by_an_outsider_is_tampered_not_unknown(issued):
    credential = with_value(
        issued.credential,
        ("id",),
        "http://testserver/certificates/0000-0000-0000-0000-0000-0000-0000",
    )
    report = verify_credential(re_signed(credential, OutsideKey()))
    assert report.status == Status.TAMPERED


def test_a_genuinely_signed_but_unregistered_credential_is_not_found(issued):
    key, private_key = signing_key()
    unsigned = {k: v for k, v in issued.credential.items() if k != "proof"}
    unsigned["id"] = "http://testserver/certificates/ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345"
    signed = sign(
        unsigned, private_key, verification_method_id(key), issued.credential["validFrom"]
    )
    report = verify_credential(signed)
    assert report.status == Status.NOT_FOUND
    assert [c.name for c in report.checks if c.passed] == ["format", "signature", "issuer_key"]


def test_a_key_used_outside_its_period_fails(issued):
    """Signed by a published key, but dated before that key was in use."""
    key, private_key = signing_key()
    unsigned = {k: v for k, v in issued.credential.items() if k != "proof"}
    earlier = xsd_datetime(key.valid_from - timedelta(days=400))
    unsigned["validFrom"] = earlier
    signed = sign(unsigned, private_key, verification_method_id(key), earlier)
    report = verify_credential(signed)
    assert report.status == Status.TAMPERED
    assert failed(report) >= {"issuer_key"}
    # Its ID is registered with another credential: it is compared, not canonicalised (issue 17).
    assert "not the one registered" in check(report, "signature").detail
    unregistered = {
        **unsigned,
        "id": "http://testserver/certificates/0000-0000-0000-0000-0000-0000-0000",
    }
    report = verify_credential(
        sign(unregistered, private_key, verification_method_id(key), earlier)
    )
    assert report.status == Status.TAMPERED
    assert failed(report) >= {"issuer_key"}
    assert check(report, "signature").passed


# --- revoked, expired, superseded -------------------------------------------------------------


def test_revoked_is_reported_with_the_reason(issued, issued_pdf, staff):
    certificate_revoke(certificate=issued, by=staff, reason="Exam misconduct")
    for report in (verify_by_id(issued.id), verify_upload(issued_pdf)):
        assert report.status == Status.REVOKED
        assert report.revocation_reason == "Exam misconduct"
        assert failed(report) == {"revocation"}
        assert report.holder_name == HOLDER_NAME


def test_expired_is_reported(issued, issued_pdf):
    Certificate.objects.filter(pk=issued.pk).update(valid_until=timezone.now() - timedelta(days=1))
    for report in (verify_by_id(issued.id), verify_upload(issued_pdf)):
        assert report.status == Status.EXPIRED
        assert failed(report) == {"expiry"}
        assert "Expired on" in check(report, "expiry").detail


def test_superseded_links_the_new_certificate(issued, issued_pdf, staff):
    new = certificate_reissue(certificate=issued, by=staff, reason="Template updated")
    for report in (verify_by_id(issued.id), verify_upload(issued_pdf)):
        assert report.status == Status.SUPERSEDED
        assert report.superseded_by == new.id
    assert verify_upload(new.pdf.open("rb").read()).status == Status.VALID


# --- uploads that are not certificates --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%garbage that is not a PDF at all", "cannot be read"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Upload the certificate PDF"),
        (b"not json", "Upload the certificate PDF"),
        (b"[1, 2, 3]", "not a credential"),
        (b"\xff\xfe\x00", "Upload the certificate PDF"),
    ],
    ids=["empty", "corrupt-pdf", "png", "text", "json-list", "bad-utf8"],
)
def test_unreadable_uploads_say_why(db, content, message):
    with pytest.raises(UnreadableUpload, match=message):
        verify_upload(content)


def test_a_pdf_without_a_credential_is_refused(db):
    with pytest.raises(UnreadableUpload, match=r"no credential\.json attached"):
        verify_upload(plain_pdf())


def test_a_pdf_whose_attachment_is_not_json_is_refused(issued_pdf, db):
    with pytest.raises(UnreadableUpload, match="not valid JSON"):
        verify_upload(pdf_with(issued_pdf, attachment=b"{not json"))


def test_a_truncated_pdf_is_refused_or_tampered(issued_pdf, db):
    try:
        report = verify_upload(issued_pdf[: len(issued_pdf) // 2])
    except UnreadableUpload:
        return
    assert report.status == Status.TAMPERED


def test_uploads_over_10_mb_are_refused(db):
    with pytest.raises(UnreadableUpload, match="larger than 10 MB"):
        verify_upload(b"{" + b" " * MAX_UPLOAD_BYTES + b"}")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("proof", "verificationMethod"), 12),
        (("proof",), ["a", "b"]),
        (("validFrom",), "2026-11-27T09:30:00"),  # no time zone
        (("validUntil",), "tomorrow"),
        (("issuer",), "did:web:testserver"),
        (("issuer",), None),
        (("type",), 7),
        (("@context",), {"@vocab": "https://evil.example/"}),
        (("credentialSubject",), ["x"]),
        (("credentialSubject", "achievement"), "x"),
        (("id",), {"x": 1}),
        (("credentialStatus",), 3.5),
        (("proof", "proofValue"), "z" + "1" * 200),
    ],
)
def test_odd_json_gets_a_verdict_not_an_error(issued, path, value):
    report = verify_upload(json.dumps(with_value(issued.credential, path, value)).encode())
    assert report.status == Status.TAMPERED


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_json_in_any_place_gets_a_verdict(issued, data):
    paths = [path for path, _ in leaves(issued.credential)]
    path = data.draw(st.sampled_from(paths))
    depth = data.draw(st.integers(min_value=1, max_value=len(path)))
    value = data.draw(_json_values)
    changed = with_value(issued.credential, path[:depth], value)
    if canonical_json(changed) == canonical_json(issued.credential):
        return
    content = json.dumps(changed).encode()
    try:
        load_credential_bytes(content)
    except CredentialRefused:
        # A number too large to be ours (beyond 2^53) is refused before it is checked, and
        # Infinity (which json.dumps writes) is not JSON.
        with pytest.raises(UnreadableUpload, match=r"Tampered|Upload the certificate PDF"):
            verify_upload(content)
        return
    report = verify_upload(content)
    assert report.status in (Status.TAMPERED, Status.NOT_FOUND)
