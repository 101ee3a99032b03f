"""Reminders before a certificate expires: 60 and 7 days ahead, each sent once."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from certificates.credentials import verify_url
from certificates.models import Certificate
from courses import notifications

REMINDER_DAYS = (60, 7)


def expiry_reminders_send(*, now=None) -> int:
    now = now or timezone.now()
    count = 0
    for days in REMINDER_DAYS:
        window_end = now + timedelta(days=days)
        due = Certificate.objects.filter(
            is_current=True,
            revoked_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=window_end,
        ).select_related("learner")
        for certificate in due.iterator(chunk_size=500):
            notifications.notify(
                certificate.learner,
                key=f"expiry:{certificate.id}:{days}",
                template="certificate_expiring",
                context={
                    "title": certificate.frozen.get("certificate_title", ""),
                    "valid_until": certificate.valid_until.date().isoformat(),
                    "days": days,
                    "verify_url": verify_url(certificate.id),
                    "base_url": settings.BASE_URL,
                },
            )
            count += 1
    return count
