"""Learning in the API: enrol, complete lessons, attempt checks, submit field projects, progress."""

from __future__ import annotations

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from courses.api.schemas import (
    AttemptIn,
    AttemptOut,
    CompletionOut,
    EnrolmentOut,
    PageId,
    ProgressOut,
    SubmissionOut,
)
from courses.enrolment import enrolment_create
from courses.knowledge_checks import attempt_submit
from courses.lessons import lesson_complete
from courses.models import (
    CoursePage,
    Enrolment,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    QualificationPage,
)
from courses.submissions import submission_make
from lms.auth import AUTH
from lms.localization import canonical_specific

router = Router(tags=["courses"])


def _enrol(request, model, page_id):
    page = canonical_specific(model, page_id)
    enrolment, created = enrolment_create(learner=request.auth, page=page)
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
    completion, created = lesson_complete(learner=request.auth, lesson=lesson)
    return Status(
        201 if created else 200,
        {"lesson": lesson.id, "completed_at": completion.completed_at, "created": created},
    )


@router.post("/knowledge-checks/{check_id}/attempts", response={201: AttemptOut}, auth=AUTH)
def attempt(request, check_id: PageId, payload: AttemptIn):
    check = canonical_specific(KnowledgeCheckPage, check_id)
    result = attempt_submit(learner=request.auth, check=check, answers=payload.answers)
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


@router.post("/field-projects/{project_id}/submissions", response={201: SubmissionOut}, auth=AUTH)
def submit_project(
    request,
    project_id: PageId,
    report: str = Form(...),
    team: str = Form(""),
    files: list[UploadedFile] = File(default=None),
):
    project = canonical_specific(FieldProjectPage, project_id)
    version = submission_make(
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
