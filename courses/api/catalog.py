"""The catalog in the API: qualifications, courses and field-project briefs."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router
from wagtail.rich_text import expand_db_html

from courses.api.schemas import (
    CourseOut,
    CourseSummaryOut,
    FieldProjectOut,
    PageId,
    QualificationOut,
)
from courses.grading.rubric import rubric_of
from courses.models import CoursePage, FieldProjectPage, QualificationPage
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


@router.get("/qualifications", response=list[QualificationOut], auth=None)
def qualifications(request):
    return QualificationPage.objects.live().filter(locale=default_locale()).order_by("path")


@router.get("/courses", response=list[CourseSummaryOut], auth=None)
def courses(request):
    return (
        CoursePage.objects.live()
        .filter(locale=default_locale())
        .order_by("path")
        .prefetch_related("topics", "prerequisites")
    )


@router.get("/courses/{course_id}", response=CourseOut, auth=None)
def course_detail(request, course_id: PageId):
    course = get_object_or_404(
        CoursePage.objects.live().prefetch_related("topics", "prerequisites"), pk=course_id
    )
    return course


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
