"""What a certificate's transcript records, read once at issue: the qualification's courses with
the dates the learner completed them (their milestones), and the field project with the level the
learner reached on each rubric criterion, the weighted score and the result in words.

Titles are those of the default language, with the Chinese ones beside them for a bilingual
certificate (`translation_locale`).
"""

from __future__ import annotations

from django.db.models import Min

from courses.grading.rubric import rubric_of
from courses.models import Grade, Milestone, QualificationPage, SubmissionMember
from lms.localization import localized, localized_many

PASSED = "pass"
DISTINCTION = "distinction"


def _completion_dates(learner_id: int, course_ids: list[int]) -> dict[int, str]:
    rows = (
        Milestone.objects.filter(
            enrolment__learner_id=learner_id,
            kind=Milestone.Kind.COURSE_COMPLETE,
            page_id__in=course_ids,
        )
        .values("page_id")
        .annotate(first=Min("achieved_at"))
    )
    return {row["page_id"]: row["first"].date().isoformat() for row in rows}


def _courses(learner_id: int, qualification: QualificationPage, translation_locale) -> list[dict]:
    courses = [
        link.course
        for link in qualification.required_courses.select_related("course").order_by("sort_order")
    ]
    translated = localized_many(courses, translation_locale) if translation_locale else courses
    dates = _completion_dates(learner_id, [c.id for c in courses])
    return [
        {
            "title": course.title,
            "title_zh": shown.title if shown.pk != course.pk else "",
            "completed_on": dates.get(course.id, ""),
        }
        for course, shown in zip(courses, translated, strict=True)
    ]


def _released_grade(learner_id: int, project) -> Grade | None:
    member = SubmissionMember.objects.filter(learner_id=learner_id, field_project=project).first()
    if member is None:
        return None
    return Grade.objects.filter(
        submission_id=member.submission_id, learner_id=learner_id, status=Grade.Status.RELEASED
    ).first()


def _translated_rubric(project, translation_locale) -> tuple[str, dict[str, str]]:
    """The project's title and its criterion and level titles (by id) in the other language."""
    if translation_locale is None:
        return "", {}
    shown = localized(project, translation_locale)
    if shown.pk == project.pk:
        return "", {}
    titles = {}
    for criterion in rubric_of(shown.specific):
        titles[criterion["id"]] = criterion["title"]
        for level in criterion["levels"]:
            titles[level["id"]] = level["title"]
    return shown.title, titles


def _project(learner_id: int, qualification: QualificationPage, translation_locale) -> dict | None:
    project = qualification.field_project
    if project is None:
        return None
    grade = _released_grade(learner_id, project)
    if grade is None:
        return None
    achieved = {row["criterion"]: row["level"] for row in grade.breakdown}
    title_zh, translated = _translated_rubric(project, translation_locale)
    criteria = []
    for criterion in rubric_of(project):
        criteria.append(
            {
                "id": criterion["id"],
                "title": criterion["title"],
                "title_zh": translated.get(criterion["id"], ""),
                "weight": str(criterion["weight"]),
                "achieved": achieved.get(criterion["id"], ""),
                "levels": [
                    {
                        "id": level["id"],
                        "title": level["title"],
                        "title_zh": translated.get(level["id"], ""),
                        "points": level["points"],
                        "descriptor": level["descriptor"],
                    }
                    for level in criterion["levels"]
                ],
            }
        )
    return {
        "title": project.title,
        "title_zh": title_zh,
        "percent": str(grade.percent),
        "outcome": DISTINCTION if grade.distinction else PASSED,
        "pass_mark": project.pass_mark,
        "distinction_mark": project.distinction_mark,
        "minimum_level": project.minimum_level,
        "moderated": grade.moderated_by_id is not None,
        "criteria": criteria,
    }


def transcript_of(
    *, learner_id: int, qualification: QualificationPage, translation_locale=None
) -> dict:
    """The courses and the field project as they stand now, to be frozen into a certificate."""
    return {
        "courses": _courses(learner_id, qualification, translation_locale),
        "project": _project(learner_id, qualification, translation_locale),
        "evidence_reviewed": qualification.evidence_required,
    }
