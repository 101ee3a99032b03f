"""Telling instructors and moderators: a new submission or a resubmission to grade, a grade
waiting for a second marker, and submissions left ungraded too long (a daily job, threshold
`settings.GRADING_OVERDUE_DAYS`). Each goes in the site and by e-mail as the person chose, once
per submission version (the notification key)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from courses.grading.permissions import instructors_of
from courses.models import FieldProjectPage, Grade, Submission, SubmissionVersion
from lms.notifications.services import notify


def _grading_link(submission: Submission, user) -> str:
    with translation.override(user.preferred_language):
        return reverse("grading-submission", args=[submission.id])


def _who(submission: Submission, project: FieldProjectPage, user) -> str:
    """The learners, as a grader may see them: an anonymous code while grading is anonymous."""
    if project.anonymous_grading:
        with translation.override(user.preferred_language):
            return _("Learner %(code)s") % {"code": submission.anonymous_code}
    members = submission.members.select_related("learner").order_by("learner_id")
    return ", ".join(member.learner.display_name for member in members)


def submission_received(version: SubmissionVersion) -> int:
    """Tell the submission's instructors about a new version (resubmission after the first).
    Returns how many were told."""
    submission = version.submission
    project = submission.field_project.specific
    template = "submission_resubmitted" if version.number > 1 else "submission_received"
    instructors = instructors_of(submission)
    for instructor in instructors:
        notify(
            instructor,
            key=f"{template}:{submission.id}:v{version.number}:{instructor.id}",
            template=template,
            context={
                "title": project.title,
                "page": project.id,
                "link": _grading_link(submission, instructor),
                "learner": _who(submission, project, instructor),
                "version": version.number,
                "late": version.late,
            },
        )
    return len(instructors)


def moderation_waiting(grade: Grade, *, grader) -> int:
    """Tell the second markers (the submission's other instructors; staff if there is none)
    that a grade waits for moderation. Returns how many were told."""
    submission = grade.submission
    project = submission.field_project.specific
    moderators = [user for user in instructors_of(submission) if user.id != grader.id]
    if not moderators:
        moderators = list(
            get_user_model()
            .objects.filter(role=get_user_model().Role.STAFF, is_active=True)
            .exclude(pk=grader.id)
            .order_by("id")
        )
    for moderator in moderators:
        notify(
            moderator,
            key=f"moderation:{grade.id}:{grade.revision}:{moderator.id}",
            template="moderation_waiting",
            context={
                "title": project.title,
                "page": project.id,
                "link": _grading_link(submission, moderator),
                "learner": _who(submission, project, moderator),
                "grader": grader.display_name,
            },
        )
    return len(moderators)


def grading_overdue_send(*, now=None) -> int:
    """Tell each submission's instructors about every version waiting for a grade longer than
    `settings.GRADING_OVERDUE_DAYS`, once per version. Returns how many were told."""
    now = now or timezone.now()
    days = settings.GRADING_OVERDUE_DAYS
    waiting = Submission.objects.filter(
        status=Submission.Status.SUBMITTED, latest_submitted_at__lte=now - timedelta(days=days)
    ).select_related("field_project")
    count = 0
    for submission in waiting.iterator(chunk_size=200):
        project = submission.field_project.specific
        for instructor in instructors_of(submission):
            notify(
                instructor,
                key=f"grading-overdue:{submission.id}:v{submission.version_count}:{instructor.id}",
                template="grading_overdue",
                context={
                    "title": project.title,
                    "page": project.id,
                    "link": _grading_link(submission, instructor),
                    "learner": _who(submission, project, instructor),
                    "version": submission.version_count,
                    "days": (now - submission.latest_submitted_at).days,
                },
            )
            count += 1
    return count
