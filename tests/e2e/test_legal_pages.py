"""The privacy notice and the terms of use in Chromium: reached from the footer, readable at
desktop and phone widths in English and Chinese, and clean under axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import assert_fits, serious_violations


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_footer_leads_to_both_pages_in_both_languages(stack, new_page, shots, viewport):
    from axe_playwright_python.sync_playwright import Axe

    page = new_page(viewport=viewport)
    axe = Axe()
    problems = []
    for language, privacy, terms in (
        ("en", "Privacy notice", "Terms of use"),
        ("zh-hans", "隐私声明", "使用条款"),
    ):
        for title in (privacy, terms):
            page.goto(f"/{language}/accounts/login/")
            page.locator("footer").get_by_role("link", name=title).click()
            expect(page.locator("h1")).to_have_text(title)
            name = f"{title}-{viewport['width']}"
            shots(page, name)
            problems += serious_violations(page, name, axe)
            assert_fits(page, name, viewport["width"])
    assert not problems, "\n".join(problems)
