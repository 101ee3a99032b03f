"""What people were told: each notification once, under its key, kept for the recipient to read
in the site (the bell), with how its e-mail went; each person's e-mail choice per kind; the
daily digests sent."""

from django.conf import settings
from django.db import models

from lms.notifications.kinds import Delivery


class EmailDigest(models.Model):
    """One digest e-mail: the key (user and day) stops a retried job from sending it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=160, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class Notification(models.Model):
    """A notification told once: the key stops a retried or repeated job from telling it twice."""

    class Email(models.TextChoices):
        SENT = "sent", "sent"
        DIGEST_PENDING = "digest_pending", "waiting for the daily digest"
        DIGESTED = "digested", "sent in a daily digest"
        OFF = "off", "not e-mailed (turned off)"
        NONE = "none", "not e-mailed (no address)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=40, blank=True, db_index=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=20, choices=Email.choices, default=Email.SENT)
    digest = models.ForeignKey(
        EmailDigest, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["email", "user"], name="notification_digest_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.user}"


class NotificationPreference(models.Model):
    """How one person takes one kind by e-mail; without a row, immediately."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    email = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATELY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.email}"
