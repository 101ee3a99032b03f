"""Deep linking: an instructor on the platform picks one of our courses, qualifications or lessons,
and the platform places a link to it (with a gradebook column for a course or qualification)."""

from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from courses.models import CoursePage, LessonPage, QualificationPage
from lms.localization import default_locale
from lms.lti import endpoints
from lms.lti.launch import PAGE_PARAMETER, target_page


@dataclass
class Choice:
    page: object
    kind: str
    lessons: list


def choices() -> list[Choice]:
    """What an instructor may place: each live qualification, and each course with its lessons."""
    locale = default_locale()
    found = [
        Choice(page=q, kind="qualification", lessons=[])
        for q in QualificationPage.objects.live().filter(locale=locale).order_by("path")
    ]
    for course in CoursePage.objects.live().filter(locale=locale).order_by("path"):
        lessons = list(LessonPage.objects.live().descendant_of(course).order_by("path"))
        found.append(Choice(page=course, kind="course", lessons=lessons))
    return found


def launch_url() -> str:
    return endpoints.absolute(endpoints.LAUNCH)


def resource_for(page_id) -> DeepLinkResource | None:
    """The content item placing one page: our launch URL with the page as a custom parameter; a
    course or qualification also asks for a gradebook column (scores 0 to 100)."""
    page = target_page(page_id)
    if page is None:
        return None
    resource = (
        DeepLinkResource()
        .set_url(launch_url())
        .set_title(page.title)
        .set_custom_params({PAGE_PARAMETER: str(page.id)})
    )
    if isinstance(page, CoursePage | QualificationPage):
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(100)
            .set_label(page.title)
            .set_resource_id(str(page.id))
            .set_tag("course_completion" if isinstance(page, CoursePage) else "project_grade")
        )
    return resource
