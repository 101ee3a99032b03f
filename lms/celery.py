"""The one Celery app. Each app's `tasks.py` is discovered; periodic work is listed here.

Rules send tasks by name (`send`, `send_after_commit`): a rules module never imports its app's
`tasks.py`, which imports the rules, so dependencies run one way (tasks → rules).
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from django.db import transaction

from lms import broker  # noqa: F401  (registers the lmsfs:// transport before any connection)

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
    "sweep-xapi-statements": {
        "task": "lms.xapi.tasks.sweep_statements",
        "schedule": 60.0,
    },
    "sweep-lti-scores": {
        "task": "lms.lti.tasks.sweep_scores",
        "schedule": 120.0,
    },
    "sweep-data-exports": {
        "task": "privacy.tasks.sweep_data_exports",
        "schedule": crontab(hour=4, minute=0),
    },
    "send-daily-digests": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": crontab(hour=17, minute=0),
    },
    "tell-instructors-grading-overdue": {
        "task": "courses.tasks.send_grading_overdue",
        "schedule": crontab(hour=6, minute=30),
    },
    "send-expiry-reminders": {
        "task": "certificates.tasks.send_expiry_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
}


def registered(task_name: str):
    """The task named `task_name`. A web process imports the apps' `tasks.py` (as a worker does
    on start) the first time it sends one; a name no app defines raises NotRegistered."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task_name]


def send(task_name: str, *args) -> None:
    """Queue the task named `task_name` now."""
    registered(task_name).delay(*args)


def send_after_commit(task_name: str, *args) -> None:
    """Queue the task once the current transaction commits, never if it rolls back. A broker
    outage does not fail the caller (`robust`): what the task would do is already recorded, and
    a periodic sweep sends it again."""
    task = registered(task_name)
    transaction.on_commit(lambda: task.delay(*args), robust=True)


def backoff(attempts: int, *, first: float = 5, longest: float = 3600) -> timedelta:
    """How long an outbox row waits after its `attempts`-th failed delivery: `first` seconds,
    doubling each time, never more than `longest` (5 s, 10 s, 20 s ... an hour)."""
    return timedelta(seconds=min(longest, first * 2 ** max(0, attempts - 1)))
