"""Awards: the record that a learner met every requirement of a qualification.

One award per learner and qualification, ever; recording it asks a worker to issue the
certificate (certificates.issuance) once the transaction commits. `courses` announces that
requirements are met with a signal (wired in apps.py), so it never imports this app.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from certificates.models import Award, Certificate
from courses.models import Milestone, QualificationPage
from lms.celery import send_after_commit


def award_record(*, learner_id: int, qualification_id: int, achieved_at: datetime) -> Award:
    """Record that requirements are met (idempotent) and queue issuance after commit."""
    award, _created = Award.objects.get_or_create(
        learner_id=learner_id,
        qualification_id=qualification_id,
        defaults={"achieved_at": achieved_at},
    )
    send_after_commit("certificates.tasks.issue_certificate", award.id)
    return award


def on_requirements_met(sender, enrolment, achieved_at, **kwargs) -> None:
    """Receiver of courses.signals.qualification_requirements_met."""
    award_record(
        learner_id=enrolment.learner_id, qualification_id=enrolment.page_id, achieved_at=achieved_at
    )


def awards_for_bulk(
    *, qualification: QualificationPage, cohort_id: int | None = None
) -> list[Award]:
    """Record awards for every learner who met the qualification's requirements (optionally in one
    cohort) and has no current certificate. Issuance itself is queued per award."""
    milestones = Milestone.objects.filter(
        kind=Milestone.Kind.REQUIREMENTS_MET,
        page_id=qualification.id,
        enrolment__page_id=qualification.id,
    ).select_related("enrolment")
    if cohort_id is not None:
        milestones = milestones.filter(enrolment__cohort_id=cohort_id)
    holders = set(
        Certificate.objects.filter(qualification=qualification, is_current=True).values_list(
            "learner_id", flat=True
        )
    )
    awards = []
    for milestone in milestones:
        if milestone.enrolment.learner_id in holders:
            continue
        with transaction.atomic():
            awards.append(
                award_record(
                    learner_id=milestone.enrolment.learner_id,
                    qualification_id=qualification.id,
                    achieved_at=milestone.achieved_at,
                )
            )
    return awards
