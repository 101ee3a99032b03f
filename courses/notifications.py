"""Emails to learners, each sent at most once (its key is recorded with it).

`notify` queues an email after the current transaction commits; the worker renders it in the
recipient's language from templates/emails/<template>.txt (first line: the subject).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from courses.models import Enrolment, Notification, ProgressSnapshot

logger = logging.getLogger(__name__)
DEADLINE_REMINDER_DAYS = 7
INACTIVITY_DAYS = 14


def notify(user, *, key: str, template: str, context: dict) -> None:
    from courses.tasks import send_notification

    if not user.email:
        return
    transaction.on_commit(
        lambda: send_notification.delay(user.id, key, template, context), robust=True
    )


def _about_page_in(context: dict, language: str) -> dict:
    """The title and URL of the page an email is about (`context["page"]`), in `language`.

    Callers give the default-language page; a learner who reads in Chinese gets its Chinese
    title and link, and every link starts with the site's public base URL.
    """
    from wagtail.models import Locale, Page

    page = Page.objects.filter(id=context.get("page") or 0).first()
    if page is None:
        return context
    locale = Locale.objects.filter(language_code=language).first()
    shown = page.get_translation_or_none(locale) if locale else None
    if shown is None or not shown.live:
        shown = page
    context = {**context, "title": shown.title}
    if "url" in context:
        context["url"] = urljoin(settings.BASE_URL, shown.url)
    return context


def notification_send(*, user_id: int, key: str, template: str, context: dict) -> bool:
    """Render and send one email unless its key was sent before. Returns whether it was sent."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    context = _about_page_in(context, user.preferred_language)
    with translation.override(user.preferred_language):
        text = render_to_string(
            f"emails/{template}.txt",
            {
                **context,
                "user": user,
                "base_url": settings.BASE_URL,
                "site_name": "Cluster Manager Academy",
            },
        )
    subject, _, body = text.strip().partition("\n")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Notification.objects.create(user=user, key=key, subject=subject[:200])
        except IntegrityError:
            return False
        # Sent inside the transaction: if sending fails the key is not kept and a retry sends.
        send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def deadline_reminders_send(*, now=None) -> int:
    """Remind learners whose field-project deadline is within a week and who have not submitted."""
    from courses.learning import submission_deadline, submission_of
    from courses.models import FieldProjectPage
    from courses.outline import get_outline

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
        enrolment = snapshot.enrolment
        notify(
            enrolment.learner,
            key=f"nudge:{enrolment.id}:{week.year}-{week.week}",
            template="inactivity_nudge",
            context={
                "title": enrolment.page.title,
                "page": enrolment.page_id,
                "percent": snapshot.percent,
            },
        )
        count += 1
    return count
