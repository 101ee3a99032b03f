"""The offline verifier, `python -m certificates.offline_verifier`: the files alone, no site, no database."""

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from certificates import offline_verifier as offline
from certificates.credentials import build_credential, build_status_list
from certificates.dates import xsd_datetime
from certificates.issuance import certificate_revoke
from certificates.keys import did_document, rotate_issuer_key
from certificates.signing import sign
from certificates.status import current_status_list
from tests.certificates.conftest import (
    HOLDER_NAME,
    OutsideKey,
    issue,
    plain_pdf,
    re_signed,
    run,
    with_value,
    write,
)
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _trust_the_test_site(monkeypatch):
    """The site's DID is the issuer these tests trust (tests/certificates/test_attacks_offline
    covers --trust and other issuers)."""
    monkeypatch.setenv(offline.TRUST_VARIABLE, "did:web:testserver")


@pytest.fixture
def files(tmp_path, issued, issued_pdf):
    """The certificate PDF, its credential.json, the DID document and the status list."""
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued_pdf)
    return {
        "pdf": pdf,
        "json": write(tmp_path / "credential.json", issued.credential),
        "did": write(tmp_path / "did.json", did_document()),
        "status": write(tmp_path / "status.json", current_status_list().credential),
    }


def test_the_pdf_verifies_offline(capsys, files, issued):
    code, lines, _ = run(
        capsys, files["pdf"], "--did-document", files["did"], "--status-list", files["status"]
    )
    assert code == 0
    assert lines["issuer_did"] == "did:web:testserver"
    assert lines["pages"].startswith("not compared")
    assert lines["format"].startswith("passed")
    assert lines["signature"].startswith("passed")
    assert lines["issuer_key"].startswith("passed (Published by did:web:testserver")
    assert lines["expiry"] == f"passed (Valid until {issued.valid_until.date().isoformat()}.)"
    assert lines["revocation"].startswith("passed (Not revoked")
    assert lines["holder"] == HOLDER_NAME
    assert lines["qualification"] == "Test Qualification"
    assert lines["certificate"] == f"http://testserver/certificates/{issued.id}"
    assert lines["status"] == "VALID"


def test_the_json_verifies_with_the_status_list(capsys, files):
    code, lines, _ = run(
        capsys, files["json"], "--did-document", files["did"], "--status-list", files["status"]
    )
    assert code == 0
    assert lines["revocation"].startswith("passed (Not revoked")
    assert lines["status"] == "VALID"


def test_a_revoked_certificate_is_revoked_offline(capsys, files, issued, staff, tmp_path):
    certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    status = write(tmp_path / "status-now.json", current_status_list().credential)
    code, lines, _ = run(
        capsys, files["pdf"], "--did-document", files["did"], "--status-list", status
    )
    assert code == 1
    assert lines["revocation"] == f"FAILED (Revoked (status list entry {issued.status_index}).)"
    assert lines["status"] == "REVOKED"


def test_any_change_to_the_credential_is_tampered(capsys, files, issued, tmp_path):
    changed = write(
        tmp_path / "changed.json",
        with_value(issued.credential, ("credentialSubject", "name"), "Mallory"),
    )
    code, lines, _ = run(capsys, changed, "--did-document", files["did"])
    assert code == 1
    assert lines["signature"].startswith("FAILED (The signature does not match")
    assert lines["status"] == "TAMPERED"
    assert "holder" not in lines  # nothing from an untrusted credential is printed


def test_a_changed_attachment_in_the_pdf_is_tampered(capsys, files, issued, issued_pdf, tmp_path):
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(issued_pdf)).pages:
        writer.add_page(page)
    changed = with_value(issued.credential, ("validUntil",), "2099-01-01T00:00:00Z")
    writer.add_attachment("credential.json", json.dumps(changed).encode())
    path = tmp_path / "changed.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    code, lines, _ = run(capsys, path, "--did-document", files["did"])
    assert code == 1
    assert lines["status"] == "TAMPERED"


def test_a_key_missing_from_the_did_document_fails(capsys, files, issued, tmp_path):
    forged = write(tmp_path / "forged.json", re_signed(issued.credential, OutsideKey()))
    code, lines, _ = run(capsys, forged, "--did-document", files["did"])
    assert code == 1
    assert lines["signature"] == "FAILED (The key is not published in the issuer's DID document.)"
    assert lines["issuer_key"].startswith("FAILED")
    assert lines["status"] == "TAMPERED"


def test_the_key_must_have_been_in_use_on_the_issue_date(capsys, files, issued, tmp_path):
    document = did_document()
    method = document["verificationMethod"][0]
    issued_at = issued.issued_at
    for start, end in (
        (issued_at + timedelta(days=1), None),  # not yet in use
        (issued_at - timedelta(days=9), issued_at - timedelta(days=1)),  # already retired
    ):
        method["validFrom"] = xsd_datetime(start)
        method.pop("validUntil", None)
        if end:
            method["validUntil"] = xsd_datetime(end)
        path = write(tmp_path / "did-period.json", document)
        code, lines, _ = run(capsys, files["json"], "--did-document", path)
        assert code == 1
        assert lines["issuer_key"] == (
            "FAILED (The key was not the issuer's signing key on the issue date.)"
        )
        assert lines["signature"].startswith("passed")
        assert lines["status"] == "TAMPERED"


def test_a_did_document_of_someone_else_fails(capsys, files, tmp_path):
    other = {**did_document(), "id": "did:web:evil.example"}
    code, lines, _ = run(capsys, files["json"], "--did-document", write(tmp_path / "o.json", other))
    assert code == 1
    assert "is not did:web:testserver's" in lines["signature"]


def test_after_rotation_old_and_new_certificates_verify(capsys, files, issued, tmp_path):
    rotate_issuer_key()
    fresh = issue(make_user("learner", "after-rotation"))
    document = write(tmp_path / "did-rotated.json", did_document())
    status = write(tmp_path / "status-rotated.json", current_status_list().credential)
    assert len(json.loads(document.read_text())["verificationMethod"]) == 2
    for credential in (issued.credential, fresh.credential):
        path = write(tmp_path / "c.json", credential)
        code, lines, _ = run(capsys, path, "--did-document", document, "--status-list", status)
        assert (code, lines["status"]) == (0, "VALID"), lines


# --- documents built here, without a database ------------------------------------------------

DID = "did:web:testserver"


def signed_credential(key: OutsideKey, valid_from: datetime, valid_until: datetime | None):
    frozen = {
        "holder_name": "Ada Lovelace",
        "achievement_id": "http://testserver/achievements/test",
        "qualification_title": "Test Qualification",
        "qualification_description": "About it.",
        "criteria_narrative": "Did it.",
        "evidence": [],
    }
    unsigned = build_credential(
        certificate_id="7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA",
        frozen=frozen,
        valid_from=valid_from,
        valid_until=valid_until,
        status_index=42,
    )
    return sign(unsigned, key.private, key.method(DID), xsd_datetime(valid_from))


def did_with(key: OutsideKey, valid_from: datetime) -> dict:
    method_id = key.method(DID)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": DID,
                "publicKeyMultibase": key.multibase,
                "validFrom": xsd_datetime(valid_from),
            }
        ],
        "assertionMethod": [method_id],
    }


def status_list(key: OutsideKey, revoked: list[int], valid_from: datetime, hours: int = 24):
    unsigned = build_status_list(
        revoked_indexes=revoked,
        size=131_072,
        valid_from=valid_from,
        valid_until=valid_from + timedelta(hours=hours),
    )
    return sign(unsigned, key.private, key.method(DID), xsd_datetime(valid_from))


def test_an_expired_certificate_is_expired(capsys, tmp_path):
    key = OutsideKey()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    credential = signed_credential(key, start, start + timedelta(days=365))
    code, lines, _ = run(
        capsys,
        write(tmp_path / "c.json", credential),
        "--did-document",
        write(tmp_path / "did.json", did_with(key, start - timedelta(days=1))),
    )
    assert code == 1
    assert lines["expiry"] == "FAILED (Expired on 2020-12-31.)"
    assert lines["status"] == "EXPIRED"


def test_the_status_list_must_be_current_and_genuine(capsys, tmp_path):
    key = OutsideKey()
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=30)
    credential = write(tmp_path / "c.json", signed_credential(key, start, None))
    did = write(tmp_path / "did.json", did_with(key, start))

    def revocation(document) -> tuple[int, dict]:
        code, lines, _ = run(
            capsys,
            credential,
            "--did-document",
            did,
            "--status-list",
            write(tmp_path / "s.json", document),
        )
        return code, lines

    code, lines = revocation(status_list(key, [7], now - timedelta(hours=1)))
    assert (code, lines["status"]) == (0, "VALID")
    code, lines = revocation(status_list(key, [42], now - timedelta(hours=1)))
    assert (code, lines["status"]) == (1, "REVOKED")

    stale = status_list(key, [], now - timedelta(days=3))
    code, lines = revocation(stale)
    assert (code, lines["status"]) == (1, "INCONCLUSIVE")
    assert "expired" in lines["revocation"]

    forged = status_list(OutsideKey(), [], now - timedelta(hours=1))
    forged["proof"]["verificationMethod"] = key.method(DID)
    code, lines = revocation(forged)
    assert (code, lines["status"]) == (1, "INCONCLUSIVE")
    assert "cannot be trusted" in lines["revocation"]

    edited = status_list(key, [42], now - timedelta(hours=1))
    edited["credentialSubject"]["encodedList"] = status_list(key, [], now)["credentialSubject"][
        "encodedList"
    ]
    code, lines = revocation(edited)
    assert (code, lines["status"]) == (1, "INCONCLUSIVE")

    elsewhere = {**status_list(key, [], now), "id": "https://other.example/status/1"}
    code, lines = revocation(elsewhere)
    assert "the credential points at 'http://testserver/status/1'" in lines["revocation"]


# --- inputs it cannot use -----------------------------------------------------------------------


def test_without_a_did_document_it_asks_for_one(capsys, files):
    code, lines, err = run(capsys, files["pdf"])
    assert code == 2
    assert lines == {}
    assert "--did-document did.json" in err and "--online" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"%PDF-1.7 not really", "cannot be read as a PDF"),
        (b"\x00\x01binary", "is not JSON"),
        (b"[1, 2]", "is not a JSON object"),
    ],
    ids=["missing", "corrupt-pdf", "binary", "json-list"],
)
def test_unreadable_inputs_exit_2(capsys, tmp_path, content, message):
    path = tmp_path / "input"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, path, "--did-document", path)
    assert code == 2
    assert message in err


def test_a_pdf_without_a_credential_exits_2(capsys, tmp_path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(plain_pdf())
    code, _, err = run(capsys, path, "--did-document", path)
    assert code == 2
    assert "no credential.json attached" in err


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:academy.example.org", "https://academy.example.org/.well-known/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
        ("did:web:example.org:issuers:cma", "https://example.org/issuers/cma/did.json"),
    ],
)
def test_did_web_urls(did, url):
    assert offline.did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:key:z6Mk", "did:web:", "did:web:a%2Fb"])
def test_other_dids_are_not_fetched(did):
    with pytest.raises(offline.InputError):
        offline.did_web_url(did)


def test_online_fetching_uses_https_only(capsys, files):
    with pytest.raises(offline.InputError, match="only HTTPS"):
        offline.fetch_json("http://testserver/status/1")
    # The site under test is http://testserver: with --online the verifier refuses to fetch its
    # status list over plain HTTP rather than trusting it.
    code, _, err = run(capsys, files["json"], "--did-document", files["did"], "--online")
    assert code == 2
    assert "refusing to fetch http://testserver/status/1: only HTTPS is used" in err


def python_without_django_settings(*args) -> subprocess.CompletedProcess:
    """`python *args` in a fresh interpreter, from the repository, with no Django settings."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_runs_without_django(files):
    """A fresh interpreter with no Django settings: the command works and never imports Django,
    nor do the pure modules it shares with the site."""
    result = python_without_django_settings(
        "-m",
        "certificates.offline_verifier",
        files["pdf"],
        "--did-document",
        files["did"],
        "--status-list",
        files["status"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "status: VALID"
    probe = python_without_django_settings(
        "-c",
        "import sys, certificates.offline_verifier, certificates.states, certificates.dates, "
        "certificates.bitstring, certificates.credential_checks; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))",
    )
    assert probe.stdout.strip() == "[]", probe.stderr


def test_the_usage_is_documented():
    doc = offline.__doc__
    assert (
        "python -m certificates.offline_verifier FILE.pdf|FILE.json --trust did:web:<site>" in doc
    )
    for option in ("--status-list", "--online", "exit code", "CMA_TRUSTED_ISSUERS", "--ca-file"):
        assert option in doc
