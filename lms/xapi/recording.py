"""Recording learning events as xAPI statements in the outbox.

courses and certificates announce their events with signals (lms.xapi.receivers) inside the
transaction that records them; the functions here build each event's statements and write them
in that same transaction, so a statement exists exactly when its event does. A worker posts them
to the LRS once the transaction commits (lms.xapi.delivery). With no LRS configured
(`LMS_LRS_URL` unset) nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from wagtail.models import Page

from certificates.credentials import verify_url
from certificates.models import Certificate
from courses.models import (
    CoursePage,
    Enrolment,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    Milestone,
    ModulePage,
    ProgressEvent,
    QualificationPage,
)
from courses.outline import get_outline
from lms.celery import send_after_commit
from lms.xapi.models import LearnerAccount, Statement
from lms.xapi.statements import (
    Activity,
    Context,
    Event,
    Score,
    registration_id,
    statement_build,
    statement_id,
)

Kind = ProgressEvent.Kind
SEND_TASK = "lms.xapi.tasks.send_statements"
PAGE_KINDS = {
    QualificationPage: "qualification",
    CoursePage: "course",
    ModulePage: "module",
    LessonPage: "lesson",
    KnowledgeCheckPage: "check",
    FieldProjectPage: "project",
}


def xapi_enabled() -> bool:
    return bool(settings.LRS_URL)


def account_name(learner_id: int) -> str:
    """The learner's opaque, stable name in the LRS (made the first time it is needed)."""
    account = LearnerAccount.objects.filter(learner_id=learner_id).first()
    if account is None:
        try:
            with transaction.atomic():
                account = LearnerAccount.objects.create(learner_id=learner_id)
        except IntegrityError:  # made by a concurrent transaction a moment ago
            account = LearnerAccount.objects.get(learner_id=learner_id)
    return str(account.name)


def page_url(page: Page) -> str:
    """The page's absolute URL on this site (the default-language page: learning records point
    there, whichever language the learner reads)."""
    _site_id, _root, path = page.get_url_parts()
    return f"{settings.BASE_URL}{path}"


def activities(page_ids: Iterable[int]) -> dict[int, Activity]:
    """The activity of each page, by id, in one query."""
    found = {}
    for page in Page.objects.filter(id__in=set(page_ids)).select_related("content_type"):
        kind = PAGE_KINDS.get(page.specific_class)
        if kind is not None:
            found[page.id] = Activity(id=page_url(page), kind=kind, name=page.title)
    return found


def cohort_activity(cohort, page_activity: Activity) -> Activity:
    """A cohort is identified by its course's or qualification's page and its own number."""
    return Activity(id=f"{page_activity.id}#cohort-{cohort.id}", kind="cohort", name=cohort.name)


def _context(
    learner_id: int, *, course_id: int | None, qualification_ids: Iterable[int]
) -> Context:
    """Parents: the course and the qualifications (that the learner is enrolled in) it counts
    towards; grouping: the cohorts of those enrolments; registration: the course's enrolment,
    else the qualification's."""
    qualification_ids = list(qualification_ids)
    wanted = [*([course_id] if course_id else []), *qualification_ids]
    enrolments = {
        e.page_id: e
        for e in Enrolment.objects.filter(learner_id=learner_id, page_id__in=wanted)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("cohort")
    }
    enrolled_qualifications = [q for q in qualification_ids if q in enrolments]
    parent_ids = [*([course_id] if course_id else []), *enrolled_qualifications]
    by_id = activities(parent_ids)
    parents = tuple(by_id[i] for i in parent_ids if i in by_id)
    groupings = tuple(
        cohort_activity(enrolments[i].cohort, by_id[i])
        for i in parent_ids
        if i in enrolments and enrolments[i].cohort_id and i in by_id
    )
    registering = enrolments.get(course_id) or next(
        (enrolments[q] for q in enrolled_qualifications), None
    )
    registration = (
        registration_id(site=settings.BASE_URL, enrolment_id=registering.id)
        if registering
        else None
    )
    return Context(parents=parents, groupings=groupings, registration=registration)


def _in_course(learner_id: int, course_id: int | None) -> Context:
    outline = get_outline()
    qualifications = outline.qualifications_with_course(course_id) if course_id else []
    return _context(learner_id, course_id=course_id, qualification_ids=qualifications)


def _in_qualification(learner_id: int, qualification_id: int | None) -> Context:
    return _context(
        learner_id,
        course_id=None,
        qualification_ids=[qualification_id] if qualification_id else [],
    )


def statements_record(learner_id: int, events: list[Event]) -> int:
    """Write the events' statements in the caller's transaction (an event recorded before writes
    nothing new) and ask a worker to send them once it commits. Returns how many were new."""
    if not events:
        return 0
    rows = []
    for event in events:
        built = statement_build(event, site=settings.BASE_URL, platform=settings.ISSUER_NAME)
        rows.append(
            Statement(
                id=uuid.UUID(built["id"]),
                learner_id=learner_id,
                verb=event.verb,
                activity=event.activity.id[:500],
                statement=built,
            )
        )
    existing = set(
        Statement.objects.filter(id__in=[r.id for r in rows]).values_list("id", flat=True)
    )
    new = [r for r in rows if r.id not in existing]
    Statement.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        send_after_commit(SEND_TASK)
    return len(new)


def _event(
    learner_id: int, key: str, verb: str, activity: Activity, at: datetime, **extra
) -> Event:
    return Event(
        key=key,
        verb=verb,
        actor_name=account_name(learner_id),
        activity=activity,
        timestamp=at,
        **extra,
    )


# --- from courses' events ---------------------------------------------------------------------


def events_for_progress(
    *, learner_id: int, kind: str, key: str, payload: dict, occurred_at: datetime
) -> list[Event]:
    """The statements a progress event gives (courses.progress.event_record)."""
    outline = get_outline()
    if kind == Kind.ENROLLED:
        page_id = payload["page"]
        found = activities([page_id])
        if page_id not in found:
            return []
        activity = found[page_id]
        if activity.kind == "course":
            qualifications = outline.qualifications_with_course(page_id)
            context = _context(learner_id, course_id=page_id, qualification_ids=qualifications)
            # The course is the object here, not its own parent.
            context = Context(
                parents=tuple(p for p in context.parents if p.id != activity.id),
                groupings=context.groupings,
                registration=context.registration,
            )
        else:
            context = _in_qualification(learner_id, page_id)
            context = Context(groupings=context.groupings, registration=context.registration)
        return [_event(learner_id, key, "registered", activity, occurred_at, context=context)]
    if kind == Kind.LESSON_COMPLETED:
        lesson_id = payload["lesson"]
        found = activities([lesson_id])
        if lesson_id not in found:
            return []
        context = _in_course(learner_id, outline.course_of(lesson_id=lesson_id))
        return [
            _event(
                learner_id,
                key,
                "completed",
                found[lesson_id],
                occurred_at,
                context=context,
                completion=True,
            )
        ]
    if kind == Kind.CHECK_ATTEMPTED:
        check_id = payload["check"]
        found = activities([check_id])
        if check_id not in found:
            return []
        context = _in_course(learner_id, outline.course_of(check_id=check_id))
        passed = bool(payload["passed"])
        attempted = Score(percent=payload["score"], success=None, completion=True)
        outcome = Score(percent=payload["score"], success=passed, completion=True)
        return [
            _event(
                learner_id,
                key,
                "attempted",
                found[check_id],
                occurred_at,
                context=context,
                score=attempted,
            ),
            _event(
                learner_id,
                key,
                "passed" if passed else "failed",
                found[check_id],
                occurred_at,
                context=context,
                score=outcome,
            ),
        ]
    if kind in (Kind.PROJECT_SUBMITTED, Kind.GRADE_RELEASED):
        project_id = payload["field_project"]
        found = activities([project_id])
        if project_id not in found:
            return []
        context = _in_qualification(learner_id, outline.project_qualification.get(project_id))
        if kind == Kind.PROJECT_SUBMITTED:
            return [
                _event(
                    learner_id, key, "submitted", found[project_id], occurred_at, context=context
                )
            ]
        score = Score(percent=float(payload["percent"]), success=bool(payload["passed"]))
        return [
            _event(
                learner_id,
                key,
                "graded",
                found[project_id],
                occurred_at,
                context=context,
                score=score,
            )
        ]
    return []


def events_for_milestone(
    *, enrolment, kind: str, page_id: int, achieved_at: datetime
) -> list[Event]:
    """Completing a module, a course or a qualification. A course's completion is recorded for its
    own enrolment and for the qualification's: both give the same statement."""
    learner_id = enrolment.learner_id
    outline = get_outline()
    found = activities([page_id])
    if page_id not in found:
        return []
    if kind == Milestone.Kind.MODULE_COMPLETE:
        context = _in_course(learner_id, outline.module_course.get(page_id))
    elif kind == Milestone.Kind.COURSE_COMPLETE:
        context = _in_course(learner_id, page_id)
        context = Context(
            parents=tuple(p for p in context.parents if p.id != found[page_id].id),
            groupings=context.groupings,
            registration=context.registration,
        )
    elif kind == Milestone.Kind.REQUIREMENTS_MET:
        context = _in_qualification(learner_id, page_id)
        context = Context(groupings=context.groupings, registration=context.registration)
    else:
        return []
    key = f"milestone:{kind}:{learner_id}:{page_id}"
    return [
        _event(
            learner_id,
            key,
            "completed",
            found[page_id],
            achieved_at,
            context=context,
            completion=True,
        )
    ]


def events_for_return(
    *, submission, revision_request, learner_ids: Iterable[int]
) -> list[tuple[int, Event]]:
    project_id = submission.field_project_id
    found = activities([project_id])
    if project_id not in found:
        return []
    qualification_id = get_outline().project_qualification.get(project_id)
    return [
        (
            learner_id,
            _event(
                learner_id,
                f"returned:{revision_request.id}:{learner_id}",
                "returned",
                found[project_id],
                revision_request.created_at,
                context=_in_qualification(learner_id, qualification_id),
                completion=False,
            ),
        )
        for learner_id in learner_ids
    ]


def events_for_lesson_view(*, learner_id: int, lesson_id: int, at: datetime) -> list[Event]:
    """The first time a learner opens a lesson (later visits give the same statement id)."""
    key = f"viewed:{learner_id}:{lesson_id}"
    if Statement.objects.filter(
        id=statement_id(site=settings.BASE_URL, key=key, verb="experienced")
    ).exists():
        return []
    found = activities([lesson_id])
    if lesson_id not in found:
        return []
    context = _in_course(learner_id, get_outline().course_of(lesson_id=lesson_id))
    return [_event(learner_id, key, "experienced", found[lesson_id], at, context=context)]


# --- from certificates' events ----------------------------------------------------------------


def certificate_activity(certificate: Certificate) -> Activity:
    title = certificate.frozen.get("certificate_title") or certificate.frozen.get(
        "qualification_title", ""
    )
    return Activity(id=verify_url(certificate.id), kind="certificate", name=title)


def events_for_certificate(*, certificate: Certificate, revoked: bool) -> list[Event]:
    learner_id = certificate.learner_id
    context = _in_qualification(learner_id, certificate.qualification_id)
    if revoked:
        return [
            _event(
                learner_id,
                f"revoked:{certificate.id}",
                "revoked",
                certificate_activity(certificate),
                certificate.revoked_at,
                context=context,
            )
        ]
    return [
        _event(
            learner_id,
            f"issued:{certificate.id}",
            "earned",
            certificate_activity(certificate),
            certificate.issued_at,
            context=context,
        )
    ]
