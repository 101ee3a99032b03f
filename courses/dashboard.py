"""The learner's side of the dashboard: enrolments with progress, next steps, deadlines, grades
and returned work, read from the learner's progress summaries (courses.progress)."""

from __future__ import annotations

from datetime import timedelta

from courses.models import (
    Enrolment,
    FieldProjectPage,
    Grade,
    RevisionRequest,
    SubmissionMember,
)
from courses.outline import get_outline
from courses.progress import learner_progress
from lms.localization import localized_by_id


def _progress_series(facts: dict, total: int) -> list[tuple[str, int]]:
    """(date, percent complete) at the end of each day something was completed."""
    if not total:
        return []
    times = list(facts.get("lessons", {}).values())
    for attempts in facts.get("checks", {}).values():
        passed = [a["at"] for a in attempts.values() if a["passed"]]
        if passed:
            times.append(min(passed))
    for project in facts.get("projects", {}).values():
        grade = project.get("grade")
        if grade and grade["passed"]:
            times.append(grade["at"])
    series = []
    for day in sorted({t[:10] for t in times}):
        done = sum(1 for t in times if t[:10] <= day)
        series.append((day, min(100, round(100 * done / total))))
    return series


def _deadline(enrolment: Enrolment, project_days: int | None):
    if project_days is None:
        return None
    if enrolment.cohort and enrolment.cohort.submission_deadline:
        return enrolment.cohort.submission_deadline
    return enrolment.enrolled_at + timedelta(days=project_days)


def dashboard_for(user, locale) -> dict:
    """A learner's own enrolments (not those a qualification made) with their progress."""
    outline = get_outline()
    progress = learner_progress(user)
    enrolments = sorted(
        (
            e
            for e in progress.enrolments.values()
            if e.via_id is None and e.status != Enrolment.Status.WITHDRAWN
        ),
        key=lambda e: e.enrolled_at,
        reverse=True,
    )
    wanted: set[int] = set()
    for enrolment in enrolments:
        summary = progress.summaries[enrolment.page_id]
        wanted.add(enrolment.page_id)
        if summary.get("next"):
            wanted.add(summary["next"]["id"])
        for course in summary.get("courses", []):
            wanted.add(course["id"])
            wanted.update(m["id"] for m in course.get("modules", []))
        wanted.update(m["id"] for m in summary.get("modules", []))
    shown = localized_by_id(wanted, locale)
    project_days = dict(
        FieldProjectPage.objects.filter(
            id__in=[
                q.field_project_id for q in outline.qualifications.values() if q.field_project_id
            ]
        ).values_list("id", "deadline_days")
    )
    rows = []
    for enrolment in enrolments:
        summary = progress.summaries[enrolment.page_id]
        qualification = outline.qualifications.get(enrolment.page_id)
        project_id = qualification.field_project_id if qualification else None
        courses = [
            {
                **course,
                "page": shown.get(course["id"]),
                "modules": [
                    {**module, "page": shown.get(module["id"])}
                    for module in course.get("modules", [])
                ],
            }
            for course in summary.get("courses", [])
        ]
        modules = [{**m, "page": shown.get(m["id"])} for m in summary.get("modules", [])]
        rows.append(
            {
                "enrolment": enrolment,
                "page": shown.get(enrolment.page_id),
                "summary": summary,
                "courses": courses,
                "modules": modules,
                "next_page": shown.get(summary["next"]["id"]) if summary.get("next") else None,
                "deadline": _deadline(enrolment, project_days.get(project_id)),
                "series": _progress_series(progress.facts[enrolment.page_id], summary["total"]),
            }
        )
    grades = list(
        Grade.objects.filter(learner=user, status=Grade.Status.RELEASED)
        .select_related("submission__field_project")
        .order_by("-released_at")
    )
    submission_ids = SubmissionMember.objects.filter(learner=user).values("submission_id")
    returns = list(
        RevisionRequest.objects.filter(version__submission_id__in=submission_ids)
        .select_related("version__submission__field_project", "instructor")
        .order_by("-created_at")[:10]
    )
    return {"rows": rows, "grades": grades, "returns": returns}
