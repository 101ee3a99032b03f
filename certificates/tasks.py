"""Celery tasks of the certificates app."""

from celery import shared_task
from django.db import OperationalError

from certificates import awards, expiry, housekeeping, issuance, status


@shared_task(
    name="certificates.tasks.issue_certificate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def issue_certificate(award_id: int) -> str | None:
    certificate = issuance.certificate_issue(award_id=award_id)
    return certificate.id if certificate else None


@shared_task(name="certificates.tasks.sweep_pending_awards")
def sweep_pending_awards() -> int:
    return len(housekeeping.pending_awards_sweep())


@shared_task(name="certificates.tasks.sweep_orphan_pdfs")
def sweep_orphan_pdfs() -> int:
    return len(housekeeping.orphan_pdfs_sweep())


@shared_task(name="certificates.tasks.refresh_status_list")
def refresh_status_list() -> None:
    status.status_list_refresh()


@shared_task(name="certificates.tasks.send_expiry_reminders")
def send_expiry_reminders() -> int:
    return expiry.expiry_reminders_send()


@shared_task(name="certificates.tasks.issue_bulk_award")
def issue_bulk_award(batch_id: int, award_id: int) -> bool:
    return awards.bulk_issue_one(batch_id=batch_id, award_id=award_id)
