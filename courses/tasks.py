"""Celery tasks of the courses app: thin wrappers that fetch by id and call the rules."""

from celery import shared_task
from django.db import OperationalError

from courses import cohorts, progress, reminders
from courses.grading import notices


@shared_task(
    name="courses.tasks.process_progress",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def process_progress(learner_id: int) -> int:
    return progress.learner_events_process(learner_id=learner_id)


@shared_task(name="courses.tasks.sweep_progress_events")
def sweep_progress_events() -> int:
    return len(progress.unprocessed_learners_sweep())


@shared_task(name="courses.tasks.send_deadline_reminders")
def send_deadline_reminders() -> int:
    return reminders.deadline_reminders_send()


@shared_task(name="courses.tasks.nudge_inactive_learners")
def nudge_inactive_learners() -> int:
    return reminders.inactivity_nudges_send()


@shared_task(name="courses.tasks.send_grading_overdue")
def send_grading_overdue() -> int:
    return notices.grading_overdue_send()


@shared_task(
    name="courses.tasks.send_cohort_invitation",
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    max_retries=8,
)
def send_cohort_invitation(invitation_id: int) -> bool:
    return cohorts.invitation_send(invitation_id=invitation_id)
