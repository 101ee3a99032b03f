"""Browser journeys in Chromium against a live stack with a real Celery worker.

They run in order and hand state on: the learner submits, the instructors grade and moderate,
the learner downloads the certificate, an employer verifies it (QR, upload, tampered copy) and
sees it revoked after staff revoke it.
"""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from playwright.sync_api import expect

QUALIFICATION = "certified-cluster-manager"
PASSWORD = "a-strong-learner-passphrase"


def _login(page, username, password):
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def _sample_pdf() -> bytes:
    """A small, plain PDF made with pypdf (no scripts, no attachments)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _drawn(page) -> list[str]:
    """The ids of the questions the check page asks, in order."""
    names = page.locator("#questions input[name^='q-']").evaluate_all("els => els.map(e => e.name)")
    return list(dict.fromkeys(name.removeprefix("q-") for name in names))


def _complete_lesson(stack, lesson_id, token, timeout=90):
    """Complete a lesson through the API. A module opens once the worker has folded the previous
    module's events, so a 409 ("opens when you complete the one before it") is retried."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = stack.api("POST", f"/lessons/{lesson_id}/completion", token=token)
        if status != 409 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.5)


def _complete_everything_else(stack, token, instructor_token, skip_check_ids):
    """The rest of the six courses through the API, in order (modules unlock in sequence)."""
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    for course_id in qualification["courses"]:
        _, course = stack.api("GET", f"/courses/{course_id}")
        for module in course["modules"]:
            for lesson in module["lessons"]:
                status, body = _complete_lesson(stack, lesson["id"], token)
                assert status in (200, 201), body
            check = module["knowledge_check"]
            if check["id"] in skip_check_ids:
                continue
            _, key = stack.api(
                "GET", f"/knowledge-checks/{check['id']}/answer-key", token=instructor_token
            )
            # Opening the check draws this attempt's questions; the answers to the rest of the
            # bank are ignored.
            status, opened = stack.api("GET", f"/knowledge-checks/{check['id']}", token=token)
            assert status == 200 and opened["attempt"], opened
            answers = {qid: (ids if len(ids) > 1 else ids[0]) for qid, ids in key.items()}
            status, body = stack.api(
                "POST",
                f"/knowledge-checks/{check['id']}/attempts",
                {"answers": answers},
                token=token,
            )
            assert status == 201 and body["passed"], body
    return qualification


def test_learner_journey(stack, new_page, shots, journey, tmp_path):
    page = new_page()
    username = f"emilie{int(time.time())}"
    journey["learner"] = username

    # Register.
    page.goto("/en/")
    shots(page, "home")
    page.click("text=Register")
    page.fill("#id_full_name", "Émilie Durand-李")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("My learning")
    shots(page, "registered-dashboard")

    # Confirm the address from the e-mail (enrolment waits for it; test_accounts.py looks closer).
    confirmation = stack.wait_for_email(f"{username}@example.org")
    body = confirmation.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S*/confirm-email/\S*", body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.locator("main")).to_contain_text("Your email address is confirmed")
    page.goto("/en/dashboard/")

    # Switch to Chinese and back: the same page in the other language.
    page.click("button:has-text('中文')")
    expect(page).to_have_url(re.compile(r"/zh-hans/dashboard/$"))
    expect(page.locator("h1")).to_have_text("我的学习")
    shots(page, "dashboard-chinese")
    page.click("button:has-text('English')")
    expect(page).to_have_url(re.compile(r"/en/dashboard/$"))

    # Enrol in the qualification.
    page.goto("/en/catalog/")
    shots(page, "catalog")
    page.click(f"a[href$='/{QUALIFICATION}/']")
    page.click("button:has-text('Enrol')")
    expect(page.locator("text=You are enrolled").first).to_be_visible()
    shots(page, "enrolled")

    # Read the first module's lessons in the browser.
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    _, first_course = stack.api("GET", f"/courses/{qualification['courses'][0]}")
    first_module = first_course["modules"][0]
    page.goto(first_module["lessons"][0]["url"])
    expect(page.locator("article h1")).to_have_text(first_module["lessons"][0]["title"])
    expect(page.locator("section.references")).to_be_visible()
    shots(page, "first-lesson")
    for lesson in first_module["lessons"]:
        page.goto(lesson["url"])
        page.click("button:has-text('Mark complete')")
        expect(page.locator(".message-success").first).to_be_visible()
    shots(page, "lessons-completed")

    # Fail, then pass, the module's knowledge check (tests/e2e/test_knowledge_checks.py
    # follows the draw and the feedback in detail).
    instructor_token = stack.token("instructor", "teach-clusters-2026")
    check = first_module["knowledge_check"]
    _, key = stack.api("GET", f"/knowledge-checks/{check['id']}/answer-key", token=instructor_token)
    page.goto(check["url"])
    for qid in _drawn(page):
        choices = page.locator(f"input[name='q-{qid}']")
        wrong = next(
            v for v in choices.evaluate_all("els => els.map(e => e.value)") if v not in key[qid]
        )
        page.check(f"input[name='q-{qid}'][value='{wrong}']")
    page.click("#questions button[type=submit]")
    expect(page.locator("#results h2")).to_have_text("Not passed yet")
    expect(page.locator(".choice-feedback").first).to_be_visible()
    shots(page, "check-failed")
    page.click("button:has-text('Retake with new questions')")
    for qid in _drawn(page):
        for choice_id in key[qid]:
            page.check(f"input[name='q-{qid}'][value='{choice_id}']")
    page.click("#questions button[type=submit]")
    expect(page.locator("#results h2")).to_have_text("Passed")
    shots(page, "check-passed")

    # The rest of the qualification through the API; then the field project with a file.
    token = stack.token(username, PASSWORD)
    _complete_everything_else(stack, token, instructor_token, skip_check_ids={check["id"]})
    page.goto("/en/catalog/" + QUALIFICATION + "/")
    page.click("section:has(h2:has-text('Field project')) a")
    pdf_path = tmp_path / "cluster-diagnosis.pdf"
    pdf_path.write_bytes(_sample_pdf())
    page.locator("form.report-editor textarea").first.fill(
        "Cluster profile, benchmark and action plan for the <b>Ruhr</b> mechatronics cluster.",
    )
    page.set_input_files("#files", str(pdf_path))
    shots(page, "field-project-form")
    page.click("form.report-editor button[value=submit]")
    expect(page.locator(".message-success")).to_contain_text("submitted")
    expect(page.locator("text=cluster-diagnosis.pdf")).to_be_visible()
    shots(page, "field-project-submitted")

    page.goto("/en/dashboard/")
    expect(page.locator(".progress").first).to_be_visible()
    shots(page, "dashboard-progress")


def test_instructor_journey(stack, new_page, shots, journey):
    learner = journey["learner"]
    page = new_page()
    _login(page, "instructor", "teach-clusters-2026")
    page.goto("/en/grading/")
    row = page.locator("tr", has_text="Émilie Durand-李")
    expect(row).to_be_visible()
    shots(page, "grading-queue")
    row.locator("a:has-text('Open')").click()
    expect(page.locator("text=Ruhr").first).to_be_visible()
    fieldsets = page.locator("form fieldset")
    for index in range(fieldsets.count()):
        fieldsets.nth(index).locator("input[type=radio]").nth(2).check()
    page.fill("#feedback", "A clear diagnosis; the action plan needs sharper targets.")
    page.fill("#reason", "First marking")
    shots(page, "rubric-filled")
    page.click("button:has-text('Send to second marker')")
    expect(page.locator(".message-success")).to_contain_text("second marker")
    shots(page, "sent-to-moderation")
    journey["submission_url"] = page.url.split("?")[0]

    moderator = new_page()
    _login(moderator, "moderator", "teach-clusters-2026")
    moderator.goto(journey["submission_url"])
    expect(moderator.locator("h2:has-text('Moderation')")).to_be_visible()
    shots(moderator, "moderation")
    moderator.click("button:has-text('Agree and release')")
    expect(moderator.locator(".message-success")).to_contain_text("released")
    expect(moderator.locator("text=Second marker agreed")).to_be_visible()
    shots(moderator, "released")
    assert learner


def test_learner_sees_grade_and_downloads_certificate(stack, new_page, shots, journey):
    page = new_page()
    _login(page, journey["learner"], PASSWORD)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page.goto("/en/dashboard/")
        if page.locator("a:has-text('Download PDF')").count():
            break
        time.sleep(2)
    expect(page.locator("text=A clear diagnosis").first).to_be_visible()
    expect(page.locator("a:has-text('Download PDF')")).to_be_visible()
    shots(page, "dashboard-with-certificate")
    with page.expect_download() as download_info:
        page.click("a:has-text('Download PDF')")
    download = download_info.value
    pdf_path = shots.folder / "certificate.pdf"
    download.save_as(str(pdf_path))
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF-")
    journey["pdf"] = pdf
    journey["certificate_id"] = _certificate_id_from(pdf)


def _certificate_id_from(pdf: bytes) -> str:
    from pypdf import PdfReader

    credential = json.loads(PdfReader(io.BytesIO(pdf)).attachments["credential.json"][0])
    return credential["id"].rsplit("/", 1)[-1]


def _qr_url(pdf: bytes) -> str:
    import pypdfium2
    import zxingcpp

    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    results = zxingcpp.read_barcodes(image)
    assert results, "no QR code found on the certificate"
    return results[0].text


def _tampered(pdf: bytes) -> bytes:
    """The same certificate with the holder's name changed in the attached credential."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    credential = json.loads(reader.attachments["credential.json"][0])
    credential["credentialSubject"]["name"] = "Mallory Forger"
    writer = PdfWriter(clone_from=reader)
    writer.add_attachment("credential.json", json.dumps(credential).encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_employer_journey(stack, new_page, shots, journey, tmp_path):
    pdf = journey["pdf"]
    url = _qr_url(pdf)
    assert url.startswith(stack.base_url + "/verify/")
    page = new_page()
    page.goto(url)
    expect(page.locator(".verdict")).to_have_text("VALID")
    expect(page.locator("td", has_text="Émilie Durand-李")).to_be_visible()
    shots(page, "qr-valid")

    original = tmp_path / "certificate.pdf"
    original.write_bytes(pdf)
    page.goto("/verify/")
    page.set_input_files("#certificate-file", str(original))
    page.click("button:has-text('Upload and verify')")
    expect(page.locator(".verdict")).to_have_text("VALID")
    shots(page, "upload-valid")

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_tampered(pdf))
    page.goto("/verify/")
    page.set_input_files("#certificate-file", str(forged))
    page.click("button:has-text('Upload and verify')")
    expect(page.locator(".verdict")).to_have_text("TAMPERED")
    expect(page.locator("text=Mallory Forger")).to_have_count(0)
    shots(page, "upload-tampered")

    staff = new_page()
    _login(staff, "staff", "staff-clusters-2026")
    certificate_id = url.rstrip("/").rsplit("/", 1)[-1]
    staff.goto(f"/admin/certificates/action/{certificate_id}/")
    staff.fill("#revoke-reason", "Issued in error (test)")
    staff.click("button:has-text('Revoke')")
    expect(staff.locator("text=revoked").first).to_be_visible()
    shots(staff, "staff-revoked")

    page.goto(url)
    expect(page.locator(".verdict")).to_have_text("REVOKED")
    expect(page.locator("text=Issued in error (test)")).to_be_visible()
    shots(page, "qr-revoked")


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 375, "height": 740}],
    ids=["desktop", "phone"],
)
def test_pages_have_no_serious_accessibility_violations(stack, new_page, shots, viewport):
    from axe_playwright_python.sync_playwright import Axe

    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    _, course = stack.api("GET", f"/courses/{qualification['courses'][0]}")
    module = course["modules"][0]
    urls = {
        "catalog": "/en/catalog/",
        "catalog-zh": "/zh-hans/catalog/",
        "course": course["url"],
        "lesson": module["lessons"][0]["url"],
        "lesson-zh": module["lessons"][0]["url"].replace("/en/", "/zh-hans/", 1),
        "knowledge-check": module["url"] + "knowledge-check/",
        "verify": "/verify/",
    }
    page = new_page(viewport=viewport)
    axe = Axe()
    problems = []
    for name, url in urls.items():
        page.goto(url)
        shots(page, name)
        results = axe.run(page)
        serious = [
            v for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        problems += [f"{name}: {v['id']} ({v['impact']}): {v['help']}" for v in serious]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, (
            f"{name} scrolls sideways at {viewport['width']}px ({width}px)"
        )
    assert not problems, "\n".join(problems)
