"""Completing a lesson: once, recorded with its progress event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from courses import progress
from courses.access import require_module_open
from courses.models import LessonCompletion, LessonPage
from courses.outline import get_outline


@transaction.atomic
def lesson_complete(*, learner, lesson: LessonPage) -> tuple[LessonCompletion, bool]:
    """Mark a lesson complete, once. Repeating it (or racing it) changes nothing."""
    outline = get_outline()
    module_id = outline.lesson_module.get(lesson.id)
    if module_id is None:
        raise PermissionDenied(_("This lesson is not part of a published course."))
    require_module_open(learner, course_id=outline.module_course[module_id], module_id=module_id)
    completion, created = LessonCompletion.objects.get_or_create(learner=learner, lesson=lesson)
    if created:
        progress.lesson_completed(completion)
    return completion, created
