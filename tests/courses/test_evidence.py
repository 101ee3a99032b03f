"""Evidence for a second-tier qualification (courses/evidence.py): submitted by an enrolled
learner, reviewed once by staff, and counted by the progress pipeline, so that a qualification
that needs another one first plus evidence is awarded from content alone.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from certificates.models import Award
from courses.evidence import evidence_review, evidence_submit
from courses.models import Enrolment, EvidenceSubmission, Milestone
from courses.progress import learner_events_process
from lms.errors import Conflict
from tests.courses.conftest import EVIDENCE_STATEMENT as STATEMENT


def test_approved_evidence_awards_the_second_tier(curriculum, holder, staff):
    trainer = curriculum.trainer
    rejected = evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    evidence_review(reviewer=staff, evidence=rejected, approve=False, note="No programme.")
    learner_events_process(learner_id=holder.id)
    assert not Milestone.objects.filter(page=trainer, kind=Milestone.Kind.REQUIREMENTS_MET)

    approved = evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    evidence_review(reviewer=staff, evidence=approved, approve=True)
    learner_events_process(learner_id=holder.id)
    assert Milestone.objects.filter(page=trainer, kind=Milestone.Kind.REQUIREMENTS_MET).count() == 1
    assert Award.objects.filter(learner=holder, qualification=trainer).count() == 1
    snapshot = Enrolment.objects.get(learner=holder, page=trainer).snapshot
    assert snapshot.percent == 100 and snapshot.summary["evidence"]["approved_at"]


def test_evidence_rules(curriculum, holder, enrolled, other_learner, staff, instructor):
    with pytest.raises(Conflict, match="does not ask for extra evidence"):
        evidence_submit(learner=holder, qualification=curriculum.qualification, statement=STATEMENT)
    with pytest.raises(PermissionDenied, match="Enrol in the qualification first"):
        evidence_submit(
            learner=other_learner, qualification=curriculum.trainer, statement=STATEMENT
        )
    with pytest.raises(ValidationError, match="at least 50 characters"):
        evidence_submit(learner=holder, qualification=curriculum.trainer, statement="Short.")

    evidence = evidence_submit(
        learner=holder, qualification=curriculum.trainer, statement=STATEMENT
    )
    with pytest.raises(Conflict, match="still waiting for review"):
        evidence_submit(learner=holder, qualification=curriculum.trainer, statement=STATEMENT)
    with pytest.raises(PermissionDenied, match="Only staff"):
        evidence_review(reviewer=instructor, evidence=evidence, approve=True)
    evidence_review(reviewer=staff, evidence=evidence, approve=True)
    with pytest.raises(Conflict, match="already been reviewed"):
        evidence_review(reviewer=staff, evidence=evidence, approve=False)
    assert EvidenceSubmission.objects.get().status == EvidenceSubmission.Status.APPROVED


def test_the_evidence_pages(client, curriculum, holder, staff):
    client.force_login(holder)
    response = client.post(f"/en/learn/evidence/{curriculum.trainer.id}/", {"statement": STATEMENT})
    assert response.status_code == 302 and response["Location"] == curriculum.trainer.url
    evidence = EvidenceSubmission.objects.get()

    client.force_login(staff)
    assert STATEMENT[:40] in client.get("/en/grading/evidence/").content.decode()
    response = client.post(f"/en/grading/evidence/{evidence.id}/", {"decision": "approve"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == "approved" and evidence.reviewed_by == staff
