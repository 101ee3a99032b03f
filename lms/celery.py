"""The one Celery app. Each app's `tasks.py` is discovered; periodic work is listed here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["lms"])

app.conf.beat_schedule = {
    "sweep-unprocessed-progress-events": {
        "task": "courses.tasks.sweep_progress_events",
        "schedule": 60.0,
    },
    "send-deadline-reminders": {
        "task": "courses.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "nudge-inactive-learners": {
        "task": "courses.tasks.nudge_inactive_learners",
        "schedule": crontab(hour=7, minute=30),
    },
    "sweep-pending-awards": {
        "task": "certificates.tasks.sweep_pending_awards",
        "schedule": 120.0,
    },
    "sweep-orphan-certificate-pdfs": {
        "task": "certificates.tasks.sweep_orphan_pdfs",
        "schedule": crontab(hour=3, minute=30),
    },
    "refresh-status-list": {
        "task": "certificates.tasks.refresh_status_list",
        "schedule": 6 * 60 * 60.0,
    },
    "send-expiry-reminders": {
        "task": "certificates.tasks.send_expiry_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
}
