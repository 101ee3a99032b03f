"""Issuance on real Celery workers: the same award queued many times gives one certificate, and
the bulk command shows the workers' progress.

The workers come from this folder's conftest (`start_worker`), the certificate helpers from
tests/certificates/conftest.py."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from certificates.models import Certificate
from certificates.tasks import issue_certificate
from certificates.verification import Status, verify_by_id
from tests.certificates.conftest import award_for, pem_key_file, requirements_met
from tests.conftest import make_user
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

COPIES = 12


@pytest.fixture
def qualification(committed_curriculum):
    """The test curriculum's qualification, committed so that the workers see it."""
    return committed_curriculum.qualification


@pytest.fixture
def shared_key(settings, tmp_path):
    """One issuer key for this process and the worker's: LMS_ISSUER_KEY_FILE, as on many hosts."""
    path = tmp_path / "issuer.pem"
    pem_key_file(path)
    settings.ISSUER_KEY_FILE = str(path)
    return {"LMS_ISSUER_KEY_FILE": str(path)}


def finished(workers, task: str) -> int:
    pattern = rf"Task {re.escape(task)}\[[^\]]+\] succeeded"
    return sum(len(re.findall(pattern, w.log_path.read_text())) for w in workers)


def test_one_award_queued_many_times_gives_one_certificate(qualification, start_worker, shared_key):
    learner = make_user("learner", "queued-often")
    award = award_for(learner, qualification)
    # Two worker processes take the copies side by side.
    workers = [start_worker(name, extra_env=shared_key) for name in ("w1", "w2")]
    for _ in range(COPIES):
        issue_certificate.delay(award.id)
    wait_for(
        lambda: finished(workers, "certificates.tasks.issue_certificate") >= COPIES,
        timeout=180,
        message=f"{COPIES} issue_certificate tasks",
    )
    certificate = Certificate.objects.get(award=award)
    assert Certificate.objects.filter(learner=learner).count() == 1
    assert certificate.is_current
    assert verify_by_id(certificate.id).status == Status.VALID


def test_the_bulk_command_shows_the_workers_progress(qualification, start_worker, shared_key):
    learners = [make_user("learner", f"bulk-{i}") for i in range(2)]
    for learner in learners:
        requirements_met(learner, qualification)
    start_worker(extra_env=shared_key)
    out = StringIO()
    call_command(
        "issue_certificates",
        "--qualification",
        "test-qualification",
        "--timeout",
        "120",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "2 certificates to issue for Test Qualification."
    assert lines[-1] == "  issued 2/2"
    assert Certificate.objects.filter(learner__in=learners, is_current=True).count() == 2
