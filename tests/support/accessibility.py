"""What the browser tests ask of every page: no serious or critical axe-core violation, and no
sideways scrolling at the viewport's width."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe


def serious_violations(page, name: str, axe: Axe | None = None) -> list[str]:
    """The page's serious and critical axe-core violations, one line each, prefixed by `name`."""
    results = (axe or Axe()).run(page)
    return [
        f"{name}: {v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_fits(page, name: str, width: int) -> None:
    """The page is no wider than the viewport (one pixel of rounding allowed)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{name} scrolls sideways at {width}px ({scroll}px)"
