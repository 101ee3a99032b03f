"""What was sent to whom: each notification once, under its key."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An email sent once: the key stops a retried or repeated job from sending it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=160, unique=True)
    subject = models.CharField(max_length=200)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.subject} to {self.user}"
