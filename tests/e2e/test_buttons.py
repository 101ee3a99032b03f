"""The site's buttons in Chromium: each variant (primary, secondary, danger, each also small)
looks the same on a <button>, an <input type=submit> and an <a>, the modifiers win over the
base, and a `hidden` button stays hidden. Rendered from static/css/site.css alone, so a
selector that outranks the modifiers again fails here, not on a page someone happens to open."""

from __future__ import annotations

import pytest

from tests.support.stack import ROOT

CSS = (ROOT / "static" / "css" / "site.css").read_text()
VARIANTS = {
    "primary": "button",
    "secondary": "button button-secondary",
    "danger": "button button-danger",
    "small": "button button-small",
    "small-secondary": "button button-small button-secondary",
    "small-danger": "button button-small button-danger",
}
STYLE = (
    "background-color",
    "color",
    "border-top-width",
    "border-top-color",
    "font-size",
    "font-weight",
    "padding-top",
    "padding-left",
)


def _sheet() -> str:
    rows = []
    for name, classes in VARIANTS.items():
        rows.append(
            f'<p data-variant="{name}">'
            f'<button class="{classes}" type="button">Revoke access</button> '
            f'<input class="{classes}" type="submit" value="Revoke access"> '
            f'<a class="{classes}" href="#">Revoke access</a></p>'
        )
    rows.append('<p><button class="button button-small" type="button" hidden>Copy</button></p>')
    return (
        f'<!DOCTYPE html><html lang="en"><head><style>{CSS}</style></head><body><main class="wrap">'
        + "".join(rows)
        + "</main></body></html>"
    )


@pytest.fixture(scope="module")
def sheet(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    page.set_content(_sheet())
    yield page
    page.screenshot(path=str(ROOT / "test-results" / "e2e" / "buttons.png"), full_page=True)
    context.close()


def _styles(page, variant: str) -> list[dict]:
    return page.eval_on_selector_all(
        f"[data-variant={variant}] .button",
        """(els, props) => els.map(el => {
            const s = getComputedStyle(el), r = el.getBoundingClientRect();
            return Object.fromEntries([...props.map(p => [p, s.getPropertyValue(p)]),
                                       ["height", Math.round(r.height)]]);
        })""",
        list(STYLE),
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_button_an_input_and_a_link_of_one_variant_look_the_same(sheet, variant):
    button, submit, link = _styles(sheet, variant)
    assert button == submit == link, (button, submit, link)


def test_the_modifiers_win_over_the_base(sheet):
    style = {variant: _styles(sheet, variant)[0] for variant in VARIANTS}
    assert style["primary"]["background-color"] == "rgb(11, 79, 138)"
    assert style["secondary"]["background-color"] == "rgb(255, 255, 255)"
    assert style["secondary"]["color"] == "rgb(11, 79, 138)"
    assert style["danger"]["background-color"] == "rgb(161, 26, 26)"
    assert style["small-danger"]["background-color"] == "rgb(161, 26, 26)"
    assert style["small-secondary"]["background-color"] == "rgb(255, 255, 255)"
    for small in ("small", "small-secondary", "small-danger"):
        assert style[small]["font-size"] == "14.4px"
        assert style[small]["height"] < style["primary"]["height"]
    # Side by side, a primary and a secondary button (Allow / Deny) are the same height.
    assert style["primary"]["height"] == style["secondary"]["height"] == style["danger"]["height"]
    assert style["small"]["height"] == style["small-secondary"]["height"]


def test_a_danger_button_stays_red_when_hovered(sheet):
    button = sheet.locator("[data-variant=danger] button")
    button.hover()
    background = button.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(125, 20, 20)"


def test_a_hidden_button_is_not_shown(sheet):
    assert not sheet.locator("button[hidden]").is_visible()
