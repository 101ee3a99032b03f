"""Evidence that a qualification asks for beyond its courses, and its review by staff."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress
from courses.models import Enrolment, EvidenceSubmission, QualificationPage
from lms.errors import Conflict
from lms.notifications.services import notify


@transaction.atomic
def evidence_submit(
    *, learner, qualification: QualificationPage, statement: str
) -> EvidenceSubmission:
    if not qualification.evidence_required:
        raise Conflict(_("This qualification does not ask for extra evidence."))
    if (
        not Enrolment.objects.filter(learner=learner, page=qualification)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    ):
        raise PermissionDenied(_("Enrol in the qualification first."))
    statement = (statement or "").strip()
    if len(statement) < 50:
        raise ValidationError(
            {"statement": [_("Describe your evidence in at least 50 characters.")]}
        )
    earlier = set(
        EvidenceSubmission.objects.filter(learner=learner, qualification=qualification).values_list(
            "status", flat=True
        )
    )
    if EvidenceSubmission.Status.APPROVED in earlier:
        raise Conflict(_("Your evidence has been approved already."))
    if EvidenceSubmission.Status.PENDING in earlier:
        raise Conflict(_("Your earlier evidence is still waiting for review."))
    return EvidenceSubmission.objects.create(
        learner=learner, qualification=qualification, statement=statement[:20000]
    )


@transaction.atomic
def evidence_review(
    *, reviewer, evidence: EvidenceSubmission, approve: bool, note: str = ""
) -> EvidenceSubmission:
    if not reviewer.is_staff_member:
        raise PermissionDenied(_("Only staff review evidence."))
    evidence = EvidenceSubmission.objects.select_for_update().get(pk=evidence.pk)
    if evidence.status != EvidenceSubmission.Status.PENDING:
        raise Conflict(_("This evidence has already been reviewed."))
    evidence.status = (
        EvidenceSubmission.Status.APPROVED if approve else EvidenceSubmission.Status.REJECTED
    )
    evidence.reviewed_by = reviewer
    evidence.reviewed_at = timezone.now()
    evidence.review_note = note
    evidence.save()
    progress.evidence_reviewed(evidence)
    notify(
        evidence.learner,
        key=f"evidence-reviewed:{evidence.id}",
        template="evidence_reviewed",
        context={
            "title": evidence.qualification.title,
            "page": evidence.qualification_id,
            "approved": approve,
            "note": note,
        },
    )
    return evidence
