"""Progress: recording learning events and folding them into per-enrolment snapshots.

A snapshot's `facts` are a join of events: every field is a set-like map or a keep-the-earliest
or keep-the-latest value keyed by something unique to the event. Applying an event twice, or
events in any order, gives the same facts, so a retried task, two workers racing on one
learner, and `rebuild_progress` all arrive at identical snapshots. The `summary` (module and
course status, percentages, next step) is computed from the facts and the curriculum outline.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Enrolment, Milestone, ProgressEvent, ProgressSnapshot
from courses.outline import CourseOutline, Outline, QualificationOutline, get_outline
from courses.signals import (
    learning_event_recorded,
    milestone_recorded,
    qualification_requirements_met,
)
from lms.celery import send, send_after_commit

logger = logging.getLogger(__name__)
Kind = ProgressEvent.Kind
BATCH_SIZE = 500


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- recording ------------------------------------------------------------------------------


def event_record(*, learner_id: int, kind: str, key: str, payload: dict, occurred_at=None) -> bool:
    """Store an event in the caller's transaction; enqueue processing once it commits.

    Returns False when an event with this key exists already (the fact was recorded before).
    """
    occurred_at = occurred_at or timezone.now()
    try:
        with transaction.atomic():
            ProgressEvent.objects.create(
                learner_id=learner_id, kind=kind, key=key, payload=payload, occurred_at=occurred_at
            )
    except IntegrityError:
        return False
    learning_event_recorded.send(
        sender=ProgressEvent,
        learner_id=learner_id,
        kind=kind,
        key=key,
        payload=payload,
        occurred_at=occurred_at,
    )
    progress_enqueue(learner_id)
    return True


def progress_enqueue(learner_id: int) -> None:
    """Ask a worker to fold the learner's events after the current transaction commits.

    If the broker is unreachable the events stay stored and unprocessed; the periodic sweep
    picks them up. `robust` keeps a broker error from failing the learner's request.
    """
    send_after_commit("courses.tasks.process_progress", learner_id)


# --- each kind of event: what it records (apply_event below reads the same payloads) ----------


def enrolled(enrolment) -> bool:
    return event_record(
        learner_id=enrolment.learner_id,
        kind=Kind.ENROLLED,
        key=f"enrolled:{enrolment.id}:{timezone.now().timestamp()}",
        payload={"enrolment": enrolment.id, "page": enrolment.page_id},
    )


def lesson_completed(completion) -> bool:
    return event_record(
        learner_id=completion.learner_id,
        kind=Kind.LESSON_COMPLETED,
        key=f"lesson:{completion.learner_id}:{completion.lesson_id}",
        payload={"lesson": completion.lesson_id},
        occurred_at=completion.completed_at,
    )


def check_attempted(attempt) -> bool:
    return event_record(
        learner_id=attempt.learner_id,
        kind=Kind.CHECK_ATTEMPTED,
        key=f"attempt:{attempt.id}",
        payload={
            "check": attempt.check_page_id,
            "attempt": attempt.id,
            "score": attempt.score,
            "passed": attempt.passed,
        },
        occurred_at=attempt.submitted_at,
    )


def project_submitted(version, *, learner_id: int) -> bool:
    submission = version.submission
    return event_record(
        learner_id=learner_id,
        kind=Kind.PROJECT_SUBMITTED,
        key=f"submitted:{submission.id}:{version.number}:{learner_id}",
        payload={
            "field_project": submission.field_project_id,
            "submission": submission.id,
            "version": version.number,
        },
        occurred_at=submission.latest_submitted_at,
    )


def grade_released(grade) -> bool:
    return event_record(
        learner_id=grade.learner_id,
        kind=Kind.GRADE_RELEASED,
        key=f"grade:{grade.id}:{grade.revision}",
        payload={
            "field_project": grade.submission.field_project_id,
            "submission": grade.submission_id,
            "grade": grade.id,
            "revision": grade.revision,
            "percent": str(grade.percent),
            "passed": grade.passed,
            "distinction": grade.distinction,
        },
        occurred_at=grade.released_at,
    )


def evidence_reviewed(evidence) -> bool:
    return event_record(
        learner_id=evidence.learner_id,
        kind=Kind.EVIDENCE_REVIEWED,
        key=f"evidence:{evidence.id}",
        payload={
            "qualification": evidence.qualification_id,
            "approved": evidence.status == evidence.Status.APPROVED,
            "review": evidence.id,
        },
        occurred_at=evidence.reviewed_at,
    )


# --- folding events into facts --------------------------------------------------------------


def _earliest(current: str | None, candidate: str) -> str:
    return candidate if current is None or candidate < current else current


def _latest_by(current: dict | None, candidate: dict, *keys: str) -> dict:
    if current is None:
        return candidate
    return (
        candidate
        if tuple(candidate[k] for k in keys) > tuple(current[k] for k in keys)
        else current
    )


# --- an enrolment's outline: a qualification's requirements as they were when it was made ----


def qualification_requirements(qualification: QualificationOutline) -> dict:
    """What an author can change that defines completing a qualification, as an enrolment keeps
    it: the required courses, and whether evidence is reviewed."""
    return {
        "courses": list(qualification.course_ids),
        "evidence_required": qualification.evidence_required,
    }


def enrolment_qualification(enrolment: Enrolment, outline: Outline) -> QualificationOutline | None:
    """The qualification as this enrolment must complete it: the live qualification with the
    requirements the enrolment was made with (courses no longer published are left out). An
    enrolment without recorded requirements follows the live outline."""
    live = outline.qualifications.get(enrolment.page_id)
    if live is None or enrolment.kind != Enrolment.Kind.QUALIFICATION:
        return None
    kept = enrolment.requirements
    if not kept:
        return live
    return replace(
        live,
        course_ids=tuple(cid for cid in kept.get("courses", []) if cid in outline.courses),
        evidence_required=bool(kept.get("evidence_required", live.evidence_required)),
    )


def _counts_course(enrolment: Enrolment, course_id: int, outline: Outline) -> bool:
    if enrolment.page_id == course_id:
        return True
    qualification = enrolment_qualification(enrolment, outline)
    return qualification is not None and course_id in qualification.course_ids


def relevant_enrolments(
    event: ProgressEvent, enrolments: list[Enrolment], outline: Outline
) -> list[Enrolment]:
    payload = event.payload
    if event.kind == Kind.ENROLLED:
        return [e for e in enrolments if e.id == payload["enrolment"]]
    if event.kind in (Kind.LESSON_COMPLETED, Kind.CHECK_ATTEMPTED):
        course_id = (
            outline.course_of(lesson_id=payload["lesson"])
            if event.kind == Kind.LESSON_COMPLETED
            else outline.course_of(check_id=payload["check"])
        )
        if course_id is None:
            return []
        return [e for e in enrolments if _counts_course(e, course_id, outline)]
    if event.kind in (Kind.PROJECT_SUBMITTED, Kind.GRADE_RELEASED):
        qualification = outline.project_qualification.get(payload["field_project"])
        return [e for e in enrolments if e.page_id == qualification]
    if event.kind == Kind.EVIDENCE_REVIEWED:
        return [e for e in enrolments if e.page_id == payload["qualification"]]
    return []


def apply_event(facts: dict[str, Any], event: ProgressEvent) -> None:
    """Join one event into facts. Idempotent and order-independent."""
    at = iso(event.occurred_at)
    payload = event.payload
    facts["last_activity"] = max(facts.get("last_activity") or at, at)
    if event.kind == Kind.LESSON_COMPLETED:
        lessons = facts.setdefault("lessons", {})
        key = str(payload["lesson"])
        lessons[key] = _earliest(lessons.get(key), at)
    elif event.kind == Kind.CHECK_ATTEMPTED:
        check = facts.setdefault("checks", {}).setdefault(str(payload["check"]), {})
        check[str(payload["attempt"])] = {
            "score": payload["score"],
            "passed": payload["passed"],
            "at": at,
        }
    elif event.kind == Kind.PROJECT_SUBMITTED:
        project = facts.setdefault("projects", {}).setdefault(str(payload["field_project"]), {})
        project.setdefault("versions", {})[f"{payload['submission']}:{payload['version']}"] = at
    elif event.kind == Kind.GRADE_RELEASED:
        project = facts.setdefault("projects", {}).setdefault(str(payload["field_project"]), {})
        candidate = {
            "at": at,
            "grade": payload["grade"],
            "revision": payload["revision"],
            "percent": payload["percent"],
            "passed": payload["passed"],
            "distinction": payload.get("distinction", False),
        }
        project["grade"] = _latest_by(project.get("grade"), candidate, "at", "revision")
    elif event.kind == Kind.EVIDENCE_REVIEWED:
        candidate = {"at": at, "approved": payload["approved"], "review": payload["review"]}
        evidence = facts.setdefault("evidence", {})
        key = str(payload["qualification"])
        evidence[key] = _latest_by(evidence.get(key), candidate, "at", "review")


# --- from facts to a summary ----------------------------------------------------------------


def _check_status(facts: dict, check_id: int) -> tuple[bool, str | None, int | None]:
    attempts = facts.get("checks", {}).get(str(check_id), {})
    passed = [a["at"] for a in attempts.values() if a["passed"]]
    best = max((a["score"] for a in attempts.values()), default=None)
    return bool(passed), (min(passed) if passed else None), best


def course_summary(facts: dict, course: CourseOutline) -> dict:
    lessons = facts.get("lessons", {})
    modules = []
    next_item = None
    previous_complete = True
    done_total = 0
    for module in course.modules:
        times = []
        done = 0
        for lesson_id in module.lesson_ids:
            at = lessons.get(str(lesson_id))
            if at:
                done += 1
                times.append(at)
            elif next_item is None:
                next_item = {"kind": "lesson", "id": lesson_id}
        check_passed = True
        best = None
        if module.check_id:
            check_passed, passed_at, best = _check_status(facts, module.check_id)
            if check_passed:
                done += 1
                times.append(passed_at)
            elif next_item is None and done == len(module.lesson_ids):
                next_item = {"kind": "check", "id": module.check_id}
        complete = done == module.item_count
        modules.append(
            {
                "id": module.id,
                "done": done,
                "total": module.item_count,
                "complete_at": max(times) if complete and times else None,
                "unlocked": previous_complete or not course.sequential,
                "check_best": best,
            }
        )
        previous_complete = previous_complete and complete
        done_total += done
    total = course.item_count
    complete = bool(modules) and all(m["complete_at"] for m in modules)
    if next_item is None and not complete:
        # Lessons all done but a check outstanding in an earlier module.
        for module in course.modules:
            if module.check_id and not _check_status(facts, module.check_id)[0]:
                next_item = {"kind": "check", "id": module.check_id}
                break
    return {
        "kind": "course",
        "modules": modules,
        "done": done_total,
        "total": total,
        "percent": round(100 * done_total / total) if total else 0,
        "complete_at": max(m["complete_at"] for m in modules) if complete else None,
        "next": next_item,
    }


def qualification_summary(
    facts: dict, qualification: QualificationOutline, outline: Outline
) -> dict:
    courses = []
    next_item = None
    for course_id in qualification.course_ids:
        summary = course_summary(facts, outline.courses[course_id])
        courses.append(
            {
                "id": course_id,
                "done": summary["done"],
                "total": summary["total"],
                "percent": summary["percent"],
                "complete_at": summary["complete_at"],
                "modules": summary["modules"],
            }
        )
        if next_item is None and summary["next"]:
            next_item = {**summary["next"], "course": course_id}
    parts_done = sum(c["done"] for c in courses)
    parts_total = sum(c["total"] for c in courses)
    times = [c["complete_at"] for c in courses]

    project = None
    if qualification.field_project_id:
        project_facts = facts.get("projects", {}).get(str(qualification.field_project_id), {})
        grade = project_facts.get("grade")
        passed_at = grade["at"] if grade and grade["passed"] else None
        project = {
            "id": qualification.field_project_id,
            "submitted": bool(project_facts.get("versions")),
            "versions": len(project_facts.get("versions", {})),
            "grade": grade,
            "passed_at": passed_at,
        }
        parts_total += 1
        parts_done += 1 if passed_at else 0
        times.append(passed_at)
        if next_item is None and not passed_at:
            next_item = {"kind": "project", "id": qualification.field_project_id}

    evidence = None
    if qualification.evidence_required:
        review = facts.get("evidence", {}).get(str(qualification.id))
        approved_at = review["at"] if review and review["approved"] else None
        evidence = {"review": review, "approved_at": approved_at}
        parts_total += 1
        parts_done += 1 if approved_at else 0
        times.append(approved_at)
        if next_item is None and not approved_at:
            next_item = {"kind": "evidence", "id": qualification.id}

    met = bool(times) and all(times)
    return {
        "kind": "qualification",
        "courses": courses,
        "project": project,
        "evidence": evidence,
        "done": parts_done,
        "total": parts_total,
        "percent": round(100 * parts_done / parts_total) if parts_total else 0,
        "complete_at": max(times) if met else None,
        "next": next_item,
    }


def summarise(enrolment: Enrolment, facts: dict, outline: Outline) -> dict:
    """What follows from an enrolment's facts under the current outline, a qualification's read
    with the requirements the enrolment keeps. `outline` records the outline's version, so a
    reader can tell a stored summary that the curriculum has outgrown."""
    if enrolment.kind == Enrolment.Kind.COURSE and enrolment.page_id in outline.courses:
        summary = course_summary(facts, outline.courses[enrolment.page_id])
    elif (qualification := enrolment_qualification(enrolment, outline)) is not None:
        summary = qualification_summary(facts, qualification, outline)
    else:
        summary = {
            "kind": enrolment.kind,
            "done": 0,
            "total": 0,
            "percent": 0,
            "complete_at": None,
            "next": None,
        }
    return {**summary, "outline": outline.version}


# --- milestones -----------------------------------------------------------------------------


def _parse(at: str) -> datetime:
    return datetime.fromisoformat(at)


def _record_milestones(enrolment: Enrolment, summary: dict) -> None:
    wanted: list[tuple[str, int, str]] = []
    for module in summary.get("modules", []):
        if module["complete_at"]:
            wanted.append((Milestone.Kind.MODULE_COMPLETE, module["id"], module["complete_at"]))
    for course in summary.get("courses", []):
        if course["complete_at"]:
            wanted.append((Milestone.Kind.COURSE_COMPLETE, course["id"], course["complete_at"]))
    if summary["kind"] == "course" and summary["complete_at"]:
        wanted.append((Milestone.Kind.COURSE_COMPLETE, enrolment.page_id, summary["complete_at"]))
    project = summary.get("project")
    if project and project["passed_at"]:
        wanted.append((Milestone.Kind.PROJECT_PASSED, project["id"], project["passed_at"]))
    if summary["kind"] == "qualification" and summary["complete_at"]:
        wanted.append((Milestone.Kind.REQUIREMENTS_MET, enrolment.page_id, summary["complete_at"]))
    if not wanted:
        return
    existing = set(Milestone.objects.filter(enrolment=enrolment).values_list("kind", "page_id"))
    for kind, page_id, at in wanted:
        if (kind, page_id) in existing:
            continue
        Milestone.objects.create(
            enrolment=enrolment, kind=kind, page_id=page_id, achieved_at=_parse(at)
        )
        milestone_recorded.send(
            sender=Milestone,
            enrolment=enrolment,
            kind=kind,
            page_id=page_id,
            achieved_at=_parse(at),
        )
        if kind == Milestone.Kind.REQUIREMENTS_MET:
            qualification_requirements_met.send(
                sender=Enrolment, enrolment=enrolment, achieved_at=_parse(at)
            )


def _save_snapshot(enrolment: Enrolment, facts: dict, outline: Outline) -> None:
    summary = summarise(enrolment, facts, outline)
    last = facts.get("last_activity")
    ProgressSnapshot.objects.update_or_create(
        enrolment=enrolment,
        defaults={
            "facts": facts,
            "summary": summary,
            "percent": summary["percent"],
            "last_activity_at": _parse(last) if last else None,
        },
    )
    if summary["complete_at"] and enrolment.status == Enrolment.Status.ACTIVE:
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.completed_at = _parse(summary["complete_at"])
        enrolment.save(update_fields=["status", "completed_at"])
    _record_milestones(enrolment, summary)


# --- processing ---------------------------------------------------------------------------


def _facts_from_events(enrolment: Enrolment, events, outline: Outline) -> dict:
    facts: dict = {}
    for event in events:
        if event.kind != Kind.ENROLLED and enrolment in relevant_enrolments(
            event, [enrolment], outline
        ):
            apply_event(facts, event)
    return facts


def _fold(
    learner_id: int, events: list[ProgressEvent], enrolments: list[Enrolment], outline: Outline
) -> dict[int, dict]:
    """New facts for each enrolment the events touch, starting from their snapshots."""
    facts_by_enrolment: dict[int, dict] = {}
    for event in events:
        for enrolment in relevant_enrolments(event, enrolments, outline):
            if event.kind == Kind.ENROLLED:
                # A new enrolment starts from everything the learner did before.
                history = ProgressEvent.objects.filter(learner_id=learner_id).order_by("id")
                facts = _facts_from_events(enrolment, history, outline)
                facts.setdefault("last_activity", iso(event.occurred_at))
                facts_by_enrolment[enrolment.id] = facts
                continue
            if enrolment.id not in facts_by_enrolment:
                snapshot = getattr(enrolment, "snapshot", None)
                facts_by_enrolment[enrolment.id] = copy.deepcopy(snapshot.facts) if snapshot else {}
            apply_event(facts_by_enrolment[enrolment.id], event)
    return facts_by_enrolment


def learner_events_process(*, learner_id: int) -> int:
    """Fold a learner's unprocessed events into their snapshots. Returns how many were folded."""
    total = 0
    while True:
        with transaction.atomic():
            # One learner's events are folded by one worker at a time.
            get_user_model().objects.select_for_update().filter(pk=learner_id).first()
            events = list(
                ProgressEvent.objects.filter(
                    learner_id=learner_id, processed_at__isnull=True
                ).order_by("id")[:BATCH_SIZE]
            )
            if not events:
                return total
            outline = get_outline()
            enrolments = list(
                Enrolment.objects.filter(learner_id=learner_id).select_related("snapshot")
            )
            facts_by_enrolment = _fold(learner_id, events, enrolments, outline)
            by_id = {e.id: e for e in enrolments}
            for enrolment_id, facts in facts_by_enrolment.items():
                _save_snapshot(by_id[enrolment_id], facts, outline)
            ProgressEvent.objects.filter(id__in=[e.id for e in events]).update(
                processed_at=timezone.now()
            )
            total += len(events)


def snapshot_rebuild(enrolment: Enrolment, outline: Outline | None = None) -> dict:
    """Recompute one enrolment's facts from all of the learner's events; returns the facts."""
    outline = outline or get_outline()
    events = list(ProgressEvent.objects.filter(learner_id=enrolment.learner_id).order_by("id"))
    facts = _facts_from_events(enrolment, events, outline)
    enrolled = next(
        (
            e
            for e in events
            if e.kind == Kind.ENROLLED and e.payload.get("enrolment") == enrolment.id
        ),
        None,
    )
    if enrolled is not None:
        facts.setdefault("last_activity", iso(enrolled.occurred_at))
    return facts


def snapshot_refresh(enrolment: Enrolment) -> None:
    """Recompute one enrolment's snapshot from the learner's events now (after its outline
    changed), under the learner's lock like a worker."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=enrolment.learner_id).first()
        outline = get_outline()
        _save_snapshot(enrolment, snapshot_rebuild(enrolment, outline), outline)


def progress_rebuild_all(*, batch_size: int = 200) -> int:
    """Recompute every snapshot from events (manage.py rebuild_progress). Returns the count."""
    outline = get_outline()
    count = 0
    learner_ids = (
        Enrolment.objects.values_list("learner_id", flat=True).distinct().order_by("learner_id")
    )
    for learner_id in learner_ids.iterator(chunk_size=batch_size):
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=learner_id).first()
            for enrolment in Enrolment.objects.filter(learner_id=learner_id):
                _save_snapshot(enrolment, snapshot_rebuild(enrolment, outline), outline)
                count += 1
    return count


def unprocessed_learners_sweep(*, older_than_seconds: int = 30) -> list[int]:
    """Learners with events a worker has not folded (broker outage): enqueue each again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    learner_ids = list(
        ProgressEvent.objects.filter(processed_at__isnull=True, occurred_at__lt=cutoff)
        .values_list("learner_id", flat=True)
        .order_by("learner_id")  # not the model's ordering by id, which defeats distinct()
        .distinct()
    )
    for learner_id in learner_ids:
        send("courses.tasks.process_progress", learner_id)
    return learner_ids


# --- a learner's progress now, for a request --------------------------------------------------


@dataclass
class LearnerProgress:
    """A learner's enrolments and their progress as of the learner's last recorded event.

    Built from the snapshots plus the events a worker has not folded yet, by the same
    `apply_event` and the same summaries the worker uses: a module unlocks the instant the one
    before it is done, and pages and rules never rebuild progress their own way.
    Everything is keyed by the enrolment's (default-language) page id.
    """

    enrolments: dict[int, Enrolment] = field(default_factory=dict)
    facts: dict[int, dict] = field(default_factory=dict)
    summaries: dict[int, dict] = field(default_factory=dict)

    def enrolled_in(self, page_id: int) -> bool:
        enrolment = self.enrolments.get(page_id)
        return enrolment is not None and enrolment.status != Enrolment.Status.WITHDRAWN

    def course_summary(self, course: CourseOutline) -> dict:
        """The course's summary: from its enrolment, or none done when there is none."""
        summary = self.summaries.get(course.id)
        return summary if summary is not None else course_summary({}, course)

    def course_complete(self, course_id: int) -> bool:
        """Whether the learner completed the course, through its own enrolment or a
        qualification's (which holds its courses' facts too)."""
        summary = self.summaries.get(course_id)
        if summary is not None and summary.get("kind") == "course":
            return bool(summary["complete_at"])
        return any(
            course["id"] == course_id and course["complete_at"]
            for summary in self.summaries.values()
            for course in summary.get("courses", [])
        )

    def lessons_done(self) -> set[int]:
        """Ids of the (default-language) lessons the learner completed."""
        return {int(key) for facts in self.facts.values() for key in facts.get("lessons", {})}


def learner_progress(user) -> LearnerProgress:
    """The learner's progress now: two queries (enrolments with snapshots, unfolded events)."""
    progress = LearnerProgress()
    if not getattr(user, "is_authenticated", False):
        return progress
    outline = get_outline()
    enrolments = list(Enrolment.objects.filter(learner_id=user.id).select_related("snapshot"))
    pending = list(
        ProgressEvent.objects.filter(learner_id=user.id, processed_at__isnull=True).order_by("id")
    )
    folded = _fold(user.id, pending, enrolments, outline) if pending else {}
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        if enrolment.id in folded:
            facts = folded[enrolment.id]
            summary = summarise(enrolment, facts, outline)
        elif snapshot is not None:
            facts = snapshot.facts
            summary = snapshot.summary
            if summary.get("outline") != outline.version:
                summary = summarise(enrolment, facts, outline)
        else:
            facts = {}
            summary = summarise(enrolment, facts, outline)
        progress.enrolments[enrolment.page_id] = enrolment
        progress.facts[enrolment.page_id] = facts
        progress.summaries[enrolment.page_id] = summary
    return progress
