"""In-app notifications, e-mail preferences per kind, the daily digest (exactly once) and
one-click unsubscribe (lms/notifications): services, pages and the JSON API."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core import mail, signing
from django.urls import reverse

from lms.notifications.kinds import DIGEST, KINDS, Delivery
from lms.notifications.models import EmailDigest, Notification, NotificationPreference
from lms.notifications.services import (
    UNSUBSCRIBE_SALT,
    digest_send,
    digests_send,
    notification_send,
    preference_of,
    preferences_of,
    preferences_set,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.conftest import make_user
from tests.courses.helpers import ApiClient

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
ENROLLED = {"title": "Course One", "url": "/en/catalog/course-one/"}


def signer(value, salt):
    return signing.Signer(salt=salt).sign_object(value)


def tell(user, key="k1", template="enrolled", context=ENROLLED) -> bool:
    return notification_send(user_id=user.id, key=key, template=template, context=context)


@pytest.fixture
def api(client):
    return ApiClient(client)


# --- kept in the site, e-mailed as chosen ---------------------------------------------------


def test_every_notification_is_kept_for_the_recipient_and_emailed_once(learner):
    assert tell(learner)
    assert not tell(learner)  # a retry or a repeat: nothing new
    kept = Notification.objects.get(key="k1")
    assert kept.user == learner and kept.kind == "enrolled" and kept.read_at is None
    assert kept.subject == "You are enrolled in Course One"
    assert "Start here" in kept.body and kept.email == Notification.Email.SENT
    assert len(mail.outbox) == 1


def test_an_email_carries_one_click_unsubscribe_headers(learner):
    tell(learner)
    message = mail.outbox[0]
    url = unsubscribe_url(learner, "enrolled")
    assert url.startswith("http://testserver/en/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and "/en/accounts/notifications/settings/" in message.body
    rendered = message.message()
    assert rendered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_preferences_default_to_immediately_and_are_per_kind(learner):
    assert preference_of(learner, "grade_released") == Delivery.IMMEDIATELY
    learner_kinds = set(preferences_of(learner))
    assert "grade_released" in learner_kinds and "submission_received" not in learner_kinds
    chosen = preferences_set(
        user=learner, choices={"enrolled": "off", "grade_released": "daily_digest"}
    )
    assert chosen["enrolled"] == "off" and chosen["grade_released"] == "daily_digest"
    assert chosen["deadline_reminder"] == "immediately"


def test_instructors_also_choose_for_teaching_kinds(instructor):
    assert {k.name for k in KINDS} == set(preferences_of(instructor))


@pytest.mark.parametrize(
    ("choices", "field"),
    [
        ({"enrolled": "weekly"}, "enrolled"),
        ({"no_such_kind": "off"}, "no_such_kind"),
        ({"submission_received": "off"}, "submission_received"),  # a learner does not grade
    ],
)
def test_bad_preferences_are_refused_and_nothing_changes(learner, choices, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        preferences_set(user=learner, choices={"grade_released": "off", **choices})
    assert field in caught.value.message_dict
    assert not NotificationPreference.objects.exists()


def test_off_keeps_it_in_the_site_without_an_email(learner):
    preferences_set(user=learner, choices={"enrolled": "off"})
    assert tell(learner)
    assert Notification.objects.get().email == Notification.Email.OFF
    assert mail.outbox == []


# --- the daily digest -----------------------------------------------------------------------


def test_the_digest_sends_everything_waiting_once_per_day(learner, other_learner):
    preferences_set(user=learner, choices={"enrolled": "daily_digest"})
    tell(learner, key="a", context={"title": "Course One", "url": "/en/a/"})
    tell(learner, key="b", context={"title": "Course Two", "url": "/en/b/"})
    tell(other_learner, key="c")  # immediately: not in any digest
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [other_learner.email]
    mail.outbox.clear()

    day = date(2026, 12, 4)
    assert digest_send(user_id=learner.id, day=day)
    # A retried task or a second beat run the same day sends nothing more.
    assert not digest_send(user_id=learner.id, day=day)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your daily digest: 2 notifications"
    assert "You are enrolled in Course One" in message.body
    assert "http://testserver/en/b/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert EmailDigest.objects.get().key == f"digest:{learner.id}:2026-12-04"
    assert set(Notification.objects.filter(user=learner).values_list("email", flat=True)) == {
        Notification.Email.DIGESTED
    }
    # Nothing waiting: the next day sends no empty digest.
    assert not digest_send(user_id=learner.id, day=date(2026, 12, 5))


def test_something_arriving_after_todays_digest_waits_for_tomorrows(learner):
    preferences_set(user=learner, choices={"enrolled": "daily_digest"})
    tell(learner, key="a")
    assert digest_send(user_id=learner.id, day=date(2026, 12, 4))
    tell(learner, key="b", context={"title": "Later", "url": "/en/later/"})
    assert not digest_send(user_id=learner.id, day=date(2026, 12, 4))
    assert Notification.objects.get(key="b").email == Notification.Email.DIGEST_PENDING
    assert digest_send(user_id=learner.id, day=date(2026, 12, 5))
    assert len(mail.outbox) == 2 and "Later" in mail.outbox[1].body


def test_the_beat_task_queues_one_digest_per_person(
    learner, other_learner, django_capture_on_commit_callbacks
):
    for user in (learner, other_learner):
        preferences_set(user=user, choices={"enrolled": "daily_digest"})
        tell(user, key=f"a-{user.id}")
        tell(user, key=f"b-{user.id}", context={"title": "Two", "url": "/en/two/"})
    assert digests_send(day=date(2026, 12, 4)) == 2  # Celery is eager in tests
    assert digests_send(day=date(2026, 12, 4)) == 0  # nothing waits any more
    assert sorted(m.to[0] for m in mail.outbox) == sorted([learner.email, other_learner.email])
    assert EmailDigest.objects.count() == 2


def test_a_failed_digest_send_keeps_everything_for_the_retry(learner, monkeypatch):
    from django.core.mail import EmailMessage

    preferences_set(user=learner, choices={"enrolled": "daily_digest"})
    tell(learner)

    def broken(self, fail_silently=False):
        raise OSError("SMTP server went away")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(OSError, match="went away"):
        digest_send(user_id=learner.id, day=date(2026, 12, 4))
    assert not EmailDigest.objects.exists()
    assert Notification.objects.get().email == Notification.Email.DIGEST_PENDING
    monkeypatch.undo()
    assert digest_send(user_id=learner.id, day=date(2026, 12, 4))
    assert len(mail.outbox) == 1


# --- one-click unsubscribe -------------------------------------------------------------------


def test_one_click_post_turns_that_kind_off_without_login(client, learner):
    url = unsubscribe_url(learner, "grade_released")
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert preference_of(learner, "grade_released") == Delivery.OFF
    assert preference_of(learner, "enrolled") == Delivery.IMMEDIATELY
    assert "no longer get e-mails" in response.content.decode()


def test_get_only_asks_for_confirmation(client, learner):
    response = client.get(unsubscribe_url(learner, "grade_released"))
    assert response.status_code == 200
    assert "Your grade was released" in response.content.decode()
    assert preference_of(learner, "grade_released") == Delivery.IMMEDIATELY


def test_the_digest_token_turns_off_every_digest_kind(client, learner):
    preferences_set(
        user=learner, choices={"enrolled": "daily_digest", "grade_released": "daily_digest"}
    )
    tell(learner)
    assert client.post(unsubscribe_url(learner, DIGEST)).status_code == 200
    assert preference_of(learner, "enrolled") == preference_of(learner, "grade_released") == "off"
    assert preference_of(learner, "deadline_reminder") == "immediately"
    assert Notification.objects.get().email == Notification.Email.OFF  # no digest will send it
    assert not digest_send(user_id=learner.id, day=date(2026, 12, 4))


# Tokens are made in the test: the test settings' secret key differs per process, and
# collected test ids must not.
BAD_TOKENS = {
    "nonsense": lambda: "nonsense",
    "forged-signature": lambda: "W10:1tZ7Xc:forged-signature",
    "other-salt": lambda: signer([1, "enrolled"], salt="some.other.salt"),
    "no-such-user": lambda: signer([999999, "enrolled"], salt=UNSUBSCRIBE_SALT),
    "no-such-kind": lambda: signer([1, "no_such_kind"], salt=UNSUBSCRIBE_SALT),
    "user-id-as-text": lambda: signer(["1", "enrolled"], salt=UNSUBSCRIBE_SALT),
    "not-a-pair": lambda: signer({"u": 1}, salt=UNSUBSCRIBE_SALT),
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_or_forged_token_is_a_400(client, learner, name, method):
    token = BAD_TOKENS[name]()
    response = getattr(client, method)(reverse("notifications-unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_token_names_one_person_and_one_kind(learner, other_learner):
    token = unsubscribe_token(learner, "enrolled")
    assert signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token) == [learner.id, "enrolled"]
    assert token != unsubscribe_token(other_learner, "enrolled")
    assert token != unsubscribe_token(learner, "grade_released")


# --- the bell, the list and the settings page -------------------------------------------------


def test_the_bell_counts_unread_and_the_list_marks_read(client, learner, other_learner):
    tell(learner, key="a")
    tell(learner, key="b", context={"title": "Course Two", "url": "/en/b/"})
    tell(other_learner, key="c")
    client.force_login(learner)
    page = client.get("/en/notifications/").content.decode()
    assert 'data-testid="bell"' in page and 'class="bell-count" aria-hidden="true">2<' in page
    assert "You are enrolled in Course Two" in page

    first = Notification.objects.get(key="a")
    response = client.post(f"/en/notifications/{first.id}/read/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    # Opening one marks it read and goes where it leads.
    second = Notification.objects.get(key="b")
    response = client.get(f"/en/notifications/{second.id}/open/")
    assert response.status_code == 302 and response["Location"] == "/en/b/"
    page = client.get("/en/notifications/").content.decode()
    assert "bell-count" not in page
    # Someone else's notification is a 404, never a 500.
    other = Notification.objects.get(key="c")
    assert client.post(f"/en/notifications/{other.id}/read/").status_code == 404
    assert client.get(f"/en/notifications/{other.id}/open/").status_code == 404


def test_mark_all_read(client, learner):
    tell(learner, key="a")
    tell(learner, key="b")
    client.force_login(learner)
    assert client.post("/en/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_pages_need_a_login(client):
    for path in ("/en/notifications/", "/en/accounts/notifications/settings/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_settings_page_saves_and_keeps_bad_input(client, learner):
    client.force_login(learner)
    page = client.get("/en/accounts/notifications/settings/").content.decode()
    assert 'name="grade_released" value="daily_digest"' in page
    assert "submission_received" not in page  # not a teaching account
    response = client.post(
        "/en/accounts/notifications/settings/",
        {"grade_released": "daily_digest", "enrolled": "off"},
    )
    assert response.status_code == 302
    assert preference_of(learner, "grade_released") == "daily_digest"
    bad = client.post(
        "/en/accounts/notifications/settings/", {"grade_released": "off", "enrolled": "hourly"}
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Choose immediately, daily digest or off." in body
    # What was typed is kept on the page; nothing was saved.
    assert 'name="grade_released" value="off" checked' in body
    assert preference_of(learner, "grade_released") == "daily_digest"


@pytest.fixture
def chinese_messages(settings, tmp_path):
    """The Chinese catalogue compiled as `make messages` does, into a folder of our own."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po_path = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
    out = tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    out.parent.mkdir(parents=True)
    with po_path.open("rb") as po, out.open("wb") as mo:
        write_mo(mo, read_po(po), use_fuzzy=True)
    settings.LOCALE_PATHS = [tmp_path]


def test_the_pages_and_emails_in_chinese(client, db, chinese_messages):
    reader = make_user("learner", "mei", preferred_language="zh-hans")
    preferences_set(user=reader, choices={"enrolled": "daily_digest"})
    tell(reader, key="a")
    tell(reader, key="b")
    assert digest_send(user_id=reader.id, day=date(2026, 12, 4))
    message = mail.outbox[0]
    assert message.subject.startswith("您的每日摘要") and "2 条通知" in message.subject
    assert "/zh-hans/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert "停止接收此类邮件" in message.body
    client.force_login(reader)
    page = client.get("/zh-hans/notifications/").content.decode()
    assert "全部标记为已读" in page and "2 条未读通知" in page
    settings_page = client.get("/zh-hans/accounts/notifications/settings/").content.decode()
    assert "每日摘要" in settings_page and "您的成绩已发布" in settings_page


# --- the API ----------------------------------------------------------------------------------


def test_api_list_count_and_mark_read(api, learner, other_learner):
    tell(learner, key="a")
    tell(learner, key="b")
    tell(other_learner, key="c")
    assert api.get("/notifications/unread-count", user=learner).json() == {"unread": 2}
    body = api.get("/notifications", user=learner).json()
    assert body["count"] == 2 and body["unread"] == 2
    assert {item["kind"] for item in body["items"]} == {"enrolled"}
    first = body["items"][0]["id"]
    marked = api.post(f"/notifications/{first}/read", user=learner)
    assert marked.status_code == 200 and marked.json()["read_at"] is not None
    assert api.get("/notifications", user=learner, unread="true").json()["count"] == 1
    other = Notification.objects.get(key="c").id
    missing = api.post(f"/notifications/{other}/read", user=learner)
    assert missing.status_code == 404 and "no such notification" in missing.json()["detail"]
    assert api.post("/notifications/read-all", user=learner).json() == {"marked": 1}
    assert api.get("/notifications/unread-count").status_code == 401
    assert api.get("/notifications", user=learner, limit=0).status_code == 400


def test_api_an_offset_past_any_page_is_empty_and_a_huge_one_a_400(api, learner):
    """Found by the API fuzzer on PostgreSQL: an offset past its bigint was a 500."""
    tell(learner, key="a")
    far = api.get("/notifications", user=learner, offset=2**31 - 1)
    assert far.status_code == 200 and far.json()["items"] == [] and far.json()["count"] == 1
    huge = api.get("/notifications", user=learner, offset=2**63)
    assert huge.status_code == 400 and "offset" in huge.text


def test_api_preferences(api, client, learner):
    body = api.get("/notifications/preferences", user=learner).json()
    assert {"kind": "grade_released", "email": "immediately"}.items() <= body[4].items()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.tokens[learner.id]}"}
    response = client.put(
        "/api/v1/notifications/preferences",
        {"email": {"grade_released": "daily_digest"}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert preference_of(learner, "grade_released") == "daily_digest"
    bad = client.put(
        "/api/v1/notifications/preferences",
        {"email": {"grade_released": "sometimes"}},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and "grade_released" in bad.json()["errors"]
    assert preference_of(learner, "grade_released") == "daily_digest"


def test_a_teaching_account_sees_teaching_kinds_in_the_api(api, db):
    teacher = make_user("instructor", "tess")
    kinds = {row["kind"] for row in api.get("/notifications/preferences", user=teacher).json()}
    assert "moderation_waiting" in kinds and "grading_overdue" in kinds
