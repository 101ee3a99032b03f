"""Reminders before a certificate expires: 60 and 7 days ahead, each sent once."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from certificates.credentials import verify_url
from certificates.models import Certificate
from lms.notifications.services import notify

REMINDER_DAYS = (60, 7)


def expiry_reminders_send(*, now=None) -> int:
    """Queue the reminders that are due; each is emailed once (its key is recorded when sent)."""
    now = now or timezone.now()
    count = 0
    # Each reminder covers its own window: a certificate 5 days from expiry gets the 7-day
    # reminder only, not the 60-day one as well on the same morning.
    windows = zip(REMINDER_DAYS, (*REMINDER_DAYS[1:], 0), strict=True)
    for days, next_days in windows:
        due = Certificate.objects.filter(
            is_current=True,
            revoked_at__isnull=True,
            valid_until__gt=now + timedelta(days=next_days),
            valid_until__lte=now + timedelta(days=days),
        ).select_related("learner")
        for certificate in due.iterator(chunk_size=500):
            notify(
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
