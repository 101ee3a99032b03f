"""The same completion or attempt posted concurrently counts once (courses/lessons.py, courses/knowledge_checks.py).

On PostgreSQL the requests run in threads, each with its own connection, released together by
a barrier; committed data is needed, so these tests use `transactional_db` and load the test
curriculum themselves. SQLite serialises writers, so there the same requests are posted one
after another; the IntegrityError path a PostgreSQL race takes is exercised on every database
by tests/courses/test_learning.py::test_a_completion_racing_another_request_counts_once.
"""

from __future__ import annotations

import pytest
from django.test import Client

from courses.models import KnowledgeCheckAttempt, LessonCompletion, ProgressEvent
from tests.conftest import Curriculum, answers_for, load_test_curriculum, make_user
from tests.courses.helpers import token_for
from tests.support.concurrency import all_at_once

pytestmark = pytest.mark.django_db(transaction=True)
REQUESTS = 6


def post_all(path: str, token: str, body: dict | None = None) -> list[int]:
    """POST the same request REQUESTS times: together in threads on PostgreSQL, else in turn."""

    def post() -> int:
        return (
            Client()
            .post(
                f"/api/v1{path}",
                body or {},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            .status_code
        )

    return all_at_once(post, REQUESTS, timeout=60)


@pytest.fixture
def learner_in_course():
    from courses.enrolment import enrolment_create

    load_test_curriculum()
    curriculum = Curriculum()
    learner = make_user("learner", "racer")
    enrolment_create(learner=learner, page=curriculum.qualification)
    return learner, curriculum


def test_a_completion_posted_concurrently_counts_once(learner_in_course):
    learner, curriculum = learner_in_course
    lesson = curriculum.lessons()[0]

    statuses = post_all(f"/lessons/{lesson.id}/completion", token_for(learner))

    assert sorted(statuses) == [200] * (REQUESTS - 1) + [201]
    assert LessonCompletion.objects.filter(learner=learner).count() == 1
    assert (
        ProgressEvent.objects.filter(
            learner=learner, kind=ProgressEvent.Kind.LESSON_COMPLETED
        ).count()
        == 1
    )


def test_attempts_posted_concurrently_never_exceed_the_limit(learner_in_course):
    learner, curriculum = learner_in_course
    check = curriculum.checks()[0]  # three attempts allowed

    statuses = post_all(
        f"/knowledge-checks/{check.id}/attempts",
        token_for(learner),
        {"answers": answers_for(check, correct=False)},
    )

    assert set(statuses) <= {201, 409}
    attempts = KnowledgeCheckAttempt.objects.filter(learner=learner, check_page=check)
    assert statuses.count(201) == attempts.count() <= 3
    assert sorted(attempts.values_list("number", flat=True)) == list(range(1, attempts.count() + 1))
    assert (
        ProgressEvent.objects.filter(
            learner=learner, kind=ProgressEvent.Kind.CHECK_ATTEMPTED
        ).count()
        == attempts.count()
    )
