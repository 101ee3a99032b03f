"""Scores for the platforms' gradebooks, written in the transaction that records the completion or
the grade (lms.lti.receivers) and sent by a worker (lms.lti.services.scores_deliver).

A link the platform placed to a course receives the course's completion (100 of 100); a link to
a qualification or its field project receives the field project's released grade (its rubric
percentage). Only learners who came from that platform (a linked account) have scores sent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from courses.models import Milestone, ProgressEvent
from courses.outline import get_outline
from lms.celery import send_after_commit
from lms.lti.models import PlatformAccount, ResourceLink, ScorePassback

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SEND_TASK = "lms.lti.tasks.send_scores"


def _record(*, learner_id: int, page_ids: list[int], kind: str, key: str, score, at) -> int:
    accounts = {a.platform_id: a for a in PlatformAccount.objects.filter(user_id=learner_id)}
    if not accounts:
        return 0
    links = ResourceLink.objects.filter(
        page_id__in=page_ids, platform_id__in=list(accounts), platform__is_active=True
    )
    rows = [
        ScorePassback(
            key=f"{key}:{link.pk}:{accounts[link.platform_id].pk}",
            kind=kind,
            link=link,
            account=accounts[link.platform_id],
            score_given=Decimal(score),
            occurred_at=at,
        )
        for link in links
        if SCORE_SCOPE in (link.ags_scopes or []) and (link.lineitem_url or link.lineitems_url)
    ]
    if not rows:
        return 0
    ScorePassback.objects.bulk_create(rows, ignore_conflicts=True)
    send_after_commit(SEND_TASK)
    return len(rows)


def on_milestone(*, enrolment, kind: str, page_id: int, achieved_at: datetime) -> int:
    if kind != Milestone.Kind.COURSE_COMPLETE:
        return 0
    return _record(
        learner_id=enrolment.learner_id,
        page_ids=[page_id],
        kind=ScorePassback.Kind.COURSE_COMPLETION,
        key=f"course:{page_id}",
        score=100,
        at=achieved_at,
    )


def on_grade_released(*, learner_id: int, kind: str, payload: dict, occurred_at: datetime) -> int:
    if kind != ProgressEvent.Kind.GRADE_RELEASED:
        return 0
    project_id = payload["field_project"]
    qualification_id = get_outline().project_qualification.get(project_id)
    return _record(
        learner_id=learner_id,
        page_ids=[p for p in (project_id, qualification_id) if p],
        kind=ScorePassback.Kind.PROJECT_GRADE,
        key=f"grade:{payload['grade']}:{payload['revision']}",
        score=payload["percent"],
        at=occurred_at,
    )
