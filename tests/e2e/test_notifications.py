"""Browser journeys of notifications in Chromium against a live stack (real Celery worker): a
learner enrols and the bell in the header counts it; they open the list, mark it read, and set
one kind to the daily digest; an instructor hears of a submission; axe-core on the bell, the
list, the settings and the unsubscribe page at desktop and phone widths. Screenshots for the
guides go to docs/images/guides/.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import assert_fits, serious_violations
from tests.support.stack import ROOT

QUALIFICATION = "certified-cluster-manager"
PASSWORD = "a-strong-learner-passphrase"
GUIDES = ROOT / "docs" / "images" / "guides"


def _login(page, username, password):
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_be_visible()


def _bell_shows(page, count: int, timeout: float = 60):
    """Reload until the worker has kept the notifications and the bell counts `count`."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto("/en/dashboard/")
        counter = page.locator("[data-testid=bell] .bell-count")
        if counter.count() and counter.inner_text() == str(count):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the bell never showed {count}")
        time.sleep(1)


@pytest.fixture(scope="module")
def learner(stack):
    username = f"nadia{int(time.time())}"
    stack.manage(
        "create_account",
        "--role=learner",
        f"--username={username}",
        f"--password={PASSWORD}",
        "--full-name=Nadia Rahman",
        f"--email={username}@example.org",
    )
    token = stack.token(username, PASSWORD)
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    status, body = stack.api(
        "POST", f"/qualifications/{qualification['id']}/enrolment", token=token
    )
    assert status in (200, 201), body
    return {"username": username, "token": token, "qualification": qualification}


def test_the_bell_counts_an_event_then_the_list_marks_it_read(stack, new_page, learner):
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, learner["username"], PASSWORD)
    _bell_shows(page, 1)
    bell = page.locator("[data-testid=bell]")
    expect(bell).to_contain_text("Notifications: 1 unread")
    expect(page.locator("[data-testid=bell-phone]")).to_be_hidden()
    page.locator(".site-header").screenshot(path=GUIDES / "notifications-bell.png")

    bell.click()
    expect(page.locator("h1")).to_have_text("Notifications")
    item = page.locator(".notification").first
    expect(item).to_contain_text("You are enrolled in")
    expect(item.locator(".badge")).to_have_text("New")
    item.locator("summary").click()
    expect(item.locator(".notification-body")).to_contain_text("Start here")
    page.screenshot(path=GUIDES / "notifications-list.png")

    item.get_by_role("button", name="Mark as read").click()
    expect(page.locator(".message-success")).to_contain_text("Marked as read")
    expect(page.locator("[data-testid=bell] .bell-count")).to_have_count(0)
    expect(page.locator(".notification .badge")).to_have_count(0)
    _, count = stack.api("GET", "/notifications/unread-count", token=learner["token"])
    assert count == {"unread": 0}

    # Opening a notification goes to the thing it is about.
    page.locator(".notification-subject a").first.click()
    page.wait_for_load_state()
    target = urlsplit(learner["qualification"]["url"]).path
    assert urlsplit(page.url).path == target


def test_the_learner_changes_a_preference(stack, new_page, learner):
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, learner["username"], PASSWORD)
    page.goto("/en/notifications/")
    page.get_by_role("link", name="E-mail settings").click()
    expect(page.locator("h1")).to_have_text("Notification settings")
    expect(page.get_by_text("About your teaching")).to_have_count(0)
    group = page.get_by_role("group", name="Your grade was released")
    group.get_by_label("In a daily digest").check()
    page.get_by_role("group", name="A nudge when you have not studied for a while").get_by_label(
        "Off"
    ).check()
    page.screenshot(path=GUIDES / "notifications-settings.png", full_page=True)
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".message-success")).to_contain_text("saved")
    expect(
        page.get_by_role("group", name="Your grade was released").get_by_label("In a daily digest")
    ).to_be_checked()
    _, preferences = stack.api("GET", "/notifications/preferences", token=learner["token"])
    chosen = {row["kind"]: row["email"] for row in preferences}
    assert chosen["grade_released"] == "daily_digest"
    assert chosen["inactivity_nudge"] == "off" and chosen["enrolled"] == "immediately"


def test_an_instructor_hears_of_a_submission(stack, new_page, learner):
    project_id = learner["qualification"]["field_project"]
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from courses.models import FieldProjectPage\n"
        "from courses.reports import sections_of\n"
        "from courses.submissions import submission_make\n"
        f"user = get_user_model().objects.get(username={learner['username']!r})\n"
        f"project = FieldProjectPage.objects.get(pk={project_id})\n"
        "text = 'The Ruhr mechatronics cluster: members, strategy, services and targets.'\n"
        "submission_make(learner=user, project=project,"
        " sections={s.id: text for s in sections_of(project)})\n",
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, "instructor", "teach-clusters-2026")
    deadline = time.monotonic() + 60
    while True:
        page.goto("/en/notifications/")
        if page.get_by_text("New submission to grade").count():
            break
        assert time.monotonic() < deadline, "the instructor was never told"
        time.sleep(1)
    page.screenshot(path=GUIDES / "notifications-instructor.png")
    page.locator(".notification-subject a", has_text="New submission to grade").first.click()
    expect(page).to_have_url(re.compile(r".*/en/grading/submissions/\d+/$"))
    page.goto("/en/accounts/notifications/settings/")
    expect(page.get_by_text("About your teaching")).to_be_visible()
    page.get_by_role("heading", name="About your teaching").scroll_into_view_if_needed()
    page.screenshot(path=GUIDES / "notifications-settings-instructor.png")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_notification_pages_have_no_serious_accessibility_violations(
    stack, new_page, shots, learner, viewport
):
    from axe_playwright_python.sync_playwright import Axe

    token = stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from lms.notifications.services import unsubscribe_token\n"
        f"user = get_user_model().objects.get(username={learner['username']!r})\n"
        "print(unsubscribe_token(user, 'deadline_reminder'))\n",
    ).strip()
    page = new_page(viewport=viewport)
    _login(page, learner["username"], PASSWORD)
    urls = {
        "list": "/en/notifications/",
        "list-zh": "/zh-hans/notifications/",
        "settings": "/en/accounts/notifications/settings/",
        "settings-zh": "/zh-hans/accounts/notifications/settings/",
        "unsubscribe": f"/en/notifications/unsubscribe/{token}/",
        "unsubscribe-bad": "/en/notifications/unsubscribe/forged/",
    }
    axe = Axe()
    problems = []
    for name, url in urls.items():
        page.goto(url)
        shots(page, name)
        problems += serious_violations(page, name, axe)
        assert_fits(page, name, viewport["width"])
    assert not problems, "\n".join(problems)
    if viewport["width"] == 390:
        page.goto("/en/notifications/")
        # Beside the Menu button, without opening the menu.
        expect(page.locator("[data-testid=bell-phone]")).to_be_visible()
        expect(page.locator("[data-testid=bell]")).to_be_hidden()
        page.screenshot(path=GUIDES / "notifications-list-phone.png")
