"""The learner's certificate in Chromium: the learner opens it from the dashboard, adds it to
LinkedIn (the link checked), makes its page private (others get 404, verification by ID still
works) and public again; the new pages pass axe-core at desktop and phone widths."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import assert_fits, serious_violations

LEARNER = "cert-page-learner"
PASSWORD = "a-strong-learner-passphrase"

ISSUE = """
from django.utils import timezone
from certificates.issuance import certificate_issue
from certificates.models import Award
from courses.models import QualificationPage
from lms.accounts.services import account_create
learner, _ = account_create(role="learner", username="{username}", password="{password}",
    full_name="Zoë Ångström-Núñez", email="{username}@example.org")
qualification = QualificationPage.objects.get(slug="certified-cluster-manager", locale__language_code="en")
award = Award.objects.create(learner=learner, qualification=qualification, achieved_at=timezone.now())
print(certificate_issue(award_id=award.id).id)
"""


@pytest.fixture(scope="module")
def certificate_id(stack):
    """A certificate of the shipped qualification, issued to a learner of this module."""
    out = stack.manage("shell", "-c", ISSUE.format(username=LEARNER, password=PASSWORD))
    return out.strip().splitlines()[-1]


def _login(page, username, password):
    page.goto("/en/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def test_the_learner_shares_the_certificate_and_makes_it_private_and_public(
    stack, new_page, shots, certificate_id
):
    page = new_page()
    _login(page, LEARNER, PASSWORD)
    page.goto("/en/dashboard/")
    page.click("a:has-text('Certificate page')")
    expect(page).to_have_url(f"{stack.base_url}/certificates/{certificate_id}")
    expect(page.locator("h1")).to_have_text("Zoë Ångström-Núñez")
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "valid")
    shots(page, "certificate-page-holder")

    # Add to LinkedIn: the link is LinkedIn's add-to-profile form, filled in.
    link = page.locator("a:has-text('Add to LinkedIn')")
    href = link.get_attribute("href")
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(parts.query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Certified Cluster Manager"]
    assert query["organizationName"] == ["Cluster Manager Academy"]
    assert query["certUrl"] == [f"{stack.base_url}/certificates/{certificate_id}"]
    assert query["certId"] == [certificate_id]
    assert query["issueYear"][0].isdigit() and 1 <= int(query["issueMonth"][0]) <= 12
    assert link.get_attribute("target") == "_blank"

    # The page as someone else sees it, with the tags a link preview reads.
    visitor = new_page()
    response = visitor.goto(f"/certificates/{certificate_id}")
    assert response.status == 200
    assert (
        visitor.locator("meta[property='og:image']")
        .get_attribute("content")
        .endswith(f"/certificates/{certificate_id}/share.png")
    )
    assert visitor.locator("a:has-text('Add to LinkedIn')").count() == 0
    shots(visitor, "certificate-page-public")

    # Private: the holder still sees it; everyone else gets 404; the ID still verifies.
    page.click("button:has-text('Make this page private')")
    expect(page.locator(".message-success")).to_contain_text("Only you can now see this page")
    expect(page.locator("[data-visibility]")).to_have_attribute("data-visibility", "private")
    shots(page, "certificate-page-private")
    assert visitor.goto(f"/certificates/{certificate_id}").status == 404
    verify = visitor.goto(f"/verify/{certificate_id}/")
    assert verify.status == 200
    expect(visitor.locator(".verdict")).to_have_text("VALID")
    expect(visitor.locator(".headline")).to_contain_text("issued to Zoë Ångström-Núñez")
    shots(visitor, "verification-plain-words")
    status, body = stack.api("GET", f"/certificates/{certificate_id}/verification")
    assert status == 200 and body["status"] == "valid" and body["headline"].startswith("Valid.")

    # Public again.
    page.click("button:has-text('Make this page public')")
    expect(page.locator("[data-visibility]")).to_have_attribute("data-visibility", "public")
    assert visitor.goto(f"/certificates/{certificate_id}").status == 200

    # The same through the API.
    token = stack.token(LEARNER, PASSWORD)
    status, row = stack.api(
        "POST", f"/me/certificates/{certificate_id}/visibility", {"public": False}, token=token
    )
    assert status == 200 and row["public"] is False
    assert visitor.goto(f"/certificates/{certificate_id}").status == 404
    status, row = stack.api(
        "POST", f"/me/certificates/{certificate_id}/visibility", {"public": True}, token=token
    )
    assert status == 200 and row["public"] is True
    assert row["linkedin_url"] == href
    assert json.loads(json.dumps(row))["page_url"].endswith(certificate_id)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_certificate_pages_pass_axe(stack, new_page, shots, certificate_id, viewport):
    from axe_playwright_python.sync_playwright import Axe

    token = stack.token(LEARNER, PASSWORD)
    status, _ = stack.api(
        "POST", f"/me/certificates/{certificate_id}/visibility", {"public": True}, token=token
    )
    assert status == 200
    page = new_page(viewport=viewport)
    _login(page, LEARNER, PASSWORD)
    urls = {
        "certificate-holder": f"/certificates/{certificate_id}",
        "verify-result": f"/verify/{certificate_id}/",
        "verify-not-found": "/verify/0000-0000-0000-0000-0000-0000-0000/",
    }
    visitor = new_page(viewport=viewport, locale="zh-CN")
    axe = Axe()
    problems = []
    for name, url in {**urls, "certificate-visitor-zh": urls["certificate-holder"]}.items():
        current = visitor if name.endswith("zh") else page
        current.goto(url)
        if name == "verify-result":
            current.locator("details summary").click()
        shots(current, f"{name}-{viewport['width']}")
        problems += serious_violations(current, name, axe)
        assert_fits(current, name, viewport["width"])
    assert not problems, "\n".join(problems)
