"""The grading queue and its rows: one presenter for the API and the instructors' pages.

The queue has tabs (to grade, to moderate, returned, graded) with their counts, and filters
(cohort, course or qualification, late, waiting longer than some days). A page of rows and the
tab counts cost the same few queries however many submissions there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from wagtail.models import Page

from courses.grading.permissions import gradeable_submissions, names_hidden
from courses.models import (
    Cohort,
    Enrolment,
    FieldProjectPage,
    Grade,
    Submission,
    SubmissionMember,
    SubmissionVersion,
    TeachingAssignment,
)
from courses.outline import get_outline
from lms.localization import localized_many

# The tabs of the instructors' queue, in order; the API also knows the older names.
TABS = ("to_grade", "to_moderate", "returned", "graded")
STATUSES = (*TABS, "pending", "submitted", "all")
# "Waiting longer than N days" accepts up to this many days.
MAX_WAITING_DAYS = 3650


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to: all None/False shows everything the user grades."""

    cohort: int | None = None
    page: int | None = None  # a qualification or course: its field project
    late: bool = False
    waiting_days: int | None = None


def _needs_grade():
    """A member still needs a grade for the latest version (none released or in moderation)."""
    done = Grade.objects.filter(
        submission_id=OuterRef("submission_id"),
        learner_id=OuterRef("learner_id"),
        status__in=[Grade.Status.AWAITING_MODERATION, Grade.Status.RELEASED],
        version_number=OuterRef("submission__version_count"),
    )
    return Exists(
        SubmissionMember.objects.filter(submission_id=OuterRef("pk")).exclude(Exists(done))
    )


def _to_moderate(user):
    """A grade waits for a second marker, and this user did not give it."""
    return Exists(
        Grade.objects.filter(
            submission_id=OuterRef("pk"), status=Grade.Status.AWAITING_MODERATION
        ).exclude(graded_by=user)
    )


def _project_ids_of(page_id: int) -> set[int]:
    """The field projects of a qualification or a course."""
    outline = get_outline()
    ids = {pid for pid, qid in outline.project_qualification.items() if qid == page_id}
    ids |= set(FieldProjectPage.objects.filter(course_id=page_id).values_list("id", flat=True))
    return ids


def _filtered(queryset, filters: QueueFilters | None, now=None):
    if filters is None:
        return queryset
    if filters.cohort is not None:
        in_cohort = Enrolment.objects.filter(cohort_id=filters.cohort).values("learner_id")
        queryset = queryset.filter(
            Exists(
                SubmissionMember.objects.filter(
                    submission_id=OuterRef("pk"), learner_id__in=in_cohort
                )
            )
        )
    if filters.page is not None:
        queryset = queryset.filter(field_project_id__in=_project_ids_of(filters.page))
    if filters.late:
        queryset = queryset.filter(
            Exists(
                SubmissionVersion.objects.filter(
                    submission_id=OuterRef("pk"), number=OuterRef("version_count"), late=True
                )
            )
        )
    if filters.waiting_days is not None:
        since = (now or timezone.now()) - timedelta(days=filters.waiting_days)
        queryset = queryset.filter(latest_submitted_at__lt=since)
    return queryset


def _tab_condition(tab: str, user) -> Q:
    if tab == "to_grade":
        return Q(_needs_grade(), status=Submission.Status.SUBMITTED)
    if tab == "to_moderate":
        return Q(_to_moderate(user))
    return Q(
        status={"returned": Submission.Status.RETURNED, "graded": Submission.Status.GRADED}[tab]
    )


def grading_queue(user, *, status: str | None = "pending", filters: QueueFilters | None = None):
    """Oldest first. A tab name (TABS) narrows to that tab; `pending` means waiting for a grade
    or a second marker; `submitted`, `returned` and `graded` the submission's status; None or
    "all", everything the user grades."""
    queryset = _filtered(gradeable_submissions(user), filters)
    if status in TABS:
        queryset = queryset.filter(_tab_condition(status, user))
    elif status == "pending":
        queryset = queryset.filter(
            Q(status=Submission.Status.SUBMITTED)
            | Q(grades__status=Grade.Status.AWAITING_MODERATION)
        ).distinct()
    elif status in Submission.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("latest_submitted_at", "id")


def queue_counts(user, *, filters: QueueFilters | None = None) -> dict[str, int]:
    """How many submissions each tab holds, in one query."""
    # Counting over a DISTINCT queryset loses the annotations: count plain rows by id instead.
    ids = _filtered(gradeable_submissions(user), filters).values("pk")
    return Submission.objects.filter(pk__in=ids).aggregate(
        **{tab: Count("pk", filter=_tab_condition(tab, user)) for tab in TABS}
    )


def queue_filter_choices(user) -> dict:
    """The cohorts and the qualifications or courses the queue can be narrowed to, for this
    user: (id, title) pairs, titles in the viewer's language."""
    outline = get_outline()
    with_projects = set(outline.project_qualification.values()) | set(
        FieldProjectPage.objects.filter(course__isnull=False).values_list("course_id", flat=True)
    )
    if user.is_staff_member:
        cohorts = Cohort.objects.all()
        page_ids = with_projects
    else:
        taught = set(
            TeachingAssignment.objects.filter(instructor=user).values_list("page_id", flat=True)
        )
        cohorts = Cohort.objects.filter(Q(instructors=user) | Q(page_id__in=taught)).distinct()
        page_ids = with_projects & (
            taught | set(user.cohorts_taught.values_list("page_id", flat=True))
        )
    pages = localized_many(Page.objects.filter(id__in=page_ids).order_by("path"))
    return {
        "cohorts": [(c.id, c.name) for c in cohorts.order_by("name", "id")],
        "pages": [(p.id, p.title) for p in pages],
    }


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
        Prefetch("grades", queryset=Grade.objects.select_related("graded_by").order_by("id")),
    )


@dataclass(frozen=True)
class Member:
    """A team member as a grader sees them: both names are None while anonymous grading hides
    them."""

    id: int
    username: str | None
    name: str | None


@dataclass(frozen=True)
class RowGrade:
    """A member's grade as a queue row shows it: the score and who gave it."""

    learner_id: int
    percent: str
    passed: bool
    status: str
    grader: str


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    project: FieldProjectPage  # in the viewer's language
    members: list[Member]
    late: bool
    awaiting_moderation: bool
    grades: list[RowGrade]

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
                grades=[
                    RowGrade(
                        learner_id=g.learner_id,
                        percent=str(g.percent),
                        passed=g.passed,
                        status=g.status,
                        grader=g.graded_by.display_name if g.graded_by else "",
                    )
                    for g in submission.grades.all()
                    if g.status != Grade.Status.DRAFT
                ],
            )
        )
    return rows
