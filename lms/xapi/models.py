"""The learner's opaque xAPI account name, and the outbox of statements waiting for the LRS."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LearnerAccount(models.Model):
    """The name a learner has in the LRS: random, stable, and meaningless outside this site (never
    an e-mail address or a username, which change and identify the person)."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="xapi_account",
    )
    name = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("xAPI learner account")

    def __str__(self) -> str:
        return str(self.name)


class Statement(models.Model):
    """One xAPI statement, written in the transaction that records the learning event, and kept
    until the LRS has accepted it. Its id is deterministic (see lms.xapi.statements), so a
    statement sent twice is stored once by the LRS, and recording an event twice writes one row."""

    id = models.UUIDField(primary_key=True, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    verb = models.CharField(_("verb"), max_length=30)
    activity = models.CharField(_("activity"), max_length=500)
    statement = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A sender claims a batch for a short lease, so two senders never post the same rows at once.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="xapi_unsent_statements",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.activity}"
