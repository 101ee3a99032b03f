"""The instructors' workbench in Chromium: an instructor signs in and lands on the grading queue,
grades both members of a team submission in the two-pane page while the running weighted total
follows the levels chosen, a second marker adjusts one grade and releases both, the learner is
told (in the site and by e-mail), and the analytics page shows its charts with a nudge for a
learner at risk. The queue, the grading page and the analytics page pass axe-core at desktop
and phone widths. Screenshots for docs/instructor-guide.md go to docs/images/guides/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import assert_fits, serious_violations

PASSWORD = "a-strong-workbench-passphrase"
GUIDES = Path(__file__).resolve().parents[2] / "docs" / "images" / "guides"
WIDTHS = {"desktop": 1280, "phone": 390}

SETUP = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from courses.enrolment import enrolment_create
from courses.models import FieldProjectPage, QualificationPage
from courses.submissions import submission_make
from courses.teaching import teaching_assign
from courses.teams import invitation_accept, team_invite
from lms.accounts.services import account_create

def person(role, username, name):
    user, _ = account_create(role=role, username=username, password="{password}",
        full_name=name, email=username + "@example.org")
    return user

grader = person("instructor", "wb-grader", "Grace Grader")
moderator = person("instructor", "wb-moderator", "Mo Moderator")
for instructor in (grader, moderator):
    teaching_assign(instructor=instructor, slugs=["certified-cluster-manager"])
ana = person("learner", "wb-ana", "Ana Team")
bo = person("learner", "wb-bo", "Bo Team")
cy = person("learner", "wb-cy", "Cy Quiet")
qualification = QualificationPage.objects.get(slug="certified-cluster-manager", locale__language_code="en")
for learner in (ana, bo, cy):
    enrolment_create(learner=learner, page=qualification)
project = FieldProjectPage.objects.live().descendant_of(qualification).get()
[invitation] = team_invite(inviter=ana, project=project, usernames=[bo.username])
invitation_accept(learner=bo, invitation_id=invitation.id)
writer = PdfWriter()
writer.add_blank_page(width=595, height=842)
buffer = io.BytesIO()
writer.write(buffer)
version = submission_make(
    learner=ana,
    project=project,
    report="Our cluster profile of the Ruhr mobility network and a three-year action plan.",
    files=[SimpleUploadedFile("action-plan.pdf", buffer.getvalue(), content_type="application/pdf")],
)
print(version.submission_id, qualification.id)
"""


@pytest.fixture(scope="module")
def team_submission(stack):
    out = stack.manage("shell", "-c", SETUP.format(password=PASSWORD))
    submission_id, qualification_id = out.strip().splitlines()[-1].split()
    return {"submission": int(submission_id), "qualification": int(qualification_id)}


QUIET = """
import time
from datetime import timedelta
from django.utils import timezone
from courses.models import Enrolment, ProgressSnapshot
enrolments = Enrolment.objects.filter(learner__username="wb-cy")
for _ in range(120):  # the worker folds the enrolment into a snapshot first
    if ProgressSnapshot.objects.filter(enrolment__in=enrolments, enrolment__page_id={page}).exists():
        break
    time.sleep(0.5)
long_ago = timezone.now() - timedelta(days=40)
enrolments.update(enrolled_at=long_ago)
ProgressSnapshot.objects.filter(enrolment__in=enrolments).update(last_activity_at=long_ago)
print(ProgressSnapshot.objects.filter(enrolment__page_id={page}, enrolment__in=enrolments).count())
"""


def _login(page, username: str) -> None:
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def _guide_shot(page, name: str, width: int, full_page: bool = True) -> None:
    GUIDES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDES / f"{name}-{width}.png"), full_page=full_page)


def _choose(page, form, rank: int) -> list[str]:
    """Choose level `rank` (0 = lowest) in every criterion of `form`; the totals seen after each."""
    seen = []
    criteria = form.locator("fieldset[data-criterion]")
    for index in range(criteria.count()):
        criteria.nth(index).locator("input[type=radio]").nth(rank).check()
        seen.append(form.locator("[data-rubric-total]").inner_text())
    return seen


def test_instructor_grades_a_team_submission_and_a_moderator_adjusts(
    stack, new_page, shots, team_submission
):
    submission_url = f"/en/grading/submissions/{team_submission['submission']}/"

    # The instructor lands on the queue, on the "To grade" tab, with counts.
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, "wb-grader")
    expect(page).to_have_url(re.compile(r".*/en/grading/$"))
    expect(page.locator("h1")).to_have_text("Grading queue")
    current = page.locator(".queue-tabs a[aria-current=page]")
    expect(current).to_contain_text("To grade")
    assert int(current.locator(".tab-count").inner_text()) >= 1
    row = page.locator("tr", has_text="Ana Team")
    expect(row).to_contain_text("Bo Team")
    _guide_shot(page, "grading-queue", 1280)
    shots(page, "queue")
    row.locator("a:has-text('Open')").click()
    expect(page).to_have_url(re.compile(rf".*{submission_url}$"))

    # Two panes side by side: the work (with the PDF inline) and the rubric.
    work = page.locator(".grading-work").bounding_box()
    rubric = page.locator(".grading-rubric").bounding_box()
    assert rubric["x"] >= work["x"] + work["width"] - 1, (work, rubric)
    expect(page.locator("iframe.pdf-frame")).to_have_count(1)
    expect(page.locator(".grading-work")).to_contain_text("Ruhr mobility network")
    team = page.locator("nav[aria-label='Team members']")
    expect(team.locator("a[aria-current=true]")).to_have_text("Ana Team")

    # The running total follows the levels chosen, criterion by criterion.
    form = page.locator("form[action$='/grade/']")
    total = form.locator("[data-rubric-total]")
    expect(total).to_have_text("—")
    seen = _choose(page, form, 2)
    criteria = form.locator("fieldset[data-criterion]").count()
    assert criteria >= 2
    assert all("criteria chosen" in text for text in seen[:-1]), seen
    assert re.fullmatch(r"\d+\.\d\d%", seen[-1]), seen
    # j moves to the next criterion from a chosen level; the total is unchanged by moving.
    first_radio = form.locator("fieldset[data-criterion]").nth(0).locator("input:checked")
    first_radio.focus()
    page.keyboard.press("j")
    focused = page.evaluate(
        "document.activeElement.closest('fieldset').querySelector('legend').textContent"
    )
    second_legend = form.locator("fieldset[data-criterion]").nth(1).locator("legend").inner_text()
    assert focused.strip() == second_legend.strip()
    running = total.inner_text()
    form.locator("#feedback").fill("A clear diagnosis; the action plan needs sharper targets.")
    form.locator("#reason").fill("First marking")
    page.locator(".grading-rubric").screenshot(path=str(GUIDES / "grading-running-total-1280.png"))
    shots(page, "rubric-filled")
    # The two panes as an instructor first sees them: both at the top, the rubric in view.
    page.evaluate("window.scrollTo(0, 0); document.querySelector('.grading-rubric').scrollTop = 0")
    _guide_shot(page, "grading-two-pane", 1280, full_page=False)

    # Save a draft first: the levels and feedback are kept, nothing is released.
    form.locator("button[value=draft]").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("#rubric-title + p.meta")).to_contain_text("Draft")
    expect(page.locator("#feedback")).to_have_value(
        "A clear diagnosis; the action plan needs sharper targets."
    )
    # The server's percentage agrees with the running total.
    expect(page.locator("#rubric-title + p.meta")).to_contain_text(running.rstrip("%"))
    page.locator("form[action$='/grade/'] button[value=release]").click()
    expect(page.locator(".message-success")).to_contain_text("second marker")

    # The second member of the team, graded on the same page.
    page.locator("nav[aria-label='Team members'] a", has_text="Bo Team").click()
    expect(page.locator("#rubric-title")).to_have_text("Grade for Bo Team")
    form = page.locator("form[action$='/grade/']")
    _choose(page, form, 3)
    form.locator("#feedback").fill("Strong stakeholder map; the funding plan is thin.")
    form.locator("button[value=release]").click()
    expect(page.locator(".message-success")).to_contain_text("second marker")
    expect(page.locator("#history-title + ol")).to_contain_text("Sent for moderation")

    # The second marker sees the moderation panel only, adjusts Ana's grade and releases both.
    moderator = new_page(viewport={"width": 1280, "height": 900})
    _login(moderator, "wb-moderator")
    expect(moderator).to_have_url(re.compile(r".*/en/grading/$"))
    moderator.click(".queue-tabs a:has-text('To moderate')")
    row = moderator.locator("tr", has_text="Ana Team")
    expect(row).to_contain_text("by Grace Grader")
    _guide_shot(moderator, "grading-queue-moderation", 1280)
    row.locator("a:has-text('Open')").click()
    expect(moderator.locator("#moderation-title")).to_be_visible()
    expect(moderator.locator("button:has-text('Send to second marker')")).to_have_count(0)
    expect(moderator.locator("#return-title")).to_have_count(0)
    before = moderator.locator(".moderation-adjust [data-rubric-total]").inner_text()
    moderator.click(".moderation-adjust summary")
    first_select = moderator.locator(".moderation-adjust select").first
    options = first_select.locator("option")
    first_select.select_option(index=options.count() - 1)
    after = moderator.locator(".moderation-adjust [data-rubric-total]").inner_text()
    assert after != before, (before, after)
    moderator.fill("#mod-reason", "The benchmark deserves the top level.")
    moderator.evaluate(
        "window.scrollTo(0, 0); document.querySelector('.grading-rubric').scrollTop = 0"
    )
    _guide_shot(moderator, "moderation-adjust", 1280, full_page=False)
    shots(moderator, "moderation-adjust")
    moderator.click(".moderation-adjust button[value=adjust]")
    expect(moderator.locator(".message-success")).to_contain_text("released")
    expect(moderator.locator("#history-title + ol")).to_contain_text(
        "The benchmark deserves the top level."
    )
    moderator.locator("nav[aria-label='Team members'] a", has_text="Bo Team").click()
    moderator.click("button:has-text('Agree and release')")
    expect(moderator.locator(".message-success")).to_contain_text("released")
    moderator.goto("/en/grading/?status=graded")
    expect(moderator.locator("tr", has_text="Ana Team")).to_contain_text("%")

    # Ana is told, in the site and by e-mail; her grade is the moderated one.
    learner = new_page(viewport={"width": 1280, "height": 900})
    _login(learner, "wb-ana")
    learner.goto("/en/notifications/")
    expect(learner.locator(".notification").first).to_contain_text("Your grade for")
    shots(learner, "learner-notified")
    mail = stack.wait_for_email("wb-ana@example.org")
    assert "graded" in mail.get_content() and after.split("%")[0] in mail.get_content()


def test_the_analytics_page_shows_charts_and_nudges_a_learner_at_risk(
    stack, new_page, shots, team_submission
):
    # Cy enrolled forty days ago and has done nothing since.
    assert (
        stack.manage("shell", "-c", QUIET.format(page=team_submission["qualification"]))
        .strip()
        .splitlines()[-1]
        == "1"
    )
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, "wb-grader")
    page.goto("/en/grading/analytics/")
    page.click(f"a[href$='/analytics/{team_submission['qualification']}/']")
    charts = page.locator("figure.chart-figure svg")
    assert charts.count() >= 4
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").count() == 1 and chart.locator("desc").count() == 1
    expect(page.locator("section:has([id^=h-funnel-]) table").first).to_be_visible()
    _guide_shot(page, "analytics", 1280, full_page=False)
    page.locator("section:has(#h-grades)").screenshot(
        path=str(GUIDES / "analytics-grades-1280.png")
    )
    shots(page, "analytics")
    svg = page.request.get(page.locator("a:has-text('(SVG)')").first.get_attribute("href"))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
    risk = page.locator("section[aria-labelledby=at-risk-title] tr", has_text="Cy Quiet")
    expect(risk).to_contain_text("no activity for")
    page.locator("section[aria-labelledby=at-risk-title]").screenshot(
        path=str(GUIDES / "analytics-at-risk-1280.png")
    )
    risk.locator("button:has-text('Nudge')").click()
    expect(page.locator(".message-success")).to_contain_text("Cy Quiet")


@pytest.mark.parametrize("viewport", list(WIDTHS), ids=list(WIDTHS))
def test_workbench_pages_pass_axe_and_fit(new_page, shots, team_submission, viewport):
    width = WIDTHS[viewport]
    page = new_page(viewport={"width": width, "height": 900})
    _login(page, "wb-grader")
    pages = {
        "grading-queue": "/en/grading/?status=graded",
        "grading-page": f"/en/grading/submissions/{team_submission['submission']}/",
        "analytics": f"/en/grading/analytics/{team_submission['qualification']}/",
    }
    problems = []
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        shots(page, name)
        if width == 390:
            _guide_shot(page, name, width, full_page=False)
        problems += serious_violations(page, name)
        assert_fits(page, name, width)
    assert not problems, "\n".join(problems)
