"""Rules for what learners do: enrol, complete lessons, attempt checks, submit field projects.

Each action writes its record and a progress event in one transaction; processing follows on a
worker once it commits (see courses.progress).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import notifications
from courses.access import course_access, learner_state
from courses.models import (
    AttemptAllowance,
    Cohort,
    CoursePage,
    Enrolment,
    FieldProjectPage,
    KnowledgeCheckAttempt,
    KnowledgeCheckPage,
    LessonCompletion,
    LessonPage,
    Milestone,
    ProgressEvent,
    QualificationPage,
    Submission,
    SubmissionFile,
    SubmissionMember,
    SubmissionVersion,
)
from courses.outline import get_outline
from courses.progress import event_record
from courses.uploads import check_uploads
from lms.errors import Conflict

MAX_REPORT_CHARS = 60_000


# --- enrolment ----------------------------------------------------------------------------


def _require_prerequisite_qualifications(learner, qualification: QualificationPage) -> None:
    required = [p.required_id for p in qualification.prerequisites.all()]
    if not required:
        return
    held = set(
        Milestone.objects.filter(
            enrolment__learner=learner,
            kind=Milestone.Kind.REQUIREMENTS_MET,
            page_id__in=required,
        ).values_list("page_id", flat=True)
    )
    missing = [qid for qid in required if qid not in held]
    if missing:
        titles = ", ".join(
            QualificationPage.objects.filter(id__in=missing).values_list("title", flat=True)
        )
        raise Conflict(
            _("This qualification requires holding first: %(titles)s.") % {"titles": titles}
        )


def _enrol_one(
    learner, page, kind: str, cohort: Cohort | None, via: Enrolment | None
) -> tuple[Enrolment, bool]:
    enrolment, created = Enrolment.objects.get_or_create(
        learner=learner, page=page, defaults={"kind": kind, "cohort": cohort, "via": via}
    )
    if not created and enrolment.status == Enrolment.Status.WITHDRAWN:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status"])
        created = True
    if created:
        event_record(
            learner_id=learner.id,
            kind=ProgressEvent.Kind.ENROLLED,
            key=f"enrolled:{enrolment.id}:{timezone.now().timestamp()}",
            payload={"enrolment": enrolment.id, "page": page.id},
        )
    return enrolment, created


@transaction.atomic
def enrolment_create(*, learner, page, cohort: Cohort | None = None) -> tuple[Enrolment, bool]:
    """Enrol in a course, or in a qualification and through it in each of its courses.

    `page` is the default-language course or qualification. Returns (enrolment, created).
    """
    page = page.specific
    if not page.live:
        raise PermissionDenied(_("This is not open for enrolment."))
    if cohort is not None and cohort.page_id != page.id:
        raise ValidationError(_("That cohort is for a different course or qualification."))
    if isinstance(page, QualificationPage):
        _require_prerequisite_qualifications(learner, page)
        enrolment, created = _enrol_one(learner, page, Enrolment.Kind.QUALIFICATION, cohort, None)
        for link in page.required_courses.select_related("course"):
            _enrol_one(learner, link.course, Enrolment.Kind.COURSE, None, enrolment)
    elif isinstance(page, CoursePage):
        enrolment, created = _enrol_one(learner, page, Enrolment.Kind.COURSE, cohort, None)
    else:
        raise ValidationError(_("Only courses and qualifications take enrolments."))
    if created:
        notifications.notify(
            learner,
            key=f"enrolled:{enrolment.id}:{enrolment.enrolled_at.date()}",
            template="enrolled",
            context={"title": page.title, "page": page.id, "url": page.url},
        )
    return enrolment, created


# --- lessons ------------------------------------------------------------------------------


def _require_open(learner, course_id: int, module_id: int) -> None:
    access = course_access(learner_state(learner), course_id)
    if not access.enrolled:
        raise PermissionDenied(_("Enrol in this course first."))
    if access.missing_prerequisites:
        raise Conflict(_("Complete this course's prerequisites first."))
    if not access.module_open(module_id):
        raise Conflict(_("This module opens when you complete the one before it."))


@transaction.atomic
def lesson_complete(*, learner, lesson: LessonPage) -> tuple[LessonCompletion, bool]:
    """Mark a lesson complete, once. Repeating it (or racing it) changes nothing."""
    outline = get_outline()
    module_id = outline.lesson_module.get(lesson.id)
    if module_id is None:
        raise PermissionDenied(_("This lesson is not part of a published course."))
    _require_open(learner, outline.module_course[module_id], module_id)
    completion, created = LessonCompletion.objects.get_or_create(learner=learner, lesson=lesson)
    if created:
        event_record(
            learner_id=learner.id,
            kind=ProgressEvent.Kind.LESSON_COMPLETED,
            key=f"lesson:{learner.id}:{lesson.id}",
            payload={"lesson": lesson.id},
            occurred_at=completion.completed_at,
        )
    return completion, created


# --- knowledge checks ---------------------------------------------------------------------


@dataclass
class AttemptResult:
    attempt: KnowledgeCheckAttempt
    feedback: list[dict]
    attempts_left: int | None
    answers_revealed: bool


def _questions(check: KnowledgeCheckPage) -> list[dict]:
    return [
        {
            "id": block.id,
            "text": block.value["text"],
            "multiple": block.value["multiple"],
            "explanation": block.value["explanation"],
            "choices": [
                {"id": item.id, "text": item.value["text"], "correct": item.value["correct"]}
                for item in block.value["choices"].bound_blocks
            ],
        }
        for block in check.questions
    ]


def attempts_allowed(learner, check: KnowledgeCheckPage) -> int:
    """The check's attempt limit plus any extra attempts granted to this learner (0: no limit).

    An allowance counts whichever translation of the check it names, and whichever is shown."""
    if not check.max_attempts:
        return 0
    extra = AttemptAllowance.objects.filter(
        learner=learner, check_page__translation_key=check.translation_key
    ).aggregate(total=Sum("extra"))["total"]
    return check.max_attempts + (extra or 0)


def answer_key(check: KnowledgeCheckPage) -> dict[str, list[str]]:
    return {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in _questions(check)}


def _normalise_answers(check_questions: list[dict], answers: dict) -> dict[str, list[str]]:
    if not isinstance(answers, dict):
        raise ValidationError(_("Answers must map question ids to choice ids."))
    by_id = {q["id"]: q for q in check_questions}
    unknown = [qid for qid in answers if qid not in by_id]
    if unknown:
        raise ValidationError(
            _("Unknown question id: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:5]))}
        )
    normalised: dict[str, list[str]] = {}
    for qid, question in by_id.items():
        value = answers.get(qid)
        chosen = [] if value in (None, "", []) else ([value] if isinstance(value, str) else value)
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise ValidationError(
                _("Answer question %(id)s with a choice id or a list of them.") % {"id": qid}
            )
        valid = {c["id"] for c in question["choices"]}
        if any(c not in valid for c in chosen):
            raise ValidationError(_("Question %(id)s has no such choice.") % {"id": qid})
        if len(chosen) > 1 and not question["multiple"]:
            raise ValidationError(_("Question %(id)s takes one answer.") % {"id": qid})
        normalised[qid] = sorted(set(chosen))
    if not any(normalised.values()):
        raise ValidationError(_("Answer at least one question."))
    return normalised


def attempt_feedback(
    check: KnowledgeCheckPage, attempt: KnowledgeCheckAttempt, reveal: bool
) -> list[dict]:
    """Per question: right or not, the explanation, and the correct choices when `reveal`."""
    feedback = []
    for question in _questions(check):
        result = attempt.results.get(question["id"], {})
        item = {
            "question": question["id"],
            "correct": bool(result.get("correct")),
            "chosen": attempt.answers.get(question["id"], []),
            "explanation": question["explanation"],
        }
        if reveal:
            item["correct_choices"] = [c["id"] for c in question["choices"] if c["correct"]]
        feedback.append(item)
    return feedback


@transaction.atomic
def attempt_submit(*, learner, check: KnowledgeCheckPage, answers: dict) -> AttemptResult:
    outline = get_outline()
    module_id = outline.check_module.get(check.id)
    if module_id is None:
        raise PermissionDenied(_("This knowledge check is not part of a published course."))
    _require_open(learner, outline.module_course[module_id], module_id)
    questions = _questions(check)
    chosen = _normalise_answers(questions, answers)
    earlier = KnowledgeCheckAttempt.objects.filter(learner=learner, check_page=check)
    previous = earlier.count()
    if earlier.filter(passed=True).exists():
        # Its correct answers have been shown: a further attempt would measure nothing.
        raise Conflict(_("You have passed this check already."))
    allowed = attempts_allowed(learner, check)
    if allowed and previous >= allowed:
        raise Conflict(_("You have used all %(n)s attempts at this check.") % {"n": allowed})
    results = {}
    for question in questions:
        correct = sorted(c["id"] for c in question["choices"] if c["correct"])
        results[question["id"]] = {"correct": chosen[question["id"]] == correct}
    right = sum(1 for r in results.values() if r["correct"])
    score = round(100 * right / len(questions))
    try:
        with transaction.atomic():
            attempt = KnowledgeCheckAttempt.objects.create(
                learner=learner,
                check_page=check,
                number=previous + 1,
                answers=chosen,
                results=results,
                score=score,
                passed=score >= check.pass_mark,
            )
    except IntegrityError as exc:
        raise Conflict(_("Another attempt was being saved at the same moment; try again.")) from exc
    event_record(
        learner_id=learner.id,
        kind=ProgressEvent.Kind.CHECK_ATTEMPTED,
        key=f"attempt:{attempt.id}",
        payload={
            "check": check.id,
            "attempt": attempt.id,
            "score": score,
            "passed": attempt.passed,
        },
        occurred_at=attempt.submitted_at,
    )
    left = None if not allowed else allowed - attempt.number
    reveal = attempt.passed or left == 0
    return AttemptResult(attempt, attempt_feedback(check, attempt, reveal), left, reveal)


# --- field projects -----------------------------------------------------------------------


def project_qualification(project: FieldProjectPage) -> QualificationPage:
    return project.get_parent().specific


def submission_deadline(learner, project: FieldProjectPage):
    qualification_id = get_outline().project_qualification.get(project.id)
    enrolment = (
        Enrolment.objects.filter(learner=learner, page_id=qualification_id)
        .select_related("cohort")
        .first()
    )
    if enrolment is None:
        return None
    if enrolment.cohort and enrolment.cohort.submission_deadline:
        return enrolment.cohort.submission_deadline
    return enrolment.enrolled_at + timedelta(days=project.deadline_days)


def submission_of(learner, project: FieldProjectPage) -> Submission | None:
    member = (
        SubmissionMember.objects.filter(learner=learner, field_project=project)
        .select_related("submission")
        .first()
    )
    return member.submission if member else None


def _team(learner, project: FieldProjectPage, usernames: list[str], qualification_id: int) -> list:
    from django.contrib.auth import get_user_model

    usernames = [u.strip() for u in usernames if u and u.strip() and u.strip() != learner.username]
    usernames = list(dict.fromkeys(usernames))
    if len(usernames) + 1 > project.max_team_size:
        if project.max_team_size == 1:
            raise ValidationError(_("This field project is done alone."))
        raise ValidationError(_("A team has at most %(n)s members.") % {"n": project.max_team_size})
    users = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    found = {u.username for u in users}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise ValidationError(
            _("No learner with the username: %(names)s.") % {"names": ", ".join(missing)}
        )
    enrolled = set(
        Enrolment.objects.filter(learner__in=users, page_id=qualification_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .values_list("learner_id", flat=True)
    )
    not_enrolled = [u.username for u in users if u.id not in enrolled]
    if not_enrolled:
        raise ValidationError(
            _("Team members must be enrolled in the qualification: %(names)s.")
            % {"names": ", ".join(not_enrolled)}
        )
    taken = SubmissionMember.objects.filter(learner__in=users, field_project=project).values_list(
        "learner__username", flat=True
    )
    if taken:
        raise ValidationError(
            _("Already in another submission for this project: %(names)s.")
            % {"names": ", ".join(taken)}
        )
    return users


@transaction.atomic
def submission_make(
    *, learner, project: FieldProjectPage, report: str, files=(), team: list[str] = ()
) -> SubmissionVersion:
    """Submit a field project, or a new version of one returned or awaiting grading.

    The team is named on the first submission; each member may then submit new versions.
    Files are checked by content (courses.uploads) before anything is stored.
    """
    qualification_id = get_outline().project_qualification.get(project.id)
    if qualification_id is None:
        raise PermissionDenied(_("This field project is not part of a published qualification."))
    if (
        not Enrolment.objects.filter(learner=learner, page_id=qualification_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    ):
        raise PermissionDenied(_("Enrol in the qualification before submitting its field project."))
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": [_("Write the report (you can attach files as well).")]})
    if len(report) > MAX_REPORT_CHARS:
        raise ValidationError(
            {
                "report": [
                    _("The report is longer than %(n)s characters; attach the rest as a file.")
                    % {"n": MAX_REPORT_CHARS}
                ]
            }
        )
    try:
        checked = check_uploads(files)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc

    submission = submission_of(learner, project)
    now = timezone.now()
    if submission is None:
        members = [learner, *_team(learner, project, list(team), qualification_id)]
        submission = Submission.objects.create(field_project=project, latest_submitted_at=now)
        try:
            with transaction.atomic():
                for member in members:
                    SubmissionMember.objects.create(
                        submission=submission, learner=member, field_project=project
                    )
        except IntegrityError as exc:
            raise Conflict(
                _("You or a team member already have a submission for this project.")
            ) from exc
    else:
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status == Submission.Status.GRADED:
            raise Conflict(_("This submission has been graded; it cannot be changed."))
        if team and set(team) - {learner.username} - set(
            submission.members.values_list("learner__username", flat=True)
        ):
            raise ValidationError({"team": [_("The team was set on the first submission.")]})
    deadline = submission_deadline(learner, project)
    submission.version_count += 1
    submission.status = Submission.Status.SUBMITTED
    submission.latest_submitted_at = now
    submission.save(update_fields=["version_count", "status", "latest_submitted_at", "updated_at"])
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version_count,
        report=report,
        submitted_by=learner,
        deadline=deadline,
        late=bool(deadline and now > deadline),
    )
    for item in checked:
        stored = SubmissionFile(
            version=version,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
        )
        stored.file.save(item.name, ContentFile(item.content), save=False)
        stored.save()
    for member_id in submission.members.values_list("learner_id", flat=True):
        event_record(
            learner_id=member_id,
            kind=ProgressEvent.Kind.PROJECT_SUBMITTED,
            key=f"submitted:{submission.id}:{version.number}:{member_id}",
            payload={
                "field_project": project.id,
                "submission": submission.id,
                "version": version.number,
            },
            occurred_at=now,
        )
    return version


def can_view_submission(user, submission: Submission) -> bool:
    from courses.grading import can_grade

    if not user.is_authenticated:
        return False
    if submission.members.filter(learner=user).exists():
        return True
    return can_grade(user, submission)
