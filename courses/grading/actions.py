"""Grading actions: save or release a grade, moderate it, return a submission for revision.

Each action is an object in the Wagtail style: `check()` says whether it may run (raising
GradingPermissionError, Conflict or ValidationError with a message a person can act on), and
`execute()` runs it in one transaction, checking again under the submission's lock. A grade
belongs to one team member. Every change raises its revision and appends a GradeChange (in
`_record_change`, the only writer of history); a save naming an older revision than the current
one is refused (409), so two graders never silently overwrite each other.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress
from courses.grading.notices import moderation_waiting
from courses.grading.permissions import GradingPermissionError, can_grade
from courses.grading.rubric import score
from courses.models import (
    FieldProjectPage,
    Grade,
    GradeChange,
    RevisionRequest,
    Submission,
)
from courses.outline import get_outline
from courses.signals import submission_returned
from lms.errors import Conflict
from lms.notifications.services import notify

Action = GradeChange.Action
# A returned submission's revision is due this many days later unless the instructor says.
REVISION_DAYS = 14


# --- the grade's state and its history --------------------------------------------------------


def grade_state(grade: Grade) -> dict:
    """What a grade says: kept in each history entry."""
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
        **grade_state(grade),
    }


def _apply_score(grade: Grade, levels: dict[str, str], result: dict) -> None:
    """Put a rubric result (from `score`) and the levels it scored on the grade (not saved)."""
    grade.levels = dict(levels)
    grade.breakdown = result["breakdown"]
    grade.percent = result["percent"]
    grade.passed = result["passed"]
    grade.distinction = result["distinction"]


def _record_change(grade: Grade, action: str, actor, reason: str) -> None:
    GradeChange.objects.create(
        grade=grade,
        revision=grade.revision,
        action=action,
        actor=actor,
        reason=reason,
        state=grade_state(grade),
    )


def _criterion_feedback(values: dict | None, levels: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (values or {}).items() if k in levels}


def _release(grade: Grade, submission: Submission, project: FieldProjectPage) -> None:
    grade.status = Grade.Status.RELEASED
    grade.released_at = timezone.now()
    grade.save()
    progress.grade_released(grade)
    members = submission.members.count()
    released = submission.grades.filter(status=Grade.Status.RELEASED).count()
    if released >= members and submission.status != Submission.Status.GRADED:
        submission.status = Submission.Status.GRADED
        submission.save(update_fields=["status", "updated_at"])
    notify(
        grade.learner,
        key=f"grade-released:{grade.id}:{grade.revision}",
        template="grade_released",
        context={
            "title": project.title,
            "page": project.id,
            "url": "",
            "percent": str(grade.percent),
            "passed": grade.passed,
        },
    )


def _awaits_moderation(submission: Submission) -> bool:
    return any(g.status == Grade.Status.AWAITING_MODERATION for g in submission.grades.all())


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


# --- the actions ------------------------------------------------------------------------------


class GradingAction:
    """One grading action on one submission by one user."""

    def __init__(self, submission: Submission, *, user):
        self.submission = submission
        self.user = user

    def check(self, skip_permission_checks: bool = False) -> None:
        if not skip_permission_checks and not can_grade(self.user, self.submission):
            raise GradingPermissionError(_("You do not grade this submission."))

    def execute(self, skip_permission_checks: bool = False):
        with transaction.atomic():
            self.submission = Submission.objects.select_for_update().get(pk=self.submission.pk)
            self.check(skip_permission_checks=skip_permission_checks)
            return self._run()

    def _run(self):
        raise NotImplementedError

    def _member(self, learner_id: int | None) -> int:
        """The team member a grade is for (the only one, in a submission of one)."""
        members = list(self.submission.members.values_list("learner_id", flat=True))
        if learner_id is None:
            if len(members) > 1:
                raise ValidationError(
                    {"learner": [_("This is a team submission: say which member you are grading.")]}
                )
            return members[0]
        if learner_id not in members:
            raise ValidationError(
                {"learner": [_("That learner is not a member of this submission.")]}
            )
        return learner_id

    def _grade(self, learner_id: int, *, lock: bool = False) -> Grade | None:
        grades = Grade.objects.select_for_update() if lock else Grade.objects
        return grades.filter(submission=self.submission, learner_id=learner_id).first()


class SaveGradeAction(GradingAction):
    """Save a draft grade, or release it (or send it to moderation where that is required)."""

    def __init__(
        self,
        submission: Submission,
        *,
        user,
        levels: dict[str, str],
        feedback: str = "",
        criterion_feedback: dict[str, str] | None = None,
        release: bool = False,
        learner_id: int | None = None,
        expected_revision: int | None = None,
        reason: str = "",
    ):
        super().__init__(submission, user=user)
        self.levels = levels
        self.feedback = feedback or ""
        self.criterion_feedback = criterion_feedback
        self.release = release
        self.learner_id = learner_id
        self.expected_revision = expected_revision
        self.reason = reason

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks)
        if self.submission.status == Submission.Status.RETURNED:
            raise Conflict(
                _("This submission was returned for revision; wait for the learner to resubmit.")
            )
        learner_id = self._member(self.learner_id)
        self.result = score(self.submission.field_project.specific, self.levels)
        grade = self._grade(learner_id)
        if grade is None:
            if self.expected_revision not in (None, 0):
                raise Conflict(_("This grade no longer exists."), detail={"current": None})
            return
        if self.expected_revision is not None and self.expected_revision != grade.revision:
            raise Conflict(
                _(
                    "Someone else changed this grade since you opened it. Review their change, then save again."
                ),
                detail={"current": grade_as_dict(grade)},
            )
        if self.expected_revision is None and self.user.id not in (
            grade.graded_by_id,
            grade.moderated_by_id,
        ):
            raise Conflict(
                _(
                    "Another grader has graded this submission. Send the revision you are replacing."
                ),
                detail={"current": grade_as_dict(grade)},
            )
        if grade.status == Grade.Status.AWAITING_MODERATION and grade.graded_by_id != self.user.id:
            raise Conflict(_("This grade is waiting for moderation: moderate it instead."))
        if (
            grade.status == Grade.Status.RELEASED
            and not self.release
            and grade.version_number >= self.submission.version_count
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

    def _run(self) -> Grade:
        project = self.submission.field_project.specific
        learner_id = self._member(self.learner_id)
        grade = self._grade(learner_id, lock=True) or Grade(
            submission=self.submission, learner_id=learner_id, graded_by=self.user, revision=0
        )
        _apply_score(grade, self.levels, self.result)
        grade.criterion_feedback = _criterion_feedback(self.criterion_feedback, self.levels)
        grade.feedback = self.feedback
        grade.version_number = self.submission.version_count
        grade.graded_by = self.user
        grade.moderated_by = None
        grade.revision += 1
        outline = get_outline()
        qualification_id = outline.project_qualification.get(project.id)
        if not self.release:
            grade.status = Grade.Status.DRAFT
            grade.save()
            action = Action.SAVED
        elif outline.qualifications[qualification_id].requires_moderation:
            grade.status = Grade.Status.AWAITING_MODERATION
            grade.save()
            action = Action.SUBMITTED_FOR_MODERATION
            moderation_waiting(grade, grader=self.user)
        else:
            _release(grade, self.submission, project)
            action = Action.RELEASED
        _record_change(grade, action, self.user, self.reason)
        return grade


class ModerateGradeAction(GradingAction):
    """A second marker agrees (the grade is released) or adjusts it (released as adjusted)."""

    def __init__(
        self,
        submission: Submission,
        *,
        user,
        agree: bool,
        levels: dict[str, str] | None = None,
        feedback: str | None = None,
        criterion_feedback: dict[str, str] | None = None,
        learner_id: int | None = None,
        expected_revision: int | None = None,
        reason: str = "",
    ):
        super().__init__(submission, user=user)
        self.agree = agree
        self.levels = levels
        self.feedback = feedback
        self.criterion_feedback = criterion_feedback
        self.learner_id = learner_id
        self.expected_revision = expected_revision
        self.reason = reason

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks)
        grade = self._grade(self._member(self.learner_id))
        if grade is None or grade.status != Grade.Status.AWAITING_MODERATION:
            raise Conflict(_("There is no grade waiting for moderation on this submission."))
        if grade.graded_by_id == self.user.id:
            raise Conflict(_("A second marker must moderate: you graded this submission yourself."))
        if self.expected_revision is not None and self.expected_revision != grade.revision:
            raise Conflict(
                _("Someone else changed this grade since you opened it."),
                detail={"current": grade_as_dict(grade)},
            )
        if not self.agree and not self.levels:
            raise ValidationError(
                {"levels": [_("To adjust a grade, choose the levels you would give.")]}
            )

    def _run(self) -> Grade:
        project = self.submission.field_project.specific
        grade = self._grade(self._member(self.learner_id), lock=True)
        if self.agree:
            action = Action.MODERATION_AGREED
        else:
            _apply_score(grade, self.levels, score(project, self.levels))
            if self.feedback is not None:
                grade.feedback = self.feedback
            if self.criterion_feedback is not None:
                grade.criterion_feedback = _criterion_feedback(self.criterion_feedback, self.levels)
            action = Action.MODERATION_ADJUSTED
        grade.moderated_by = self.user
        grade.revision += 1
        _release(grade, self.submission, project)
        _record_change(grade, action, self.user, self.reason)
        return grade


def default_revision_due(now=None):
    """The revision due date an instructor is offered: REVISION_DAYS from now, end of day."""
    now = now or timezone.now()
    return (now + timedelta(days=REVISION_DAYS)).replace(
        hour=23, minute=59, second=0, microsecond=0
    )


class ReturnSubmissionAction(GradingAction):
    """Send the latest version back for revision, with feedback and a due date. Not a grade."""

    def __init__(self, submission: Submission, *, user, feedback: str, due_at=None):
        super().__init__(submission, user=user)
        self.feedback = (feedback or "").strip()
        self.due_at = due_at or default_revision_due()

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks)
        if not self.feedback:
            raise ValidationError({"feedback": [_("Say what the learner should revise.")]})
        if self.due_at <= timezone.now():
            raise ValidationError({"due_at": [_("The revision due date must be in the future.")]})
        if _awaits_moderation(self.submission):
            raise Conflict(
                _("A grade of this submission is waiting for moderation; moderate it first.")
            )
        if not can_return(self.submission):
            raise Conflict(
                _(
                    "Only a submission waiting for grading, or one graded as not passed, can be returned."
                )
            )

    def _run(self) -> RevisionRequest:
        version = self.submission.versions.order_by("-number").first()
        request = RevisionRequest.objects.create(
            version=version, instructor=self.user, feedback=self.feedback, due_at=self.due_at
        )
        self.submission.status = Submission.Status.RETURNED
        self.submission.save(update_fields=["status", "updated_at"])
        project = self.submission.field_project
        members = list(self.submission.members.select_related("learner"))
        submission_returned.send(
            sender=Submission,
            submission=self.submission,
            revision_request=request,
            learner_ids=[member.learner_id for member in members],
        )
        for member in members:
            notify(
                member.learner,
                key=f"returned:{request.id}:{member.learner_id}",
                template="returned_for_revision",
                context={
                    "title": project.title,
                    "page": project.id,
                    "url": "",
                    "feedback": self.feedback,
                    "due": self.due_at.date().isoformat(),
                },
            )
        return request


# --- the same, as functions ------------------------------------------------------------------


def grade_save(*, grader, submission: Submission, **options) -> Grade:
    return SaveGradeAction(submission, user=grader, **options).execute()


def grade_moderate(*, moderator, submission: Submission, **options) -> Grade:
    return ModerateGradeAction(submission, user=moderator, **options).execute()


def submission_return(
    *, instructor, submission: Submission, feedback: str, due_at=None
) -> RevisionRequest:
    return ReturnSubmissionAction(
        submission, user=instructor, feedback=feedback, due_at=due_at
    ).execute()
