"""xAPI 1.0.3 statements: the verbs, the activity types and the shape of each statement.

Pure building blocks: no database, no settings. `lms.xapi.recording` reads the pages and the
learner's enrolments and calls `statement_build`; the result is stored in the outbox as it will be
sent. Statement ids are UUID5 of the site and the learning event, so the same event always gives
the same statement and an LRS that receives it twice keeps one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

XAPI_VERSION = "1.0.3"
LANGUAGE = "en"

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
ACTIVITY_STREAMS = "http://activitystrea.ms/schema/1.0/"

# Our name for each learning event → (verb IRI, display). ADL's vocabulary first; Activity
# Streams and the Tin Can registry (both in the xAPI vocabulary registry) where ADL has none.
VERBS: dict[str, tuple[str, str]] = {
    "registered": (ADL_VERBS + "registered", "registered"),
    "experienced": (ADL_VERBS + "experienced", "experienced"),
    "completed": (ADL_VERBS + "completed", "completed"),
    "attempted": (ADL_VERBS + "attempted", "attempted"),
    "passed": (ADL_VERBS + "passed", "passed"),
    "failed": (ADL_VERBS + "failed", "failed"),
    "submitted": (ACTIVITY_STREAMS + "submit", "submitted"),
    # The learner received the field project back from an instructor, to revise it.
    "returned": (ACTIVITY_STREAMS + "receive", "received back for revision"),
    # An instructor's grade, released to the learner: the learner scored (ADL).
    "graded": (ADL_VERBS + "scored", "scored"),
    "earned": ("http://id.tincanapi.com/verb/earned", "earned"),
    # The learner lost a certificate they had earned: it was revoked.
    "revoked": (ACTIVITY_STREAMS + "lose", "lost (revoked)"),
}

ACTIVITY_TYPES: dict[str, str] = {
    "qualification": ACTIVITY_STREAMS + "collection",
    "course": ADL_ACTIVITIES + "course",
    "module": ADL_ACTIVITIES + "module",
    "lesson": ADL_ACTIVITIES + "lesson",
    "check": ADL_ACTIVITIES + "assessment",
    "project": ADL_ACTIVITIES + "performance",
    "certificate": ACTIVITY_STREAMS + "badge",
    "cohort": ACTIVITY_STREAMS + "group",
}


@dataclass(frozen=True)
class Activity:
    """An activity: its id (our page's absolute URL), what kind it is and its title."""

    id: str
    kind: str
    name: str

    def as_json(self) -> dict:
        return {
            "objectType": "Activity",
            "id": self.id,
            "definition": {"type": ACTIVITY_TYPES[self.kind], "name": {LANGUAGE: self.name}},
        }


@dataclass(frozen=True)
class Context:
    """Where an activity sits: its course and qualification (parents) and the learner's cohort
    (grouping), and the enrolment it counts towards (registration)."""

    parents: tuple[Activity, ...] = ()
    groupings: tuple[Activity, ...] = ()
    registration: str | None = None


@dataclass(frozen=True)
class Score:
    """A percentage (0 to 100) and whether it passed, when passing applies."""

    percent: float
    success: bool | None = None
    completion: bool | None = True


@dataclass(frozen=True)
class Event:
    """One statement's worth of facts."""

    key: str
    verb: str
    actor_name: str
    activity: Activity
    timestamp: datetime
    context: Context = field(default_factory=Context)
    score: Score | None = None
    completion: bool | None = None


def statement_id(*, site: str, key: str, verb: str) -> str:
    """The statement's id: the same site, event and verb always give the same id."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, site)
    return str(uuid.uuid5(namespace, f"{key}|{verb}"))


def registration_id(*, site: str, enrolment_id: int) -> str:
    """The xAPI registration of an enrolment: stable, and opaque outside the site."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, site)
    return str(uuid.uuid5(namespace, f"enrolment|{enrolment_id}"))


def _result(event: Event) -> dict | None:
    result: dict = {}
    if event.score is not None:
        percent = max(0.0, min(100.0, float(event.score.percent)))
        result["score"] = {
            "scaled": round(percent / 100, 4),
            "raw": round(percent, 2),
            "min": 0,
            "max": 100,
        }
        if event.score.success is not None:
            result["success"] = event.score.success
        if event.score.completion is not None:
            result["completion"] = event.score.completion
    if event.completion is not None:
        result["completion"] = event.completion
    return result or None


def _context(context: Context, platform: str) -> dict:
    built: dict = {"platform": platform, "language": LANGUAGE}
    activities: dict = {}
    if context.parents:
        activities["parent"] = [a.as_json() for a in context.parents]
    if context.groupings:
        activities["grouping"] = [a.as_json() for a in context.groupings]
    if activities:
        built["contextActivities"] = activities
    if context.registration:
        built["registration"] = context.registration
    return built


def statement_build(event: Event, *, site: str, platform: str) -> dict:
    """The xAPI statement for an event. `site` is the site's base URL (the actor's home page),
    `platform` its name."""
    verb_iri, display = VERBS[event.verb]
    statement = {
        "id": statement_id(site=site, key=event.key, verb=event.verb),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": site, "name": event.actor_name},
        },
        "verb": {"id": verb_iri, "display": {LANGUAGE: display}},
        "object": event.activity.as_json(),
        "context": _context(event.context, platform),
        "timestamp": event.timestamp.isoformat(),
        "version": XAPI_VERSION,
    }
    result = _result(event)
    if result:
        statement["result"] = result
    return statement
