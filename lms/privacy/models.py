"""Archives of a learner's data, built by a worker and kept privately for a few days."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.storage import private_storage


def _archive_path(instance, filename: str) -> str:
    return f"data-exports/{filename}"


class DataExport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    archive = models.FileField(upload_to=_archive_path, storage=private_storage, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")

    def __str__(self) -> str:
        return f"Data export {self.pk} of {self.user_id}"

    @property
    def downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.archive)
            and self.expires_at > timezone.now()
        )
