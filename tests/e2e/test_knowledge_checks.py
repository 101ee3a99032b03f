"""A knowledge check in Chromium, on the shipped curriculum: a learner opens a check and gets a
draw, answers wrongly, reads feedback that names no right option, retakes and gets new
questions, passes and sees the answers. axe-core finds nothing serious on the check page in each
state, at desktop and phone widths.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

QUALIFICATION = "certified-cluster-manager"
PASSWORD = "a-strong-learner-passphrase"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _learner(stack) -> tuple[str, str]:
    """A confirmed learner enrolled in the qualification, its first module's lessons done."""
    username = f"kim{int(time.time() * 1000) % 10**9}"
    stack.manage(
        "create_account",
        "--role=learner",
        f"--username={username}",
        f"--password={PASSWORD}",
        "--full-name=Kim Tanaka",
        f"--email={username}@example.org",
    )
    token = stack.token(username, PASSWORD)
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    status, body = stack.api(
        "POST", f"/qualifications/{qualification['id']}/enrolment", token=token
    )
    assert status in (200, 201), body
    _, course = stack.api("GET", f"/courses/{qualification['courses'][0]}")
    module = course["modules"][0]
    for lesson in module["lessons"]:
        status, body = stack.api("POST", f"/lessons/{lesson['id']}/completion", token=token)
        assert status in (200, 201), body
    return username, module["knowledge_check"]


def _login(page, username):
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def _drawn(page) -> list[str]:
    names = page.locator("#questions input[name^='q-']").evaluate_all("els => els.map(e => e.name)")
    return list(dict.fromkeys(name.removeprefix("q-") for name in names))


def _values(page, qid) -> list[str]:
    return page.locator(f"input[name='q-{qid}']").evaluate_all("els => els.map(e => e.value)")


def _axe_problems(page, name) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{name}: {v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _check_layout(page, name, width) -> list[str]:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    problems = _axe_problems(page, name)
    if scroll > width + 1:
        problems.append(f"{name} scrolls sideways at {width}px ({scroll}px)")
    return problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_a_learner_draws_fails_reads_feedback_retakes_and_passes(stack, new_page, shots, viewport):
    size = VIEWPORTS[viewport]
    username, check = _learner(stack)
    instructor = stack.token("instructor", "teach-clusters-2026")
    _, key = stack.api("GET", f"/knowledge-checks/{check['id']}/answer-key", token=instructor)
    assert len(key) >= 2 * check["draw"]  # a bank, drawn from

    # A visitor sees the description and no question.
    page = new_page(viewport=size)
    page.goto(check["url"])
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("#questions").count() == 0
    assert page.locator("input[name^='q-']").count() == 0
    problems = _check_layout(page, "check-anonymous", size["width"])

    # Opening the check draws the questions; reopening shows the same draw.
    _login(page, username)
    page.goto(check["url"])
    first = _drawn(page)
    assert len(first) == check["draw"] and set(first) <= set(key)
    orders = {qid: _values(page, qid) for qid in first}
    page.reload()
    assert _drawn(page) == first and {q: _values(page, q) for q in first} == orders
    shots(page, "check-before")
    problems += _check_layout(page, "check-questions", size["width"])

    # Answer every question wrongly.
    for qid in first:
        wrong = next(v for v in orders[qid] if v not in key[qid])
        page.check(f"input[name='q-{qid}'][value='{wrong}']")
    page.click("#questions button[type=submit]")
    expect(page.locator("#results h2")).to_have_text("Not passed yet")
    feedback = page.locator(".choice-feedback")
    expect(feedback.first).to_be_visible()
    assert feedback.count() == len(first)  # one explanation per wrong answer chosen
    # No right option is named: no "right answer" mark, no explanation (it names the answer).
    assert page.locator(".badge-ok:has-text('right answer')").count() == 0
    assert page.locator(".explanation").count() == 0
    assert page.locator("text=your answer").count() == len(first)
    shots(page, "check-failed")
    problems += _check_layout(page, "check-failed", size["width"])

    # Retake: new questions, none of the first draw (the bank holds twice the draw).
    page.click("button:has-text('Retake with new questions')")
    second = _drawn(page)
    assert len(second) == check["draw"] and not set(second) & set(first)
    for qid in second:
        for choice_id in key[qid]:
            page.check(f"input[name='q-{qid}'][value='{choice_id}']")
    page.click("#questions button[type=submit]")
    expect(page.locator("#results h2")).to_have_text("Passed")
    right = page.locator(".badge-ok:has-text('right answer')")
    assert right.count() == sum(len(key[qid]) for qid in second)
    assert page.locator(".explanation").count() == len(second)
    shots(page, "check-passed")
    problems += _check_layout(page, "check-passed", size["width"])

    # The API says the same: passed, answers revealed.
    token = stack.token(username, PASSWORD)
    _, body = stack.api("GET", f"/knowledge-checks/{check['id']}", token=token)
    assert body["passed"] and body["attempt"] is None
    assert body["last_attempt"]["answers_revealed"] is True
    assert not problems, "\n".join(problems)


def test_a_timed_check_counts_down_and_submits_at_zero(stack, new_page, shots):
    """The countdown (static/js/check-countdown.js) shows the time left and sends the answers
    when it reaches zero; the server takes them within its grace."""
    username, check = _learner(stack)
    limit = (
        "from courses.models import KnowledgeCheckPage as K; "
        f"K.objects.filter(translation_key=K.objects.get(id={check['id']}).translation_key)"
        ".update(time_limit_minutes={})"
    )
    stack.manage("shell", "-c", limit.format(1))
    try:
        page = new_page(viewport=VIEWPORTS["desktop"])
        _login(page, username)
        page.goto(check["url"])
        assert page.locator("input[name^='q-']").count() == 0  # the clock waits for Start
        page.click("button:has-text('Start the check')")
        countdown = page.locator(".countdown [data-countdown]")
        expect(countdown).to_be_visible()
        expect(countdown).to_have_text(re.compile(r"^(1:00|0:[0-5]\d)$"))
        expect(page.locator(".check-deadline")).to_contain_text("Submit by")
        shots(page, "check-timed")
        problems = _check_layout(page, "check-timed", VIEWPORTS["desktop"]["width"])
        first = _drawn(page)[0]
        page.locator(f"input[name='q-{first}']").first.check()
        # No click: at zero the script submits the form.
        expect(page.locator("#results h2")).to_be_visible(timeout=90_000)
        shots(page, "check-timed-submitted")
        token = stack.token(username, PASSWORD)
        _, body = stack.api("GET", f"/knowledge-checks/{check['id']}", token=token)
        last = body["last_attempt"]
        assert last["status"] == "submitted" and last["number"] == 1
        assert not problems, "\n".join(problems)
    finally:
        stack.manage("shell", "-c", limit.format(None))
