"""Wagtail's background jobs go to our workers once per transaction, when it commits
(lms/tasks_backend.py). The retry of a job that lost an insert race runs on a real worker:
tests/integration/test_wagtail_jobs.py."""

import pytest
from django.db import transaction

from tests.support.jobs import record, runs


@pytest.mark.django_db(transaction=True)
def test_a_job_asked_for_twice_in_a_transaction_is_sent_once_on_commit(tmp_path):
    log = str(tmp_path / "runs")
    with transaction.atomic():
        record.enqueue(log, "page-9")
        record.enqueue(log, "page-9")
        record.enqueue(log, "page-10")
        assert runs(log) == []  # nothing before the commit
    assert sorted(runs(log)) == ["page-10", "page-9"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(tmp_path):
    log = str(tmp_path / "runs")

    def failing_save():
        with transaction.atomic():
            record.enqueue(log, "page-11")
            raise RuntimeError("the save failed")

    with pytest.raises(RuntimeError):
        failing_save()
    assert runs(log) == []
