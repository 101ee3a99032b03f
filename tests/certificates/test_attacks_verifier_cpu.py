"""Issue 17, items 2 and 4 (and the duplicate keys of item 7): the web verifier as a CPU lever
and the 500s on hostile input. Each test is named after the attack it replays.

What matters is where a hostile credential is refused: before any JSON-LD work (expansion or
canonicalisation, the expensive part). The tests count the calls into PyLD instead of timing.
"""

from __future__ import annotations

import copy
import io
import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015
from pypdf import PdfReader, PdfWriter

from certificates import jsonld
from certificates.credential_limits import MAX_ARRAY_LENGTH, MAX_CREDENTIAL_BYTES, MAX_DEPTH
from certificates.verification import Status, UnreadableUpload, verify_upload
from tests.certificates.conftest import with_value


@pytest.fixture
def pyld_calls(monkeypatch):
    """How many times PyLD was asked to expand or convert a document to RDF."""
    calls = {"expand": 0, "to_rdf": 0}
    for name in calls:
        real = getattr(pyld_jsonld, name)

        def counting(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(pyld_jsonld, name, counting)
    return calls


def api_upload(client, content: bytes, name="credential.json"):
    return client.post("/api/v1/verifications", {"file": SimpleUploadedFile(name, content)})


def pdf_attaching(pages_from: bytes, attachment: bytes, *, compress: bool = True) -> bytes:
    """The certificate's pages with `attachment` as its credential.json, Flate-compressed."""
    reader = PdfReader(io.BytesIO(pages_from))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    embedded = writer.add_attachment("credential.json", attachment)
    if compress:
        reference = embedded.pdf_object["/EF"].raw_get("/F")
        writer._replace_object(reference, embedded._embedded_file.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_evidence(credential: dict, count: int) -> dict:
    changed = copy.deepcopy(credential)
    item = changed["evidence"][0] if changed.get("evidence") else {"type": ["Evidence"]}
    changed["evidence"] = [
        {**item, "id": f"{credential['id']}#evidence-{i}", "narrative": f"Step {i}"}
        for i in range(count)
    ]
    return changed


def with_deep_arrays(credential: dict, depth: int) -> bytes:
    """The credential's JSON with `depth` nested arrays as its evidence (written as text: the
    json module itself cannot write so deep a document)."""
    text = json.dumps({k: v for k, v in credential.items() if k != "evidence"})
    return (text[:-1] + ', "evidence": ' + "[" * depth + "]" * depth + "}").encode()


def nested(depth: int, leaf="x") -> object:
    value: object = leaf
    for _ in range(depth):
        value = [value]
    return value


# --- item 2: verification as a CPU lever ----------------------------------------------------


def test_attack_10000_evidence_credential_is_refused_before_canonicalisation(
    client, issued, pyld_calls
):
    forged = json.dumps(with_evidence(issued.credential, 10_000)).encode()
    assert len(forged) < 10 * 1024 * 1024  # under the upload limit: only the caps refuse it
    response = api_upload(client, forged)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert pyld_calls == {"expand": 0, "to_rdf": 0}


def test_attack_10000_evidence_in_a_small_compressed_pdf_is_refused_before_canonicalisation(
    client, issued, issued_pdf, pyld_calls
):
    forged = json.dumps(with_evidence(issued.credential, 10_000)).encode()
    pdf = pdf_attaching(issued_pdf, forged)
    assert len(pdf) < len(issued_pdf) + len(forged) // 10  # the attachment compresses well
    response = api_upload(client, pdf, "certificate.pdf")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert pyld_calls == {"expand": 0, "to_rdf": 0}


def test_attack_long_evidence_list_under_the_size_cap_is_refused_as_tampered(
    client, issued, pyld_calls
):
    forged = with_evidence(issued.credential, MAX_ARRAY_LENGTH + 1)
    for item in forged["evidence"]:
        item.pop("narrative", None)
    content = json.dumps(forged).encode()
    assert len(content) < MAX_CREDENTIAL_BYTES
    response = api_upload(client, content)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Tampered")
    assert pyld_calls == {"expand": 0, "to_rdf": 0}


def test_attack_zip_bomb_attachment_is_measured_inflated_with_a_cap(client, issued_pdf, db):
    bomb = b'{"a": "' + b" " * (50 * 1024 * 1024) + b'"}'  # 50 MB that deflates to ~50 KB
    pdf = pdf_attaching(issued_pdf, bomb)
    assert len(pdf) < 10 * 1024 * 1024
    response = api_upload(client, pdf, "certificate.pdf")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_attack_altered_registered_credential_is_compared_before_canonicalisation(
    issued, pyld_calls
):
    forged = with_value(issued.credential, ("credentialSubject", "name"), "Mallory")
    report = verify_upload(json.dumps(forged).encode())
    assert report.status == Status.TAMPERED
    assert report.holder_name is None
    assert pyld_calls["to_rdf"] == 0  # the signature was never canonicalised


def test_the_genuine_credential_still_verifies(issued, issued_pdf):
    assert verify_upload(issued_pdf).status == Status.VALID
    assert verify_upload(json.dumps(issued.credential).encode()).status == Status.VALID


def test_attack_slow_canonicalisation_is_cut_off_by_the_deadline(issued):
    with pytest.raises(jsonld.CredentialError, match="too complex to canonicalise in time"):
        jsonld.canonicalize(issued.credential, seconds=0)


def test_attack_one_slow_verification_does_not_hold_the_others(issued, monkeypatch):
    """No process-wide lock: while one thread is stuck inside canonicalisation, another thread
    canonicalises to the end (with a global lock it would wait forever)."""
    inside, release = threading.Event(), threading.Event()
    real = URDNA2015.hash_first_degree_quads
    slow_thread: list[threading.Thread] = []

    def stuck(self, id_):
        if threading.current_thread() in slow_thread:
            inside.set()
            release.wait(timeout=60)
        return real(self, id_)

    monkeypatch.setattr(URDNA2015, "hash_first_degree_quads", stuck)
    document = {k: v for k, v in issued.credential.items() if k != "proof"}
    expected = jsonld.canonicalize(document)
    results: dict[str, str] = {}
    slow = threading.Thread(target=lambda: results.update(slow=jsonld.canonicalize(document)))
    slow_thread.append(slow)
    slow.start()
    try:
        assert inside.wait(timeout=60)
        honest = threading.Thread(
            target=lambda: results.update(honest=jsonld.canonicalize(document))
        )
        honest.start()
        honest.join(timeout=60)
        assert not honest.is_alive(), "the honest canonicalisation waited for the slow one"
        assert results["honest"] == expected
    finally:
        release.set()
        slow.join(timeout=60)
    assert results["slow"] == expected


# --- item 4: 500s on hostile input become 400 / 413 -----------------------------------------


def test_attack_4000_digit_status_list_index_is_400_tampered(client, issued):
    forged = json.dumps(issued.credential).replace(
        f'"statusListIndex": "{issued.status_index}"', '"statusListIndex": ' + "9" * 4000
    )
    assert "9" * 4000 in forged
    response = api_upload(client, forged.encode())
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Tampered")


def test_attack_4000_digit_status_list_index_as_text_gets_a_tampered_verdict(client, issued):
    forged = with_value(issued.credential, ("credentialStatus", "statusListIndex"), "9" * 4000)
    response = api_upload(client, json.dumps(forged).encode())
    assert response.status_code == 200
    assert response.json()["status"] == Status.TAMPERED


def test_attack_100000_deep_json_is_400(client, db):
    response = api_upload(client, b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert "Tampered" in response.json()["detail"]


def test_attack_700_deep_credential_is_400_tampered(client, issued, pyld_calls):
    forged = with_value(issued.credential, ("credentialSubject", "name"), nested(700))
    response = api_upload(client, json.dumps(forged).encode())
    assert response.status_code == 400
    assert response.json()["detail"] == (
        f"Tampered: the credential is nested more than {MAX_DEPTH} levels deep; ours never are."
    )
    assert pyld_calls == {"expand": 0, "to_rdf": 0}


def test_attack_deep_arrays_in_a_pdf_attachment_are_400(client, issued, issued_pdf):
    pdf = pdf_attaching(issued_pdf, with_deep_arrays(issued.credential, 5_000))
    response = api_upload(client, pdf, "certificate.pdf")
    assert response.status_code == 400
    assert "Tampered" in response.json()["detail"]


def test_attack_deep_arrays_in_a_pdf_attachment_on_the_page_are_400(client, issued, issued_pdf):
    pdf = pdf_attaching(issued_pdf, with_deep_arrays(issued.credential, 100_000))
    response = client.post("/verify/", {"file": SimpleUploadedFile("c.pdf", pdf)})
    assert response.status_code == 400
    assert "Tampered" in response.content.decode()


def test_attack_duplicate_json_keys_are_refused(client, issued):
    genuine = json.dumps(issued.credential)
    # The first "name" is what one parser shows, the last what another signs.
    forged = genuine.replace(
        '"credentialSubject": {', '"credentialSubject": {"name": "Mallory", ', 1
    )
    assert forged != genuine
    response = api_upload(client, forged.encode())
    assert response.status_code == 400
    assert response.json()["detail"] == (
        'Tampered: the credential repeats the key "name" in one object, so it cannot be trusted.'
    )
    with pytest.raises(UnreadableUpload, match="repeats the key"):
        verify_upload(forged.encode())
