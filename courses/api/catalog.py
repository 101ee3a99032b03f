"""The catalog in the API: qualifications, courses, knowledge checks and field-project briefs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router
from wagtail.rich_text import expand_db_html

from courses.api.schemas import (
    CourseOut,
    CourseSummaryOut,
    FieldProjectOut,
    KnowledgeCheckOut,
    PageId,
    QualificationOut,
)
from courses.grading.rubric import rubric_of
from courses.knowledge_checks import public_questions
from courses.models import CoursePage, FieldProjectPage, KnowledgeCheckPage, QualificationPage
from courses.outline import get_outline
from courses.page_contexts import course_tree
from lms.localization import default_locale

router = Router(tags=["courses"])


def rubric_out(project: FieldProjectPage) -> dict:
    return {
        "criteria": [
            {
                **c,
                "weight": float(c["weight"]),
                "levels": [
                    {k: lv[k] for k in ("id", "title", "points", "descriptor")}
                    for lv in c["levels"]
                ],
            }
            for c in rubric_of(project)
        ],
        "pass_mark": project.pass_mark,
        "minimum_level": project.minimum_level,
        "distinction_mark": project.distinction_mark,
    }


def check_out(check: KnowledgeCheckPage) -> dict:
    return {
        "id": check.id,
        "title": check.title,
        "pass_mark": check.pass_mark,
        "max_attempts": check.max_attempts,
        "questions": public_questions(check),
    }


def course_summary_out(course: CoursePage) -> dict:
    return {
        "id": course.id,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "url": course.url,
        "region": course.region,
        "estimated_hours": float(course.estimated_hours),
        "topics": [t.slug for t in course.topics.all()],
        "prerequisites": [p.required_id for p in course.prerequisites.all()],
    }


@router.get("/qualifications", response=list[QualificationOut], auth=None)
def qualifications(request):
    outline = get_outline()
    pages = QualificationPage.objects.live().filter(locale=default_locale()).order_by("path")
    rows = []
    for q in pages:
        shape = outline.qualifications.get(q.id)
        rows.append(
            {
                "id": q.id,
                "slug": q.slug,
                "title": q.title,
                "summary": q.summary,
                "url": q.url,
                "courses": list(shape.course_ids) if shape else [],
                "field_project": shape.field_project_id if shape else None,
                "requires_moderation": q.requires_moderation,
                "validity_months": q.validity_months,
            }
        )
    return rows


@router.get("/courses", response=list[CourseSummaryOut], auth=None)
def courses(request):
    pages = (
        CoursePage.objects.live()
        .filter(locale=default_locale())
        .order_by("path")
        .prefetch_related("topics", "prerequisites")
    )
    return [course_summary_out(c) for c in pages]


@router.get("/courses/{course_id}", response=CourseOut, auth=None)
def course_detail(request, course_id: PageId):
    course = get_object_or_404(
        CoursePage.objects.live().prefetch_related("topics", "prerequisites"), pk=course_id
    )
    tree = course_tree(course)
    check_ids = [m["check"].id for m in tree if m["check"]]
    checks = {c.id: c for c in KnowledgeCheckPage.objects.filter(id__in=check_ids)}
    return {
        **course_summary_out(course),
        "sequential_modules": course.sequential_modules,
        "modules": [
            {
                "id": m["page"].id,
                "title": m["page"].title,
                "url": m["page"].url,
                "lessons": [{"id": le.id, "title": le.title, "url": le.url} for le in m["lessons"]],
                "knowledge_check": check_out(checks[m["check"].id]) if m["check"] else None,
            }
            for m in tree
        ],
    }


@router.get("/knowledge-checks/{check_id}", response=KnowledgeCheckOut, auth=None)
def knowledge_check(request, check_id: PageId):
    return check_out(get_object_or_404(KnowledgeCheckPage.objects.live(), pk=check_id))


@router.get("/field-projects/{project_id}", response=FieldProjectOut, auth=None)
def field_project(request, project_id: PageId):
    project = get_object_or_404(FieldProjectPage.objects.live(), pk=project_id)
    return {
        "id": project.id,
        "title": project.title,
        "summary": project.summary,
        "brief": expand_db_html(project.brief),
        "deliverables": expand_db_html(project.deliverables),
        "deadline_days": project.deadline_days,
        "max_team_size": project.max_team_size,
        "qualification": project.get_parent().id,
        "rubric": rubric_out(project),
    }
