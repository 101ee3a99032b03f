"""Rubric grading of field projects: who may grade, scoring, moderation, release and history.

A grade belongs to one team member. Every change raises the grade's revision and appends a
GradeChange; a save that names an older revision than the current one is refused (409), so two
graders never silently overwrite each other.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import notifications
from courses.models import (
    Enrolment,
    FieldProjectPage,
    Grade,
    GradeChange,
    ProgressEvent,
    RevisionRequest,
    Submission,
    TeachingAssignment,
)
from courses.outline import get_outline
from courses.progress import event_record
from lms.errors import Conflict

Action = GradeChange.Action


# --- the rubric ---------------------------------------------------------------------------


def rubric_of(project: FieldProjectPage) -> list[dict]:
    """The project's criteria: id, title, weight and levels (id, title, points, descriptor, rank)."""
    criteria = []
    for block in project.rubric:
        levels = [
            {
                "id": item.id,
                "title": item.value["title"],
                "points": int(item.value["points"]),
                "descriptor": item.value["descriptor"],
                "rank": rank,
            }
            for rank, item in enumerate(block.value["levels"].bound_blocks, start=1)
        ]
        criteria.append(
            {
                "id": block.id,
                "title": block.value["title"],
                "description": block.value["description"],
                "weight": Decimal(str(block.value["weight"])),
                "levels": levels,
            }
        )
    return criteria


def score(project: FieldProjectPage, levels: dict[str, str]) -> dict:
    """Apply the rubric to a level per criterion. Raises ValidationError on unknown ids."""
    criteria = rubric_of(project)
    if not isinstance(levels, dict):
        raise ValidationError({"levels": [_("Give a level id for each criterion id.")]})
    known = {c["id"] for c in criteria}
    unknown = [cid for cid in levels if cid not in known]
    if unknown:
        raise ValidationError({"levels": [_("Unknown criterion: %(id)s.") % {"id": unknown[0]}]})
    missing = [c["title"] for c in criteria if c["id"] not in levels]
    if missing:
        raise ValidationError(
            {"levels": [_("Choose a level for: %(names)s.") % {"names": ", ".join(missing)}]}
        )
    breakdown = []
    weighted = Decimal(0)
    total_weight = Decimal(0)
    lowest_rank = None
    for criterion in criteria:
        chosen = next(
            (lv for lv in criterion["levels"] if lv["id"] == levels[criterion["id"]]), None
        )
        if chosen is None:
            raise ValidationError(
                {
                    "levels": [
                        _("%(criterion)s has no such level.") % {"criterion": criterion["title"]}
                    ]
                }
            )
        top = max(lv["points"] for lv in criterion["levels"]) or 1
        weighted += criterion["weight"] * Decimal(chosen["points"]) / Decimal(top)
        total_weight += criterion["weight"]
        lowest_rank = chosen["rank"] if lowest_rank is None else min(lowest_rank, chosen["rank"])
        breakdown.append(
            {
                "criterion": criterion["id"],
                "title": criterion["title"],
                "weight": str(criterion["weight"]),
                "level": chosen["id"],
                "level_title": chosen["title"],
                "rank": chosen["rank"],
                "points": chosen["points"],
                "max_points": top,
            }
        )
    percent = (Decimal(100) * weighted / total_weight) if total_weight else Decimal(0)
    percent = percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    passed = percent >= project.pass_mark and (lowest_rank or 0) >= project.minimum_level
    distinction = bool(passed and project.distinction_mark and percent >= project.distinction_mark)
    return {
        "breakdown": breakdown,
        "percent": percent,
        "passed": passed,
        "distinction": distinction,
    }


# --- who grades what ----------------------------------------------------------------------


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


def can_grade(user, submission: Submission) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff_member:
        return True
    return user.is_instructor and gradeable_submissions(user).filter(pk=submission.pk).exists()


def grading_queue(user, *, status: str | None = "pending"):
    """Oldest first. `pending` means waiting for a grade or a second marker."""
    queryset = gradeable_submissions(user)
    if status == "pending":
        queryset = queryset.filter(
            Q(status=Submission.Status.SUBMITTED)
            | Q(grades__status=Grade.Status.AWAITING_MODERATION)
        ).distinct()
    elif status in Submission.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("latest_submitted_at", "id")


def names_hidden(
    submission: Submission, project: FieldProjectPage, learner_id: int, viewer
) -> bool:
    """Anonymous grading hides a member's name from graders until that grade is released."""
    if not project.anonymous_grading or viewer.is_staff_member:
        return False
    released = {g.learner_id for g in submission.grades.all() if g.status == Grade.Status.RELEASED}
    return learner_id not in released


# --- grading ------------------------------------------------------------------------------


def _state(grade: Grade) -> dict:
    return {
        "status": grade.status,
        "levels": grade.levels,
        "criterion_feedback": grade.criterion_feedback,
        "feedback": grade.feedback,
        "percent": str(grade.percent),
        "passed": grade.passed,
        "distinction": grade.distinction,
        "version": grade.version_number,
    }


def grade_as_dict(grade: Grade) -> dict:
    return {
        "id": grade.id,
        "learner": grade.learner_id,
        "revision": grade.revision,
        "graded_by": grade.graded_by_id,
        "moderated_by": grade.moderated_by_id,
        "updated_at": grade.updated_at.isoformat() if grade.updated_at else None,
        **_state(grade),
    }


def _member(submission: Submission, learner_id: int | None) -> int:
    members = list(submission.members.values_list("learner_id", flat=True))
    if learner_id is None:
        if len(members) > 1:
            raise ValidationError(
                {"learner": [_("This is a team submission: say which member you are grading.")]}
            )
        return members[0]
    if learner_id not in members:
        raise ValidationError({"learner": [_("That learner is not a member of this submission.")]})
    return learner_id


def _release(grade: Grade, submission: Submission, project: FieldProjectPage) -> None:
    grade.status = Grade.Status.RELEASED
    grade.released_at = timezone.now()
    grade.save()
    event_record(
        learner_id=grade.learner_id,
        kind=ProgressEvent.Kind.GRADE_RELEASED,
        key=f"grade:{grade.id}:{grade.revision}",
        payload={
            "field_project": project.id,
            "submission": submission.id,
            "grade": grade.id,
            "revision": grade.revision,
            "percent": str(grade.percent),
            "passed": grade.passed,
            "distinction": grade.distinction,
        },
        occurred_at=grade.released_at,
    )
    members = submission.members.count()
    released = submission.grades.filter(status=Grade.Status.RELEASED).count()
    if released >= members and submission.status != Submission.Status.GRADED:
        submission.status = Submission.Status.GRADED
        submission.save(update_fields=["status", "updated_at"])
    notifications.notify(
        grade.learner,
        key=f"grade-released:{grade.id}:{grade.revision}",
        template="grade_released",
        context={
            "title": project.title,
            "page": project.id,
            "percent": str(grade.percent),
            "passed": grade.passed,
        },
    )


def _check_revision(grade: Grade, expected_revision: int | None, user) -> None:
    if expected_revision is not None and expected_revision != grade.revision:
        raise Conflict(
            _(
                "Someone else changed this grade since you opened it. Review their change, then save again."
            ),
            detail={"current": grade_as_dict(grade)},
        )
    if (
        expected_revision is None
        and grade.graded_by_id != user.id
        and grade.moderated_by_id != user.id
    ):
        raise Conflict(
            _("Another grader has graded this submission. Send the revision you are replacing."),
            detail={"current": grade_as_dict(grade)},
        )


@transaction.atomic
def grade_save(
    *,
    grader,
    submission: Submission,
    levels: dict[str, str],
    feedback: str = "",
    criterion_feedback: dict[str, str] | None = None,
    release: bool = False,
    learner_id: int | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> Grade:
    """Save a draft grade, or release it (or send it to moderation where that is required)."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not can_grade(grader, submission):
        raise PermissionDenied(_("You do not grade this submission."))
    if submission.status == Submission.Status.RETURNED:
        raise Conflict(
            _("This submission was returned for revision; wait for the learner to resubmit.")
        )
    project = submission.field_project.specific
    learner_id = _member(submission, learner_id)
    result = score(project, levels)
    criterion_feedback = {k: str(v) for k, v in (criterion_feedback or {}).items() if k in levels}
    grade = (
        Grade.objects.select_for_update()
        .filter(submission=submission, learner_id=learner_id)
        .first()
    )
    if grade is None:
        if expected_revision not in (None, 0):
            raise Conflict(_("This grade no longer exists."), detail={"current": None})
        grade = Grade(submission=submission, learner_id=learner_id, graded_by=grader, revision=0)
    else:
        _check_revision(grade, expected_revision, grader)
        if grade.status == Grade.Status.AWAITING_MODERATION and grade.graded_by_id != grader.id:
            raise Conflict(_("This grade is waiting for moderation: moderate it instead."))
        if (
            grade.status == Grade.Status.RELEASED
            and not release
            and grade.version_number >= submission.version_count
        ):
            # A draft would hide the released grade from the learner while progress and any
            # award still count it: a released grade changes only by releasing the change. A
            # newer version (a released fail, returned and resubmitted) is graded afresh.
            raise Conflict(
                _(
                    "This grade is released: release the change (with a reason) instead of saving a draft."
                ),
                detail={"current": grade_as_dict(grade)},
            )
    grade.levels = dict(levels)
    grade.criterion_feedback = criterion_feedback
    grade.feedback = feedback or ""
    grade.breakdown = result["breakdown"]
    grade.percent = result["percent"]
    grade.passed = result["passed"]
    grade.distinction = result["distinction"]
    grade.version_number = submission.version_count
    grade.graded_by = grader
    grade.moderated_by = None
    grade.revision += 1
    qualification_id = get_outline().project_qualification.get(project.id)
    needs_moderation = get_outline().qualifications[qualification_id].requires_moderation
    if not release:
        grade.status = Grade.Status.DRAFT
        grade.save()
        action = Action.SAVED
    elif needs_moderation:
        grade.status = Grade.Status.AWAITING_MODERATION
        grade.save()
        action = Action.SUBMITTED_FOR_MODERATION
    else:
        _release(grade, submission, project)
        action = Action.RELEASED
    GradeChange.objects.create(
        grade=grade,
        revision=grade.revision,
        action=action,
        actor=grader,
        reason=reason,
        state=_state(grade),
    )
    return grade


@transaction.atomic
def grade_moderate(
    *,
    moderator,
    submission: Submission,
    agree: bool,
    levels: dict[str, str] | None = None,
    feedback: str | None = None,
    criterion_feedback: dict[str, str] | None = None,
    learner_id: int | None = None,
    expected_revision: int | None = None,
    reason: str = "",
) -> Grade:
    """A second marker agrees (the grade is released) or adjusts it (released as adjusted)."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not can_grade(moderator, submission):
        raise PermissionDenied(_("You do not grade this submission."))
    learner_id = _member(submission, learner_id)
    grade = (
        Grade.objects.select_for_update()
        .filter(submission=submission, learner_id=learner_id)
        .first()
    )
    if grade is None or grade.status != Grade.Status.AWAITING_MODERATION:
        raise Conflict(_("There is no grade waiting for moderation on this submission."))
    if grade.graded_by_id == moderator.id:
        raise Conflict(_("A second marker must moderate: you graded this submission yourself."))
    if expected_revision is not None and expected_revision != grade.revision:
        raise Conflict(
            _("Someone else changed this grade since you opened it."),
            detail={"current": grade_as_dict(grade)},
        )
    project = submission.field_project.specific
    if agree:
        action = Action.MODERATION_AGREED
    else:
        if not levels:
            raise ValidationError(
                {"levels": [_("To adjust a grade, choose the levels you would give.")]}
            )
        result = score(project, levels)
        grade.levels = dict(levels)
        grade.breakdown = result["breakdown"]
        grade.percent = result["percent"]
        grade.passed = result["passed"]
        grade.distinction = result["distinction"]
        if feedback is not None:
            grade.feedback = feedback
        if criterion_feedback is not None:
            grade.criterion_feedback = {
                k: str(v) for k, v in criterion_feedback.items() if k in levels
            }
        action = Action.MODERATION_ADJUSTED
    grade.moderated_by = moderator
    grade.revision += 1
    _release(grade, submission, project)
    GradeChange.objects.create(
        grade=grade,
        revision=grade.revision,
        action=action,
        actor=moderator,
        reason=reason,
        state=_state(grade),
    )
    return grade


def can_return(submission: Submission) -> bool:
    """Waiting for a grade (none awaiting moderation), or graded with a released fail: the
    learner then revises and resubmits, and is graded again."""
    grades = list(submission.grades.all())
    if any(g.status == Grade.Status.AWAITING_MODERATION for g in grades):
        return False
    if submission.status == Submission.Status.SUBMITTED:
        return True
    return submission.status == Submission.Status.GRADED and any(
        g.status == Grade.Status.RELEASED and not g.passed for g in grades
    )


@transaction.atomic
def submission_return(*, instructor, submission: Submission, feedback: str) -> RevisionRequest:
    """Send the latest version back for revision, with feedback. Not a grade."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not can_grade(instructor, submission):
        raise PermissionDenied(_("You do not grade this submission."))
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationError({"feedback": [_("Say what the learner should revise.")]})
    if any(g.status == Grade.Status.AWAITING_MODERATION for g in submission.grades.all()):
        raise Conflict(
            _("A grade of this submission is waiting for moderation; moderate it first.")
        )
    if not can_return(submission):
        raise Conflict(
            _(
                "Only a submission waiting for grading, or one graded as not passed, can be returned."
            )
        )
    version = submission.versions.order_by("-number").first()
    request = RevisionRequest.objects.create(
        version=version, instructor=instructor, feedback=feedback
    )
    submission.status = Submission.Status.RETURNED
    submission.save(update_fields=["status", "updated_at"])
    project = submission.field_project
    for member in submission.members.select_related("learner"):
        notifications.notify(
            member.learner,
            key=f"returned:{request.id}:{member.learner_id}",
            template="returned_for_revision",
            context={"title": project.title, "page": project.id, "feedback": feedback},
        )
    return request
