"""The shape of the live curriculum (default language), cached across processes.

Progress needs to know which lessons and checks make up each module, which modules each course
has, and which courses a qualification requires. Reading that from pages for every event would
make each event's cost grow with the curriculum's queries; instead the outline is built in a few
queries, cached, and rebuilt when a page is published, unpublished, moved or deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from wagtail.models import Page

from courses import models
from lms.localization import default_locale

CACHE_KEY = "courses:outline"
VERSION_KEY = "courses:outline-version"
_memo: dict[str, Outline] = {}


@dataclass(frozen=True)
class ModuleOutline:
    id: int
    lesson_ids: tuple[int, ...]
    check_id: int | None

    @property
    def item_count(self) -> int:
        return len(self.lesson_ids) + (1 if self.check_id else 0)


@dataclass(frozen=True)
class CourseOutline:
    id: int
    modules: tuple[ModuleOutline, ...]
    sequential: bool
    prerequisite_ids: tuple[int, ...]

    @property
    def item_count(self) -> int:
        return sum(m.item_count for m in self.modules)


@dataclass(frozen=True)
class QualificationOutline:
    id: int
    course_ids: tuple[int, ...]
    field_project_id: int | None
    evidence_required: bool
    prerequisite_ids: tuple[int, ...]
    requires_moderation: bool


@dataclass
class Outline:
    version: str
    courses: dict[int, CourseOutline] = field(default_factory=dict)
    qualifications: dict[int, QualificationOutline] = field(default_factory=dict)
    lesson_module: dict[int, int] = field(default_factory=dict)
    check_module: dict[int, int] = field(default_factory=dict)
    module_course: dict[int, int] = field(default_factory=dict)
    project_qualification: dict[int, int] = field(default_factory=dict)

    def course_of(self, *, lesson_id: int | None = None, check_id: int | None = None) -> int | None:
        module_id = (
            self.lesson_module.get(lesson_id) if lesson_id else self.check_module.get(check_id)
        )
        return self.module_course.get(module_id) if module_id else None

    def qualifications_with_course(self, course_id: int) -> list[int]:
        return [q.id for q in self.qualifications.values() if course_id in q.course_ids]


def _build(version: str) -> Outline:
    locale = default_locale()
    live = Page.objects.live().filter(locale=locale).order_by("path")
    rows = list(
        live.type(
            models.CoursePage,
            models.ModulePage,
            models.LessonPage,
            models.KnowledgeCheckPage,
            models.QualificationPage,
            models.FieldProjectPage,
        ).values_list("id", "path", "depth", "content_type__model")
    )
    courses = {r[0]: r for r in rows if r[3] == "coursepage"}
    parent_of: dict[str, int] = {r[1]: r[0] for r in rows}
    step = Page.steplen
    children: dict[int, list[tuple[int, str]]] = {}
    for page_id, path, _depth, model in rows:
        parent_id = parent_of.get(path[:-step])
        if parent_id is not None:
            children.setdefault(parent_id, []).append((page_id, model))

    course_flags = dict(
        models.CoursePage.objects.filter(id__in=courses).values_list("id", "sequential_modules")
    )
    course_prereqs: dict[int, list[int]] = {}
    for course_id, required_id in (
        models.CoursePrerequisite.objects.filter(course_id__in=courses)
        .order_by("sort_order")
        .values_list("course_id", "required_id")
    ):
        course_prereqs.setdefault(course_id, []).append(required_id)

    outline = Outline(version=version)
    for course_id in courses:
        modules = []
        for module_id, model in children.get(course_id, []):
            if model != "modulepage":
                continue
            kids = children.get(module_id, [])
            lessons = tuple(pid for pid, m in kids if m == "lessonpage")
            check = next((pid for pid, m in kids if m == "knowledgecheckpage"), None)
            modules.append(ModuleOutline(module_id, lessons, check))
            outline.module_course[module_id] = course_id
            for lesson_id in lessons:
                outline.lesson_module[lesson_id] = module_id
            if check:
                outline.check_module[check] = module_id
        outline.courses[course_id] = CourseOutline(
            id=course_id,
            modules=tuple(modules),
            sequential=course_flags.get(course_id, False),
            prerequisite_ids=tuple(course_prereqs.get(course_id, [])),
        )

    qualification_ids = [r[0] for r in rows if r[3] == "qualificationpage"]
    required: dict[int, list[int]] = {}
    for qid, cid in (
        models.QualificationCourse.objects.filter(qualification_id__in=qualification_ids)
        .order_by("sort_order")
        .values_list("qualification_id", "course_id")
    ):
        if cid in outline.courses:
            required.setdefault(qid, []).append(cid)
    qual_prereqs: dict[int, list[int]] = {}
    for qid, rid in (
        models.QualificationPrerequisite.objects.filter(qualification_id__in=qualification_ids)
        .order_by("sort_order")
        .values_list("qualification_id", "required_id")
    ):
        qual_prereqs.setdefault(qid, []).append(rid)
    flags = {
        row[0]: row[1:]
        for row in models.QualificationPage.objects.filter(id__in=qualification_ids).values_list(
            "id", "evidence_required", "requires_moderation"
        )
    }
    for qid in qualification_ids:
        project = next((pid for pid, m in children.get(qid, []) if m == "fieldprojectpage"), None)
        if project:
            outline.project_qualification[project] = qid
        outline.qualifications[qid] = QualificationOutline(
            id=qid,
            course_ids=tuple(required.get(qid, [])),
            field_project_id=project,
            evidence_required=flags[qid][0],
            prerequisite_ids=tuple(qual_prereqs.get(qid, [])),
            requires_moderation=flags[qid][1],
        )
    return outline


def get_outline() -> Outline:
    connection = transaction.get_connection()
    if connection.in_atomic_block and _publish_pending(connection):
        # This transaction changed pages that others cannot see yet: read our own view.
        return _build("uncommitted")
    version = cache.get(VERSION_KEY)
    if version is None:
        version = outline_invalidate()
    outline = _memo.get("outline")
    if outline is not None and outline.version == version:
        return outline
    outline = cache.get(CACHE_KEY)
    if outline is None or outline.version != version:
        outline = _build(version)
        cache.set(CACHE_KEY, outline, timeout=None)
    _memo["outline"] = outline
    return outline


def outline_invalidate(**kwargs) -> str:
    """A new version for every process: each rebuilds on its next read."""
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def _publish() -> None:
    outline_invalidate()


def _publish_pending(connection) -> bool:
    # Django drops callbacks of a rolled-back transaction or savepoint from this list, so a
    # change that was rolled back is neither published nor read as our own view.
    return any(callback is _publish for _sids, callback, _robust in connection.run_on_commit)


def outline_changed() -> None:
    """The page tree changed in the current transaction: publish a new version once it commits.

    Many saves in one transaction (a curriculum load) publish one version, not one each.
    """
    if not _publish_pending(transaction.get_connection()):
        transaction.on_commit(_publish)
