"""Awards: recorded once per learner and qualification, issuance queued after commit, bulk
awards for those who are owed one, and the whole way from learning to a certificate."""

import pytest
from django.db import transaction
from django.utils import timezone

from certificates.awards import award_record, awards_for_bulk
from certificates.models import Award, Certificate
from certificates.verification import Status, verify_by_id
from tests.certificates.conftest import (
    learn_and_pass,
    requirements_met,
    spring_cohort_and_outsider,
)


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


# --- bulk -----------------------------------------------------------------------------------


def test_awards_for_bulk_records_awards_for_learners_without_a_certificate(curriculum, issued):
    qualification = curriculum.qualification
    cohort, (in_cohort,), elsewhere = spring_cohort_and_outsider(qualification, members=1)
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
    learn_and_pass(
        learner=learner,
        curriculum=curriculum,
        instructor=instructor,
        second_instructor=second_instructor,
        capture=django_capture_on_commit_callbacks,
    )
    certificate = Certificate.objects.get(learner=learner)
    evidence = certificate.credential["evidence"]
    assert [e["name"] for e in evidence] == ["Courses completed", "Field project: Field project"]
    assert "moderated by a second marker" in evidence[1]["narrative"]
    assert "91.67% (pass with distinction)" in evidence[1]["narrative"]
    assert certificate.frozen["project_result"] == "91.67% (pass with distinction)"
    assert verify_by_id(certificate.id).status == Status.VALID
