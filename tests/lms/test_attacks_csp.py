"""Issue 17, item 7: "CSP allows 'unsafe-inline' scripts". Scripts are files under static/js,
loaded with src; the policy no longer allows inline ones, and no template carries one (an inline
<script>, an on...= handler or a javascript: URL would simply not run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app for app in ("lms", "courses", "certificates"))]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data blocks are never executed: they may stay inline.
DATA_TYPES = re.compile(r"""type\s*=\s*["']application/(ld\+)?json["']""", re.IGNORECASE)
HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.IGNORECASE | re.DOTALL)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def templates() -> list[Path]:
    found = []
    for directory in TEMPLATE_DIRS:
        found += [p for p in directory.rglob("*.html") if ".venv" not in p.parts]
    return sorted(set(found))


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = [d.strip().split() for d in policy.split(";") if d.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("url", ["/en/accounts/login/", "/verify/", "/en/"])
def test_attack_inline_script_is_refused_by_the_csp_header(client, db, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404), url
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["script-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]


def test_attack_inline_script_no_template_has_one():
    files = templates()
    assert len(files) > 20  # the scan really reads the site's templates
    inline = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in SCRIPT_TAG.finditer(text):
            attributes = match.group(1)
            if "src=" not in attributes and not DATA_TYPES.search(attributes):
                inline.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        inline += [f"{path.relative_to(ROOT)}: handler" for _ in HANDLER.finditer(text)]
        inline += [
            f"{path.relative_to(ROOT)}: javascript: URL" for _ in JAVASCRIPT_URL.finditer(text)
        ]
    assert inline == []


def test_the_scan_finds_what_it_looks_for():
    """The patterns catch each kind of inline script (so the scan above is not vacuous)."""
    assert SCRIPT_TAG.search("<script>alert(1)</script>")
    assert "src=" not in SCRIPT_TAG.search("<script defer>x</script>").group(1)
    assert DATA_TYPES.search(' type="application/json" id="x"')
    assert HANDLER.search('<button class="b"\n onclick="go()">')
    assert not HANDLER.search('<p data-one="x">on=1</p>')
    assert JAVASCRIPT_URL.search('<a href="javascript:void(0)">')
