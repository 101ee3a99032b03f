"""The Wagtail admin for certificates: bulk issuance with progress, revoke and re-issue."""

import pytest
from wagtail.models import ModelLogEntry

from certificates import awards
from certificates.awards import bulk_issue_one
from certificates.models import Award, BulkIssue, Certificate
from certificates.verification import Status, verify_by_id
from courses.models import Cohort
from tests.certificates.conftest import requirements_met, spring_cohort_and_outsider
from tests.conftest import make_user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# --- bulk issuance ----------------------------------------------------------------------------


def test_bulk_issue_for_a_cohort_then_progress(
    staff_client, curriculum, django_capture_on_commit_callbacks
):
    qualification = curriculum.qualification
    cohort, done, outside = spring_cohort_and_outsider(qualification, members=2)

    form = staff_client.get("/admin/certificates/bulk/")
    assert form.status_code == 200
    assert (
        f'<option value="{qualification.id}">Test Qualification</option>' in form.content.decode()
    )
    assert "Spring" in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/certificates/bulk/",
            {"qualification": qualification.id, "cohort": cohort.id},
        )
    assert response.status_code == 302
    batch = BulkIssue.objects.get()
    assert response["Location"] == f"/admin/certificates/bulk/{batch.id}/"
    assert sorted(batch.award_ids) == sorted(
        Award.objects.filter(learner__in=done).values_list("id", flat=True)
    )
    assert Certificate.objects.filter(learner__in=done, is_current=True).count() == 2
    assert not Certificate.objects.filter(learner=outside).exists()

    progress = staff_client.get(response["Location"])
    assert progress.status_code == 200
    content = progress.content.decode()
    assert '<progress id="bulk-progress-bar" max="2" value="2">' in content
    assert "Finished: 2 of 2 issued, 0 failed." in content
    assert "js/bulk-progress.js" in content and "<script>" not in content.split("</header>")[-1]

    status = staff_client.get(f"/admin/certificates/bulk/{batch.id}/status/").json()
    assert status["total"] == 2 and status["issued"] == 2 and status["failed"] == 0
    assert status["finished"] is True and status["percent"] == 100


def test_bulk_progress_while_the_workers_issue(staff_client, curriculum):
    qualification = curriculum.qualification
    learner = make_user("learner", "waiting")
    requirements_met(learner, qualification)
    # Without the on-commit hook the tasks are not run: this is the page before a worker ran.
    response = staff_client.post("/admin/certificates/bulk/", {"qualification": qualification.id})
    batch = BulkIssue.objects.get()
    content = staff_client.get(response["Location"]).content.decode()
    assert "Issuing: 0 of 1 (0 issued, 0 failed)." in content
    status_url = f"/admin/certificates/bulk/{batch.id}/status/"
    assert f'data-status-url="{status_url}"' in content
    assert staff_client.get(status_url).json() == {
        "id": batch.id,
        "qualification": "Test Qualification",
        "cohort": None,
        "total": 1,
        "issued": 0,
        "failed": 0,
        "done": 0,
        "percent": 0,
        "finished": False,
        "failures": [],
    }

    # The worker's task records its award; the status endpoint follows.
    assert bulk_issue_one(batch_id=batch.id, award_id=batch.award_ids[0]) is True
    status = staff_client.get(status_url).json()
    assert (status["issued"], status["done"], status["percent"], status["finished"]) == (
        1,
        1,
        100,
        True,
    )
    # Delivered twice, it still counts once.
    bulk_issue_one(batch_id=batch.id, award_id=batch.award_ids[0])
    assert staff_client.get(status_url).json()["issued"] == 1


def test_a_failed_award_is_reported_and_the_run_goes_on(staff_client, curriculum, monkeypatch):
    qualification = curriculum.qualification
    first, second = make_user("learner", "first"), make_user("learner", "second")
    for learner in (first, second):
        requirements_met(learner, qualification)
    staff_client.post("/admin/certificates/bulk/", {"qualification": qualification.id})
    batch = BulkIssue.objects.get()
    failing = Award.objects.get(learner=first).id

    real_issue = awards.certificate_issue

    def issue_or_fail(*, award_id):
        if award_id == failing:
            raise RuntimeError("the PDF renderer crashed")
        return real_issue(award_id=award_id)

    monkeypatch.setattr(awards, "certificate_issue", issue_or_fail)
    for award_id in batch.award_ids:
        bulk_issue_one(batch_id=batch.id, award_id=award_id)

    status = staff_client.get(f"/admin/certificates/bulk/{batch.id}/status/").json()
    assert (status["issued"], status["failed"], status["finished"]) == (1, 1, True)
    assert status["failures"] == [
        {"award": failing, "learner": str(first), "error": "RuntimeError: the PDF renderer crashed"}
    ]
    page = staff_client.get(f"/admin/certificates/bulk/{batch.id}/").content.decode()
    assert "the PDF renderer crashed" in page
    home = staff_client.get("/admin/").content.decode()
    assert "Issuance failures" in home and "the PDF renderer crashed" in home


@pytest.mark.parametrize(
    "data",
    [{"qualification": "abc"}, {"qualification": "999999"}, {"qualification": "", "cohort": "x"}],
    ids=["not-a-number", "unknown", "bad-cohort"],
)
def test_bulk_issue_with_a_bad_choice_is_refused(staff_client, curriculum, data):
    response = staff_client.post("/admin/certificates/bulk/", data)
    assert response.status_code == 400
    assert "Choose a qualification" in response.content.decode()
    assert not Award.objects.filter(learner__username__startswith="cohort").exists()


def test_a_cohort_of_another_qualification_is_refused(staff_client, curriculum):
    cohort = Cohort.objects.create(name="Trainers", page=curriculum.trainer, starts_on="2026-03-01")
    response = staff_client.post(
        "/admin/certificates/bulk/",
        {"qualification": curriculum.qualification.id, "cohort": cohort.id},
    )
    assert response.status_code == 400
    assert "Choose a cohort of that qualification" in response.content.decode()


# --- one certificate: revoke, re-issue --------------------------------------------------------


def test_the_certificate_page(staff_client, issued):
    response = staff_client.get(f"/admin/certificates/action/{issued.id}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert issued.frozen["holder_name"] in content
    assert 'value="revoke"' in content and 'value="reissue"' in content


def test_revoke_in_the_admin(staff_client, issued, staff):
    response = staff_client.post(
        f"/admin/certificates/action/{issued.id}/",
        {"action": "revoke", "reason": "Exam misconduct"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/certificates/action/{issued.id}/"
    issued.refresh_from_db()
    assert issued.revoked_by == staff and issued.revocation_reason == "Exam misconduct"
    assert verify_by_id(issued.id).status == Status.REVOKED
    page = staff_client.get(response["Location"]).content.decode()
    assert 'data-certificate-status="revoked">Revoked</strong> (Exam misconduct)' in page
    assert 'value="revoke"' not in page  # no more actions on a revoked certificate
    # The history records who revoked it and why.
    entry = ModelLogEntry.objects.for_instance(issued).get(action="certificates.revoke")
    assert entry.user == staff and entry.data == {"reason": "Exam misconduct"}
    assert "<td>Exam misconduct</td>" in page and "Certificate revoked" in page


def test_reissue_in_the_admin(staff_client, issued, staff):
    response = staff_client.post(
        f"/admin/certificates/action/{issued.id}/",
        {"action": "reissue", "reason": "Renewal", "validity_months": "24"},
    )
    assert response.status_code == 302
    new = Certificate.objects.get(supersedes=issued)
    assert response["Location"] == f"/admin/certificates/action/{new.id}/"
    assert new.reissued_by == staff and new.reissue_reason == "Renewal"
    assert new.valid_until.year == new.issued_at.year + 2
    assert verify_by_id(issued.id).status == Status.SUPERSEDED
    logged = ModelLogEntry.objects.for_instance(issued).get(action="certificates.reissue")
    assert logged.data == {"reason": "Renewal", "new": new.id}
    assert ModelLogEntry.objects.for_instance(new).get().data == {
        "reason": "Renewal",
        "old": issued.id,
    }


def test_an_action_without_a_reason_is_refused(staff_client, issued):
    for action in ("revoke", "reissue"):
        response = staff_client.post(
            f"/admin/certificates/action/{issued.id}/", {"action": action, "reason": ""}
        )
        assert response.status_code == 400
        assert "Say why the certificate is" in response.content.decode()
    assert verify_by_id(issued.id).status == Status.VALID
    assert not ModelLogEntry.objects.for_instance(issued).exists()


def test_a_bad_validity_keeps_what_was_typed(staff_client, issued):
    response = staff_client.post(
        f"/admin/certificates/action/{issued.id}/",
        {"action": "reissue", "reason": "Name corrected", "validity_months": "forever"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "number of months" in content
    assert 'value="Name corrected"' in content and 'value="forever"' in content
    assert not Certificate.objects.filter(supersedes=issued).exists()


def test_only_staff_use_the_certificate_admin(client, issued, instructor):
    pages = [
        f"/admin/certificates/action/{issued.id}/",
        "/admin/certificates/bulk/",
        "/admin/certificates/bulk/1/",
        "/admin/certificates/bulk/1/status/",
    ]
    for page in pages:
        anonymous = client.get(page)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/admin/login/")
    for user in (issued.learner, instructor):
        client.force_login(user)
        for page in pages:
            assert client.get(page).status_code in (302, 403)
        response = client.post(pages[0], {"action": "revoke", "reason": "Mine now"})
        assert response.status_code in (302, 403)
    assert verify_by_id(issued.id).status == Status.VALID


# --- the listings -----------------------------------------------------------------------------


def test_the_certificate_listing_links_to_revoke_and_reissue(staff_client, issued):
    response = staff_client.get("/admin/certificate/")
    assert response.status_code == 200
    assert f'href="/admin/certificates/action/{issued.id}/"' in response.content.decode()
    inspect = staff_client.get(f"/admin/certificate/inspect/{issued.id}/")
    assert inspect.status_code == 200
    for page in ("/admin/award/", "/admin/issuerkey/"):
        assert staff_client.get(page).status_code == 200


@pytest.mark.parametrize(
    "model",
    ["certificate", "award", "issuerkey"],
)
def test_issued_records_cannot_be_added_edited_or_deleted_by_hand(staff_client, issued, model):
    """A certificate, its award and the keys are the registry verifiers rely on: the generic
    add, edit and delete views are refused even to staff."""
    pk = {
        "certificate": issued.pk,
        "award": issued.award_id,
        "issuerkey": issued.issuer_key_id,
    }[model]
    for url in (
        f"/admin/{model}/new/",
        f"/admin/{model}/edit/{pk}/",
        f"/admin/{model}/delete/{pk}/",
    ):
        assert staff_client.get(url).status_code in (302, 403), url
        assert staff_client.post(url, {}).status_code in (302, 403), url
    assert Certificate.objects.filter(pk=issued.pk).exists()
    assert verify_by_id(issued.id).status == Status.VALID


def test_the_listing_filters_by_status_through_the_state_rule(staff_client, issued, staff):
    from certificates.issuance import certificate_reissue, certificate_revoke

    new = certificate_reissue(certificate=issued, by=staff, reason="Renewal")
    listing = staff_client.get("/admin/certificate/?status=superseded").content.decode()
    assert f"/admin/certificates/action/{issued.id}/" in listing
    assert f"/admin/certificates/action/{new.id}/" not in listing
    listing = staff_client.get("/admin/certificate/?status=valid").content.decode()
    assert f"/admin/certificates/action/{new.id}/" in listing
    assert f"/admin/certificates/action/{issued.id}/" not in listing

    certificate_revoke(certificate=new, by=staff, reason="Fraud")
    listing = staff_client.get("/admin/certificate/?status=revoked").content.decode()
    assert f"/admin/certificates/action/{new.id}/" in listing
    assert staff_client.get("/admin/certificate/?status=bogus").status_code == 200
    # Search by the holder's name.
    found = staff_client.get(f"/admin/certificate/?q={issued.learner.username}").content.decode()
    assert f"/admin/certificates/action/{issued.id}/" in found


def test_the_admin_home_counts_certificates_this_week(staff_client, issued):
    home = staff_client.get("/admin/")
    assert home.status_code == 200
    content = home.content.decode()
    assert "Certificates issued this week" in content
    assert f"/admin/certificates/action/{issued.id}/" in content
    assert "No issuance failures in the last seven days." in content


def test_the_staff_api_searches_reissues_and_bulk_issues(client, issued, staff, curriculum):
    from tests.courses.helpers import ApiClient

    api = ApiClient(client)
    found = api.get("/certificates", user=staff, status="valid")
    assert found.status_code == 200 and [c["id"] for c in found.json()] == [issued.id]
    assert api.get("/certificates", user=staff, status="revoked").json() == []
    assert api.get("/certificates", user=issued.learner).status_code == 403
    no_reason = api.post(f"/certificates/{issued.id}/reissue", {"reason": ""}, user=staff)
    assert no_reason.status_code == 400
    new = api.post(f"/certificates/{issued.id}/reissue", {"reason": "Renewal"}, user=staff)
    assert new.status_code == 201 and new.json()["supersedes"] == issued.id
    assert ModelLogEntry.objects.for_instance(issued).get().data["reason"] == "Renewal"

    learner = make_user("learner", "bulk-api")
    requirements_met(learner, curriculum.qualification)
    started = api.post(
        "/certificate-batches", {"qualification": curriculum.qualification.id}, user=staff
    )
    assert started.status_code == 202 and started.json()["total"] == 1
    status = api.get(f"/certificate-batches/{started.json()['id']}", user=staff)
    assert status.status_code == 200 and status.json()["total"] == 1
    unknown = api.post("/certificate-batches", {"qualification": 999999}, user=staff)
    assert unknown.status_code == 400
