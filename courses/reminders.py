"""Reminders the beat sends learners: a field-project deadline near, no activity for a while."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import Enrolment, FieldProjectPage, ProgressSnapshot
from courses.outline import get_outline
from courses.submissions import submission_deadline, submission_of
from lms.notifications.services import notify

DEADLINE_REMINDER_DAYS = 7
INACTIVITY_DAYS = 14


def deadline_reminders_send(*, now=None) -> int:
    """Remind learners whose field-project deadline is within a week and who have not submitted."""
    now = now or timezone.now()
    outline = get_outline()
    projects = {
        p.id: p
        for p in FieldProjectPage.objects.filter(
            id__in=[
                q.field_project_id for q in outline.qualifications.values() if q.field_project_id
            ]
        )
    }
    count = 0
    enrolments = Enrolment.objects.filter(
        kind=Enrolment.Kind.QUALIFICATION, status=Enrolment.Status.ACTIVE
    ).select_related("learner", "cohort")
    for enrolment in enrolments.iterator(chunk_size=500):
        qualification = outline.qualifications.get(enrolment.page_id)
        project = projects.get(qualification.field_project_id) if qualification else None
        if project is None:
            continue
        deadline = submission_deadline(enrolment.learner, project)
        if deadline is None or not now <= deadline <= now + timedelta(days=DEADLINE_REMINDER_DAYS):
            continue
        if submission_of(enrolment.learner, project) is not None:
            continue
        notify(
            enrolment.learner,
            key=f"deadline:{enrolment.id}:{deadline.date()}",
            template="deadline_reminder",
            context={
                "title": project.title,
                "page": project.id,
                "deadline": deadline.date().isoformat(),
            },
        )
        count += 1
    return count


def inactivity_nudges_send(*, now=None) -> int:
    """Nudge learners with an active enrolment and no activity for two weeks (once a week)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=INACTIVITY_DAYS)
    week = now.isocalendar()
    count = 0
    stale = ProgressSnapshot.objects.filter(
        enrolment__status=Enrolment.Status.ACTIVE,
        enrolment__via__isnull=True,
        last_activity_at__lt=cutoff,
    ).select_related("enrolment__learner", "enrolment__page")
    for snapshot in stale.iterator(chunk_size=500):
        _nudge(snapshot.enrolment, percent=snapshot.percent, week=week)
        count += 1
    return count


def _nudge(enrolment: Enrolment, *, percent: int, week) -> None:
    # One key per enrolment and week: the beat's nudge and an instructor's are the same message,
    # so a learner gets at most one a week.
    notify(
        enrolment.learner,
        key=f"nudge:{enrolment.id}:{week.year}-{week.week}",
        template="inactivity_nudge",
        context={"title": enrolment.page.title, "page": enrolment.page_id, "percent": percent},
    )


def learner_nudge(*, enrolment: Enrolment, now=None) -> None:
    """An instructor's one-click nudge of a learner at risk: the inactivity nudge, now (at most
    one a week reaches the learner, whoever sends it). Only an active enrolment is nudged."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        raise ValidationError(_("Only a learner with an active enrolment can be nudged."))
    if not enrolment.learner.email:
        raise ValidationError(_("This learner has no e-mail address to nudge."))
    snapshot = ProgressSnapshot.objects.filter(enrolment=enrolment).first()
    _nudge(
        enrolment,
        percent=snapshot.percent if snapshot else 0,
        week=(now or timezone.now()).isocalendar(),
    )
