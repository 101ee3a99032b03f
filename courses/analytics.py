"""Cohort analytics for instructors: the completion funnel through each course's modules, check
pass rates and attempts, the grade distribution per rubric criterion, progress over time, work
waiting, learners at risk (and nudging them) and the grade export. Each figure is one aggregate
query, so a report costs the same number of queries however many learners there are; `charts`
turns a report into the charts the page draws and the CSV and SVG downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from courses.grading import rubric_of
from courses.models import (
    Cohort,
    CoursePage,
    Enrolment,
    FieldProjectPage,
    Grade,
    KnowledgeCheckAttempt,
    Milestone,
    QualificationPage,
    Submission,
    SubmissionMember,
    TeachingAssignment,
)
from courses.outline import get_outline
from lms.graphics import bar_chart_svg, line_chart_svg, stacked_bar_chart_svg
from lms.localization import default_locale

AT_RISK_INACTIVE_DAYS = 14
AT_RISK_LIMIT = 200
# A project deadline this close (and nothing submitted) puts a learner at risk.
AT_RISK_DEADLINE_DAYS = 7
# Failing a check this many times without passing it puts a learner at risk.
AT_RISK_FAILED_ATTEMPTS = 2
# Progress over time covers this many weeks, ending this week.
PROGRESS_WEEKS = 12


def pages_for(user) -> list[Page]:
    """Courses and qualifications whose analytics this user may see."""
    pages = Page.objects.live().filter(locale=default_locale()).type(CoursePage, QualificationPage)
    if not user.is_staff_member:
        taught = set(
            TeachingAssignment.objects.filter(instructor=user).values_list("page_id", flat=True)
        )
        taught |= set(user.cohorts_taught.values_list("page_id", flat=True))
        pages = pages.filter(id__in=taught)
    return list(pages.order_by("path"))


def _course_ids(page) -> list[int]:
    outline = get_outline()
    if page.id in outline.qualifications:
        return list(outline.qualifications[page.id].course_ids)
    return [page.id] if page.id in outline.courses else []


def _enrolments(page, cohort_id: int | None):
    enrolments = Enrolment.objects.filter(page=page).exclude(status=Enrolment.Status.WITHDRAWN)
    if cohort_id is not None:
        enrolments = enrolments.filter(cohort_id=cohort_id)
    return enrolments


def cohorts_of(page) -> list[tuple[int, str]]:
    """The cohorts of a course or qualification, to narrow its analytics to one."""
    return list(
        Cohort.objects.filter(page=page).order_by("starts_on", "id").values_list("id", "name")
    )


def report(
    *,
    page,
    now=None,
    cohort_id: int | None = None,
    inactive_days: int = AT_RISK_INACTIVE_DAYS,
) -> dict:
    now = now or timezone.now()
    outline = get_outline()
    enrolments = _enrolments(page, cohort_id)
    learners = enrolments.values("learner_id")
    course_ids = _course_ids(page)
    modules = [m for cid in course_ids for m in outline.courses[cid].modules]
    titles = dict(
        Page.objects.filter(id__in=[m.id for m in modules] + course_ids).values_list("id", "title")
    )
    completed = dict(
        Milestone.objects.filter(
            kind=Milestone.Kind.MODULE_COMPLETE,
            page_id__in=[m.id for m in modules],
            enrolment__learner_id__in=learners,
        )
        .values("page_id")
        .annotate(n=Count("enrolment__learner_id", distinct=True))
        .values_list("page_id", "n")
    )
    total = enrolments.count()
    funnel = [
        {
            "course": titles.get(outline.module_course[m.id], ""),
            "course_id": outline.module_course[m.id],
            "module": titles.get(m.id, ""),
            "completed": completed.get(m.id, 0),
            "percent": round(100 * completed.get(m.id, 0) / total) if total else 0,
        }
        for m in modules
    ]
    check_ids = [m.check_id for m in modules if m.check_id]
    check_titles = dict(Page.objects.filter(id__in=check_ids).values_list("id", "title"))
    module_of_check = {m.check_id: titles.get(m.id, "") for m in modules if m.check_id}
    rates = {
        row["check_page_id"]: row
        for row in KnowledgeCheckAttempt.objects.filter(
            check_page_id__in=check_ids, learner_id__in=learners
        )
        .exclude(status=KnowledgeCheckAttempt.Status.IN_PROGRESS)
        .values("check_page_id")
        .annotate(
            attempted=Count("learner_id", distinct=True),
            passed=Count("learner_id", distinct=True, filter=Q(passed=True)),
            attempts=Count("id"),
        )
    }
    pass_rates = [
        {
            "check": check_titles.get(cid, ""),
            "module": module_of_check[cid],
            "attempted": rates.get(cid, {}).get("attempted", 0),
            "passed": rates.get(cid, {}).get("passed", 0),
            "attempts": rates.get(cid, {}).get("attempts", 0),
            # None, not 0, when nobody tried: shown as a dash.
            "percent": round(100 * rates[cid]["passed"] / rates[cid]["attempted"])
            if rates.get(cid, {}).get("attempted")
            else None,
        }
        for cid in check_ids
    ]
    project_id = (
        outline.qualifications[page.id].field_project_id
        if page.id in outline.qualifications
        else None
    )
    waiting = awaiting_moderation = 0
    if project_id:
        submissions = Submission.objects.filter(field_project_id=project_id)
        waiting = submissions.filter(status=Submission.Status.SUBMITTED).count()
        awaiting_moderation = Grade.objects.filter(
            submission__field_project_id=project_id, status=Grade.Status.AWAITING_MODERATION
        ).count()
    return {
        "enrolled": total,
        "completed": enrolments.filter(status=Enrolment.Status.COMPLETED).count(),
        "funnel": funnel,
        "pass_rates": pass_rates,
        "grade_distribution": grade_distribution(project_id=project_id, learners=learners),
        "progress": progress_over_time(
            enrolments=enrolments, module_ids=[m.id for m in modules], now=now
        ),
        "waiting": waiting,
        "awaiting_moderation": awaiting_moderation,
        "at_risk": at_risk(
            page=page,
            project_id=project_id,
            now=now,
            cohort_id=cohort_id,
            inactive_days=inactive_days,
            check_ids=check_ids,
        ),
        "inactive_days": inactive_days,
    }


def grade_distribution(*, project_id: int | None, learners) -> list[dict]:
    """Per rubric criterion, how many released grades chose each level (lowest level first)."""
    if not project_id:
        return []
    project = FieldProjectPage.objects.get(id=project_id)
    criteria = rubric_of(project)
    counts = {c["id"]: dict.fromkeys((lv["id"] for lv in c["levels"]), 0) for c in criteria}
    released = Grade.objects.filter(
        submission__field_project_id=project_id,
        status=Grade.Status.RELEASED,
        learner_id__in=learners,
    ).values_list("levels", flat=True)
    for levels in released:
        for criterion_id, level_id in (levels or {}).items():
            if level_id in counts.get(criterion_id, {}):
                counts[criterion_id][level_id] += 1
    return [
        {
            "criterion": c["title"],
            "levels": [
                {"level": lv["title"], "count": counts[c["id"]][lv["id"]]} for lv in c["levels"]
            ],
            "graded": sum(counts[c["id"]].values()),
        }
        for c in criteria
    ]


def progress_over_time(*, enrolments, module_ids: list[int], now) -> list[dict]:
    """Week by week, the share of all modules the enrolled learners had completed by the end of
    that week (learners enrolled by then), over the last PROGRESS_WEEKS weeks."""
    this_week = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    weeks = [this_week - timedelta(weeks=n) for n in range(PROGRESS_WEEKS - 1, -1, -1)]
    done_by_week = dict(
        # A qualification's modules are completed in the course enrolments it made (`via`).
        Milestone.objects.filter(
            Q(enrolment__in=enrolments.values("id"))
            | Q(enrolment__via__in=enrolments.values("id")),
            kind=Milestone.Kind.MODULE_COMPLETE,
            page_id__in=module_ids,
        )
        .annotate(week=TruncWeek("achieved_at"))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    enrolled_by_week = dict(
        enrolments.annotate(week=TruncWeek("enrolled_at"))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    rows = []
    for week in weeks:
        end = week + timedelta(weeks=1)
        done = sum(n for w, n in done_by_week.items() if _as_datetime(w) < end)
        enrolled = sum(n for w, n in enrolled_by_week.items() if _as_datetime(w) < end)
        possible = enrolled * len(module_ids)
        rows.append(
            {
                "week": week.date(),
                "enrolled": enrolled,
                "modules_completed": done,
                "percent": round(100 * done / possible) if possible else 0,
            }
        )
    return rows


def _as_datetime(value):
    """TruncWeek gives aware datetimes on PostgreSQL and may give naive ones on SQLite."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


def at_risk(
    *,
    page,
    project_id: int | None,
    now,
    cohort_id: int | None = None,
    inactive_days: int = AT_RISK_INACTIVE_DAYS,
    check_ids: list[int] | None = None,
) -> list[dict]:
    """Active learners with no activity for `inactive_days`, whose project deadline is past or
    near with nothing submitted, or who failed a check AT_RISK_FAILED_ATTEMPTS times without
    passing it."""
    cutoff = now - timedelta(days=inactive_days)
    active = Enrolment.objects.filter(page=page, status=Enrolment.Status.ACTIVE)
    if cohort_id is not None:
        active = active.filter(cohort_id=cohort_id)
    enrolments = active.select_related("learner", "snapshot", "cohort").order_by("enrolled_at")[
        : AT_RISK_LIMIT * 5
    ]
    submitted = set()
    project = None
    if project_id:
        project = FieldProjectPage.objects.get(id=project_id)
        submitted = set(
            SubmissionMember.objects.filter(field_project_id=project_id).values_list(
                "learner_id", flat=True
            )
        )
    struggling = {}
    if check_ids:
        per_check = (
            KnowledgeCheckAttempt.objects.filter(
                check_page_id__in=check_ids, learner_id__in=active.values("learner_id")
            )
            .exclude(status=KnowledgeCheckAttempt.Status.IN_PROGRESS)
            .values("learner_id", "check_page_id")
            .annotate(
                failed=Count("id", filter=Q(passed=False)),
                passed=Count("id", filter=Q(passed=True)),
            )
            .filter(failed__gte=AT_RISK_FAILED_ATTEMPTS, passed=0)
        )
        for row in per_check:
            struggling[row["learner_id"]] = struggling.get(row["learner_id"], 0) + row["failed"]
    rows = []
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        last = snapshot.last_activity_at if snapshot else enrolment.enrolled_at
        reasons = []
        deadline = None
        if last and last < cutoff:
            reasons.append("inactive")
        if project is not None and enrolment.learner_id not in submitted:
            if enrolment.cohort and enrolment.cohort.submission_deadline:
                deadline = enrolment.cohort.submission_deadline
            else:
                deadline = enrolment.enrolled_at + timedelta(days=project.deadline_days)
            if deadline < now:
                reasons.append("past_deadline")
            elif deadline < now + timedelta(days=AT_RISK_DEADLINE_DAYS):
                reasons.append("deadline_near")
        if enrolment.learner_id in struggling:
            reasons.append("failed_attempts")
        if reasons:
            rows.append(
                {
                    "learner": enrolment.learner,
                    "enrolment_id": enrolment.id,
                    "last_activity": last,
                    "reasons": reasons,
                    "deadline": deadline,
                    "failed_attempts": struggling.get(enrolment.learner_id, 0),
                    "percent": snapshot.percent if snapshot else 0,
                }
            )
        if len(rows) >= AT_RISK_LIMIT:
            break
    return rows


# --- charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """One chart of a report: its numbers as a table (also the CSV) and a way to draw them."""

    id: str
    title: str
    desc: str
    columns: list[str]
    rows: list[list]
    draw: object  # draw(standalone: bool) -> SVG markup

    def svg(self, *, standalone: bool = False) -> str:
        return self.draw(standalone)


def _dash(value) -> str:
    return "—" if value is None else f"{value}%"


def charts(result: dict) -> list[Chart]:
    """The report's charts: the funnel of each course, check pass rates, the grade distribution
    per criterion and progress over time."""
    drawn = []
    courses: dict[int, list[dict]] = {}
    for row in result["funnel"]:
        courses.setdefault(row["course_id"], []).append(row)
    for course_id, rows in courses.items():
        chart_id = f"funnel-{course_id}"
        title = _("Completion funnel: %(course)s") % {"course": rows[0]["course"]}
        desc = _("Share of the %(n)s enrolled learners who completed each module, in order.") % {
            "n": result["enrolled"]
        }
        drawn.append(
            Chart(
                id=chart_id,
                title=title,
                desc=desc,
                columns=[_("Module"), _("Completed"), _("Percent")],
                rows=[[r["module"], r["completed"], r["percent"]] for r in rows],
                draw=lambda standalone, rows=rows, chart_id=chart_id, title=title, desc=desc: (
                    bar_chart_svg(
                        chart_id=chart_id,
                        title=title,
                        desc=desc,
                        bars=[(r["module"], r["percent"], f"{r['percent']}%") for r in rows],
                        standalone=standalone,
                    )
                ),
            )
        )
    rates = result["pass_rates"]
    if rates:
        title = _("Knowledge-check pass rates")
        desc = _(
            "Share of the learners who tried each check and passed it; a dash where nobody tried."
        )
        drawn.append(
            Chart(
                id="checks",
                title=title,
                desc=desc,
                columns=[
                    _("Check"),
                    _("Learners who tried"),
                    _("Passed"),
                    _("Attempts"),
                    _("Pass rate"),
                ],
                rows=[
                    [
                        f"{r['module']}: {r['check']}",
                        r["attempted"],
                        r["passed"],
                        r["attempts"],
                        "" if r["percent"] is None else r["percent"],
                    ]
                    for r in rates
                ],
                draw=lambda standalone, title=title, desc=desc: bar_chart_svg(
                    chart_id="checks",
                    title=title,
                    desc=desc,
                    bars=[
                        (f"{r['module']}: {r['check']}", r["percent"], _dash(r["percent"]))
                        for r in rates
                    ],
                    standalone=standalone,
                ),
            )
        )
    distribution = result["grade_distribution"]
    if distribution:
        title = _("Grade distribution per rubric criterion")
        desc = _("How many released grades gave each level, per criterion, lowest level first.")
        series = [lv["level"] for lv in distribution[0]["levels"]]
        drawn.append(
            Chart(
                id="grades",
                title=title,
                desc=desc,
                columns=[_("Criterion"), _("Level"), _("Grades")],
                rows=[
                    [d["criterion"], lv["level"], lv["count"]]
                    for d in distribution
                    for lv in d["levels"]
                ],
                draw=lambda standalone, title=title, desc=desc: stacked_bar_chart_svg(
                    chart_id="grades",
                    title=title,
                    desc=desc,
                    series=series,
                    rows=[
                        (d["criterion"], [lv["count"] for lv in d["levels"]]) for d in distribution
                    ],
                    standalone=standalone,
                ),
            )
        )
    progress = result["progress"]
    title = _("Progress over time")
    desc = _(
        "Week by week, the share of all modules that the learners enrolled by then had completed."
    )
    drawn.append(
        Chart(
            id="progress",
            title=title,
            desc=desc,
            columns=[_("Week of"), _("Enrolled"), _("Modules completed"), _("Percent")],
            rows=[
                [p["week"].isoformat(), p["enrolled"], p["modules_completed"], p["percent"]]
                for p in progress
            ],
            draw=lambda standalone, title=title, desc=desc: line_chart_svg(
                chart_id="progress",
                title=title,
                desc=desc,
                points=[(p["week"].strftime("%m-%d"), p["percent"]) for p in progress],
                standalone=standalone,
            ),
        )
    )
    return drawn


def grade_rows(*, page):
    """Header then one row per enrolled learner: progress, best check scores, project grade."""
    outline = get_outline()
    modules = [m for cid in _course_ids(page) for m in outline.courses[cid].modules]
    check_ids = [m.check_id for m in modules if m.check_id]
    # Columns are named by module ("<course> / <module> check"): check titles may repeat.
    module_of = {m.check_id: m.id for m in modules if m.check_id}
    course_of = {m.id: outline.module_course[m.id] for m in modules}
    titles = dict(
        Page.objects.filter(id__in=[*module_of.values(), *course_of.values()]).values_list(
            "id", "title"
        )
    )
    check_titles = {
        cid: f"{titles.get(course_of[module_of[cid]], '')} / {titles.get(module_of[cid], '')} check"
        for cid in check_ids
    }
    enrolments = list(
        Enrolment.objects.filter(page=page)
        .select_related("learner", "snapshot")
        .order_by("learner__username")
    )
    learner_ids = [e.learner_id for e in enrolments]
    best = {
        (row["learner_id"], row["check_page_id"]): row["best"]
        for row in KnowledgeCheckAttempt.objects.filter(
            learner_id__in=learner_ids, check_page_id__in=check_ids
        )
        .values("learner_id", "check_page_id")
        .annotate(best=Max("score"))
    }
    project_id = (
        outline.qualifications[page.id].field_project_id
        if page.id in outline.qualifications
        else None
    )
    grades = {}
    if project_id:
        grades = {
            g.learner_id: g
            for g in Grade.objects.filter(
                submission__field_project_id=project_id, learner_id__in=learner_ids
            )
        }
    yield (
        ["username", "full_name", "email", "status", "progress_percent"]
        + [check_titles[cid] for cid in check_ids]
        + [
            "project_grade_status",
            "project_percent",
            "project_passed",
            "project_distinction",
            "released_at",
        ]
    )
    for enrolment in enrolments:
        learner = enrolment.learner
        snapshot = getattr(enrolment, "snapshot", None)
        grade = grades.get(learner.id)
        released = grade is not None and grade.status == Grade.Status.RELEASED
        yield (
            [
                learner.username,
                learner.full_name,
                learner.email,
                enrolment.status,
                snapshot.percent if snapshot else 0,
            ]
            + [best.get((learner.id, cid), "") for cid in check_ids]
            + [
                grade.status if grade else "",
                str(grade.percent) if grade else "",
                ("yes" if grade.passed else "no") if released else "",
                ("yes" if grade.distinction else "no") if released else "",
                grade.released_at.isoformat() if released and grade.released_at else "",
            ]
        )


def csv_safe(value) -> str:
    """Stop spreadsheet programs from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
