"""Account journeys in Chromium: register and confirm the address from the e-mail, reset a
forgotten password from the e-mail, the profile's printed-name preview, download the data
archive (and parse it); axe-core on every account page at desktop and phone widths. The
e-mails are read from the file backend the stack writes them to.

The account pages are also photographed for docs/learner-guide.md (docs/images/guides/).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import serious_violations
from tests.support.stack import ROOT

PASSWORD = "Cluster-manager-2026!"
NEW_PASSWORD = "Another-long-passphrase-77"
QUALIFICATION = "certified-cluster-manager"
DOCS = ROOT / "docs" / "images" / "guides"
WIDTHS = {"desktop": 1280, "phone": 390}


def _link(message, part: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"https?://\S*{part}\S*", body)
    assert match, body
    return re.sub(r"^https?://[^/]+", "", match.group(0))


@pytest.fixture
def newcomer():
    stamp = int(time.time() * 1000) % 10**9
    return {
        "username": f"mei{stamp}",
        "email": f"mei{stamp}@example.org",
        "full_name": "Chen Mei-Ling Alexandra Rosalind Okafor",  # 39 characters
    }


def test_register_confirm_reset_preview_and_download(stack, new_page, shots, newcomer):
    page = new_page(viewport={"width": 1280, "height": 900})

    # --- register on the site: enrolment waits for the confirmed address ------------------
    page.goto("/en/accounts/register/")
    page.fill("#id_full_name", newcomer["full_name"])
    page.fill("#id_username", newcomer["username"])
    page.fill("#id_email", newcomer["email"])
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("follow it to confirm your address")
    token = stack.token(newcomer["username"], PASSWORD)
    _, qualifications = stack.api("GET", "/qualifications")
    qualification = next(q for q in qualifications if q["slug"] == QUALIFICATION)
    status, body = stack.api(
        "POST", f"/qualifications/{qualification['id']}/enrolment", token=token
    )
    assert status == 403 and "Confirm your email address" in body["detail"], body
    page.goto("/en/accounts/profile/")
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    shots(page, "unconfirmed-profile")

    confirmation = stack.wait_for_email(newcomer["email"])
    assert "Confirm your email address" in confirmation["Subject"]
    page.goto(_link(confirmation, "/confirm-email/"))
    expect(page.locator("main")).to_contain_text("Your email address is confirmed")
    shots(page, "confirmed")
    status, body = stack.api(
        "POST", f"/qualifications/{qualification['id']}/enrolment", token=token
    )
    assert status == 201, body

    # --- the profile previews the printed name ---------------------------------------------
    page.goto("/en/accounts/profile/")
    preview = page.locator("[data-name-preview]")
    expect(preview).to_have_text(newcomer["full_name"])
    expect(page.locator("[data-name-preview-size]")).to_contain_text("24 pt")  # over 34, English
    page.fill("#id_full_name", "Chen Mei")
    expect(preview).to_have_text("Chen Mei")
    expect(page.locator("[data-name-preview-size]")).to_contain_text("34 pt")
    page.select_option("#id_preferred_language", "zh-hans")
    expect(page.locator("[data-name-preview-size]")).to_contain_text("30 pt")  # bilingual
    assert preview.evaluate("e => getComputedStyle(e).fontSize") == "40px"  # 30 pt
    expect(page.locator("table.tokens tbody tr")).to_have_count(1)

    # --- download my data -----------------------------------------------------------------
    page.goto("/en/accounts/privacy/data/")
    page.click("main button[type=submit]")
    # (the second e-mail is the enrolment notification)
    ready = stack.wait_for_email(newcomer["email"], count=3)
    assert "is ready" in ready["Subject"]
    page.goto(_link(ready, "/privacy/data/"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download", exact=True).click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == newcomer["username"]
    assert data["account"]["email_confirmed"] is True
    assert {e["page"] for e in data["enrolments"]} >= {qualification["id"]}
    assert len(data["api_tokens"]) == 1 and "key_hash" not in data["api_tokens"][0]

    # --- forget the password and reset it from the e-mail ---------------------------------
    page.click("header button:has-text('Log out')")
    page.goto("/en/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("#id_email", newcomer["email"].upper())
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    reset = stack.wait_for_email(newcomer["email"], count=4)
    assert "Reset your password" in reset["Subject"]
    page.goto(_link(reset, "/password/reset/"))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    # The old token is revoked with the old password; the new password logs in.
    assert stack.api("GET", "/auth/profile", token=token)[0] == 401
    page.goto("/en/accounts/login/")
    page.fill("#id_username", newcomer["username"])
    page.fill("#id_password", NEW_PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_an_unknown_address_gets_the_same_reset_answer(stack, new_page):
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/en/accounts/password/reset/")
    page.fill("#id_email", "nobody-at-all@example.org")
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    time.sleep(2)
    assert stack.emails("nobody-at-all@example.org") == []


def test_account_pages_pass_axe_at_both_widths_and_are_photographed(stack, new_page, newcomer):
    from axe_playwright_python.sync_playwright import Axe

    stack.manage(
        "create_account",
        "--role=learner",
        f"--username={newcomer['username']}",
        f"--password={PASSWORD}",
        f"--full-name={newcomer['full_name']}",
        f"--email={newcomer['email']}",
    )
    stack.token(newcomer["username"], PASSWORD)  # one token for the profile's list
    # A valid reset link (the confirm page with its form).
    stack.api("POST", "/auth/password/reset", {"email": newcomer["email"]})
    reset_link = _link(stack.wait_for_email(newcomer["email"]), "/password/reset/")
    anonymous_pages = {
        "login": "/en/accounts/login/",
        "register": "/en/accounts/register/",
        "password-reset": "/en/accounts/password/reset/",
        "password-reset-sent": "/en/accounts/password/reset/sent/",
        "password-reset-confirm": reset_link,
        "password-reset-complete": "/en/accounts/password/reset/done/",
        "link-not-valid": "/en/accounts/confirm-email/not-a-link/",
        "password-reset-zh": "/zh-hans/accounts/password/reset/",
    }
    signed_in_pages = {
        "profile": "/en/accounts/profile/",
        "profile-zh": "/zh-hans/accounts/profile/",
        "password-change": "/en/accounts/password/",
        "privacy-data": "/en/accounts/privacy/data/",
        "privacy-delete": "/en/accounts/privacy/delete/",
    }
    axe = Axe()
    problems = []
    for label, width in WIDTHS.items():
        page = new_page(viewport={"width": width, "height": 900})
        for name, url in anonymous_pages.items():
            page.goto(url)
            problems += serious_violations(page, f"{name} at {width}", axe)
        page.goto("/en/accounts/login/")
        page.fill("#id_username", newcomer["username"])
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_be_visible()
        for name, url in signed_in_pages.items():
            page.goto(url)
            problems += serious_violations(page, f"{name} at {width}", axe)
        # Pictures for the learner guide.
        suffix = "" if label == "desktop" else "-phone"
        page.goto("/en/accounts/profile/")
        page.screenshot(path=str(DOCS / f"account-profile{suffix}.png"), full_page=True)
        page.goto("/en/accounts/privacy/data/")
        page.screenshot(path=str(DOCS / f"account-data{suffix}.png"), full_page=True)
        anonymous = new_page(viewport={"width": width, "height": 900})
        anonymous.goto("/en/accounts/password/reset/")
        anonymous.screenshot(path=str(DOCS / f"account-password-reset{suffix}.png"), full_page=True)
    assert problems == []
