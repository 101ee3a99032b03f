"""The issue_certificate task called many times at once for one award: one certificate.

These tests commit (threads need to see each other's rows), so they live apart from the
modules that share a rolled-back transaction.
"""

from certificates.models import Certificate
from certificates.tasks import issue_certificate
from certificates.verification import Status, verify_by_id
from tests.certificates.conftest import award_for
from tests.conftest import make_user
from tests.support.concurrency import all_at_once

CALLS = 8


def test_concurrent_and_repeated_calls_issue_one_certificate(committed_curriculum):
    learner = make_user("learner", "racer")
    award = award_for(learner, committed_curriculum.qualification)
    # Together on PostgreSQL; in turn on SQLite (the path where the constraint settles a race is
    # tested in test_issuance.py).
    results = all_at_once(lambda: issue_certificate(award.id), CALLS)
    results += [issue_certificate(award.id), issue_certificate.delay(award.id).get()]

    assert len(results) == CALLS + 2
    assert len(set(results)) == 1
    certificate = Certificate.objects.get(award=award)
    assert certificate.id == results[0] and certificate.is_current
    assert verify_by_id(certificate.id).status == Status.VALID


def test_the_task_is_acknowledged_late_and_retried_on_database_errors(settings):
    from django.db import OperationalError

    assert issue_certificate.acks_late is True
    assert issue_certificate.reject_on_worker_lost is True
    assert OperationalError in issue_certificate.autoretry_for
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
