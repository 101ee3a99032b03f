"""The learner's deadlines (courses/calendar.py): cohort dates, the field-project deadline and
revision due dates, on the calendar page, in the API and as a private iCalendar feed (RFC 5545)
whose secret address can be reset; and the revision due date an instructor sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.utils import timezone

from courses.calendar import deadlines_for, feed_of
from courses.enrolment import enrolment_create
from courses.grading import submission_return
from courses.models import CalendarFeed, Cohort, Enrolment, RevisionRequest
from tests.courses.helpers import submit


@pytest.fixture
def cohort_learner(curriculum, learner):
    cohort = Cohort.objects.create(
        name="Spring 2027",
        page=curriculum.qualification,
        starts_on=date(2027, 3, 1),
        ends_on=date(2027, 9, 30),
        submission_deadline=datetime(2027, 9, 1, 17, 0, tzinfo=UTC),
    )
    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    return learner


def test_a_learners_deadlines(curriculum, cohort_learner, instructor):
    version = submit(cohort_learner, curriculum.project)
    due = timezone.now() + timedelta(days=10)
    submission_return(
        instructor=instructor,
        submission=version.submission,
        feedback="Sharper targets.",
        due_at=due,
    )
    events = {e.kind: e for e in deadlines_for(cohort_learner)}
    assert events["cohort-start"].at == date(2027, 3, 1) and events["cohort-start"].all_day
    assert events["cohort-end"].at == date(2027, 9, 30)
    assert events["project"].at == datetime(2027, 9, 1, 17, 0, tzinfo=UTC)
    assert events["project"].title == "Field project due: Field project"
    assert events["revision"].at == due and events["revision"].detail == "Sharper targets."


def test_deadlines_are_titled_in_the_readers_language(curriculum, cohort_learner):
    from wagtail.models import Locale

    events = deadlines_for(cohort_learner, Locale.objects.get(language_code="zh-hans"))
    project = next(e for e in events if e.kind == "project")
    assert project.page.locale.language_code == "zh-hans"
    assert project.page.title in project.title


def test_the_feed_is_valid_icalendar_and_needs_no_session(client, curriculum, cohort_learner):
    feed = feed_of(cohort_learner)
    response = client.get(f"/en/learn/calendar/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"{kind}@testserver"
        for kind in (
            f"cohort-{Cohort.objects.get().id}-start",
            f"cohort-{Cohort.objects.get().id}-end",
            f"project-{curriculum.project.id}-enrolment-"
            f"{Enrolment.objects.get(learner=cohort_learner, page=curriculum.qualification).id}",
        )
    }
    project = next(e for k, e in events.items() if k.startswith("project-"))
    assert project.decoded("DTSTART") == datetime(2027, 9, 1, 17, 0, tzinfo=UTC)
    assert str(project["URL"]) == f"http://testserver{curriculum.project.url}"
    start = next(e for k, e in events.items() if k.endswith("-start@testserver"))
    assert start.decoded("DTSTART") == date(2027, 3, 1)


def test_resetting_the_feed_makes_the_old_address_stop_working(client, curriculum, cohort_learner):
    old = feed_of(cohort_learner).token
    client.force_login(cohort_learner)
    page = client.get("/en/learn/calendar/").content.decode()
    assert f"http://testserver/en/learn/calendar/{old}.ics" in page
    response = client.post("/en/learn/calendar/reset/")
    assert response.status_code == 302
    new = CalendarFeed.objects.get(learner=cohort_learner).token
    assert new != old
    client.logout()
    assert client.get(f"/en/learn/calendar/{old}.ics").status_code == 404
    assert client.get(f"/en/learn/calendar/{new}.ics").status_code == 200
    assert client.get("/en/learn/calendar/not-a-token.ics").status_code == 404


def test_the_calendar_in_the_api(api, curriculum, cohort_learner):
    body = api.get("/me/calendar", user=cohort_learner).json()
    assert body["feed_url"].startswith("http://testserver/en/learn/calendar/")
    assert [e["kind"] for e in body["events"]] == ["cohort-start", "project", "cohort-end"]
    reset = api.post("/me/calendar/reset", user=cohort_learner).json()
    assert reset["feed_url"] != body["feed_url"]
    assert api.get("/me/calendar").status_code == 401


def test_the_calendar_page_lists_upcoming_and_past_dates(client, curriculum, learner):
    cohort = Cohort.objects.create(
        name="Old cohort", page=curriculum.qualification, starts_on=date(2020, 1, 6)
    )
    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    client.force_login(learner)
    body = client.get("/en/learn/calendar/").content.decode()
    assert "Field project due: Field project" in body
    assert "1 past date" in body and "Old cohort starts" in body
    assert client.get("/en/dashboard/").content.decode().count('href="/en/learn/calendar/"') >= 1


# --- revision due dates ---------------------------------------------------------------------


def test_a_return_is_due_in_14_days_by_default_and_later_work_is_late(
    curriculum, enrolled, instructor
):
    version = submit(enrolled, curriculum.project)
    request = submission_return(
        instructor=instructor, submission=version.submission, feedback="Fix."
    )
    expected = (timezone.now() + timedelta(days=14)).date()
    assert request.due_at.date() == expected and request.due_at > timezone.now()
    RevisionRequest.objects.filter(id=request.id).update(due_at=timezone.now() - timedelta(hours=1))
    revised = submit(enrolled, curriculum.project, report="Fixed, late.")
    assert revised.late and revised.deadline < timezone.now()


def test_the_instructor_sets_the_revision_due_date_on_the_grading_page(
    client, curriculum, enrolled, instructor
):
    version = submit(enrolled, curriculum.project)
    client.force_login(instructor)
    url = f"/en/grading/submissions/{version.submission_id}/"
    assert 'type="date" name="due_at"' in client.get(url).content.decode()
    past = client.post(url + "return/", {"feedback": "Fix.", "due_at": "2020-01-01"})
    assert past.status_code == 400
    assert "must be in the future" in past.content.decode()
    day = (timezone.now() + timedelta(days=30)).date()
    response = client.post(url + "return/", {"feedback": "Fix.", "due_at": day.isoformat()})
    assert response.status_code == 302
    request = RevisionRequest.objects.get()
    assert request.due_at == datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
    client.force_login(enrolled)
    page = client.get(curriculum.project.url).content.decode()
    assert "Submit your revision by" in page


def test_the_calendar_page_needs_the_same_queries_however_many_dates(
    client, curriculum, learner, other_learner, instructor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enrolment_create(learner=learner, page=curriculum.qualification)  # one date
    cohort = Cohort.objects.create(
        name="Busy",
        page=curriculum.qualification,
        starts_on=date(2027, 1, 4),
        ends_on=date(2027, 6, 1),
    )
    enrolment_create(learner=other_learner, page=curriculum.qualification, cohort=cohort)
    enrolment_create(learner=other_learner, page=curriculum.course("course-two"))
    version = submit(other_learner, curriculum.project)
    submission_return(instructor=instructor, submission=version.submission, feedback="More.")
    counts = []
    for user in (learner, other_learner):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/en/learn/calendar/").content.decode()
        counts.append(len(queries.captured_queries))
    assert "Busy starts" in body and "Busy ends" in body and "Revision due" in body
    # Four dates where there was one, and at most the revisions' one query more.
    assert counts[1] <= counts[0] + 1, counts
