"""What learners do: enrolments, cohorts, lesson completions, knowledge-check attempts, report
drafts, team invitations, field-project submissions, calendar feeds and evidence for
qualifications that ask for it.

Every row points at the page in the default language: a learner who reads the Chinese page of
a lesson completes the same lesson as one who reads the English page.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.storage import private_storage


class TeachingAssignment(models.Model):
    """An instructor teaches a course or a qualification: they grade its field-project work."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teaching_assignments"
    )
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instructor", "page"], name="unique_teaching_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instructor} teaches {self.page.title}"


def cohort_targets():
    """What a cohort may be for: a course or a qualification (their page types), nothing else.
    Used as the target field's limit_choices_to, so the admin's chooser, forms and model
    validation all offer and accept only these."""
    from django.contrib.contenttypes.models import ContentType

    return models.Q(
        content_type__in=ContentType.objects.get_for_models(*_cohort_target_models()).values()
    )


def _cohort_target_models():
    from .pages import CoursePage, QualificationPage

    return (CoursePage, QualificationPage)


def instructors_only():
    """Who may lead a cohort: instructors, the role courses.grading.permissions grades by."""
    return models.Q(role="instructor")


class Cohort(models.Model):
    """A group of learners taking a course or qualification together, on a shared timetable."""

    name = models.CharField(_("name"), max_length=120)
    page = models.ForeignKey(
        "wagtailcore.Page",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("course or qualification"),
        limit_choices_to=cohort_targets,
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    submission_deadline = models.DateTimeField(
        _("field-project deadline"),
        null=True,
        blank=True,
        help_text=_("Overrides the project's 'days to submit' for this cohort."),
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cohorts_taught",
        limit_choices_to=instructors_only,
        verbose_name=_("instructors"),
    )

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Refused whichever way the row is written (admin, API, a script): a cohort of a lesson
        # or the home page would enrol nobody and break every page that lists cohorts.
        if error := self.target_error():
            raise ValidationError({"page": error})
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if error := self.target_error():
            errors["page"] = error
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("A cohort cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    def target_error(self):
        """Why the cohort's page cannot be its target (None when it is a course or a
        qualification)."""
        if self.page_id is not None and not isinstance(self.page.specific, _cohort_target_models()):
            return _("A cohort is for a course or a qualification, nothing else.")
        return None


class CohortImport(models.Model):
    """A CSV of learners uploaded for a cohort: checked row by row into a preview, then applied
    (courses.cohorts). Kept as the record of who added whom."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    rows = models.JSONField(
        default=list,
        help_text="One entry per data row: line, email, full name, outcome and message.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} for {self.cohort}"


class CohortInvitation(models.Model):
    """An e-mail invitation to join a cohort. The signed link in the e-mail enrols whoever holds
    the invited address once they accept (registering first if they have no account)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohort_invitations_accepted",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "email"], name="one_invitation_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.cohort}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        QUALIFICATION = "qualification", _("Qualification")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    via = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_enrolments",
        help_text=_("The qualification enrolment that enrolled the learner in this course."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    requirements = models.JSONField(
        _("requirements"),
        null=True,
        blank=True,
        help_text=_(
            "A qualification enrolment's outline, kept from when the learner enrolled: the "
            "required courses and whether evidence is reviewed. Changed only by moving the "
            "learner to the current outline."
        ),
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "page"], name="unique_enrolment")]
        indexes = [models.Index(fields=["page", "status"])]

    def __str__(self) -> str:
        return f"{self.learner} in {self.page.title}"

    def clean(self):
        if self.cohort_id and self.cohort.page_id != self.page_id:
            raise ValidationError(
                {"cohort": _("That cohort is for a different course or qualification.")}
            )


class LessonCompletion(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "lesson"], name="unique_lesson_completion")
        ]

    def __str__(self) -> str:
        return f"{self.learner} completed lesson {self.lesson_id}"


class KnowledgeCheckAttempt(models.Model):
    """One attempt at a check: the questions drawn for it (each with its choices in the order
    shown), then the answers and their marks. Started when the learner opens the check, it stays
    in progress, with the same draw, until it is submitted or its time runs out."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Time ran out")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_attempts"
    )
    check_page = models.ForeignKey(
        "courses.KnowledgeCheckPage", on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    drawn = models.JSONField(
        default=list,
        help_text="the questions asked, in order: [{question: id, choices: [ids as shown]}]",
    )
    answers = models.JSONField(default=dict, help_text="question id → list of chosen choice ids")
    results = models.JSONField(default=dict, help_text="question id → {correct}")
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="percent")
    passed = models.BooleanField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="when the check's time limit ends for this attempt"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["check_page_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "check_page", "number"], name="unique_attempt_number"
            ),
            models.UniqueConstraint(
                fields=["learner", "check_page"],
                condition=models.Q(status="in_progress"),
                name="one_attempt_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Attempt {self.number} of {self.learner} at check {self.check_page_id}: "
            f"{self.get_status_display()}, {self.score if self.score is not None else '-'}%"
        )

    @property
    def question_ids(self) -> list[str]:
        return [item["question"] for item in self.drawn]

    @property
    def finished(self) -> bool:
        return self.status != self.Status.IN_PROGRESS


def _anonymous_code() -> str:
    return secrets.token_hex(3).upper()


class Submission(models.Model):
    """One field-project submission, shared by a team of one to three learners."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for grading")
        RETURNED = "returned", _("Returned for revision")
        GRADED = "graded", _("Graded")

    field_project = models.ForeignKey(
        "courses.FieldProjectPage", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    anonymous_code = models.CharField(max_length=6, default=_anonymous_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    latest_submitted_at = models.DateTimeField(db_index=True)
    version_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "latest_submitted_at"])]

    def __str__(self) -> str:
        return f"Submission {self.pk} to {self.field_project.title}"


class SubmissionMember(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="members")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submission_memberships"
    )
    field_project = models.ForeignKey(
        "courses.FieldProjectPage", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "field_project"], name="one_submission_per_learner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} in submission {self.submission_id}"


class SubmissionVersion(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    report = models.TextField(
        help_text="The whole report as Markdown: the sections under their titles, or one text."
    )
    sections = models.JSONField(
        default=list,
        blank=True,
        help_text="The report's sections as written: [{id, title, text}] (empty for one text).",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of submission {self.submission_id}"


def _submission_file_path(instance, filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no active extensions.
    return f"submissions/{instance.version.submission_id}/{secrets.token_hex(16)}"


class SubmissionFile(models.Model):
    version = models.ForeignKey(SubmissionVersion, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_submission_file_path, storage=private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name


class RevisionRequest(models.Model):
    """An instructor returned a version for revision, with feedback; not a grade."""

    version = models.ForeignKey(
        SubmissionVersion, on_delete=models.CASCADE, related_name="revision_requests"
    )
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    feedback = models.TextField()
    due_at = models.DateTimeField(
        _("revision due"),
        null=True,
        blank=True,
        help_text=_("When the revised version is due; later versions are marked late."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Revision requested on {self.version}"


class ReportDraft(models.Model):
    """A learner's unsubmitted report, saved as they write: one per learner and project.

    It starts from the team's latest version (a revision starts from the previous version) and
    is cleared when the learner submits it.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_drafts"
    )
    field_project = models.ForeignKey(
        "courses.FieldProjectPage", on_delete=models.CASCADE, related_name="+"
    )
    sections = models.JSONField(default=dict, help_text="section id → Markdown text")
    base_version = models.PositiveSmallIntegerField(
        default=0, help_text="The submission version the draft started from (0: none)."
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Raised on every save; a save naming an older one is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "field_project"], name="one_draft_per_learner_and_project"
            )
        ]

    def __str__(self) -> str:
        return f"Draft of {self.learner} for project {self.field_project_id}"


class TeamInvitation(models.Model):
    """A learner asks another to join their team for a field project. Nothing is shared, and
    no submission gains a member, until the invited learner accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    field_project = models.ForeignKey(
        "courses.FieldProjectPage", on_delete=models.CASCADE, related_name="+"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations_sent"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_invitations_received",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["field_project", "inviter", "invitee"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_pair",
            )
        ]
        indexes = [models.Index(fields=["invitee", "status"])]

    def __str__(self) -> str:
        return f"{self.inviter} invites {self.invitee} to project {self.field_project_id}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of a learner's iCalendar feed of deadlines; reset makes a new one."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.learner}"


class EvidenceSubmission(models.Model):
    """Evidence a qualification asks for beyond courses, reviewed by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not accepted")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evidence_submissions"
    )
    qualification = models.ForeignKey(
        "courses.QualificationPage", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(_("statement"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("evidence submissions")

    def __str__(self) -> str:
        return f"Evidence of {self.learner} for {self.qualification_id}"


class AttemptAllowance(models.Model):
    """Extra attempts at a knowledge check for one learner, granted by staff or an instructor."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempt_allowances"
    )
    check_page = models.ForeignKey(
        "courses.KnowledgeCheckPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("knowledge check"),
    )
    extra = models.PositiveSmallIntegerField(_("extra attempts"), default=1)
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extra attempts")
        verbose_name_plural = _("extra attempts")

    def __str__(self) -> str:
        return f"{self.extra} extra attempt(s) for {self.learner} at check {self.check_page_id}"
