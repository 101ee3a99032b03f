"""Public pages: verify by ID or upload, downloads, the credential, the issuer's documents."""

import hashlib
import json
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.dates import date_in_words
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.keys import did_document
from certificates.status import current_status_list
from certificates.verification import MAX_UPLOAD_BYTES
from tests.certificates.conftest import HOLDER_NAME, issue
from tests.conftest import make_user


def verdict(response) -> str:
    content = response.content.decode()
    start = content.index('data-status="') + len('data-status="')
    return content[start : content.index('"', start)]


# --- the verify pages -------------------------------------------------------------------------


def test_the_verify_page_the_qr_code_opens(client, issued):
    response = client.get(f"/verify/{issued.id}/")
    assert response.status_code == 200
    assert verdict(response) == "valid"
    content = response.content.decode()
    assert "VALID" in content
    assert HOLDER_NAME in content
    assert "Test Qualification" in content
    # Plain words first: the verdict as a sentence, with the date in words...
    issued_on = date_in_words(issued.issued_at.date())
    assert (
        f"Valid. Test Qualification, issued to {HOLDER_NAME} by Cluster Manager Academy on "
        f"{issued_on}." in content
    )
    assert "Check that the name matches the person." in content
    assert content.index("Valid. Test Qualification") < content.index("<details")
    # ... and the technical checks folded below.
    details = content[content.index("<details") : content.index("</details>")]
    for name in ("format", "signature", "issuer_key", "integrity", "revocation", "expiry"):
        assert f"<strong>{name}</strong>" in details
    assert details.count('class="check-pass"') == 6


def test_the_verify_form_takes_an_id(client, issued):
    form = client.get("/verify/")
    assert form.status_code == 200
    assert 'name="id"' in form.content.decode() and 'name="file"' in form.content.decode()
    response = client.get("/verify/", {"id": issued.id.lower()})
    assert response.status_code == 200
    assert verdict(response) == "valid"


def test_the_verify_form_takes_the_pdf_or_the_json(client, issued, issued_pdf):
    by_pdf = client.post("/verify/", {"file": SimpleUploadedFile("c.pdf", issued_pdf)})
    assert by_pdf.status_code == 200
    assert verdict(by_pdf) == "valid"
    assert HOLDER_NAME in by_pdf.content.decode()
    as_json = json.dumps(issued.credential).encode()
    by_json = client.post("/verify/", {"file": SimpleUploadedFile("credential.json", as_json)})
    assert verdict(by_json) == "valid"


def test_a_tampered_upload_shows_nothing_from_the_file(client, issued, other_issued):
    forged = json.dumps({**issued.credential, "name": "Forged"}).encode()
    response = client.post("/verify/", {"file": SimpleUploadedFile("credential.json", forged)})
    assert response.status_code == 200
    assert verdict(response) == "tampered"
    assert HOLDER_NAME not in response.content.decode()


@pytest.mark.parametrize(
    ("content", "message", "status"),
    [
        (b"%PDF-1.4 broken", "This PDF cannot be read.", 400),
        (
            b"MZ\x90\x00 an executable",
            "Upload the certificate PDF or its credential.json file.",
            400,
        ),
        (b"%PDF-" + b"0" * MAX_UPLOAD_BYTES, "The file is larger than 10 MB.", 413),
    ],
    ids=["corrupt-pdf", "not-a-pdf", "over-10-mb"],
)
def test_bad_uploads_say_why(client, db, content, message, status):
    response = client.post("/verify/", {"file": SimpleUploadedFile("x.pdf", content)})
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_an_upload_form_without_a_file(client, db):
    response = client.post("/verify/", {})
    assert response.status_code == 400
    assert "Choose a PDF or JSON file" in response.content.decode()


def test_revoked_expired_superseded_pages(client, issued, other_issued, staff):
    certificate_revoke(certificate=other_issued, by=staff, reason="Exam misconduct")
    revoked = client.get(f"/verify/{other_issued.id}/")
    assert verdict(revoked) == "revoked"
    assert "Exam misconduct" in revoked.content.decode()

    new = certificate_reissue(certificate=issued, by=staff, reason="Name corrected")
    superseded = client.get(f"/verify/{issued.id}/")
    assert verdict(superseded) == "superseded"
    assert f'href="/verify/{new.id}/"' in superseded.content.decode()

    type(new).objects.filter(pk=new.pk).update(valid_until=new.issued_at)
    assert verdict(client.get(f"/verify/{new.id}/")) == "expired"


def test_html_in_a_name_is_shown_as_text(client, curriculum):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    certificate = issue(make_user("learner", "markup", full_name=name))
    pdf = certificate.pdf.open("rb").read()
    for response in (
        client.get(f"/verify/{certificate.id}/"),
        client.post("/verify/", {"file": SimpleUploadedFile("c.pdf", pdf)}),
    ):
        assert verdict(response) == "valid"
        content = response.content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x" in content
        assert "<script>alert" not in content
        assert "<img src=x" not in content


def test_every_way_to_verify_shares_one_rate_limit_per_client(client, issued, settings):
    settings.VERIFY_RATE = "3/m"
    assert client.get(f"/verify/{issued.id}/").status_code == 200
    assert client.get("/verify/", {"id": issued.id}).status_code == 200
    assert client.get(f"/api/v1/certificates/{issued.id}/verification").status_code == 200
    assert client.get(f"/verify/{issued.id}/").status_code == 429
    assert client.get("/verify/", {"id": issued.id}).status_code == 429
    assert client.get(f"/api/v1/certificates/{issued.id}/verification").status_code == 429
    assert client.get(f"/verify/{issued.id}/", REMOTE_ADDR="10.0.0.7").status_code == 200


def test_unknown_things_are_404_not_redirects(client, issued):
    unknown = "0000-0000-0000-0000-0000-0000-0000"
    page = client.get(f"/verify/{unknown}/")
    assert page.status_code == 404
    assert verdict(page) == "not_found"
    assert client.get("/verify/", {"id": unknown}).status_code == 404
    assert client.get(f"/certificates/{unknown}/credential.json").status_code == 404
    assert client.get("/status/2").status_code == 404
    client.force_login(issued.learner)
    assert client.get(f"/certificates/{unknown}.pdf").status_code == 404


# --- downloads --------------------------------------------------------------------------------


def test_the_holder_downloads_the_stored_pdf_and_it_is_never_regenerated(
    client, issued, issued_pdf
):
    client.force_login(issued.learner)
    first = client.get(f"/certificates/{issued.id}.pdf")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert f'filename="certificate-{issued.id}.pdf"' in first["Content-Disposition"]
    assert first["X-Content-Type-Options"] == "nosniff"
    body = b"".join(first.streaming_content)
    assert body == issued_pdf
    assert hashlib.sha256(body).hexdigest() == issued.pdf_sha256
    # A later name change does not touch it: the same bytes again.
    issued.learner.full_name = "Changed Name"
    issued.learner.save()
    second = client.get(f"/certificates/{issued.id}.pdf")
    assert b"".join(second.streaming_content) == body


def test_staff_may_download(client, issued, staff):
    client.force_login(staff)
    response = client.get(f"/certificates/{issued.id}.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_others_may_not_download(client, issued, other_issued, instructor):
    for user in (other_issued.learner, instructor):
        client.force_login(user)
        assert client.get(f"/certificates/{issued.id}.pdf").status_code == 403


def test_an_api_client_follows_the_pdf_url_with_its_token(client, issued, issued_pdf, learner):
    """GET /api/v1/me/certificates hands out pdf_url; the token that listed it downloads it."""
    from tests.courses.helpers import token_for

    token = token_for(issued.learner)
    listed = client.get("/api/v1/me/certificates", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    path = urlsplit(listed[0]["pdf_url"]).path
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == issued_pdf
    assert "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]
    # Another learner's token is refused; a wrong or expired one is a 401, never the login page.
    other = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token_for(learner)}")
    assert other.status_code == 403
    wrong = client.get(path, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == "Bearer"
    assert "invalid" in wrong.json()["detail"]
    from django.utils import timezone

    from lms.accounts.models import ApiToken

    ApiToken.objects.filter(user=issued.learner).update(expires_at=timezone.now())
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_anonymous_download_goes_to_the_login(client, issued):
    response = client.get(f"/certificates/{issued.id}.pdf")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert f"next=/certificates/{issued.id}.pdf" in response["Location"]


def test_the_credential_is_public(client, issued):
    response = client.get(f"/certificates/{issued.id}/credential.json")
    assert response.status_code == 200
    assert response.json() == issued.credential
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    assert HOLDER_NAME in response.content.decode()  # UTF-8, not \\u escapes


# --- the issuer's documents -------------------------------------------------------------------


def test_the_did_document(client, issued):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body == did_document()
    assert body["id"] == "did:web:testserver"
    (method,) = body["verificationMethod"]
    assert method["id"] == issued.credential["proof"]["verificationMethod"]
    assert method["type"] == "Multikey"
    assert method["publicKeyMultibase"] == issued.issuer_key.public_key_multibase
    assert body["assertionMethod"] == [method["id"]]


def test_the_issuer_profile(client, settings, db):
    response = client.get("/issuer")
    assert response.status_code == 200
    assert response.json() == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": settings.ISSUER_NAME,
        "url": "http://testserver/",
    }


def test_the_status_list_is_served(client, issued, staff):
    certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    response = client.get("/status/1")
    assert response.status_code == 200
    assert response.json() == current_status_list().credential
    assert response.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert "max-age=60" in response["Cache-Control"]
