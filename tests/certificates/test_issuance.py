"""Issuing, re-issuing and revoking: exactly one current certificate, frozen at issue."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from certificates import issuance
from certificates.bitstring import bit_is_set, decode_bitstring
from certificates.issuance import (
    award_record,
    awards_for_bulk,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    orphan_pdfs_sweep,
    pending_awards_sweep,
)
from certificates.models import Award, Certificate, StatusList
from certificates.tasks import issue_certificate
from certificates.verification import Status, verify_by_id, verify_upload
from courses.models import Cohort
from courses.models.learning import private_storage
from tests.certificates.conftest import HOLDER_NAME, requirements_met
from tests.conftest import answers_for, make_user


def certificate_files() -> set[str]:
    storage = private_storage()
    return set(storage.listdir("certificates")[1]) if storage.exists("certificates") else set()


# --- exactly once ---------------------------------------------------------------------------


def test_issuing_again_and_again_gives_the_one_certificate(curriculum, learner):
    award = Award.objects.create(
        learner=learner, qualification=curriculum.qualification, achieved_at=timezone.now()
    )
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
    award = Award.objects.create(
        learner=learner, qualification=curriculum.qualification, achieved_at=timezone.now()
    )
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
    award = Award.objects.create(
        learner=learner, qualification=curriculum.qualification, achieved_at=timezone.now()
    )
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


def test_award_record_is_idempotent_and_issues_after_commit(
    curriculum, learner, django_capture_on_commit_callbacks, mailoutbox
):
    qualification = curriculum.qualification
    with django_capture_on_commit_callbacks(execute=True):
        first = award_record(
            learner_id=learner.id, qualification_id=qualification.id, achieved_at=timezone.now()
        )
        second = award_record(
            learner_id=learner.id, qualification_id=qualification.id, achieved_at=timezone.now()
        )
    assert first == second
    certificate = Certificate.objects.get(award=first)
    assert certificate.learner == learner
    (email,) = mailoutbox
    assert email.to == [learner.email]
    assert email.subject == "Your certificate: Test Qualification"
    assert f"http://testserver/certificates/{certificate.id}.pdf" in email.body
    assert f"http://testserver/verify/{certificate.id}/" in email.body


def test_nothing_is_issued_if_the_award_is_rolled_back(
    curriculum, learner, django_capture_on_commit_callbacks
):
    class Abort(Exception):
        pass

    def award_then_abort():
        with transaction.atomic():
            award_record(
                learner_id=learner.id,
                qualification_id=curriculum.qualification.id,
                achieved_at=timezone.now(),
            )
            raise Abort

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort):
        award_then_abort()
    assert callbacks == []  # the issuance was never queued
    assert not Award.objects.filter(learner=learner).exists()
    assert not Certificate.objects.filter(learner=learner).exists()


def test_the_sweep_queues_awards_left_without_a_certificate(curriculum, learner, issued):
    award = Award.objects.create(
        learner=learner, qualification=curriculum.qualification, achieved_at=timezone.now()
    )
    Award.objects.filter(pk=award.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert pending_awards_sweep(older_than_seconds=3600 * 2) == []  # not old enough
    assert pending_awards_sweep() == [award.id]  # the task runs eagerly in tests
    assert Certificate.objects.get(award=award).is_current
    assert pending_awards_sweep() == []


def test_the_orphan_sweep_deletes_old_pdfs_no_certificate_names(issued):
    """What a worker killed between writing a PDF and committing its row leaves behind."""
    import os
    import time

    from django.core.files.base import ContentFile

    storage = private_storage()
    hour_ago = time.time() - 2 * 3600
    orphan = storage.save("certificates/KILLED-MID-ISSUE.pdf", ContentFile(b"%PDF-1.7 orphan"))
    young = storage.save("certificates/STILL-COMMITTING.pdf", ContentFile(b"%PDF-1.7 young"))
    for name in (orphan, issued.pdf.name):
        os.utime(storage.path(name), (hour_ago, hour_ago))
    try:
        assert orphan_pdfs_sweep() == [orphan]
        assert not storage.exists(orphan)
        assert storage.exists(young)  # may be about to be committed
        assert storage.exists(issued.pdf.name)  # named by a certificate, however old
        assert orphan_pdfs_sweep() == []
    finally:
        storage.delete(young)


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
    from certificates.issuance import add_months

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


def test_revocation_takes_effect_at_once_everywhere(issued, issued_pdf, staff):
    certificate_revoke(certificate=issued, by=staff, reason="Obtained by fraud")
    for report in (verify_by_id(issued.id), verify_upload(issued_pdf)):
        assert report.status == Status.REVOKED
        assert report.revocation_reason == "Obtained by fraud"
        revocation = next(c for c in report.checks if c.name == "revocation")
        assert not revocation.passed
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


# --- bulk -----------------------------------------------------------------------------------


def test_awards_for_bulk_records_awards_for_learners_without_a_certificate(curriculum, issued):
    qualification = curriculum.qualification
    cohort = Cohort.objects.create(name="Spring", page=qualification, starts_on="2026-03-01")
    in_cohort = make_user("learner", "in-cohort")
    elsewhere = make_user("learner", "elsewhere")
    requirements_met(in_cohort, qualification, cohort)
    requirements_met(elsewhere, qualification)
    requirements_met(issued.learner, qualification)  # already holds a certificate

    awards = awards_for_bulk(qualification=qualification, cohort_id=cohort.id)
    assert [a.learner for a in awards] == [in_cohort]
    awards = awards_for_bulk(qualification=qualification)
    assert {a.learner for a in awards} == {in_cohort, elsewhere}
    assert Award.objects.filter(learner=in_cohort).count() == 1


# --- the whole way --------------------------------------------------------------------------


def test_from_learning_to_a_verified_certificate(
    curriculum, learner, instructor, second_instructor, django_capture_on_commit_callbacks
):
    """The one test that walks the real pipeline: enrol, learn, pass, submit, grade, moderate;
    the progress task meets the requirements, the award is recorded and the certificate issued."""
    from courses.grading import grade_moderate, grade_save, rubric_of
    from courses.learning import attempt_submit, enrolment_create, lesson_complete, submission_make

    def step(action, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    step(enrolment_create, learner=learner, page=curriculum.qualification)
    for course in ("course-one", "course-two"):
        pages = sorted(curriculum.lessons(course) + curriculum.checks(course), key=lambda p: p.path)
        for page in pages:
            if hasattr(page, "max_attempts"):
                step(attempt_submit, learner=learner, check=page, answers=answers_for(page))
            else:
                step(lesson_complete, learner=learner, lesson=page)
    assert not Certificate.objects.filter(learner=learner).exists()  # the project is missing

    version = step(
        submission_make, learner=learner, project=curriculum.project, report="Our cluster."
    )
    wanted = {"Strategy": "Excellent", "Governance": "Proficient"}
    levels = {
        criterion["id"]: next(
            level["id"]
            for level in criterion["levels"]
            if level["title"] == wanted[criterion["title"]]
        )
        for criterion in rubric_of(curriculum.project)
    }
    step(grade_save, grader=instructor, submission=version.submission, levels=levels, release=True)
    step(grade_moderate, moderator=second_instructor, submission=version.submission, agree=True)

    certificate = Certificate.objects.get(learner=learner)
    evidence = certificate.credential["evidence"]
    assert [e["name"] for e in evidence] == ["Courses completed", "Field project: Field project"]
    assert "moderated by a second marker" in evidence[1]["narrative"]
    assert "91.67% (pass with distinction)" in evidence[1]["narrative"]
    assert certificate.frozen["project_result"] == "91.67% (pass with distinction)"
    assert verify_by_id(certificate.id).status == Status.VALID
