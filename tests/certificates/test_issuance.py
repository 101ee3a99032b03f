"""Issuing, re-issuing and revoking: exactly one current certificate, frozen at issue."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certificates import issuance
from certificates.bitstring import bit_is_set, decode_bitstring
from certificates.issuance import (
    add_months,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
)
from certificates.models import Certificate, StatusList
from certificates.tasks import issue_certificate
from certificates.verification import Status, verify_by_id, verify_upload
from lms.storage import private_storage
from tests.certificates.conftest import HOLDER_NAME, award_for


def certificate_files() -> set[str]:
    storage = private_storage()
    return set(storage.listdir("certificates")[1]) if storage.exists("certificates") else set()


# --- exactly once ---------------------------------------------------------------------------


def test_issuing_again_and_again_gives_the_one_certificate(curriculum, learner):
    award = award_for(learner)
    first = certificate_issue(award_id=award.id)
    again = [certificate_issue(award_id=award.id) for _ in range(3)]
    by_task = [issue_certificate(award.id), issue_certificate.delay(award.id).get()]
    assert all(c == first for c in again)
    assert by_task == [first.id, first.id]
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert Certificate.objects.get().is_current


def test_a_concurrent_insert_is_settled_by_the_constraint(curriculum, learner, monkeypatch):
    """Another worker inserts between our check and our insert: the constraint refuses ours,
    and the task returns theirs, leaving no orphan PDF behind."""
    award = award_for(learner)
    create, current = issuance._create, issuance._current
    other_worker = []

    def check_then_race(award):
        found = current(award)
        if not other_worker:
            other_worker.append(create(award))  # committed by the other worker after our check
        return found

    monkeypatch.setattr(issuance, "_current", check_then_race)
    files_before = certificate_files()
    certificate = certificate_issue(award_id=award.id)
    assert certificate == other_worker[0]
    assert list(Certificate.objects.filter(learner=learner)) == [certificate]
    assert certificate_files() - files_before == {f"{certificate.id}.pdf"}


def test_a_status_index_drawn_twice_is_drawn_again(curriculum, issued, learner, monkeypatch):
    """Two concurrent issuances may draw the same random status index; the loser draws again."""
    award = award_for(learner)
    draw = issuance._free_status_index
    draws = []

    def colliding_draw():
        draws.append(issued.status_index if not draws else draw())
        return draws[-1]

    monkeypatch.setattr(issuance, "_free_status_index", colliding_draw)
    files_before = certificate_files()
    certificate = certificate_issue(award_id=award.id)
    assert len(draws) == 2
    assert certificate.status_index == draws[1] != issued.status_index
    assert certificate_files() - files_before == {f"{certificate.id}.pdf"}
    assert verify_by_id(certificate.id).status == Status.VALID


def test_an_unknown_award_issues_nothing(db):
    assert certificate_issue(award_id=987654) is None
    assert issue_certificate(987654) is None


# --- frozen at issue --------------------------------------------------------------------------


def test_later_edits_do_not_change_an_issued_certificate(issued, issued_pdf, curriculum):
    credential = issued.credential
    learner = issued.learner
    learner.full_name = "Someone Else"
    learner.save()
    qualification = curriculum.qualification
    qualification.title = "Renamed Qualification"
    qualification.summary = "New wording."
    qualification.certificate_title = "Renamed on the certificate"
    qualification.save()

    stored = Certificate.objects.get(pk=issued.pk)
    assert stored.credential == credential
    assert stored.frozen["holder_name"] == HOLDER_NAME
    assert stored.frozen["certificate_title"] == "Test Qualification"
    pdf = stored.pdf.open("rb").read()
    assert pdf == issued_pdf
    assert hashlib.sha256(pdf).hexdigest() == stored.pdf_sha256
    report = verify_by_id(issued.id)
    assert report.status == Status.VALID
    assert report.holder_name == HOLDER_NAME
    assert report.qualification == "Test Qualification"
    assert verify_upload(pdf).status == Status.VALID


def test_the_frozen_data_records_template_and_wording(issued):
    frozen = issued.frozen
    assert frozen["template_version"] == issuance.pdf.TEMPLATE_VERSION
    assert frozen["holder_name"] == HOLDER_NAME
    assert frozen["certificate_statement"] == "has completed the test qualification."
    assert frozen["issued_on"] == issued.issued_at.date().isoformat()
    assert frozen["valid_until"] == issued.valid_until.date().isoformat()


# --- re-issue -------------------------------------------------------------------------------


def test_reissue_supersedes_and_the_old_one_verifies_superseded(issued, staff):
    learner = issued.learner
    learner.full_name = "Zoë Ångström-Núñez Dvořák"
    learner.save()
    new = certificate_reissue(certificate=issued, by=staff, reason="Name corrected")

    old = Certificate.objects.get(pk=issued.pk)
    assert not old.is_current
    assert new.is_current and new.supersedes == old
    assert new.reissue_reason == "Name corrected" and new.reissued_by == staff
    assert new.id != old.id and new.status_index != old.status_index
    assert new.credential["credentialSubject"]["name"] == "Zoë Ångström-Núñez Dvořák"

    report = verify_by_id(old.id)
    assert report.status == Status.SUPERSEDED
    assert report.superseded_by == new.id
    assert report.holder_name == HOLDER_NAME  # what the old credential says
    assert verify_by_id(new.id).status == Status.VALID
    assert Certificate.objects.filter(learner=learner, is_current=True).get() == new


def test_reissue_renews_with_a_new_validity(issued, staff):
    new = certificate_reissue(certificate=issued, by=staff, reason="Renewal", validity_months=12)
    assert new.valid_until == add_months(new.issued_at, 12)
    assert new.credential["validUntil"].startswith(new.valid_until.date().isoformat())


def test_reissue_rules(issued, staff, learner, instructor):
    for user in (learner, instructor):
        with pytest.raises(PermissionDenied):
            certificate_reissue(certificate=issued, by=user, reason="Because")
    with pytest.raises(ValidationError) as error:
        certificate_reissue(certificate=issued, by=staff, reason="  ")
    assert "reason" in error.value.message_dict
    certificate_reissue(certificate=issued, by=staff, reason="Once")
    with pytest.raises(ValidationError, match="Only the current certificate"):
        certificate_reissue(certificate=issued, by=staff, reason="Twice")


def test_a_revoked_certificate_cannot_be_reissued(issued, staff):
    certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    with pytest.raises(ValidationError, match="revoked"):
        certificate_reissue(certificate=issued, by=staff, reason="Undo")


# --- revocation -----------------------------------------------------------------------------


def test_revocation_re_signs_the_status_list_at_once(issued, staff):
    """What the reports say at once is in test_verification.py (revoked, with the reason)."""
    certificate_revoke(certificate=issued, by=staff, reason="Obtained by fraud")
    status_list = StatusList.objects.get().credential
    bits = decode_bitstring(status_list["credentialSubject"]["encodedList"])
    assert bit_is_set(bits, issued.status_index)


def test_revocation_rules(issued, staff, learner, instructor):
    for user in (learner, instructor):
        with pytest.raises(PermissionDenied):
            certificate_revoke(certificate=issued, by=user, reason="No")
    with pytest.raises(ValidationError):
        certificate_revoke(certificate=issued, by=staff, reason="")
    revoked = certificate_revoke(certificate=issued, by=staff, reason="Yes")
    assert revoked.revoked_by == staff and revoked.revoked_at
    with pytest.raises(ValidationError, match="already revoked"):
        certificate_revoke(certificate=issued, by=staff, reason="Again")
