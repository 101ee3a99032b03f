"""Who teaches what: instructors are assigned courses or qualifications, and grade their work."""

from django.db import transaction
from wagtail.models import Page

from courses.models import CoursePage, QualificationPage, TeachingAssignment
from lms.localization import default_locale


@transaction.atomic
def teaching_assign(*, instructor, slugs: list[str]) -> list[TeachingAssignment]:
    """Give an instructor the courses or qualifications with these slugs (default language).

    Raises ValueError naming any slug that is neither a course nor a qualification.
    """
    if not instructor.is_instructor:
        raise ValueError(f"{instructor.username} is not an instructor.")
    locale = default_locale()
    pages = {
        page.slug: page
        for page in Page.objects.filter(slug__in=slugs, locale=locale).type(
            CoursePage, QualificationPage
        )
    }
    unknown = [slug for slug in slugs if slug not in pages]
    if unknown:
        raise ValueError(
            "No course or qualification with the slug: "
            + ", ".join(sorted(unknown))
            + ". Load the curriculum first (manage.py load_curriculum)."
        )
    return [
        TeachingAssignment.objects.get_or_create(instructor=instructor, page=pages[slug])[0]
        for slug in slugs
    ]
