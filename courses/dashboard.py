"""The learner's side of the dashboard: where to resume, enrolments with their courses and
modules, progress charts, deadlines, grades, returned work and team invitations, read from the
learner's progress summaries (courses.progress)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from courses.calendar import deadlines_for
from courses.models import (
    Enrolment,
    FieldProjectPage,
    Grade,
    RevisionRequest,
    SubmissionMember,
)
from courses.outline import get_outline
from courses.progress import learner_progress
from courses.teams import invitations_of
from lms.localization import localized_by_id

# The progress chart: a plot area inside margins for the axes' labels (SVG user units).
CHART_WIDTH, CHART_HEIGHT = 320, 160
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 44, 12, 10, 34
UPCOMING_DEADLINES = 3


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


def progress_chart(series: list[tuple[str, int]]) -> dict | None:
    """A line chart of (ISO date, percent) with axes: the points, the 0/50/100% ticks and the
    first and last dates, in SVG units; the template draws it and a table of the same data."""
    if not series:
        return None
    plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    days = [date.fromisoformat(day) for day, _percent in series]
    span = (days[-1] - days[0]).days or 1

    def x(day: date) -> float:
        if len(days) == 1:
            return CHART_LEFT + plot_w
        return round(CHART_LEFT + plot_w * (day - days[0]).days / span, 1)

    def y(percent: int) -> float:
        return round(CHART_TOP + plot_h * (100 - percent) / 100, 1)

    points = [
        {"x": x(day), "y": y(p), "day": day, "percent": p}
        for day, (_d, p) in zip(days, series, strict=True)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "top": CHART_TOP,
        "bottom": CHART_HEIGHT - CHART_BOTTOM,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
        "y_ticks": [{"y": y(p), "label": p} for p in (0, 50, 100)],
        "x_labels": [
            {"x": points[0]["x"], "day": days[0], "anchor": "start" if len(points) > 1 else "end"}
        ]
        + ([{"x": points[-1]["x"], "day": days[-1], "anchor": "end"}] if len(points) > 1 else []),
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 16,
        "first": points[0],
        "last": points[-1],
    }


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
    resume = None
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
        next_page = shown.get(summary["next"]["id"]) if summary.get("next") else None
        last_activity = progress.facts[enrolment.page_id].get("last_activity") or ""
        if next_page is not None and (resume is None or last_activity > resume["at"]):
            course = shown.get(summary["next"].get("course"))
            resume = {
                "page": next_page,
                "within": course or shown.get(enrolment.page_id),
                "kind": summary["next"]["kind"],
                "at": last_activity,
            }
        series = _progress_series(progress.facts[enrolment.page_id], summary["total"])
        rows.append(
            {
                "enrolment": enrolment,
                "page": shown.get(enrolment.page_id),
                "summary": summary,
                "courses": courses,
                "modules": modules,
                "next_page": next_page,
                "project": shown.get(project_id) if project_id else None,
                "deadline": _deadline(enrolment, project_days.get(project_id)),
                "series": series,
                "chart": progress_chart(series),
            }
        )
    grades = list(
        Grade.objects.filter(learner=user, status=Grade.Status.RELEASED).order_by("-released_at")
    )
    submission_ids = SubmissionMember.objects.filter(learner=user).values("submission_id")
    returns = list(
        RevisionRequest.objects.filter(version__submission_id__in=submission_ids)
        .select_related("version__submission", "instructor")
        .order_by("-created_at")[:10]
    )
    invitations = invitations_of(user)["received"]
    # Projects in the reader's language: grades and returns link to the project page's result.
    projects = localized_by_id(
        {g.submission.field_project_id for g in grades}
        | {r.version.submission.field_project_id for r in returns}
        | {i.field_project_id for i in invitations},
        locale,
    )
    today = timezone.localdate()
    upcoming = [d for d in deadlines_for(user, locale) if not d.is_past(today)]
    return {
        "rows": rows,
        "resume": resume,
        "grades": [
            {"grade": g, "project": projects.get(g.submission.field_project_id)} for g in grades
        ],
        "returns": [
            {"request": r, "project": projects.get(r.version.submission.field_project_id)}
            for r in returns
        ],
        "invitations": [
            {"invitation": i, "project": projects.get(i.field_project_id)} for i in invitations
        ],
        "upcoming": upcoming[:UPCOMING_DEADLINES],
    }
