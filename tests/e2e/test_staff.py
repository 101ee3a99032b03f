"""Staff in the Wagtail admin, in Chromium: import a cohort from a CSV with one bad row (reported
on its row, the others applied), preview a lesson in the editor's preview panel (the iframe shows
the page), revoke a certificate with a reason (kept in its history). The invitation page (the
one new page outside the admin) passes axe-core at desktop and phone widths. Screenshots for
docs/authoring.md and docs/operations.md are saved to docs/images/guides/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

STAFF = "e2e-staff"
PASSWORD = "a-strong-staff-passphrase"
GUIDES = Path(__file__).resolve().parents[2] / "docs" / "images" / "guides"

SETUP = """
from django.utils import timezone
from certificates.issuance import certificate_issue
from certificates.models import Award
from courses.cohorts import cohort_invite, invitation_token
from courses.models import Cohort, LessonPage, QualificationPage
from lms.accounts.services import account_create
staff, _ = account_create(role="staff", username="{staff}", password="{password}",
    full_name="Sam Staff", email="{staff}@example.org")
for name in ("ana", "bo"):
    account_create(role="learner", username="csv-" + name, password="{password}",
        full_name=name.title(), email="csv-" + name + "@example.org")
learner, _ = account_create(role="learner", username="revoked-one", password="{password}",
    full_name="Rita Revoked", email="revoked-one@example.org")
qualification = QualificationPage.objects.get(slug="certified-cluster-manager", locale__language_code="en")
cohort = Cohort.objects.create(name="Autumn 2026", page=qualification, starts_on="2026-09-01")
award = Award.objects.create(learner=learner, qualification=qualification, achieved_at=timezone.now())
certificate = certificate_issue(award_id=award.id)
invitation, _ = cohort_invite(cohort=cohort, email="someone-new@example.org", by=staff)
lesson = LessonPage.objects.filter(locale__language_code="en").live().first()
print(cohort.id, certificate.id, lesson.id, invitation_token(invitation))
"""


@pytest.fixture(scope="module")
def setup(stack):
    out = stack.manage("shell", "-c", SETUP.format(staff=STAFF, password=PASSWORD))
    cohort_id, certificate_id, lesson_id, token = out.strip().splitlines()[-1].split()
    return {"cohort": cohort_id, "certificate": certificate_id, "lesson": lesson_id, "token": token}


def _admin_login(page):
    page.goto("/admin/login/")
    page.fill("#id_username", STAFF)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def _guide_shot(page, name: str, width: int) -> None:
    GUIDES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDES / f"{name}-{width}.png"), full_page=True)


def test_staff_import_a_cohort_by_csv_with_one_bad_row(new_page, shots, setup, tmp_path):
    page = new_page(viewport={"width": 1280, "height": 900})
    _admin_login(page)
    _guide_shot(page, "staff-admin-home", 1280)
    csv = tmp_path / "autumn.csv"
    csv.write_text(
        "email,full_name\ncsv-ana@example.org,Ana\nnot-an-address,Broken\ncsv-bo@example.org,Bo\n"
    )
    page.goto(f"/admin/cohorts/{setup['cohort']}/learners/")
    page.set_input_files("#cohort-csv", str(csv))
    page.click("button:has-text('Check the file')")
    expect(page.locator("tr[data-outcome='error']")).to_have_count(1)
    expect(page.locator("tr[data-outcome='error']")).to_contain_text("not-an-address")
    expect(page.locator("tr[data-outcome='enrol']")).to_have_count(2)
    _guide_shot(page, "cohort-import-preview", 1280)
    shots(page, "preview")
    page.click("button:has-text('Apply')")
    expect(page.locator("body")).to_contain_text("2 enrolled")
    expect(page.locator("body")).to_contain_text("csv-ana@example.org")
    expect(page.locator("body")).to_contain_text("csv-bo@example.org")
    _guide_shot(page, "cohort-learners", 1280)
    phone = new_page(viewport={"width": 390, "height": 844})
    _admin_login(phone)
    phone.goto(f"/admin/cohorts/{setup['cohort']}/learners/")
    _guide_shot(phone, "cohort-learners", 390)


def test_staff_preview_a_page_in_the_preview_panel(new_page, shots, setup):
    page = new_page(viewport={"width": 1280, "height": 900})
    _admin_login(page)
    page.goto(f"/admin/pages/{setup['lesson']}/edit/")
    page.click("button[data-side-panel-toggle='preview']")
    frame = page.frame_locator("#w-preview-iframe")
    expect(frame.locator("main h1")).to_be_visible(timeout=30_000)
    title = frame.locator("main h1").inner_text()
    assert title.strip()
    _guide_shot(page, "page-preview-panel", 1280)
    shots(page, "preview-panel")


def test_staff_revoke_a_certificate_with_a_reason(new_page, shots, setup):
    page = new_page(viewport={"width": 1280, "height": 900})
    _admin_login(page)
    page.goto("/admin/certificate/?status=valid")
    expect(page.locator("body")).to_contain_text(setup["certificate"])
    _guide_shot(page, "certificates-admin-list", 1280)
    page.goto(f"/admin/certificates/action/{setup['certificate']}/")
    page.fill("#revoke-reason", "Issued by mistake")
    page.click("button[value='revoke']")
    expect(page.locator("[data-certificate-status]")).to_have_attribute(
        "data-certificate-status", "revoked"
    )
    expect(page.locator("table.listing")).to_contain_text("Issued by mistake")
    _guide_shot(page, "certificate-revoked", 1280)
    phone = new_page(viewport={"width": 390, "height": 844})
    _admin_login(phone)
    phone.goto(f"/admin/certificates/action/{setup['certificate']}/")
    _guide_shot(phone, "certificate-revoked", 390)
    phone.goto("/admin/certificates/bulk/")
    _guide_shot(phone, "certificates-bulk", 390)
    page.goto("/admin/certificates/bulk/")
    _guide_shot(page, "certificates-bulk", 1280)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_invitation_page_passes_axe(new_page, setup, width):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(viewport={"width": width, "height": 900})
    page.goto(f"/en/cohorts/join/{setup['token']}/")
    expect(page.locator("h1")).to_have_text("Cohort invitation")
    expect(page.locator("body")).to_contain_text("Register to accept")
    _guide_shot(page, "cohort-invitation", width)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
