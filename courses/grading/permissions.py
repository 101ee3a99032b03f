"""Who grades what: staff grade everything; instructors what they teach or whose cohort they
lead. The one place views, the API and the grading actions ask."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from courses.models import (
    Enrolment,
    FieldProjectPage,
    Grade,
    Submission,
    TeachingAssignment,
)
from courses.outline import get_outline


class GradingPermissionError(PermissionDenied):
    """The user may not take this grading action (HTTP 403)."""


def _taught_project_ids(user) -> set[int]:
    outline = get_outline()
    taught = set(
        TeachingAssignment.objects.filter(instructor=user).values_list("page_id", flat=True)
    )
    projects = {pid for pid, qid in outline.project_qualification.items() if qid in taught}
    if taught:
        projects |= set(
            FieldProjectPage.objects.filter(course_id__in=taught).values_list("id", flat=True)
        )
    return projects


def gradeable_submissions(user):
    """Submissions this user may grade: staff all; instructors those of what they teach."""
    if user.is_staff_member:
        return Submission.objects.all()
    if not user.is_instructor:
        return Submission.objects.none()
    outline = get_outline()
    cohort_pairs = list(
        Enrolment.objects.filter(
            cohort__instructors=user, kind=Enrolment.Kind.QUALIFICATION
        ).values_list("learner_id", "page_id")
    )
    condition = Q(field_project_id__in=_taught_project_ids(user))
    for learner_id, qualification_id in cohort_pairs:
        project_id = (
            outline.qualifications.get(qualification_id)
            and outline.qualifications[qualification_id].field_project_id
        )
        if project_id:
            condition |= Q(field_project_id=project_id, members__learner_id=learner_id)
    return Submission.objects.filter(condition).distinct()


def instructors_of(submission: Submission) -> list:
    """The instructors who grade this submission, as `gradeable_submissions` decides it the
    other way round: those who teach its qualification or the course it concludes, and those
    who lead the cohort of a member's qualification enrolment. Staff are not listed."""
    project = submission.field_project
    outline = get_outline()
    qualification_id = outline.project_qualification.get(project.id)
    taught_pages = {
        page_id
        for page_id in (
            qualification_id,
            FieldProjectPage.objects.filter(pk=project.id)
            .values_list("course_id", flat=True)
            .first(),
        )
        if page_id
    }
    by_teaching = Q(teaching_assignments__page_id__in=taught_pages)
    qualification_ids = [
        qid
        for qid, qualification in outline.qualifications.items()
        if qualification.field_project_id == project.id
    ]
    member_ids = list(submission.members.values_list("learner_id", flat=True))
    by_cohort = Q(
        cohorts_taught__enrolments__learner_id__in=member_ids,
        cohorts_taught__enrolments__kind=Enrolment.Kind.QUALIFICATION,
        cohorts_taught__enrolments__page_id__in=qualification_ids,
    )
    return list(
        get_user_model()
        .objects.filter(
            by_teaching | by_cohort, role=get_user_model().Role.INSTRUCTOR, is_active=True
        )
        .distinct()
        .order_by("id")
    )


def can_grade(user, submission: Submission) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff_member:
        return True
    return user.is_instructor and gradeable_submissions(user).filter(pk=submission.pk).exists()


def require_grader(user) -> None:
    """Only instructors and staff reach grading pages and endpoints at all."""
    if not (user.is_instructor or user.is_staff_member):
        raise GradingPermissionError(_("Only instructors and staff grade submissions."))


def submission_for_grader(user, submission_id: int) -> Submission:
    """The submission, if this user grades it: 403 for a non-grader, 404 when missing, 403
    when someone else's."""
    require_grader(user)
    submission = get_object_or_404(Submission, pk=submission_id)
    if not can_grade(user, submission):
        raise GradingPermissionError(_("You do not grade this submission."))
    return submission


def names_hidden(
    submission: Submission, project: FieldProjectPage, learner_id: int, viewer
) -> bool:
    """Anonymous grading hides a member's name from graders until that grade is released."""
    if not project.anonymous_grading or viewer.is_staff_member:
        return False
    released = {g.learner_id for g in submission.grades.all() if g.status == Grade.Status.RELEASED}
    return learner_id not in released
