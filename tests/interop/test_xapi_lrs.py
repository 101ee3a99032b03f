"""xAPI against a real LRS: Ralph, started here, fed by a real Celery worker.

A learner's journey through the rules (enrolment in a cohort, lessons, a failed and a passed
knowledge check, a course completed by the worker's folding of progress) reaches Ralph, and the
statements read back from its /xAPI/statements are the ones the outbox holds, each once. With the
LRS stopped nothing is lost: the statements wait, and arrive exactly once when it is back.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from courses.enrolment import enrolment_create
from courses.lessons import lesson_complete
from courses.models import Cohort
from lms.celery import send
from lms.xapi.delivery import statements_deliver
from lms.xapi.models import LearnerAccount, Statement
from lms.xapi.recording import page_url
from tests.conftest import answers_for, make_user, submit_check
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

STORED_BY_THE_LRS = ("stored", "authority")


def as_sent(row: Statement) -> dict:
    return row.statement


def as_stored(statement: dict) -> dict:
    return {k: v for k, v in statement.items() if k not in STORED_BY_THE_LRS}


def all_sent() -> bool:
    return (
        Statement.objects.exists() and not Statement.objects.filter(sent_at__isnull=True).exists()
    )


def agent_of(learner) -> dict:
    from django.conf import settings

    name = str(LearnerAccount.objects.get(learner=learner).name)
    return {"objectType": "Agent", "account": {"homePage": settings.BASE_URL, "name": name}}


@pytest.fixture
def journey(committed_curriculum):
    learner = make_user("learner", "xapi-learner")
    cohort = Cohort.objects.create(
        name="Interop cohort",
        page=committed_curriculum.qualification,
        starts_on=timezone.now().date(),
    )
    return committed_curriculum, learner, cohort


def test_a_learners_statements_reach_the_lrs_as_recorded(
    journey, ralph, lrs_settings, start_worker
):
    curriculum, learner, cohort = journey
    start_worker("xapi", extra_env=ralph.settings())

    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    for lesson in curriculum.lessons()[:2]:
        lesson_complete(learner=learner, lesson=lesson)
    check = curriculum.checks()[0]
    submit_check(learner=learner, check=check, answers=answers_for(check, correct=False))
    submit_check(learner=learner, check=check, answers=answers_for(check))
    # The worker folds progress: module one is complete, a statement the worker itself records.
    module = check.get_parent()
    wait_for(
        lambda: Statement.objects.filter(verb="completed", activity=page_url(module)).exists(),
        timeout=60,
        message="the worker to record the module's completion",
    )
    wait_for(all_sent, timeout=60, message="every statement to be sent")

    stored = ralph.statements(agent=agent_of(learner))
    ours = {str(row.id): as_sent(row) for row in Statement.objects.filter(learner=learner)}
    assert Counter(s["id"] for s in stored) == Counter(list(ours))  # each exactly once
    for statement in stored:
        assert as_stored(statement) == ours[statement["id"]]
    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[-1] for s in stored)
    assert verbs == Counter(
        {"registered": 3, "completed": 3, "attempted": 2, "failed": 1, "passed": 1}
    )
    lesson_statement = next(
        s for s in stored if s["object"]["id"] == page_url(curriculum.lessons()[0])
    )
    assert [p["id"] for p in lesson_statement["context"]["contextActivities"]["parent"]] == [
        page_url(curriculum.course()),
        page_url(curriculum.qualification),
    ]
    assert lesson_statement["context"]["contextActivities"]["grouping"][0]["id"].endswith(
        f"#cohort-{cohort.id}"
    )
    passed = [s for s in stored if s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"]
    assert [s["result"]["score"]["scaled"] for s in passed] == [1.0]

    # Sending everything again (a lost answer, a sweep racing a retry) duplicates nothing.
    Statement.objects.update(sent_at=None, next_attempt_at=timezone.now())
    statements_deliver()
    again = ralph.statements(agent=agent_of(learner))
    assert Counter(s["id"] for s in again) == Counter(list(ours))


def test_an_lrs_outage_loses_nothing(journey, ralph, lrs_settings, start_worker):
    curriculum, learner, cohort = journey
    start_worker("xapi-outage", extra_env=ralph.settings())
    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    wait_for(all_sent, timeout=60, message="the enrolment's statements to be sent")
    before = len(ralph.statements(agent=agent_of(learner)))

    ralph.stop()
    for lesson in curriculum.lessons()[:2]:
        lesson_complete(learner=learner, lesson=lesson)
    check = curriculum.checks()[0]
    submit_check(learner=learner, check=check, answers=answers_for(check))
    # The worker tried, failed and is backing off; nothing is lost from the outbox.
    wait_for(
        lambda: Statement.objects.filter(sent_at__isnull=True, attempts__gte=1).exists(),
        timeout=60,
        message="a failed attempt to send while the LRS is down",
    )
    waiting = Statement.objects.filter(sent_at__isnull=True).count()
    assert waiting >= 4  # two lessons, attempted and passed (and the module, once folded)

    ralph.start()
    send("lms.xapi.tasks.sweep_statements")  # the beat sweep's task, as beat would queue it
    wait_for(all_sent, timeout=120, interval=1, message="everything to arrive after the outage")

    stored = ralph.statements(agent=agent_of(learner))
    ours = Counter(
        str(i) for i in Statement.objects.filter(learner=learner).values_list("id", flat=True)
    )
    assert Counter(s["id"] for s in stored) == ours  # everything, exactly once
    assert len(stored) >= before + waiting
