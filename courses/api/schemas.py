"""Schemas of the courses API: what each endpoint takes and returns (the OpenAPI document's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Path, Schema

# Ids beyond what the database columns hold are bad input (400), not a database error (500).
# Page ids are 32-bit (Wagtail's pages); other rows have 64-bit ids.
PageId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


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


class ChoiceOut(Schema):
    id: str
    text: str


class QuestionOut(Schema):
    id: str
    text: str
    multiple: bool
    choices: list[ChoiceOut]


class KnowledgeCheckOut(Schema):
    id: int
    title: str
    pass_mark: int
    max_attempts: int
    questions: list[QuestionOut]


class LessonOut(Schema):
    id: int
    title: str
    url: str


class ModuleOut(Schema):
    id: int
    title: str
    url: str
    lessons: list[LessonOut]
    knowledge_check: KnowledgeCheckOut | None


class CourseOut(CourseSummaryOut):
    sequential_modules: bool
    modules: list[ModuleOut]


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


class FeedbackOut(Schema):
    question: str
    correct: bool
    chosen: list[str]
    explanation: str
    correct_choices: list[str] | None = None


class AttemptOut(Schema):
    attempt: int
    score: int
    passed: bool
    attempts_left: int | None
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


class ReturnIn(Schema):
    feedback: str
