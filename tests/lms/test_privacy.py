"""Privacy (issue 11): "Download my data" builds a zip of everything held about the learner,
stored privately and served to its owner only until it expires; "Delete my account" erases or
pseudonymises the person while issued certificates stay verifiable."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from lms.accounts.models import ApiToken, User
from lms.accounts.services import api_token_issue
from lms.privacy.models import DataExport
from lms.privacy.services import data_exports_sweep
from tests.conftest import make_user
from tests.courses.helpers import pdf_bytes, submit, upload

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-1"


@pytest.fixture
def _keys(settings, tmp_path):
    settings.ISSUER_KEY_DIR = tmp_path / "keys"
    settings.ISSUER_KEY_FILE = None


@pytest.fixture
def history(curriculum, learner, _keys, django_capture_on_commit_callbacks):
    """A learner with an enrolment, a submission with a file, a certificate and a token."""
    from courses.enrolment import enrolment_create
    from tests.certificates.conftest import issue

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(learner=learner, page=curriculum.qualification)
        version = submit(
            learner, curriculum.project, report="My plan", files=[upload("plan.pdf", pdf_bytes())]
        )
    certificate = issue(learner)
    api_token_issue(username=learner.username, password=PASSWORD)
    return {"version": version, "certificate": certificate}


def _prepare(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/accounts/privacy/data/")
    assert response.status_code == 302
    return DataExport.objects.latest("requested_at")


def test_download_my_data_gives_a_zip_of_everything_held(
    client, learner, history, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    mail.outbox.clear()
    export = _prepare(client, django_capture_on_commit_callbacks)
    assert export.status == DataExport.Status.READY
    assert "/en/accounts/privacy/data/" in mail.outbox[-1].body
    page = client.get("/en/accounts/privacy/data/").content.decode()
    assert f"/en/accounts/privacy/data/{export.pk}/download/" in page
    response = client.get(f"/en/accounts/privacy/data/{export.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == "lena" and data["account"]["email"] == learner.email
    assert "password" not in data["account"]
    assert [t["id"] for t in data["api_tokens"]] == list(
        ApiToken.objects.filter(user=learner).values_list("pk", flat=True)
    )
    assert all("key_hash" not in t for t in data["api_tokens"])
    assert data["enrolments"] and data["submission_versions"][0]["report"] == "My plan"
    assert [c["id"] for c in data["certificates"]] == [history["certificate"].pk]
    assert data["notifications"]
    stored = data["submission_files"][0]
    assert archive.read(stored["archive_path"])[:5] == b"%PDF-"
    assert archive.read(f"files/certificates/{history['certificate'].pk}.pdf")[:5] == b"%PDF-"


def test_unreleased_grades_are_not_in_the_archive(learner, history):
    from lms.privacy.services import data_export_contents

    data, _files = data_export_contents(learner)
    assert data["grades"] == []  # nothing released yet; drafts stay with the grader


def test_someone_elses_archive_is_not_found(
    client, learner, other_learner, history, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    export = _prepare(client, django_capture_on_commit_callbacks)
    client.force_login(other_learner)
    assert client.get(f"/en/accounts/privacy/data/{export.pk}/download/").status_code == 404
    token = api_token_issue(username="omar", password=PASSWORD)
    api = client.get(
        f"/api/v1/privacy/exports/{export.pk}/file", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 404
    client.logout()
    anonymous = client.get(f"/en/accounts/privacy/data/{export.pk}/download/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_an_expired_archive_is_refused_and_swept(
    client, learner, history, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    export = _prepare(client, django_capture_on_commit_callbacks)
    storage, name = export.archive.storage, export.archive.name
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/en/accounts/privacy/data/{export.pk}/download/").status_code == 404
    assert data_exports_sweep() == 1
    assert not storage.exists(name) and not DataExport.objects.filter(pk=export.pk).exists()


def test_the_api_prepares_lists_and_serves_the_archive(
    client, learner, history, django_capture_on_commit_callbacks
):
    token = api_token_issue(username="lena", password=PASSWORD)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/privacy/exports", **auth)
    assert created.status_code == 202
    listed = client.get("/api/v1/privacy/exports", **auth).json()
    assert listed[0]["status"] == "ready" and listed[0]["download_url"]
    file = client.get(listed[0]["download_url"], **auth)
    assert file.status_code == 200
    assert "data.json" in zipfile.ZipFile(io.BytesIO(b"".join(file.streaming_content))).namelist()


def test_deleting_an_account_needs_the_password(client, learner):
    client.force_login(learner)
    assert client.get("/en/accounts/privacy/delete/").status_code == 200
    wrong = client.post("/en/accounts/privacy/delete/", {"password": "nope"})
    assert wrong.status_code == 400 and b"incorrectly" in wrong.content
    assert User.objects.get(pk=learner.pk).is_active


def test_a_deleted_account_is_pseudonymised_and_its_certificate_still_verifies(
    client, learner, history, django_capture_on_commit_callbacks
):
    from certificates.verification import verification_json

    certificate = history["certificate"]
    client.force_login(learner)
    _prepare(client, django_capture_on_commit_callbacks)
    stored_file = history["version"].files.get()
    storage, name = stored_file.file.storage, stored_file.file.name
    response = client.post("/en/accounts/privacy/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(pk=learner.pk)
    assert user.username.startswith("erased-")
    assert (user.email, user.full_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not DataExport.objects.filter(user=user).exists()
    assert not storage.exists(name)  # the file submitted alone is gone
    history["version"].refresh_from_db()
    assert "My plan" not in history["version"].report
    # Nobody can log in as the learner any more.
    assert (
        client.post("/en/accounts/login/", {"username": "lena", "password": PASSWORD}).status_code
        == 200
    )
    # The certificate still verifies by its ID; its public page is taken down.
    body, _status = verification_json(certificate.pk)
    report = json.loads(body)
    assert report["status"] == "valid", report
    certificate.refresh_from_db()
    assert certificate.public is False


def test_a_superuser_cannot_delete_their_own_account_here(client):
    root = make_user("staff", "root", is_superuser=True)
    client.force_login(root)
    response = client.post("/en/accounts/privacy/delete/", {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.get(pk=root.pk).is_active


def test_the_api_deletes_an_account_with_the_password(client, other_learner):
    token = api_token_issue(username="omar", password=PASSWORD)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    wrong = client.post(
        "/api/v1/privacy/account/delete",
        {"password": "no"},
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 400
    ok = client.post(
        "/api/v1/privacy/account/delete",
        {"password": PASSWORD},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 204
    assert User.objects.get(pk=other_learner.pk).email == ""
