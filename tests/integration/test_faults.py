"""Faults under real conditions: workers killed with SIGKILL, Redis stopped, workers racing.

These are slow; `make test-faults` and CI run them (marker `fault`). They use real worker
processes against the test database and, for the outage test, a Redis server of their own.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.db.models import Count
from django.utils import timezone

from courses.models import Enrolment, LessonPage, ProgressEvent, ProgressSnapshot
from courses.outline import get_outline
from courses.progress import snapshot_rebuild, summarise
from tests.conftest import answers_for, load_test_curriculum, make_user
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.fault]


def _enrolled_learners(count: int, prefix: str):
    from courses.enrolment import enrolment_create
    from courses.models import QualificationPage

    qualification = QualificationPage.objects.get(
        slug="test-qualification", locale__language_code="en"
    )
    learners = []
    for index in range(count):
        learner = make_user("learner", f"{prefix}{index}")
        enrolment_create(learner=learner, page=qualification)
        learners.append(learner)
    return learners


def _complete_course_one(learner):
    """Every lesson and check of course one, module by module (its modules open in order)."""
    from courses.lessons import lesson_complete
    from courses.models import CoursePage, KnowledgeCheckPage, ModulePage
    from tests.conftest import submit_check

    course = CoursePage.objects.get(slug="course-one", locale__language_code="en")
    for module in ModulePage.objects.child_of(course).order_by("path"):
        for lesson in LessonPage.objects.child_of(module).order_by("path"):
            lesson_complete(learner=learner, lesson=lesson)
        check = KnowledgeCheckPage.objects.child_of(module).get()
        submit_check(learner=learner, check=check, answers=answers_for(check, correct=False))
        submit_check(learner=learner, check=check, answers=answers_for(check))


def _assert_snapshots_match_rebuild():
    outline = get_outline()
    for enrolment in Enrolment.objects.select_related("snapshot"):
        rebuilt = snapshot_rebuild(enrolment, outline)
        assert enrolment.snapshot.facts == rebuilt, (
            f"enrolment {enrolment.id} differs from its rebuild"
        )
        assert enrolment.snapshot.summary == summarise(enrolment, rebuilt, outline)


def test_killed_worker_loses_no_progress(start_worker):
    load_test_curriculum()
    learners = _enrolled_learners(12, "kp")
    worker = start_worker("progress-a", concurrency=2)
    for learner in learners:
        _complete_course_one(learner)  # each request enqueues processing after commit
    # Kill the worker as soon as it has started folding, with work still queued or in hand.
    wait_for(
        lambda: ProgressEvent.objects.filter(processed_at__isnull=False).exists(),
        message="processing to start",
    )
    worker.kill()
    left = ProgressEvent.objects.filter(processed_at__isnull=True).count()
    start_worker("progress-b", concurrency=2)
    from courses.progress import unprocessed_learners_sweep
    from courses.tasks import sweep_progress_events

    unprocessed_learners_sweep(older_than_seconds=0)
    wait_for(
        lambda: not ProgressEvent.objects.filter(processed_at__isnull=True).exists(),
        timeout=120,
        message="every event to be processed after the restart",
    )
    assert sweep_progress_events.name == "courses.tasks.sweep_progress_events"
    _assert_snapshots_match_rebuild()
    for learner in learners:
        snapshot = ProgressSnapshot.objects.get(
            enrolment__learner=learner, enrolment__page__slug="course-one"
        )
        assert snapshot.percent == 100
    print(f"{left} events were unprocessed when the worker was killed")


def test_killed_worker_issues_every_certificate_exactly_once(start_worker):
    from certificates.housekeeping import pending_awards_sweep
    from certificates.models import Award, Certificate
    from certificates.tasks import issue_certificate
    from courses.models import QualificationPage

    load_test_curriculum()
    qualification = QualificationPage.objects.get(
        slug="test-qualification", locale__language_code="en"
    )
    awards = [
        Award.objects.create(
            learner=make_user("learner", f"ki{i}"),
            qualification=qualification,
            achieved_at=timezone.now(),
        )
        for i in range(16)
    ]
    worker = start_worker("certs-a", concurrency=2)
    for award in awards:
        issue_certificate.delay(award.id)
        issue_certificate.delay(award.id)  # duplicates, as a retried publisher would send
    wait_for(lambda: Certificate.objects.exists(), timeout=120, message="the first certificate")
    worker.kill()
    start_worker("certs-b", concurrency=2)
    pending_awards_sweep(older_than_seconds=0)
    wait_for(
        lambda: Certificate.objects.count() >= len(awards), timeout=300, message="every certificate"
    )
    time.sleep(3)  # let redelivered duplicates finish; they must not add certificates
    per_award = Certificate.objects.values("award").annotate(n=Count("id"))
    assert Certificate.objects.count() == len(awards)
    assert all(row["n"] == 1 for row in per_award)
    assert Certificate.objects.filter(is_current=True).count() == len(awards)
    # A worker killed after writing a PDF and before committing its row leaves the file behind;
    # the daily sweep deletes every file no certificate names (here without waiting an hour).
    from certificates.housekeeping import orphan_pdfs_sweep
    from lms.storage import private_files_listing

    orphan_pdfs_sweep(older_than_seconds=0)
    stored = {name for name, _modified in private_files_listing("certificates")}
    assert stored == set(Certificate.objects.values_list("pdf", flat=True))


def test_two_workers_on_one_learner_agree_with_one(start_worker):
    from courses.tasks import process_progress

    load_test_curriculum()
    racing, alone = _enrolled_learners(2, "race")
    for learner in (racing, alone):
        _complete_course_one(learner)
    # The eager-free on_commit sends already queued one task per event; add many more for `racing`.
    start_worker("race-a")
    start_worker("race-b")
    for _ in range(30):
        process_progress.delay(racing.id)
    wait_for(
        lambda: not ProgressEvent.objects.filter(processed_at__isnull=True).exists(),
        timeout=120,
        message="both learners' events",
    )
    for page_slug in ("course-one", "test-qualification"):
        a = ProgressSnapshot.objects.get(enrolment__learner=racing, enrolment__page__slug=page_slug)
        b = ProgressSnapshot.objects.get(enrolment__learner=alone, enrolment__page__slug=page_slug)
        assert a.summary["percent"] == b.summary["percent"]
        assert a.summary["done"] == b.summary["done"]
    _assert_snapshots_match_rebuild()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, so stopping it disturbs nothing else."""

    def __init__(self, tmp_path):
        self.binary = shutil.which("redis-server")
        assert self.binary, "the outage test needs redis-server (Debian package redis-server)"
        self.port = _free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._up, timeout=20, message="redis to start")

    def _up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _switch_broker(app, url: str, transport_options: dict) -> None:
    """Point this process's Celery app at another broker. The app keeps a pool of connections
    (and of producers) made for the broker it used first; they must go, or tasks would still be
    published to that one."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options


def test_redis_outage_loses_no_completion(start_worker, real_celery, settings, client, tmp_path):
    from courses.progress import unprocessed_learners_sweep

    redis = PrivateRedis(tmp_path)
    redis.start()
    previous = (real_celery.conf.broker_url, dict(real_celery.conf.broker_transport_options))
    try:
        _switch_broker(real_celery, redis.url, {"visibility_timeout": 30})
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis.url,
                "OPTIONS": {
                    "IGNORE_EXCEPTIONS": True,
                    "SOCKET_CONNECT_TIMEOUT": 0.5,
                    "SOCKET_TIMEOUT": 0.5,
                },
            }
        }
        load_test_curriculum()
        learner = _enrolled_learners(1, "outage")[0]
        client.force_login(learner)
        from courses.models import CoursePage, ModulePage

        course = CoursePage.objects.get(slug="course-one", locale__language_code="en")
        first_module = ModulePage.objects.child_of(course).order_by("path").first()
        lessons = list(LessonPage.objects.child_of(first_module).order_by("path"))

        redis.stop()
        for lesson in lessons:
            response = client.post(f"/api/v1/lessons/{lesson.id}/completion")
            assert response.status_code == 201, response.content  # stored though the broker is down
        assert ProgressEvent.objects.filter(
            learner=learner, kind="lesson_completed", processed_at__isnull=True
        ).count() == len(lessons)
        assert client.get("/healthz").status_code == 503

        redis.start()
        start_worker("after-outage", extra_env={"REDIS_URL": redis.url})
        unprocessed_learners_sweep(older_than_seconds=0)
        wait_for(
            lambda: (
                not ProgressEvent.objects.filter(
                    learner=learner, processed_at__isnull=True
                ).exists()
            ),
            timeout=60,
            message="events to be processed after Redis returns",
        )
        snapshot = ProgressSnapshot.objects.get(
            enrolment__learner=learner, enrolment__page__slug="course-one"
        )
        assert len(snapshot.facts["lessons"]) == len(lessons)
    finally:
        redis.stop()
        _switch_broker(real_celery, *previous)
