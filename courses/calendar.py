"""A learner's deadlines: cohort dates, field-project deadlines and revision due dates, as a list
for the calendar page and the API, and as an iCalendar feed (RFC 5545) at a secret address.

The feed needs no session: its address holds a random token (CalendarFeed), which the learner can
reset, making the old address stop working. A fixed number of queries however many enrolments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from courses.models import (
    CalendarFeed,
    Enrolment,
    FieldProjectPage,
    RevisionRequest,
    Submission,
    SubmissionMember,
)
from courses.outline import get_outline
from lms.localization import localized_by_id

PRODUCT_ID = "-//Cluster Manager Academy//Deadlines//EN"


@dataclass(frozen=True)
class Deadline:
    uid: str  # stable across feeds, so calendars update an event instead of adding another
    kind: str  # cohort-start, cohort-end, project, revision
    title: str
    at: date | datetime  # a date for a whole day, an aware datetime for a moment
    page: object | None  # the page it is about, in the reader's language
    detail: str = ""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.at, datetime)

    @property
    def day(self) -> date:
        return self.at if self.all_day else timezone.localtime(self.at).date()

    def is_past(self, today: date) -> bool:
        return self.day < today


def _project_deadline(enrolment: Enrolment, days: int):
    if enrolment.cohort and enrolment.cohort.submission_deadline:
        return enrolment.cohort.submission_deadline
    return enrolment.enrolled_at + timedelta(days=days)


def deadlines_for(learner, locale=None) -> list[Deadline]:
    """Every dated event of the learner's own learning, earliest first."""
    outline = get_outline()
    enrolments = list(
        Enrolment.objects.filter(learner=learner)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("cohort")
    )
    projects = {
        q.id: q.field_project_id for q in outline.qualifications.values() if q.field_project_id
    }
    memberships = list(
        SubmissionMember.objects.filter(learner=learner).select_related("submission__field_project")
    )
    graded = {
        m.field_project_id for m in memberships if m.submission.status == Submission.Status.GRADED
    }
    # A revision is due until the learner resubmits: the latest request of a returned submission.
    returned = [
        m.submission_id for m in memberships if m.submission.status == Submission.Status.RETURNED
    ]
    latest: dict[int, RevisionRequest] = {}
    for request in (
        RevisionRequest.objects.filter(version__submission_id__in=returned, due_at__isnull=False)
        .select_related("version__submission")
        .order_by("created_at", "id")
    ):
        latest[request.version.submission_id] = request
    returns = list(latest.values())
    project_days = {
        m.field_project_id: m.submission.field_project.deadline_days for m in memberships
    }
    missing = [p for p in projects.values() if p not in project_days]
    if missing:
        project_days.update(
            FieldProjectPage.objects.filter(id__in=missing).values_list("id", "deadline_days")
        )
    wanted = {e.page_id for e in enrolments} | set(projects.values())
    shown = localized_by_id(wanted, locale)
    events: list[Deadline] = []
    for enrolment in enrolments:
        page = shown.get(enrolment.page_id)
        title = page.title if page else ""
        cohort = enrolment.cohort
        if cohort is not None:
            events.append(
                Deadline(
                    f"cohort-{cohort.id}-start",
                    "cohort-start",
                    _("%(cohort)s starts: %(title)s") % {"cohort": cohort.name, "title": title},
                    cohort.starts_on,
                    page,
                )
            )
            if cohort.ends_on:
                events.append(
                    Deadline(
                        f"cohort-{cohort.id}-end",
                        "cohort-end",
                        _("%(cohort)s ends: %(title)s") % {"cohort": cohort.name, "title": title},
                        cohort.ends_on,
                        page,
                    )
                )
        project_id = projects.get(enrolment.page_id)
        if (
            project_id
            and enrolment.kind == Enrolment.Kind.QUALIFICATION
            and project_id not in graded
            and project_id in project_days
        ):
            project = shown.get(project_id)
            events.append(
                Deadline(
                    f"project-{project_id}-enrolment-{enrolment.id}",
                    "project",
                    _("Field project due: %(title)s") % {"title": project.title if project else ""},
                    _project_deadline(enrolment, project_days[project_id]),
                    project,
                )
            )
    for request in returns:
        project_id = request.version.submission.field_project_id
        project = shown.get(project_id) or localized_by_id([project_id], locale).get(project_id)
        events.append(
            Deadline(
                f"revision-{request.id}",
                "revision",
                _("Revision due: %(title)s") % {"title": project.title if project else ""},
                request.due_at,
                project,
                detail=request.feedback,
            )
        )
    return sorted(events, key=lambda e: (e.day, e.uid))


# --- the secret feed ------------------------------------------------------------------------


def feed_of(learner) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(learner=learner)
    return feed


@transaction.atomic
def feed_reset(*, learner) -> CalendarFeed:
    """A new secret address for the learner's feed; the old one stops working at once."""
    CalendarFeed.objects.filter(learner=learner).delete()
    return CalendarFeed.objects.create(learner=learner)


def feed_owner(token: str):
    """The learner whose feed has this token, or None."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token).select_related("learner").first()
    if feed is None or not feed.learner.is_active:
        return None
    return feed.learner


def ics_of(events: list[Deadline], *, site: str, calendar_name: str) -> bytes:
    """The events as an RFC 5545 calendar; `site` (scheme and host) makes links absolute."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    host = site.split("://", 1)[-1]
    stamp = timezone.now().replace(microsecond=0)
    for item in events:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", item.title)
        if item.all_day:
            event.add("dtstart", item.at)
            event.add("dtend", item.at + timedelta(days=1))
        else:
            moment = item.at.astimezone(UTC)
            event.add("dtstart", moment)
            event.add("dtend", moment)
        if item.page is not None:
            event.add("url", f"{site}{item.page.url}")
        if item.detail:
            event.add("description", item.detail)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
