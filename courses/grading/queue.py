"""The grading queue and its rows: one presenter for the API and the instructors' pages.

A page of rows costs the same few queries however many submissions it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from courses.grading.permissions import gradeable_submissions, names_hidden
from courses.models import FieldProjectPage, Grade, Submission, SubmissionMember, SubmissionVersion
from lms.localization import localized_many

STATUSES = ("pending", "submitted", "returned", "graded", "all")


def grading_queue(user, *, status: str | None = "pending"):
    """Oldest first. `pending` means waiting for a grade or a second marker; None or "all", all."""
    queryset = gradeable_submissions(user)
    if status == "pending":
        queryset = queryset.filter(
            Q(status=Submission.Status.SUBMITTED)
            | Q(grades__status=Grade.Status.AWAITING_MODERATION)
        ).distinct()
    elif status in Submission.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("latest_submitted_at", "id")


def with_queue_data(queryset):
    """The queue's submissions with what their rows show, fetched in a fixed number of queries."""
    return queryset.select_related("field_project").prefetch_related(
        Prefetch(
            "members", queryset=SubmissionMember.objects.select_related("learner").order_by("id")
        ),
        Prefetch(
            "versions",
            queryset=SubmissionVersion.objects.only("id", "submission_id", "number", "late"),
        ),
        "grades",
    )


@dataclass(frozen=True)
class Member:
    """A team member as a grader sees them: both names are None while anonymous grading hides
    them."""

    id: int
    username: str | None
    name: str | None


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    project: FieldProjectPage  # in the viewer's language
    members: list[Member]
    late: bool
    awaiting_moderation: bool

    @property
    def resubmission(self) -> bool:
        return self.submission.version_count > 1


def queue_rows(submissions, viewer) -> list[QueueRow]:
    """Rows for submissions (fetched `with_queue_data`), names hidden where grading is anonymous."""
    submissions = list(submissions)
    projects = FieldProjectPage.objects.in_bulk({s.field_project_id for s in submissions})
    shown = dict(zip(projects, localized_many(projects.values()), strict=True))
    rows = []
    for submission in submissions:
        project = projects[submission.field_project_id]
        rows.append(
            QueueRow(
                submission=submission,
                project=shown[project.id],
                members=[
                    Member(m.learner_id, None, None)
                    if names_hidden(submission, project, m.learner_id, viewer)
                    else Member(m.learner_id, m.learner.username, m.learner.display_name)
                    for m in submission.members.all()
                ],
                late=any(
                    v.late
                    for v in submission.versions.all()
                    if v.number == submission.version_count
                ),
                awaiting_moderation=any(
                    g.status == Grade.Status.AWAITING_MODERATION for g in submission.grades.all()
                ),
            )
        )
    return rows
