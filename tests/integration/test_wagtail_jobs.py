"""A Wagtail job that lost an insert race (two index updates of one page on two worker
processes, one refused by the unique constraint) runs again on the worker and completes; one
refused every time stops after three retries."""

from lms.tasks import run_django_task
from tests.integration.conftest import wait_for
from tests.support.jobs import always_refused, loses_the_first_race, runs


def test_a_job_refused_by_a_unique_constraint_is_retried(start_worker, tmp_path):
    worker = start_worker("jobs")
    raced, refused = str(tmp_path / "raced"), str(tmp_path / "refused")
    run_django_task.delay(loses_the_first_race.module_path, [raced, "page-7"], {})
    run_django_task.delay(always_refused.module_path, [refused, "page-8"], {})
    wait_for(lambda: runs(raced) == ["page-7", "page-7"], timeout=30, message="the second run")
    wait_for(
        lambda: "raised unexpected: IntegrityError" in worker.log_text(),
        timeout=60,
        message="the refused job to fail after its last retry",
    )
    assert runs(refused) == ["page-8"] * 4  # the first run and three retries
    assert runs(raced) == ["page-7", "page-7"]
