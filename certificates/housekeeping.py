"""Sweeps that beat runs: awards left without a certificate, and PDFs left without a row.

Each repairs what a lost task or a killed worker leaves behind; both are safe to run at any time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from certificates.models import Award, Certificate
from lms.celery import send
from lms.storage import private_files_listing, private_storage

logger = logging.getLogger(__name__)

ORPHAN_PDF_AGE_SECONDS = 3600


def pending_awards_sweep(*, older_than_seconds: int = 60) -> list[int]:
    """Awards with no certificate yet (a lost task, a broker outage): queue them again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Award.objects.filter(created_at__lt=cutoff)
        .exclude(certificates__isnull=False)
        .values_list("id", flat=True)
    )
    for award_id in ids:
        send("certificates.tasks.issue_certificate", award_id)
    return ids


def orphan_pdfs_sweep(*, older_than_seconds: int = ORPHAN_PDF_AGE_SECONDS) -> list[str]:
    """Delete certificate PDFs that no certificate names, once they are an hour old.

    The PDF is written to storage before its row is committed; a worker killed in between (the
    task is then delivered again and issues under a new ID) leaves a file behind that nothing
    serves, holding a learner's name. An hour is far longer than any issuance's transaction, so
    a file that young may still be about to be committed and is left alone. The listing gives
    each file's age on either backend (on S3 from the listing itself, no request per file).
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    # Listed before the rows are read: a file committed in between is then among the known.
    files = sorted(private_files_listing("certificates"))
    known = set(Certificate.objects.exclude(pdf="").values_list("pdf", flat=True))
    storage = private_storage()
    removed = []
    for name, modified in files:
        if name not in known and modified < cutoff:
            storage.delete(name)
            removed.append(name)
    if removed:
        logger.warning("Deleted %d certificate PDFs that no certificate names.", len(removed))
    return removed
