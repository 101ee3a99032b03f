"""The Wagtail admin for certificates: bulk issuance with progress, revoke and re-issue."""

import pytest

from certificates.models import Award, Certificate
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
    awards = Award.objects.filter(learner__in=done)
    progress_url = "/admin/certificates/bulk/progress/?awards=" + ",".join(
        str(a.id) for a in awards.order_by("id")
    )
    assert response["Location"] == progress_url
    assert Certificate.objects.filter(learner__in=done, is_current=True).count() == 2
    assert not Certificate.objects.filter(learner=outside).exists()

    progress = staff_client.get(progress_url)
    assert progress.status_code == 200
    content = progress.content.decode()
    assert '<progress max="2" value="2">' in content
    assert "2 of 2 issued" in content and "All done" in content


def test_bulk_progress_while_the_workers_issue(staff_client, curriculum):
    qualification = curriculum.qualification
    learner = make_user("learner", "waiting")
    requirements_met(learner, qualification)
    # Without the on-commit hook the task is not run: this is the page before a worker ran it.
    response = staff_client.post("/admin/certificates/bulk/", {"qualification": qualification.id})
    progress = staff_client.get(response["Location"])
    content = progress.content.decode()
    assert "0 of 1 issued" in content
    assert 'http-equiv="refresh"' in content


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
    assert "revoked (Exam misconduct)" in page
    assert 'value="revoke"' not in page  # no more actions on a revoked certificate


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


def test_an_action_without_a_reason_is_refused(staff_client, issued):
    for action in ("revoke", "reissue"):
        response = staff_client.post(
            f"/admin/certificates/action/{issued.id}/", {"action": action, "reason": ""}
        )
        assert response.status_code == 400
        assert "Say why the certificate is" in response.content.decode()
    assert verify_by_id(issued.id).status == Status.VALID


def test_only_staff_use_the_certificate_admin(client, issued, instructor):
    pages = [
        f"/admin/certificates/action/{issued.id}/",
        "/admin/certificates/bulk/",
        "/admin/certificates/bulk/progress/?awards=1",
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
