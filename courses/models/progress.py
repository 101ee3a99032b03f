"""The progress ledger: append-only learning events, per-enrolment snapshots, milestones."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressEvent(models.Model):
    """Something a learner did that counts towards progress, written with the fact itself.

    `key` makes recording idempotent: the same completion posted twice gives one event.
    `processed_at` is set in the transaction that folds the event into the snapshots.
    """

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
        CHECK_ATTEMPTED = "check_attempted", _("Knowledge check attempted")
        PROJECT_SUBMITTED = "project_submitted", _("Field project submitted")
        GRADE_RELEASED = "grade_released", _("Grade released")
        EVIDENCE_REVIEWED = "evidence_reviewed", _("Evidence reviewed")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["learner", "processed_at"]),
            models.Index(
                fields=["occurred_at"],
                name="unprocessed_events",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class ProgressSnapshot(models.Model):
    """An enrolment's progress: the facts folded from events, and what follows from them."""

    enrolment = models.OneToOneField(
        "courses.Enrolment", on_delete=models.CASCADE, primary_key=True, related_name="snapshot"
    )
    facts = models.JSONField(default=dict)
    summary = models.JSONField(default=dict)
    percent = models.PositiveSmallIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Progress of enrolment {self.enrolment_id}: {self.percent}%"


class Milestone(models.Model):
    class Kind(models.TextChoices):
        MODULE_COMPLETE = "module_complete", _("Module complete")
        COURSE_COMPLETE = "course_complete", _("Course complete")
        PROJECT_PASSED = "project_passed", _("Field project passed")
        REQUIREMENTS_MET = "requirements_met", _("Qualification requirements met")

    enrolment = models.ForeignKey(
        "courses.Enrolment", on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    achieved_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["achieved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind", "page"], name="unique_milestone")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: page {self.page_id}"
