"""The sweeps beat runs: awards left without a certificate, PDFs left without a row."""

import os
import time

from django.core.files.base import ContentFile
from django.utils import timezone

from certificates.housekeeping import orphan_pdfs_sweep, pending_awards_sweep
from certificates.models import Award, Certificate
from lms.storage import private_storage
from tests.certificates.conftest import award_for


def test_the_sweep_queues_awards_left_without_a_certificate(curriculum, learner, issued):
    award = award_for(learner)
    Award.objects.filter(pk=award.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert pending_awards_sweep(older_than_seconds=3600 * 2) == []  # not old enough
    assert pending_awards_sweep() == [award.id]  # the task runs eagerly in tests
    assert Certificate.objects.get(award=award).is_current
    assert pending_awards_sweep() == []


def test_the_orphan_sweep_deletes_old_pdfs_no_certificate_names(issued):
    """What a worker killed between writing a PDF and committing its row leaves behind."""
    storage = private_storage()
    # Earlier runs leave orphans in the test data dir too: the PDFs of issuances whose module
    # transaction was rolled back, this test's aged copy among them. Once they are an hour old
    # they are due, so the sweep below would find more than this test's own file.
    orphan_pdfs_sweep()
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
