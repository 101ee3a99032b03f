"""Issue 17, item 1 and the offline side of item 4: attacks on `python -m
certificates.offline_verifier`, each test named after the attack it replays.

The attacker's did:web is served for real: a local HTTPS server (http.server + ssl in a thread)
with a certificate from a test CA made here with `cryptography`; the verifier is pointed at that
CA with --ca-file or SSL_CERT_FILE, exactly as it would trust any site's CA.
"""

from __future__ import annotations

import copy
import io
import ipaddress
import json
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfReader, PdfWriter

from certificates import offline_verifier as offline
from certificates.credentials import build_credential
from certificates.dates import xsd_datetime
from certificates.issuance import certificate_revoke
from certificates.keys import did_document
from certificates.signing import sign
from tests.certificates.conftest import OutsideKey, run, with_value, write

SITE_DID = "did:web:testserver"


@pytest.fixture(autouse=True)
def _site_is_trusted(monkeypatch):
    monkeypatch.setenv(offline.TRUST_VARIABLE, SITE_DID)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)


# --- a did:web served over HTTPS by a test CA --------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _test_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A CA certificate and a server certificate for localhost/127.0.0.1 that it signed."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test CA"))
        .issuer_name(_name("Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (
        directory / "ca.pem",
        directory / "cert.pem",
        directory / "key.pem",
    )
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


class HttpsSite:
    """An HTTPS server on 127.0.0.1 answering GETs from `documents` (path -> JSON), recording
    every path asked for."""

    def __init__(self, directory: Path) -> None:
        self.ca_file, cert_file, key_file = _test_ca(directory)
        self.documents: dict[str, dict] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(self.path)
                document = site.documents.get(self.path)
                body = json.dumps(document).encode() if document is not None else b"{}"
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.did = f"did:web:localhost%3A{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def attacker_site(tmp_path):
    site = HttpsSite(tmp_path)
    yield site
    site.close()


def attackers_credential(key: OutsideKey, did: str, *, signer_did: str | None = None) -> dict:
    """A credential naming the academy and a real-looking ID, issued and signed by `did`."""
    now = datetime.now(UTC).replace(microsecond=0)
    unsigned = build_credential(
        certificate_id="7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA",
        frozen={
            "holder_name": "Mallory",
            "achievement_id": "http://testserver/achievements/test",
            "qualification_title": "Test Qualification",
            "qualification_description": "About it.",
            "criteria_narrative": "Did it.",
            "evidence": [],
        },
        valid_from=now - timedelta(days=1),
        valid_until=None,
        status_index=42,
    )
    unsigned["issuer"] = {**unsigned["issuer"], "id": did}  # still "Cluster Manager Academy"
    return sign(unsigned, key.private, key.method(signer_did or did), xsd_datetime(now))


def did_document_of(key: OutsideKey, did: str) -> dict:
    method = key.method(did)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.multibase,
                "validFrom": xsd_datetime(datetime.now(UTC) - timedelta(days=30)),
            }
        ],
        "assertionMethod": [method],
    }


# --- item 1: the issuer is pinned --------------------------------------------------------------


def test_attack_credential_signed_by_the_attackers_own_did_web_is_untrusted(
    capsys, tmp_path, attacker_site
):
    key = OutsideKey()
    attacker_site.documents["/.well-known/did.json"] = did_document_of(key, attacker_site.did)
    forged = write(tmp_path / "forged.json", attackers_credential(key, attacker_site.did))
    code, lines, _ = run(capsys, forged, "--online", "--ca-file", attacker_site.ca_file)
    assert code == 1
    assert lines["status"] == "UNTRUSTED"
    assert lines["issuer_did"] == attacker_site.did
    assert lines["issuer"] == (
        f"FAILED ({attacker_site.did} is not an issuer you trust (trusted: {SITE_DID}).)"
    )
    assert "certificate" not in lines and "holder" not in lines
    assert attacker_site.requests == []  # nothing was fetched for an untrusted issuer


def test_attack_did_web_is_checked_when_named_with_trust_over_https_with_the_test_ca(
    capsys, tmp_path, attacker_site
):
    """Trusting that DID explicitly, the verifier fetches its document over HTTPS (the test CA
    trusted with --ca-file) and the signature checks out; still never VALID without a status
    list."""
    key = OutsideKey()
    attacker_site.documents["/.well-known/did.json"] = did_document_of(key, attacker_site.did)
    forged = write(tmp_path / "forged.json", attackers_credential(key, attacker_site.did))
    code, lines, _ = run(
        capsys,
        forged,
        "--trust",
        attacker_site.did,
        "--online",
        "--ca-file",
        attacker_site.ca_file,
    )
    assert attacker_site.requests == ["/.well-known/did.json"]
    assert lines["issuer_did"] == attacker_site.did
    assert lines["signature"].startswith("passed")
    assert lines["revocation"] == "not checked (offline)"
    assert (code, lines["status"]) == (1, "INCONCLUSIVE")


def test_attack_https_is_verified_ssl_cert_file_names_the_ca(
    capsys, tmp_path, attacker_site, monkeypatch
):
    key = OutsideKey()
    attacker_site.documents["/.well-known/did.json"] = did_document_of(key, attacker_site.did)
    forged = write(tmp_path / "forged.json", attackers_credential(key, attacker_site.did))
    code, _, err = run(capsys, forged, "--trust", attacker_site.did, "--online")
    assert code == 2
    assert "CERTIFICATE_VERIFY_FAILED" in err  # an unknown CA is not trusted
    monkeypatch.setenv("SSL_CERT_FILE", str(attacker_site.ca_file))
    code, lines, _ = run(capsys, forged, "--trust", attacker_site.did, "--online")
    assert lines["signature"].startswith("passed")
    assert code == 1 and lines["status"] == "INCONCLUSIVE"


def test_attack_proof_made_by_another_did_under_the_sites_name_is_untrusted(
    capsys, tmp_path, attacker_site
):
    key = OutsideKey()
    attacker_site.documents["/.well-known/did.json"] = did_document_of(key, attacker_site.did)
    credential = attackers_credential(key, SITE_DID, signer_did=attacker_site.did)
    forged = write(tmp_path / "forged.json", credential)
    code, lines, _ = run(capsys, forged, "--online", "--ca-file", attacker_site.ca_file)
    assert (code, lines["status"]) == (1, "UNTRUSTED")
    assert lines["issuer_did"] == SITE_DID
    assert f"made by '{attacker_site.did}', not by the issuer" in lines["issuer"]
    assert attacker_site.requests == []


def test_attack_without_a_trusted_issuer_nothing_is_checked(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv(offline.TRUST_VARIABLE)
    key = OutsideKey()
    forged = write(tmp_path / "forged.json", attackers_credential(key, "did:web:evil.example"))
    code, lines, err = run(capsys, forged, "--online")
    assert (code, lines) == (2, {})
    assert "--trust did:web:" in err and offline.TRUST_VARIABLE in err


# --- item 1: revoked, and the printed pages -----------------------------------------------------


def test_attack_revoked_certificate_checked_without_a_status_list_is_inconclusive(
    capsys, tmp_path, issued, issued_pdf, staff
):
    certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued_pdf)
    did = write(tmp_path / "did.json", did_document())
    code, lines, _ = run(capsys, pdf, "--did-document", did)
    assert lines["signature"].startswith("passed")
    assert lines["revocation"] == "not checked (offline)"
    assert (code, lines["status"]) == (1, "INCONCLUSIVE")


def test_attack_painted_pages_the_pdf_output_says_pages_were_not_compared(
    capsys, tmp_path, issued, issued_pdf
):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued_pdf)
    did = write(tmp_path / "did.json", did_document())
    _, lines, _ = run(capsys, pdf, "--did-document", did)
    assert lines["issuer_did"] == SITE_DID
    assert lines["pages"].startswith("not compared (only the attached credential was checked")
    _, lines, _ = run(capsys, write(tmp_path / "c.json", issued.credential), "--did-document", did)
    assert "pages" not in lines  # a JSON file has no pages


# --- item 4: hostile input exits 2 ----------------------------------------------------------


def _pdf_with_attachment(pages_from: bytes, attachment: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(pages_from))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    embedded = writer.add_attachment("credential.json", attachment)
    reference = embedded.pdf_object["/EF"].raw_get("/F")
    writer._replace_object(reference, embedded._embedded_file.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _hostile(credential: dict, attack: str) -> bytes:
    text = json.dumps(credential)
    if attack == "4000-digit-status-list-index":
        return text.replace('"statusListIndex": "', '"statusListIndex": ' + "9" * 4000 + ', "x": "')
    if attack == "100000-deep-json":
        return b"[" * 100_000 + b"]" * 100_000
    if attack == "700-deep-credential":
        return (text[:-1] + ', "evidence": ' + "[" * 700 + "]" * 700 + "}").encode()
    if attack == "duplicate-keys":
        return text.replace('"credentialSubject": {', '"credentialSubject": {"name": "M", ', 1)
    if attack == "10000-evidence":
        changed = copy.deepcopy(credential)
        changed["evidence"] = [{"type": ["Evidence"], "name": f"e{i}"} for i in range(10_000)]
        return json.dumps(changed)
    raise AssertionError(attack)


ATTACKS = [
    "4000-digit-status-list-index",
    "100000-deep-json",
    "700-deep-credential",
    "duplicate-keys",
    "10000-evidence",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_hostile_credential_json_exits_2(capsys, tmp_path, attack):
    credential = attackers_credential(OutsideKey(), SITE_DID)
    content = _hostile(credential, attack)
    path = tmp_path / "hostile.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, lines, err = run(capsys, path, "--did-document", path)
    assert (code, lines) == (2, {})
    assert "Tampered" in err or "too large" in err


@pytest.mark.parametrize("attack", ["700-deep-credential", "100000-deep-json", "10000-evidence"])
def test_attack_deep_arrays_in_a_pdf_attachment_exit_2(capsys, tmp_path, issued_pdf, attack):
    credential = attackers_credential(OutsideKey(), SITE_DID)
    content = _hostile(credential, attack)
    path = tmp_path / "hostile.pdf"
    path.write_bytes(
        _pdf_with_attachment(
            issued_pdf, content if isinstance(content, bytes) else content.encode()
        )
    )
    code, lines, err = run(capsys, path, "--did-document", path)
    assert (code, lines) == (2, {})
    assert "the credential.json attached to" in err
    assert "Tampered" in err or "too large" in err


def test_attack_status_list_index_as_4000_digit_text_is_not_valid(capsys, tmp_path):
    key = OutsideKey()
    credential = with_value(
        attackers_credential(key, SITE_DID), ("credentialStatus", "statusListIndex"), "9" * 4000
    )
    did = write(tmp_path / "did.json", did_document_of(key, SITE_DID))
    code, lines, _ = run(capsys, write(tmp_path / "c.json", credential), "--did-document", did)
    assert code == 1
    assert lines["status"] == "TAMPERED"  # the signature no longer matches
