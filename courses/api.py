"""API routes for the catalog, learning and grading. Handlers parse, authorise, call the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile

from courses import grading, learning
from courses.localization import canonical_specific, default_locale
from courses.models import (
    CoursePage,
    Enrolment,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    QualificationPage,
    Submission,
    SubmissionMember,
    SubmissionVersion,
)
from courses.outline import get_outline
from courses.selectors import _course_tree, public_questions
from lms.auth import AUTH

router = Router(tags=["courses"])

# Ids beyond what the database columns hold are bad input (400), not a database error (500).
# Page ids are 32-bit (Wagtail's pages); other rows have 64-bit ids.
PageId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


# --- schemas ------------------------------------------------------------------------------


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


# --- helpers ------------------------------------------------------------------------------


def _rubric(project: FieldProjectPage) -> dict:
    return {
        "criteria": [
            {
                **c,
                "weight": float(c["weight"]),
                "levels": [
                    {k: lv[k] for k in ("id", "title", "points", "descriptor")}
                    for lv in c["levels"]
                ],
            }
            for c in grading.rubric_of(project)
        ],
        "pass_mark": project.pass_mark,
        "minimum_level": project.minimum_level,
        "distinction_mark": project.distinction_mark,
    }


def _check_out(check) -> dict:
    return {
        "id": check.id,
        "title": check.title,
        "pass_mark": check.pass_mark,
        "max_attempts": check.max_attempts,
        "questions": public_questions(check),
    }


def _course_summary(course: CoursePage) -> dict:
    return {
        "id": course.id,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "url": course.url,
        "region": course.region,
        "estimated_hours": float(course.estimated_hours),
        "topics": [t.slug for t in course.topics.all()],
        "prerequisites": [p.required_id for p in course.prerequisites.all()],
    }


def _require_grader(user) -> None:
    if not (user.is_instructor or user.is_staff_member):
        raise PermissionDenied("Only instructors and staff may do this.")


# --- catalog ------------------------------------------------------------------------------


@router.get("/qualifications", response=list[QualificationOut], auth=None)
def qualifications(request):
    outline = get_outline()
    pages = QualificationPage.objects.live().filter(locale=default_locale()).order_by("path")
    return [
        {
            "id": q.id,
            "slug": q.slug,
            "title": q.title,
            "summary": q.summary,
            "url": q.url,
            "courses": list(outline.qualifications[q.id].course_ids)
            if q.id in outline.qualifications
            else [],
            "field_project": outline.qualifications[q.id].field_project_id
            if q.id in outline.qualifications
            else None,
            "requires_moderation": q.requires_moderation,
            "validity_months": q.validity_months,
        }
        for q in pages
    ]


@router.get("/courses", response=list[CourseSummaryOut], auth=None)
def courses(request):
    pages = (
        CoursePage.objects.live()
        .filter(locale=default_locale())
        .order_by("path")
        .prefetch_related("topics", "prerequisites")
    )
    return [_course_summary(c) for c in pages]


@router.get("/courses/{course_id}", response=CourseOut, auth=None)
def course_detail(request, course_id: PageId):
    course = get_object_or_404(
        CoursePage.objects.live().prefetch_related("topics", "prerequisites"), pk=course_id
    )
    tree = _course_tree(course)
    check_ids = [m["check"].id for m in tree if m["check"]]
    checks = {c.id: c for c in KnowledgeCheckPage.objects.filter(id__in=check_ids)}
    return {
        **_course_summary(course),
        "sequential_modules": course.sequential_modules,
        "modules": [
            {
                "id": m["page"].id,
                "title": m["page"].title,
                "url": m["page"].url,
                "lessons": [{"id": le.id, "title": le.title, "url": le.url} for le in m["lessons"]],
                "knowledge_check": _check_out(checks[m["check"].id]) if m["check"] else None,
            }
            for m in tree
        ],
    }


# --- learning -----------------------------------------------------------------------------


def _enrol(request, model, page_id):
    page = canonical_specific(model, page_id)
    enrolment, created = learning.enrolment_create(learner=request.auth, page=page)
    body = {
        "id": enrolment.id,
        "page": enrolment.page_id,
        "kind": enrolment.kind,
        "status": enrolment.status,
        "enrolled_at": enrolment.enrolled_at,
        "created": created,
    }
    return Status(201 if created else 200, body)


@router.post(
    "/qualifications/{qualification_id}/enrolment",
    response={200: EnrolmentOut, 201: EnrolmentOut},
    auth=AUTH,
)
def enrol_qualification(request, qualification_id: PageId):
    return _enrol(request, QualificationPage, qualification_id)


@router.post(
    "/courses/{course_id}/enrolment", response={200: EnrolmentOut, 201: EnrolmentOut}, auth=AUTH
)
def enrol_course(request, course_id: PageId):
    return _enrol(request, CoursePage, course_id)


@router.post(
    "/lessons/{lesson_id}/completion", response={200: CompletionOut, 201: CompletionOut}, auth=AUTH
)
def complete_lesson(request, lesson_id: PageId):
    lesson = canonical_specific(LessonPage, lesson_id)
    completion, created = learning.lesson_complete(learner=request.auth, lesson=lesson)
    return Status(
        201 if created else 200,
        {"lesson": lesson.id, "completed_at": completion.completed_at, "created": created},
    )


@router.get("/knowledge-checks/{check_id}", response=KnowledgeCheckOut, auth=None)
def knowledge_check(request, check_id: PageId):
    return _check_out(get_object_or_404(KnowledgeCheckPage.objects.live(), pk=check_id))


@router.get("/knowledge-checks/{check_id}/answer-key", response=dict[str, list[str]], auth=AUTH)
def answer_key(request, check_id: PageId):
    _require_grader(request.auth)
    return learning.answer_key(get_object_or_404(KnowledgeCheckPage.objects.live(), pk=check_id))


@router.post("/knowledge-checks/{check_id}/attempts", response={201: AttemptOut}, auth=AUTH)
def attempt(request, check_id: PageId, payload: AttemptIn):
    check = canonical_specific(KnowledgeCheckPage, check_id)
    result = learning.attempt_submit(learner=request.auth, check=check, answers=payload.answers)
    return Status(
        201,
        {
            "attempt": result.attempt.number,
            "score": result.attempt.score,
            "passed": result.attempt.passed,
            "attempts_left": result.attempts_left,
            "feedback": result.feedback,
        },
    )


@router.get("/field-projects/{project_id}", response=FieldProjectOut, auth=None)
def field_project(request, project_id: PageId):
    from wagtail.rich_text import expand_db_html

    project = get_object_or_404(FieldProjectPage.objects.live(), pk=project_id)
    return {
        "id": project.id,
        "title": project.title,
        "summary": project.summary,
        "brief": expand_db_html(project.brief),
        "deliverables": expand_db_html(project.deliverables),
        "deadline_days": project.deadline_days,
        "max_team_size": project.max_team_size,
        "qualification": project.get_parent().id,
        "rubric": _rubric(project),
    }


@router.post("/field-projects/{project_id}/submissions", response={201: SubmissionOut}, auth=AUTH)
def submit_project(
    request,
    project_id: PageId,
    report: str = Form(...),
    team: str = Form(""),
    files: list[UploadedFile] = File(default=None),
):
    project = canonical_specific(FieldProjectPage, project_id)
    version = learning.submission_make(
        learner=request.auth,
        project=project,
        report=report,
        files=files or [],
        team=[name for name in team.replace(",", " ").split() if name],
    )
    return Status(
        201,
        {
            "id": version.submission_id,
            "field_project": project.id,
            "status": version.submission.status,
            "version": version.number,
            "late": version.late,
            "submitted_at": version.submitted_at,
            "files": [f.original_name for f in version.files.all()],
        },
    )


@router.get("/me/progress", response=list[ProgressOut], auth=AUTH)
def my_progress(request):
    enrolments = (
        Enrolment.objects.filter(learner=request.auth)
        .select_related("snapshot")
        .order_by("enrolled_at")
    )
    rows = []
    for enrolment in enrolments:
        snapshot = getattr(enrolment, "snapshot", None)
        rows.append(
            {
                "enrolment": enrolment.id,
                "page": enrolment.page_id,
                "kind": enrolment.kind,
                "status": enrolment.status,
                "percent": snapshot.percent if snapshot else 0,
                "summary": snapshot.summary if snapshot else None,
                "updated_at": snapshot.updated_at if snapshot else None,
            }
        )
    return rows


# --- grading ------------------------------------------------------------------------------


@router.get("/grading/submissions", response=list[QueueItemOut], auth=AUTH)
def grading_submissions(
    request, status: Literal["pending", "submitted", "returned", "graded", "all"] = "pending"
):
    user = request.auth
    _require_grader(user)
    queryset = grading.grading_queue(
        user, status=None if status == "all" else status
    ).prefetch_related(
        Prefetch(
            "members",
            queryset=SubmissionMember.objects.select_related("learner").order_by("id"),
        ),
        Prefetch(
            "versions",
            queryset=SubmissionVersion.objects.only("id", "submission_id", "number", "late"),
        ),
        "grades",
    )[:500]
    submissions = list(queryset)
    projects = FieldProjectPage.objects.in_bulk({s.field_project_id for s in submissions})
    items = []
    for submission in submissions:
        project = projects[submission.field_project_id]
        names = [
            None
            if grading.names_hidden(submission, project, m.learner_id, user)
            else m.learner.username
            for m in submission.members.all()
        ]
        items.append(
            {
                "id": submission.id,
                "field_project": submission.field_project_id,
                "learner": names[0]
                if len(names) == 1
                else ", ".join(n or "(anonymous)" for n in names),
                "learners": names,
                # Ids to name a team member in a grade (`learner`); no name is revealed by them.
                "learner_ids": [m.learner_id for m in submission.members.all()],
                "submitted_at": submission.latest_submitted_at,
                "late": any(
                    v.late
                    for v in submission.versions.all()
                    if v.number == submission.version_count
                ),
                "version": submission.version_count,
                "status": submission.status,
                "awaiting_moderation": any(
                    g.status == "awaiting_moderation" for g in submission.grades.all()
                ),
            }
        )
    return items


def _gradeable(request, submission_id):
    _require_grader(request.auth)
    submission = get_object_or_404(Submission, pk=submission_id)
    if not grading.can_grade(request.auth, submission):
        raise PermissionDenied("You do not grade this submission.")
    return submission


def _grade_out(grade) -> dict:
    messages = {
        "draft": "Draft saved; the learner cannot see it.",
        "awaiting_moderation": "The grade awaits moderation by a second marker before it is released.",
        "released": "The grade is released to the learner.",
    }
    return {
        "id": grade.id,
        "submission": grade.submission_id,
        "learner": grade.learner_id,
        "status": grade.status,
        "revision": grade.revision,
        "percent": str(grade.percent),
        "passed": grade.passed,
        "distinction": grade.distinction,
        "levels": grade.levels,
        "feedback": grade.feedback,
        "awaits_moderation": grade.status == "awaiting_moderation",
        "message": messages[grade.status],
    }


@router.post("/grading/submissions/{submission_id}/grade", response=GradeOut, auth=AUTH)
def grade_submission(request, submission_id: RowId, payload: GradeIn):
    submission = _gradeable(request, submission_id)
    grade = grading.grade_save(
        grader=request.auth,
        submission=submission,
        levels=payload.levels,
        feedback=payload.feedback,
        criterion_feedback=payload.criterion_feedback,
        release=payload.release,
        learner_id=payload.learner,
        expected_revision=payload.revision,
        reason=payload.reason,
    )
    return _grade_out(grade)


@router.post("/grading/submissions/{submission_id}/moderation", response=GradeOut, auth=AUTH)
def moderate_submission(request, submission_id: RowId, payload: ModerationIn):
    submission = _gradeable(request, submission_id)
    grade = grading.grade_moderate(
        moderator=request.auth,
        submission=submission,
        agree=payload.agree,
        levels=payload.levels,
        feedback=payload.feedback,
        criterion_feedback=payload.criterion_feedback,
        learner_id=payload.learner,
        expected_revision=payload.revision,
        reason=payload.reason,
    )
    return _grade_out(grade)


@router.post("/grading/submissions/{submission_id}/return", response={200: dict}, auth=AUTH)
def return_submission(request, submission_id: RowId, payload: ReturnIn):
    submission = _gradeable(request, submission_id)
    revision_request = grading.submission_return(
        instructor=request.auth, submission=submission, feedback=payload.feedback
    )
    return {
        "submission": submission.id,
        "status": "returned",
        "version": revision_request.version.number,
    }
