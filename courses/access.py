"""What a learner may open: enrolment, course prerequisites and modules that unlock in order.

Read from the learner's progress (courses.progress.learner_progress), which folds in the events a
worker has not processed yet: a module unlocks the instant the one before it is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from courses.outline import Outline, get_outline
from courses.progress import LearnerProgress, learner_progress
from lms.errors import Conflict


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
    progress: LearnerProgress, course_id: int, outline: Outline | None = None
) -> CourseAccess:
    outline = outline or get_outline()
    course = outline.courses.get(course_id)
    if course is None:
        return CourseAccess(False, (), frozenset())
    missing = tuple(pid for pid in course.prerequisite_ids if not progress.course_complete(pid))
    summary = progress.course_summary(course)
    locked = frozenset(m["id"] for m in summary["modules"] if not m["unlocked"])
    return CourseAccess(progress.enrolled_in(course_id), missing, locked)


def require_module_open(learner, *, course_id: int, module_id: int) -> None:
    """Refuse work in a module the learner may not open yet, saying why."""
    access = course_access(learner_progress(learner), course_id)
    if not access.enrolled:
        raise PermissionDenied(_("Enrol in this course first."))
    if access.missing_prerequisites:
        raise Conflict(_("Complete this course's prerequisites first."))
    if not access.module_open(module_id):
        raise Conflict(_("This module opens when you complete the one before it."))
