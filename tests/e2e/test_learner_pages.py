"""Browser journeys of the learner's pages in Chromium against a live stack: write a report that
autosaves (and is still there after a reload), submit it, get it returned, revise it from the
previous version and see what changed, read the result; subscribe to the deadline feed; find the
way with the course outline and a locked lesson's notice; the phone menu; axe-core on every new
or changed page at desktop and phone widths.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import assert_fits, serious_violations
from tests.support.stack import ROOT

QUALIFICATION = "certified-cluster-manager"
PASSWORD = "a-strong-learner-passphrase"
GUIDES = ROOT / "docs" / "images" / "guides"


@pytest.fixture(scope="module")
def learner(stack):
    return _enrolled_learner(stack, "Amara Okafor")


def _enrolled_learner(stack, full_name):
    """A learner made as staff make accounts (confirmed), enrolled in the qualification."""
    username = f"{full_name.split()[0].lower()}{int(time.time())}"
    stack.manage(
        "create_account",
        "--role=learner",
        f"--username={username}",
        f"--password={PASSWORD}",
        f"--full-name={full_name}",
        f"--email={username}@example.org",
    )
    token = stack.token(username, PASSWORD)
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    status, body = stack.api(
        "POST", f"/qualifications/{qualification['id']}/enrolment", token=token
    )
    assert status in (200, 201), body
    return {
        "username": username,
        "token": token,
        "qualification": qualification,
        "project": qualification["field_project"],
    }


def _login(page, username, password):
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_be_visible()


def _project_url(stack, project_id):
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    return qualification["url"] + "field-project/"


def _submission_id(stack, instructor_token, username):
    _, queue = stack.api("GET", "/grading/submissions?status=all", token=instructor_token)
    return next(row["id"] for row in queue if username in row["learners"])


def _wait_saved(page):
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved", timeout=20_000)


def test_write_autosave_submit_revise_and_read_the_result(stack, new_page, shots, learner):
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, learner["username"], PASSWORD)
    url = _project_url(stack, learner["project"])
    page.goto(url + "#editor")
    sections = page.locator("form.report-editor textarea")
    expect(sections).to_have_count(6)
    profile = sections.nth(0)
    profile.fill(
        "The **Ruhr mechatronics cluster** has 212 member firms.\n\n"
        "- 3 universities\n- 2 Fraunhofer institutes"
    )
    _wait_saved(page)
    preview = page.locator(".editor-preview .preview-body").first
    expect(preview.locator("strong")).to_have_text("Ruhr mechatronics cluster")
    expect(preview.locator("li")).to_have_count(2)
    expect(page.locator(".word-count").first).to_contain_text("of 1500 words")
    page.locator("#editor").scroll_into_view_if_needed()
    shots(page, "report-editor")
    page.screenshot(path=GUIDES / "report-editor.png")

    # Closed tab, reopened page: the draft is there.
    page.reload()
    expect(sections.nth(0)).to_have_value(re.compile(r"^The \*\*Ruhr mechatronics cluster\*\*"))

    for index, text in enumerate(
        [
            "Management is strong; financing leans on one state grant.",
            "A cluster label and a matchmaking platform, after the German and Japanese cases.",
            "Twelve actions with owners, budgets and quarterly milestones.",
            "Firms, universities, the state ministry and two regional banks.",
            "Amara Okafor: I led every part of this report.",
        ],
        start=1,
    ):
        sections.nth(index).fill(text)
    page.click("form.report-editor button[value=submit]")
    expect(page.locator(".message-success")).to_contain_text("submitted")
    expect(page.locator("#versions")).to_contain_text("Ruhr mechatronics cluster")

    # The instructor returns it, with a due date ten days ahead.
    instructor = stack.token("instructor", "teach-clusters-2026")
    submission_id = _submission_id(stack, instructor, learner["username"])
    grader = new_page(viewport={"width": 1280, "height": 900})
    _login(grader, "instructor", "teach-clusters-2026")
    grader.goto(f"/en/grading/submissions/{submission_id}/")
    expect(grader.locator(".rendered strong").first).to_have_text("Ruhr mechatronics cluster")
    form = grader.locator("section:has(h2:has-text('Return for revision'))")
    form.locator("#return-feedback").fill("Give the financing a second source.")
    due = (datetime.now(UTC) + timedelta(days=10)).date()
    form.locator("#return-due").fill(due.isoformat())
    form.screenshot(path=GUIDES / "return-for-revision.png")
    form.locator("button[type=submit]").click()
    expect(grader.locator(".message-success")).to_contain_text("Returned")

    # The revision starts from the previous version.
    page.goto(url)
    expect(page.locator("#returned")).to_contain_text("Give the financing a second source.")
    expect(page.locator("#returned")).to_contain_text("Submit your revision by")
    shots(page, "returned")
    page.locator("#returned").screenshot(path=GUIDES / "project-returned.png")
    benchmark = page.locator("form.report-editor textarea").nth(1)
    expect(benchmark).to_have_value("Management is strong; financing leans on one state grant.")
    benchmark.fill("Management is strong; financing now combines the state grant with member fees.")
    _wait_saved(page)
    page.click("form.report-editor button[value=submit]")
    expect(page.locator(".message-success")).to_contain_text("submitted")

    page.click("text=What changed since version 1")
    expect(page.locator("h1")).to_contain_text("What changed in version 2 since version 1")
    expect(page.locator(".diff ins").first).to_be_visible()
    expect(page.locator(".diff del").first).to_be_visible()
    shots(page, "diff")
    page.screenshot(path=GUIDES / "report-diff.png", full_page=True)

    # Graded, moderated, released: the result comes first, reached from the dashboard.
    levels = _levels(stack, learner["project"], rank=3)
    status, body = stack.api(
        "POST",
        f"/grading/submissions/{submission_id}/grade",
        {
            "levels": levels,
            "feedback": "A convincing diagnosis; financing now holds up.",
            "criterion_feedback": {next(iter(levels)): "Location quotients well explained."},
            "release": True,
        },
        token=instructor,
    )
    assert status == 200, body
    # Graded, not yet released: the second marker checks it first; the score stays hidden.
    page.goto(url + "#versions")
    status_line = page.locator("#versions p").first
    expect(status_line).to_have_text(
        re.compile(r"^Status: Graded, waiting for a second marker before release")
    )
    expect(page.locator("#result")).to_have_count(0)
    page.locator("#versions").screenshot(path=GUIDES / "project-second-marker.png")
    waiting_phone = new_page(viewport={"width": 390, "height": 844})
    _login(waiting_phone, learner["username"], PASSWORD)
    waiting_phone.goto(url + "#versions")
    assert_fits(waiting_phone, "project page awaiting the second marker", 390)
    waiting_phone.locator("#versions").screenshot(path=GUIDES / "project-second-marker-phone.png")
    waiting_phone.close()

    moderator = stack.token("moderator", "teach-clusters-2026")
    status, body = stack.api(
        "POST",
        f"/grading/submissions/{submission_id}/moderation",
        {"agree": True},
        token=moderator,
    )
    assert status == 200, body
    page.goto("/en/dashboard/")
    page.click("text=See your result and feedback")
    expect(page).to_have_url(re.compile(r"#result$"))
    result = page.locator("#result")
    expect(result).to_contain_text("75%")
    expect(result).to_contain_text("Pass")
    expect(result).to_contain_text("Location quotients well explained.")
    expect(result).to_contain_text("reviewed this grade and agreed with it")
    shots(page, "result")
    result.screenshot(path=GUIDES / "project-grade.png")

    phone = new_page(viewport={"width": 390, "height": 844})
    _login(phone, learner["username"], PASSWORD)
    phone.goto(url + "#result")
    expect(phone.locator("#result")).to_be_visible()
    phone.locator("#result").screenshot(path=GUIDES / "project-grade-phone.png")


def _levels(stack, project_id, rank):
    _, project = stack.api("GET", f"/field-projects/{project_id}")
    return {c["id"]: c["levels"][rank - 1]["id"] for c in project["rubric"]["criteria"]}


def test_subscribe_to_the_deadline_feed(stack, new_page, shots):
    import icalendar

    # A learner who has just enrolled: the field-project deadline lies ahead.
    newcomer = _enrolled_learner(stack, "Noor Haddad")
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, newcomer["username"], PASSWORD)
    page.click("text=All your deadlines, and a calendar feed for your calendar app")
    expect(page.locator("h1")).to_have_text("Your deadlines")
    feed_url = page.locator("#feed-url").input_value()
    assert feed_url.startswith(stack.base_url + "/en/learn/calendar/")
    shots(page, "calendar")
    page.screenshot(path=GUIDES / "calendar.png", full_page=True)

    # A calendar app fetches the address with no session at all.
    with urllib.request.urlopen(feed_url, timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.read())
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert any(s.startswith("Field project due:") for s in summaries), summaries

    page.click("button:has-text('Make a new address')")
    expect(page.locator(".message-success")).to_contain_text("new address")
    assert page.locator("#feed-url").input_value() != feed_url
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(feed_url, timeout=30)
    assert refused.value.code == 404


def test_the_outline_a_locked_lesson_and_the_phone_menu(stack, new_page, shots, learner):
    _, first_course = stack.api("GET", f"/courses/{learner['qualification']['courses'][0]}")
    first, second = first_course["modules"][0], first_course["modules"][1]
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, learner["username"], PASSWORD)
    page.goto(first["lessons"][0]["url"])
    outline = page.locator("aside.outline-panel")
    expect(outline.locator("details")).to_have_attribute("open", "")
    expect(outline.locator("a[aria-current=page]")).to_contain_text(first["lessons"][0]["title"])
    shots(page, "outline")
    page.screenshot(path=GUIDES / "lesson-outline.png")

    page.goto(second["lessons"][0]["url"])
    expect(page.locator(".lock-notice")).to_contain_text("This lesson is locked.")
    expect(page.locator(".lesson-body")).to_have_count(0)
    shots(page, "locked-lesson")
    page.screenshot(path=GUIDES / "module-locked.png")

    phone = new_page(viewport={"width": 390, "height": 844})
    _login(phone, learner["username"], PASSWORD)
    phone.goto(first["lessons"][0]["url"])
    header = phone.locator("header.site-header").bounding_box()
    assert header["height"] < 844 / 5, header  # not a fifth of the screen
    expect(phone.locator("#site-menu")).to_be_hidden()
    expect(phone.locator("aside.outline-panel details")).not_to_have_attribute("open", "")
    shots(phone, "phone-lesson")
    phone.screenshot(path=GUIDES / "lesson-phone.png")
    phone.click("button.menu-toggle")
    expect(phone.locator("#site-menu")).to_be_visible()
    expect(phone.locator("button.menu-toggle")).to_have_attribute("aria-expanded", "true")
    shots(phone, "phone-menu")
    phone.screenshot(path=GUIDES / "menu-phone.png")

    phone.goto(_project_url(stack, learner["project"]))
    phone.click("summary:has(h2:has-text('Rubric'))")  # folded away once submitted
    rubric = phone.locator("table.rubric-table tbody tr").first
    expect(rubric.locator("td").first).to_be_visible()
    rubric.screenshot(path=GUIDES / "rubric-phone.png")

    page.goto("/en/dashboard/")
    expect(page.locator("#resume-title")).to_have_text("Resume where you left off")
    expect(page.locator("svg.chart").first).to_be_visible()
    shots(page, "dashboard")
    page.screenshot(path=GUIDES / "dashboard-progress.png", full_page=True)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_new_and_changed_pages_have_no_serious_accessibility_violations(
    stack, new_page, shots, learner, viewport
):
    from axe_playwright_python.sync_playwright import Axe

    _, course = stack.api("GET", f"/courses/{learner['qualification']['courses'][0]}")
    project_url = _project_url(stack, learner["project"])
    instructor = stack.token("instructor", "teach-clusters-2026")
    submission_id = _submission_id(stack, instructor, learner["username"])
    urls = {
        "dashboard": "/en/dashboard/",
        "dashboard-zh": "/zh-hans/dashboard/",
        "calendar": "/en/learn/calendar/",
        "project": project_url,
        "project-zh": project_url.replace("/en/", "/zh-hans/", 1),
        "diff": f"/en/learn/submissions/{submission_id}/versions/2/changes/",
        "lesson": course["modules"][0]["lessons"][0]["url"],
        "locked-lesson": course["modules"][1]["lessons"][0]["url"],
        "knowledge-check": course["modules"][0]["url"] + "knowledge-check/",
        "catalog": "/en/catalog/",
    }
    page = new_page(viewport=viewport)
    _login(page, learner["username"], PASSWORD)
    grader = new_page(viewport=viewport)
    _login(grader, "instructor", "teach-clusters-2026")
    axe = Axe()
    problems = []
    checks = [(page, name, url) for name, url in urls.items()]
    checks.append((grader, "grading", f"/en/grading/submissions/{submission_id}/"))
    for who, name, url in checks:
        who.goto(url)
        shots(who, name)
        problems += serious_violations(who, name, axe)
        assert_fits(who, name, viewport["width"])
    assert not problems, "\n".join(problems)
