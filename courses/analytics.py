"""Cohort analytics for instructors: completion funnel, check pass rates, work waiting,
learners at risk and the grade export. Each figure is one aggregate query."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone
from wagtail.models import Page

from courses.models import (
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
from lms.localization import default_locale

AT_RISK_INACTIVE_DAYS = 14
AT_RISK_LIMIT = 200


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


def report(*, page, now=None) -> dict:
    now = now or timezone.now()
    outline = get_outline()
    enrolments = Enrolment.objects.filter(page=page).exclude(status=Enrolment.Status.WITHDRAWN)
    learners = enrolments.values("learner_id")
    modules = [m for cid in _course_ids(page) for m in outline.courses[cid].modules]
    titles = dict(Page.objects.filter(id__in=[m.id for m in modules]).values_list("id", "title"))
    completed = dict(
        Milestone.objects.filter(
            kind=Milestone.Kind.MODULE_COMPLETE,
            page_id__in=titles,
            enrolment__learner_id__in=learners,
        )
        .values("page_id")
        .annotate(n=Count("enrolment__learner_id", distinct=True))
        .values_list("page_id", "n")
    )
    total = enrolments.count()
    funnel = [
        {
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
        )
    }
    pass_rates = [
        {
            "check": check_titles.get(cid, ""),
            "module": module_of_check[cid],
            "attempted": rates.get(cid, {}).get("attempted", 0),
            "passed": rates.get(cid, {}).get("passed", 0),
            "percent": round(100 * rates[cid]["passed"] / rates[cid]["attempted"])
            if rates.get(cid, {}).get("attempted")
            else 0,
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
        "waiting": waiting,
        "awaiting_moderation": awaiting_moderation,
        "at_risk": at_risk(page=page, project_id=project_id, now=now),
    }


def at_risk(*, page, project_id: int | None, now) -> list[dict]:
    """Active learners with no activity for 14 days, or past the project deadline unsubmitted."""
    cutoff = now - timedelta(days=AT_RISK_INACTIVE_DAYS)
    enrolments = (
        Enrolment.objects.filter(page=page, status=Enrolment.Status.ACTIVE)
        .select_related("learner", "snapshot", "cohort")
        .order_by("enrolled_at")[: AT_RISK_LIMIT * 5]
    )
    submitted = set()
    project = None
    if project_id:
        project = FieldProjectPage.objects.get(id=project_id)
        submitted = set(
            SubmissionMember.objects.filter(field_project_id=project_id).values_list(
                "learner_id", flat=True
            )
        )
    rows = []
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        last = snapshot.last_activity_at if snapshot else enrolment.enrolled_at
        reasons = []
        if last and last < cutoff:
            reasons.append("inactive")
        if project is not None and enrolment.learner_id not in submitted:
            if enrolment.cohort and enrolment.cohort.submission_deadline:
                deadline = enrolment.cohort.submission_deadline
            else:
                deadline = enrolment.enrolled_at + timedelta(days=project.deadline_days)
            if deadline < now:
                reasons.append("past_deadline")
        if reasons:
            rows.append(
                {
                    "learner": enrolment.learner,
                    "last_activity": last,
                    "reasons": reasons,
                    "percent": snapshot.percent if snapshot else 0,
                }
            )
        if len(rows) >= AT_RISK_LIMIT:
            break
    return rows


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
