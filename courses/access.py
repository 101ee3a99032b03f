"""What a learner may open: enrolment, course prerequisites and modules that unlock in order.

Computed from the learner's own records (completions and attempts, three queries) rather than
from progress snapshots, which a worker updates a moment later: a module unlocks the instant
the one before it is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from courses.models import Enrolment, KnowledgeCheckAttempt, LessonCompletion
from courses.outline import Outline, get_outline
from courses.progress import course_summary, iso


@dataclass
class LearnerState:
    """A learner's enrolments and what they have done, loaded once per request.

    `facts` has the shape of a progress snapshot's facts (see courses.progress).
    """

    learner_id: int | None
    enrolments: dict[int, Enrolment] = field(default_factory=dict)  # by page id
    facts: dict = field(default_factory=dict)

    def enrolled_in(self, page_id: int) -> bool:
        enrolment = self.enrolments.get(page_id)
        return enrolment is not None and enrolment.status != Enrolment.Status.WITHDRAWN

    def course_complete(self, course_id: int, outline: Outline) -> bool:
        course = outline.courses.get(course_id)
        if course is None:
            return False
        return bool(course_summary(self.facts, course)["complete_at"])


def learner_state(user) -> LearnerState:
    if not getattr(user, "is_authenticated", False):
        return LearnerState(learner_id=None)
    state = LearnerState(learner_id=user.id)
    for enrolment in Enrolment.objects.filter(learner_id=user.id):
        state.enrolments[enrolment.page_id] = enrolment
    lessons = state.facts.setdefault("lessons", {})
    for lesson_id, at in LessonCompletion.objects.filter(learner_id=user.id).values_list(
        "lesson_id", "completed_at"
    ):
        lessons[str(lesson_id)] = iso(at)
    checks = state.facts.setdefault("checks", {})
    for attempt_id, check_id, score, passed, at in KnowledgeCheckAttempt.objects.filter(
        learner_id=user.id
    ).values_list("id", "check_page_id", "score", "passed", "submitted_at"):
        checks.setdefault(str(check_id), {})[str(attempt_id)] = {
            "score": score,
            "passed": passed,
            "at": iso(at),
        }
    return state


@dataclass(frozen=True)
class CourseAccess:
    enrolled: bool
    missing_prerequisites: tuple[int, ...]
    locked_modules: frozenset[int]

    @property
    def open(self) -> bool:
        return self.enrolled and not self.missing_prerequisites

    def module_open(self, module_id: int) -> bool:
        return self.open and module_id not in self.locked_modules


def course_access(
    state: LearnerState, course_id: int, outline: Outline | None = None
) -> CourseAccess:
    outline = outline or get_outline()
    course = outline.courses.get(course_id)
    if course is None:
        return CourseAccess(False, (), frozenset())
    missing = tuple(
        pid for pid in course.prerequisite_ids if not state.course_complete(pid, outline)
    )
    summary = course_summary(state.facts, course)
    locked = frozenset(m["id"] for m in summary["modules"] if not m["unlocked"])
    return CourseAccess(state.enrolled_in(course_id), missing, locked)
