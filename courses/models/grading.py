"""Rubric grades of field-project submissions, one per team member, with their full history."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_MODERATION = "awaiting_moderation", _("Awaiting moderation")
        RELEASED = "released", _("Released")

    submission = models.ForeignKey(
        "courses.Submission", on_delete=models.CASCADE, related_name="grades"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    version_number = models.PositiveSmallIntegerField(help_text="The submission version graded.")
    levels = models.JSONField(default=dict, help_text="criterion id → level id")
    criterion_feedback = models.JSONField(default=dict, blank=True)
    feedback = models.TextField(blank=True)
    breakdown = models.JSONField(
        default=list, help_text="The rubric as applied: criteria, levels, points and weights."
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    passed = models.BooleanField(default=False)
    distinction = models.BooleanField(default=False)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Raised on every change; a save naming an older one is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "learner"], name="one_grade_per_member")
        ]

    def __str__(self) -> str:
        return f"Grade of {self.learner} on submission {self.submission_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Grade history is append-only.")

    def delete(self):
        raise TypeError("Grade history is append-only.")


class GradeChange(models.Model):
    """Who changed a grade, when, why, and what it was afterwards. Never edited or deleted."""

    class Action(models.TextChoices):
        SAVED = "saved", _("Draft saved")
        SUBMITTED_FOR_MODERATION = "submitted_for_moderation", _("Sent for moderation")
        MODERATION_AGREED = "moderation_agreed", _("Second marker agreed")
        MODERATION_ADJUSTED = "moderation_adjusted", _("Second marker adjusted")
        RELEASED = "released", _("Released to the learner")

    grade = models.ForeignKey(Grade, on_delete=models.PROTECT, related_name="history")
    revision = models.PositiveIntegerField()
    action = models.CharField(max_length=40, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    state = models.JSONField(help_text="The grade's levels, feedback and result after the change.")
    at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["grade_id", "revision", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} (revision {self.revision}) by {self.actor}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Grade history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Grade history is append-only.")
