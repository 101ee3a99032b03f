"""Schemas of the courses API: what each endpoint takes and returns (the OpenAPI document's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from courses.models import Grade, KnowledgeCheckPage
from courses.outline import get_outline
from courses.page_contexts import course_tree

# Ids beyond what the database columns hold are bad input (400), not a database error (500).
# Page ids are 32-bit (Wagtail's pages); other rows have 64-bit ids.
PageId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
# Version numbers are small (PositiveSmallIntegerField).
VersionNumber = Annotated[int, Path(ge=1, le=32767)]


class QualificationOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    url: str
    courses: list[int]
    field_project: int | None
    requires_moderation: bool
    validity_months: int

    @staticmethod
    def resolve_courses(page) -> list[int]:
        shape = get_outline().qualifications.get(page.id)
        return list(shape.course_ids) if shape else []

    @staticmethod
    def resolve_field_project(page) -> int | None:
        shape = get_outline().qualifications.get(page.id)
        return shape.field_project_id if shape else None


class CourseSummaryOut(Schema):
    id: int
    slug: str
    title: str
    summary: str
    url: str
    region: str
    estimated_hours: float
    topics: list[str]
    prerequisites: list[int]

    @staticmethod
    def resolve_topics(course) -> list[str]:
        return [t.slug for t in course.topics.all()]

    @staticmethod
    def resolve_prerequisites(course) -> list[int]:
        return [p.required_id for p in course.prerequisites.all()]


class ChoiceOut(Schema):
    id: str
    text: str


class QuestionOut(Schema):
    id: str
    text: str
    multiple: bool
    scenario: bool
    choices: list[ChoiceOut]


class CheckSummaryOut(Schema):
    """A check as a course lists it: its rules, never its questions."""

    id: int
    title: str
    url: str
    pass_mark: int
    max_attempts: int
    draw: int
    time_limit_minutes: int | None


class ChoiceFeedbackOut(Schema):
    choice: str
    text: str


class FeedbackOut(Schema):
    question: str
    correct: bool
    chosen: list[str]
    feedback: list[ChoiceFeedbackOut]
    incomplete: bool
    explanation: str | None = None
    correct_choices: list[str] | None = None


class AttemptInProgressOut(Schema):
    number: int
    started_at: datetime
    deadline: datetime | None
    questions: list[QuestionOut]


class LastAttemptOut(Schema):
    number: int
    status: str
    score: int | None
    passed: bool
    submitted_at: datetime | None
    answers_revealed: bool
    feedback: list[FeedbackOut]


class KnowledgeCheckOut(CheckSummaryOut):
    intro: str
    reveal_answers: str
    access: str
    message: str
    attempts_left: int | None
    passed: bool
    attempt: AttemptInProgressOut | None
    last_attempt: LastAttemptOut | None


class LessonOut(Schema):
    id: int
    title: str
    url: str


class ModuleOut(Schema):
    id: int
    title: str
    url: str
    lessons: list[LessonOut]
    knowledge_check: CheckSummaryOut | None


class CourseOut(CourseSummaryOut):
    sequential_modules: bool
    modules: list[ModuleOut]

    @staticmethod
    def resolve_modules(course) -> list[dict]:
        tree = course_tree(course)
        checks = KnowledgeCheckPage.objects.defer("questions").in_bulk(
            [m["check"].id for m in tree if m["check"]]
        )
        return [
            {
                "id": m["page"].id,
                "title": m["page"].title,
                "url": m["page"].url,
                "lessons": m["lessons"],
                "knowledge_check": checks[m["check"].id] if m["check"] else None,
            }
            for m in tree
        ]


class EnrolmentOut(Schema):
    id: int
    page: int
    kind: str
    status: str
    enrolled_at: datetime
    created: bool


class CompletionOut(Schema):
    lesson: int
    completed_at: datetime
    created: bool


class AttemptIn(Schema):
    answers: dict[str, str | list[str]]


class AttemptOut(Schema):
    attempt: int
    score: int
    passed: bool
    attempts_left: int | None
    answers_revealed: bool
    feedback: list[FeedbackOut]


class LevelOut(Schema):
    id: str
    title: str
    points: int
    descriptor: str


class CriterionOut(Schema):
    id: str
    title: str
    description: str
    weight: float
    levels: list[LevelOut]


class RubricOut(Schema):
    criteria: list[CriterionOut]
    pass_mark: int
    minimum_level: int
    distinction_mark: int | None


class FieldProjectOut(Schema):
    id: int
    title: str
    summary: str
    brief: str
    deliverables: str
    deadline_days: int
    max_team_size: int
    qualification: int
    rubric: RubricOut


class SubmissionOut(Schema):
    id: int
    field_project: int
    status: str
    version: int
    late: bool
    submitted_at: datetime
    files: list[str]


class ProgressOut(Schema):
    enrolment: int
    page: int
    kind: str
    status: str
    percent: int
    summary: dict | None
    updated_at: datetime | None


class QueueItemOut(Schema):
    id: int
    field_project: int
    learner: str | None
    learners: list[str | None]
    learner_ids: list[int]
    submitted_at: datetime
    late: bool
    version: int
    status: str
    awaiting_moderation: bool


class QueueGradeOut(Schema):
    learner: int
    percent: str
    passed: bool
    status: str
    grader: str


class QueueItemDetailOut(QueueItemOut):
    grades: list[QueueGradeOut]


class QueueCountsOut(Schema):
    to_grade: int
    to_moderate: int
    returned: int
    graded: int


class AnalyticsOut(Schema):
    page: int
    enrolled: int
    completed: int
    waiting: int
    awaiting_moderation: int
    funnel: list[dict]
    pass_rates: list[dict] = Field(
        description="Per check: learners who tried and passed, attempts; percent null when "
        "nobody tried."
    )
    grade_distribution: list[dict]
    progress: list[dict]
    at_risk: list[dict]


class NudgeIn(Schema):
    enrolment: int = Field(ge=1, le=2**63 - 1, description="An enrolment in this page.")


class NudgeOut(Schema):
    enrolment: int
    learner: int
    message: str


class GradeIn(Schema):
    levels: dict[str, str]
    feedback: str = ""
    criterion_feedback: dict[str, str] = {}
    release: bool = False
    learner: int | None = None
    revision: int | None = None
    reason: str = ""


class ModerationIn(Schema):
    agree: bool
    levels: dict[str, str] | None = None
    feedback: str | None = None
    criterion_feedback: dict[str, str] | None = None
    learner: int | None = None
    revision: int | None = None
    reason: str = ""


GRADE_MESSAGES = {
    Grade.Status.DRAFT: "Draft saved; the learner cannot see it.",
    Grade.Status.AWAITING_MODERATION: "The grade awaits moderation by a second marker before it is released.",
    Grade.Status.RELEASED: "The grade is released to the learner.",
}


class GradeOut(Schema):
    id: int
    submission: int
    learner: int
    status: str
    revision: int
    percent: str
    passed: bool
    distinction: bool
    levels: dict[str, str]
    feedback: str
    awaits_moderation: bool
    message: str

    @staticmethod
    def resolve_submission(grade) -> int:
        return grade.submission_id

    @staticmethod
    def resolve_learner(grade) -> int:
        return grade.learner_id

    @staticmethod
    def resolve_percent(grade) -> str:
        return str(grade.percent)

    @staticmethod
    def resolve_awaits_moderation(grade) -> bool:
        return grade.status == Grade.Status.AWAITING_MODERATION

    @staticmethod
    def resolve_message(grade) -> str:
        return GRADE_MESSAGES[grade.status]


class ReturnIn(Schema):
    feedback: str
    due_at: datetime | None = Field(
        None, description="When the revision is due; 14 days from now, end of day, if left out."
    )


# --- errors, as every handler answers them (lms.api) -------------------------------------------


class ErrorOut(Schema):
    """A refused request: `detail` says why in words; `errors` names fields where it can."""

    detail: str
    errors: dict | list | None = None


def with_errors(ok: dict, *codes: int) -> dict:
    """A response map for the OpenAPI document: the successes given and these error codes."""
    return {**ok, **dict.fromkeys(codes, ErrorOut)}


# --- the report editor ---------------------------------------------------------------------


class ReportSectionOut(Schema):
    id: str
    title: str
    guidance: str
    word_limit: int | None
    text: str
    words: int


class DraftOut(Schema):
    field_project: int
    sections: list[ReportSectionOut]
    revision: int
    base_version: int
    latest_version: int
    outdated: bool
    saved_at: datetime | None


class DraftIn(Schema):
    sections: dict[str, str]
    revision: int | None = None


class PreviewIn(Schema):
    text: str = Field(max_length=60_000)


class PreviewOut(Schema):
    html: str
    words: int


class ChangeOut(Schema):
    op: Literal["equal", "insert", "delete"]
    text: str


class SectionDiffOut(Schema):
    id: str
    title: str
    changed: bool
    words_before: int
    words_after: int
    changes: list[ChangeOut]


class VersionDiffOut(Schema):
    submission: int
    version: int
    against: int
    sections: list[SectionDiffOut]


# --- teams ----------------------------------------------------------------------------------


class InvitationOut(Schema):
    id: int
    field_project: int
    inviter: str
    invitee: str
    status: str
    created_at: datetime
    answered_at: datetime | None

    @staticmethod
    def resolve_field_project(invitation) -> int:
        return invitation.field_project_id

    @staticmethod
    def resolve_inviter(invitation) -> str:
        return invitation.inviter.username

    @staticmethod
    def resolve_invitee(invitation) -> str:
        return invitation.invitee.username


class InvitationsIn(Schema):
    usernames: list[str] = Field(min_length=1, max_length=10)


class TeamOut(Schema):
    field_project: int
    members: list[str]
    received: list[InvitationOut]
    sent: list[InvitationOut]


# --- deadlines ------------------------------------------------------------------------------


class DeadlineOut(Schema):
    uid: str
    kind: str
    title: str
    date: str
    all_day: bool
    url: str | None


class CalendarOut(Schema):
    feed_url: str
    events: list[DeadlineOut]
