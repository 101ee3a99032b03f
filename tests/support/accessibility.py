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
    if scroll > width + 1:
        wide = page.evaluate(WIDEST, width)
        raise AssertionError(f"{name} scrolls sideways at {width}px ({scroll}px): {wide}")


# The outermost elements that reach past the viewport's right edge, to say what to fix.
WIDEST = r"""(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 1 || out.some((o) => o.el.contains(el))) continue;
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== "visible" && up.getBoundingClientRect().right <= width + 1) {
        clipped = true;
        break;
      }
    }
    if (!clipped) out.push({ el, right: Math.round(box.right) });
  }
  return out.slice(0, 5).map(({ el, right }) =>
    `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
    `${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""}` +
    ` (right edge ${right}px)`);
}"""
