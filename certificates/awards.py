"""Awards: the record that a learner met every requirement of a qualification.

One award per learner and qualification, ever; recording it asks a worker to issue the
certificate (certificates.issuance) once the transaction commits. `courses` announces that
requirements are met with a signal (wired in apps.py), so it never imports this app.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.issuance import certificate_issue
from certificates.models import Award, BulkIssue, Certificate
from courses.models import Cohort, Milestone, QualificationPage
from lms.celery import send_after_commit

logger = logging.getLogger(__name__)


def award_record(
    *, learner_id: int, qualification_id: int, achieved_at: datetime, queue: bool = True
) -> Award:
    """Record that requirements are met (idempotent) and queue issuance after commit (unless the
    caller issues it itself: a bulk run)."""
    award, _created = Award.objects.get_or_create(
        learner_id=learner_id,
        qualification_id=qualification_id,
        defaults={"achieved_at": achieved_at},
    )
    if queue:
        send_after_commit("certificates.tasks.issue_certificate", award.id)
    return award


def on_requirements_met(sender, enrolment, achieved_at, **kwargs) -> None:
    """Receiver of courses.signals.qualification_requirements_met."""
    award_record(
        learner_id=enrolment.learner_id, qualification_id=enrolment.page_id, achieved_at=achieved_at
    )


def awards_for_bulk(
    *, qualification: QualificationPage, cohort_id: int | None = None, queue: bool = True
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
                    queue=queue,
                )
            )
    return awards


def bulk_issue_start(
    *, qualification: QualificationPage, cohort: Cohort | None = None, by
) -> BulkIssue:
    """Record the awards a qualification owes (optionally one cohort's) and queue one task per
    award, so many workers issue them side by side; each records its outcome on the returned
    BulkIssue, which the progress bar reads."""
    if not getattr(by, "is_staff_member", False):
        raise PermissionDenied(_("Only staff issue certificates in bulk."))
    if cohort is not None and cohort.page_id != qualification.id:
        raise ValidationError({"cohort": [_("Choose a cohort of that qualification.")]})
    with transaction.atomic():
        awards = awards_for_bulk(
            qualification=qualification,
            cohort_id=cohort.id if cohort else None,
            queue=False,
        )
        batch = BulkIssue.objects.create(
            qualification=qualification,
            cohort=cohort,
            requested_by=by,
            award_ids=[a.id for a in awards],
            # Nothing to issue: finished as soon as it is asked.
            finished_at=None if awards else timezone.now(),
        )
        for award in awards:
            send_after_commit("certificates.tasks.issue_bulk_award", batch.id, award.id)
    return batch


def bulk_issue_one(*, batch_id: int, award_id: int) -> bool:
    """A worker's part of a bulk run: issue one award and record the outcome on the run. One
    award's failure is recorded (with the error) and never stops the others; the pending-awards
    sweep tries it again later. Idempotent: outcomes are kept by award, so a task delivered twice
    counts once, and a later success clears an earlier failure."""
    try:
        certificate_issue(award_id=award_id)
    except Exception as exc:  # any failure of one award is recorded, the run goes on
        logger.exception("Bulk issue %s: award %s failed", batch_id, award_id)
        learner = Award.objects.filter(pk=award_id).select_related("learner").first()
        failure = {
            "award": award_id,
            "learner": str(learner.learner) if learner else "",
            "error": f"{type(exc).__name__}: {exc}"[:500],
        }
        ok = False
    else:
        failure = None
        ok = True
    with transaction.atomic():
        batch = BulkIssue.objects.select_for_update().get(pk=batch_id)
        failures = [f for f in batch.failures if f["award"] != award_id]
        issued = [i for i in batch.issued_ids if i != award_id]
        if ok:
            issued.append(award_id)
        else:
            failures.append(failure)
        batch.issued_ids, batch.failures = issued, failures
        if len(issued) + len(failures) >= batch.total and batch.finished_at is None:
            batch.finished_at = timezone.now()
        batch.save(update_fields=["issued_ids", "failures", "finished_at"])
    return ok


def bulk_issue_progress(batch: BulkIssue) -> dict:
    """What the progress bar shows, as the admin's status endpoint and the API return it."""
    total = batch.total
    issued = len(batch.issued_ids)
    failed = len(batch.failures)
    done = issued + failed
    return {
        "id": batch.id,
        "qualification": batch.qualification.title,
        "cohort": batch.cohort.name if batch.cohort else None,
        "total": total,
        "issued": issued,
        "failed": failed,
        "done": done,
        "percent": 100 if not total else round(100 * done / total),
        "finished": batch.finished_at is not None,
        "failures": batch.failures,
    }


def issuance_failures(*, since, stuck_after_seconds: int = 900, limit: int = 20) -> list[dict]:
    """What went wrong with issuance lately, for the admin's home: awards of bulk runs since
    `since` that failed, and awards still without a certificate after `stuck_after_seconds`
    (their worker task failed for good or never ran; the pending-awards sweep retries them)."""
    rows = []
    for batch in BulkIssue.objects.filter(created_at__gte=since).exclude(failures=[]):
        for failure in batch.failures:
            rows.append({**failure, "batch": batch.id, "at": batch.created_at})
    failed = {row["award"] for row in rows}
    stuck = (
        Award.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=stuck_after_seconds))
        .exclude(certificates__isnull=False)
        .exclude(pk__in=failed)
        .select_related("learner")
        .order_by("-created_at")[:limit]
    )
    for award in stuck:
        rows.append(
            {
                "award": award.id,
                "learner": str(award.learner),
                "error": _("No certificate yet: its issuance has not succeeded."),
                "batch": None,
                "at": award.created_at,
            }
        )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]
