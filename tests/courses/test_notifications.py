"""Emails (lms/notifications, courses/reminders.py, courses/tasks.py): each sent once by its key, after the
transaction commits, in the recipient's language; deadline reminders and inactivity nudges go
only to the learners they concern.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from courses.enrolment import enrolment_create
from courses.models import Cohort, Enrolment, ProgressSnapshot
from courses.progress import learner_events_process
from courses.reminders import deadline_reminders_send, inactivity_nudges_send
from lms.notifications.models import Notification
from lms.notifications.services import notification_send, notify
from tests.conftest import make_user
from tests.courses.helpers import submit

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


@pytest.fixture(scope="session")
def _compiled_messages(tmp_path_factory):
    """The Chinese catalogue compiled as `make messages` does, into a folder of our own."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = tmp_path_factory.mktemp("locale")
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        out = target / po_path.relative_to(LOCALE_DIR).with_suffix(".mo")
        out.parent.mkdir(parents=True)
        with po_path.open("rb") as po, out.open("wb") as mo:
            write_mo(mo, read_po(po), use_fuzzy=True)
    return target


@pytest.fixture
def chinese_messages(settings, _compiled_messages):
    settings.LOCALE_PATHS = [_compiled_messages]


@pytest.fixture
def reader_of_chinese(curriculum):
    return make_user("learner", "mei", preferred_language="zh-hans", full_name="王梅")


# --- once, after commit -------------------------------------------------------------------


def test_an_email_is_sent_once_per_key(learner):
    context = {"title": "Course One", "url": "/en/catalog/course-one/"}
    assert notification_send(user_id=learner.id, key="k1", template="enrolled", context=context)
    assert not notification_send(user_id=learner.id, key="k1", template="enrolled", context=context)
    assert len(mail.outbox) == 1 and Notification.objects.filter(key="k1").count() == 1
    assert mail.outbox[0].to == [learner.email]
    assert mail.outbox[0].subject == "You are enrolled in Course One"


def test_an_email_waits_for_the_commit(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notify(learner, key="k2", template="enrolled", context={"title": "T", "url": "/"})
    assert mail.outbox == []  # rolled back or not yet committed: nothing sent
    with django_capture_on_commit_callbacks(execute=True):
        notify(learner, key="k2", template="enrolled", context={"title": "T", "url": "/"})
        notify(learner, key="k2", template="enrolled", context={"title": "T", "url": "/"})
    assert len(mail.outbox) == 1


def test_no_email_without_an_address_or_an_active_account(learner, other_learner):
    learner.email = ""
    learner.save()
    other_learner.is_active = False
    other_learner.save()
    # Without an address the notification is still kept in the site; an inactive account
    # gets nothing.
    assert notification_send(
        user_id=learner.id, key="k-no-address", template="enrolled", context={"title": "T"}
    )
    assert Notification.objects.get(key="k-no-address").email == Notification.Email.NONE
    assert not notification_send(
        user_id=other_learner.id, key="k-inactive", template="enrolled", context={"title": "T"}
    )
    assert not Notification.objects.filter(key="k-inactive").exists()
    assert mail.outbox == []


def test_enrolling_sends_one_email_with_a_link(
    curriculum, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(learner=learner, page=curriculum.qualification)
        enrolment_create(learner=learner, page=curriculum.qualification)
    (email,) = mail.outbox
    assert email.subject == "You are enrolled in Test Qualification"
    assert "http://testserver/en/catalog/test-qualification/" in email.body


# --- in the recipient's language ------------------------------------------------------------


def test_emails_are_in_the_recipients_language(
    chinese_messages, curriculum, learner, reader_of_chinese, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(learner=reader_of_chinese, page=curriculum.qualification)
        enrolment_create(learner=learner, page=curriculum.qualification)
    chinese, english = mail.outbox
    assert chinese.to == [reader_of_chinese.email]
    assert chinese.subject == "你已报名 测试资格"
    assert "王梅" in chinese.body
    assert "http://testserver/zh-hans/catalog/test-qualification/" in chinese.body
    assert english.subject == "You are enrolled in Test Qualification"
    assert "http://testserver/en/catalog/test-qualification/" in english.body


# --- deadline reminders ---------------------------------------------------------------------


def _enrolled_days_ago(curriculum, username, days, **extra):
    user = make_user("learner", username, **extra)
    enrolment = enrolment_create(learner=user, page=curriculum.qualification)[0]
    Enrolment.objects.filter(id=enrolment.id).update(
        enrolled_at=timezone.now() - timedelta(days=days)
    )
    return user


def test_deadline_reminders_go_only_to_learners_due_soon_who_have_not_submitted(
    chinese_messages, curriculum, django_capture_on_commit_callbacks
):
    # The project gives 30 days from enrolment; reminders go out in the last 7.
    due_soon = _enrolled_days_ago(curriculum, "due-soon", 25)
    due_soon_in_chinese = _enrolled_days_ago(
        curriculum, "due-soon-zh", 26, preferred_language="zh-hans"
    )
    _enrolled_days_ago(curriculum, "just-started", 1)
    _enrolled_days_ago(curriculum, "already-late", 40)
    submitted = _enrolled_days_ago(curriculum, "submitted", 27)
    submit(submitted, curriculum.project)
    withdrawn = _enrolled_days_ago(curriculum, "withdrawn", 25)
    Enrolment.objects.filter(learner=withdrawn).update(status=Enrolment.Status.WITHDRAWN)
    in_cohort = make_user("learner", "in-cohort")
    cohort = Cohort.objects.create(
        name="Spring",
        page=curriculum.qualification,
        starts_on=timezone.now().date(),
        submission_deadline=timezone.now() + timedelta(days=3),
    )
    enrolment_create(learner=in_cohort, page=curriculum.qualification, cohort=cohort)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send() == 3
    with django_capture_on_commit_callbacks(execute=True):
        deadline_reminders_send()  # the beat runs again the same day

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([due_soon.email, due_soon_in_chinese.email, in_cohort.email])
    english = next(m for m in mail.outbox if m.to == [due_soon.email])
    assert english.subject.startswith("Reminder: Field project is due on ")
    chinese = next(m for m in mail.outbox if m.to == [due_soon_in_chinese.email])
    assert chinese.subject.startswith("提醒：实地项目 的截止日期为")  # noqa: RUF001


# --- inactivity nudges ----------------------------------------------------------------------


def _with_activity(curriculum, username, days_ago, page=None, **extra):
    user = make_user("learner", username, **extra)
    enrolment_create(learner=user, page=page or curriculum.qualification)
    learner_events_process(learner_id=user.id)
    ProgressSnapshot.objects.filter(enrolment__learner=user).update(
        last_activity_at=timezone.now() - timedelta(days=days_ago)
    )
    return user


def test_inactivity_nudges_go_only_to_inactive_learners_once_a_week(
    chinese_messages, curriculum, django_capture_on_commit_callbacks
):
    idle = _with_activity(curriculum, "idle", 15)
    idle_in_chinese = _with_activity(curriculum, "idle-zh", 20, preferred_language="zh-hans")
    _with_activity(curriculum, "busy", 3)
    done = _with_activity(curriculum, "done", 30)
    Enrolment.objects.filter(learner=done).update(status=Enrolment.Status.COMPLETED)
    idle_course = _with_activity(curriculum, "idle-course", 16, page=curriculum.course())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        # One nudge per enrolment they chose, not one more per course of a qualification.
        assert inactivity_nudges_send() == 3
    with django_capture_on_commit_callbacks(execute=True):
        inactivity_nudges_send()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [idle.email, idle_in_chinese.email, idle_course.email]
    )
    assert next(m for m in mail.outbox if m.to == [idle.email]).subject == (
        "Pick up where you left off in Test Qualification"
    )
    assert next(m for m in mail.outbox if m.to == [idle_in_chinese.email]).subject == (
        "继续学习 测试资格"
    )

    with django_capture_on_commit_callbacks(execute=True):
        inactivity_nudges_send(now=timezone.now() + timedelta(days=7))
    assert len(mail.outbox) == 6  # a week later, each is nudged once more
