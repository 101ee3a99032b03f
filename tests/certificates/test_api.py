"""The certificates API: verification by ID and by upload, revocation, the learner's list."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.issuance import certificate_reissue
from certificates.sharing import linkedin_url
from certificates.verification import MAX_UPLOAD_BYTES
from tests.certificates.conftest import HOLDER_NAME, plain_pdf

REPORT_KEYS = {
    "status",
    "certificate_id",
    "holder_name",
    "qualification",
    "issued_on",
    "expires_on",
    "issuer",
    "superseded_by",
    "revocation_reason",
    "checks",
    # Added with the plain-language verdict; none of the fields above was removed.
    "headline",
    "advice",
    "qualification_localized",
    "issuer_localized",
    "issued_on_words",
    "expires_on_words",
}


def bearer(client, user) -> dict:
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "a-long-test-password-1"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def revoke(client, certificate_id: str, body: dict, headers: dict | None = None):
    return client.post(
        f"/api/v1/certificates/{certificate_id}/revocation",
        body,
        content_type="application/json",
        **(headers or {}),
    )


def upload(client, content: bytes, name="certificate.pdf", content_type="application/pdf"):
    return client.post(
        "/api/v1/verifications", {"file": SimpleUploadedFile(name, content, content_type)}
    )


# --- GET /api/v1/certificates/<id>/verification ------------------------------------------


def test_verification_by_id(client, issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(f"/api/v1/certificates/{issued.id}/verification")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPORT_KEYS
    assert body["status"] == "valid"
    assert body["certificate_id"] == issued.id
    assert body["holder_name"] == HOLDER_NAME
    assert body["qualification"] == "Test Qualification"
    assert body["issued_on"] == issued.issued_at.date().isoformat()
    assert body["expires_on"] == issued.valid_until.date().isoformat()
    assert [c["name"] for c in body["checks"]] == [
        "format",
        "signature",
        "issuer_key",
        "integrity",
        "revocation",
        "expiry",
    ]
    assert all(c["passed"] is True and c["detail"] for c in body["checks"])


def test_unknown_and_malformed_ids_give_the_same_404(client, db):
    unknown = client.get("/api/v1/certificates/0000-0000-0000-0000-0000-0000-0000/verification")
    malformed = client.get("/api/v1/certificates/%3Cscript%3E/verification")
    for response in (unknown, malformed):
        assert response.status_code == 404
        assert response.json() == {
            "status": "not_found",
            "certificate_id": None,
            "holder_name": None,
            "qualification": None,
            "issued_on": None,
            "expires_on": None,
            "issuer": None,
            "superseded_by": None,
            "revocation_reason": None,
            "checks": [],
            "headline": "Not found. No certificate with this ID was issued by the academy.",
            "advice": "Check the ID for typing mistakes (dashes and case do not matter), or "
            "upload the PDF instead.",
            "qualification_localized": None,
            "issuer_localized": None,
            "issued_on_words": None,
            "expires_on_words": None,
        }


def test_superseded_names_the_new_certificate(client, issued, staff):
    new = certificate_reissue(certificate=issued, by=staff, reason="Name corrected")
    body = client.get(f"/api/v1/certificates/{issued.id}/verification").json()
    assert body["status"] == "superseded"
    assert body["superseded_by"] == new.id


def test_verification_is_rate_limited_per_client(client, issued, settings):
    settings.VERIFY_RATE = "3/m"
    codes = [
        client.get(f"/api/v1/certificates/{issued.id}/verification").status_code for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    limited = client.get(f"/api/v1/certificates/{issued.id}/verification")
    assert limited.status_code == 429
    assert "Too many" in limited.json()["detail"]
    # Uploads count against the same limit.
    assert upload(client, issued.pdf.open("rb").read()).status_code == 429
    # Another client is not affected.
    other = client.get(f"/api/v1/certificates/{issued.id}/verification", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


# --- POST /api/v1/verifications ----------------------------------------------------------


def test_upload_the_pdf(client, issued, issued_pdf):
    response = upload(client, issued_pdf)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == REPORT_KEYS
    assert body["status"] == "valid"
    assert body["holder_name"] == HOLDER_NAME


def test_upload_the_json(client, issued):
    content = json.dumps(issued.credential).encode()
    response = upload(client, content, "credential.json", "application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    tampered = json.dumps({**issued.credential, "name": "Forged"}).encode()
    body = upload(client, tampered, "credential.json", "application/json").json()
    assert body["status"] == "tampered"
    assert body["holder_name"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\nthis is not really a PDF", "This PDF cannot be read."),
        (b"GIF89a\x01\x00\x01\x00", "Upload the certificate PDF or its credential.json file."),
        (b"", "The file is empty."),
        (b'"just a string"', "The JSON file is not a credential."),
    ],
    ids=["corrupt-pdf", "gif", "empty", "json-string"],
)
def test_unreadable_uploads_are_400_with_a_message(client, db, content, message):
    response = upload(client, content)
    assert response.status_code == 400
    assert response.json() == {"detail": message}


def test_a_pdf_that_is_no_certificate_is_400(client, db):
    response = upload(client, plain_pdf())
    assert response.status_code == 400
    assert "no credential.json attached" in response.json()["detail"]


def test_a_missing_file_is_400(client, db):
    response = client.post("/api/v1/verifications", {})
    assert response.status_code == 400


def test_uploads_over_10_mb_are_refused(client, db):
    response = upload(client, b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
    assert response.status_code == 413
    assert response.json() == {"detail": "The file is larger than 10 MB."}


# --- POST /api/v1/certificates/<id>/revocation --------------------------------------------


def test_revocation_needs_a_login(client, issued):
    response = revoke(client, issued.id, {"reason": "Fraud"})
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_only_staff_revoke(client, issued, role, request):
    user = issued.learner if role == "learner" else request.getfixturevalue("instructor")
    response = revoke(client, issued.id, {"reason": "Fraud"}, bearer(client, user))
    assert response.status_code == 403
    assert client.get(f"/api/v1/certificates/{issued.id}/verification").json()["status"] == "valid"


def test_staff_revocation_takes_effect_at_once(client, issued, staff):
    headers = bearer(client, staff)
    response = revoke(client, issued.id, {"reason": "Obtained by fraud"}, headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == issued.id
    assert body["status"] == "revoked"
    assert body["reason"] == "Obtained by fraud"
    assert body["revoked_at"]
    verification = client.get(f"/api/v1/certificates/{issued.id}/verification").json()
    assert verification["status"] == "revoked"
    assert verification["revocation_reason"] == "Obtained by fraud"

    again = revoke(client, issued.id, {"reason": "Twice"}, headers)
    assert again.status_code == 400
    assert "already revoked" in again.json()["detail"]


def test_revocation_needs_a_reason_and_a_real_certificate(client, issued, staff):
    headers = bearer(client, staff)
    blank = revoke(client, issued.id, {"reason": " "}, headers)
    assert blank.status_code == 400
    assert "reason" in blank.json()["detail"]
    missing = revoke(client, issued.id, {}, headers)
    assert missing.status_code == 400


def test_revoking_an_unknown_certificate_is_404(client, db, staff):
    response = revoke(
        client, "0000-0000-0000-0000-0000-0000-0000", {"reason": "x"}, bearer(client, staff)
    )
    assert response.status_code == 404


# --- GET /api/v1/me/certificates ----------------------------------------------------------


def test_my_certificates(client, issued, other_issued, staff):
    new = certificate_reissue(certificate=issued, by=staff, reason="Template updated")
    client.force_login(issued.learner)
    response = client.get("/api/v1/me/certificates")
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [new.id, issued.id]  # newest first, the other learner's not
    assert set(rows[0]) == {
        "id",
        "qualification",
        "qualification_title",
        "status",
        "issued_on",
        "expires_on",
        "pdf_url",
        "credential_url",
        "verify_url",
        "page_url",
        "public",
        "linkedin_url",
    }
    assert rows[0] == {
        "id": new.id,
        "qualification": new.qualification_id,
        "qualification_title": "Test Qualification",
        "status": "valid",
        "issued_on": new.issued_at.date().isoformat(),
        "expires_on": new.valid_until.date().isoformat(),
        "pdf_url": f"http://testserver/certificates/{new.id}.pdf",
        "credential_url": f"http://testserver/certificates/{new.id}/credential.json",
        "verify_url": f"http://testserver/verify/{new.id}/",
        "page_url": f"http://testserver/certificates/{new.id}",
        "public": True,
        "linkedin_url": linkedin_url(new),
    }
    assert rows[1]["status"] == "superseded"
    assert rows[1]["linkedin_url"] is None  # a superseded certificate is not offered to LinkedIn


def test_my_certificates_with_a_token_and_without_a_login(client, issued):
    assert client.get("/api/v1/me/certificates").status_code == 401
    rows = client.get("/api/v1/me/certificates", **bearer(client, issued.learner)).json()
    assert [r["id"] for r in rows] == [issued.id]
