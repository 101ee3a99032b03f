"""Reports as text (courses/reports.py): one sanitiser for everything a learner writes, word
counts that mean the same in English and Chinese, and per-section diffs that escape what they
show."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from courses.reports import (
    Section,
    changes_html,
    compose_report,
    render_markdown,
    text_changes,
    versions_diff,
    word_count,
)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="position:fixed">x</p>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_markdown_is_sanitised(hostile):
    html = str(render_markdown(hostile)).lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "style=", "<svg", "<img"):
        assert bad not in html, (hostile, html)


def test_markdown_keeps_formatting_and_marks_links():
    html = str(
        render_markdown(
            "## Plan\n\n**Bold** and *italic*.\n\n- one\n- two\n\n1. first\n\n"
            "> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[source](https://example.org/x)"
        )
    )
    for tag in ("<h2>", "<strong>", "<em>", "<ul>", "<ol>", "<blockquote>", "<table>"):
        assert tag in html, tag
    assert 'href="https://example.org/x"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("The cluster's 42 members don't meet.", 6),
        ("**Bold** - *list* item", 3),
        ("集群组织", 4),
        ("集群 has 3 members", 5),
        ("e-mail well-known 3.5", 3),
    ],
)
def test_word_counts(text, words):
    assert word_count(text) == words


def test_a_report_is_composed_of_its_sections_under_their_titles():
    sections = [Section("a", "Profile"), Section("b", "Plan")]
    assert compose_report(sections, {"a": " Map. ", "b": ""}) == "## Profile\n\nMap."


def _version(sections=None, report=""):
    return SimpleNamespace(sections=sections or [], report=report)


def test_versions_differ_section_by_section_and_word_by_word():
    sections = [Section("a", "Profile"), Section("b", "Plan")]
    older = _version([{"id": "a", "title": "Profile", "text": "Forty firms in the region."}])
    newer = _version(
        [
            {"id": "a", "title": "Profile", "text": "Forty-two firms in the Ruhr region."},
            {"id": "b", "title": "Plan", "text": "New targets."},
        ]
    )
    diff = versions_diff(older, newer, sections)
    assert [(d["id"], d["changed"]) for d in diff] == [("a", True), ("b", True)]
    ops = {(c["op"], c["text"]) for c in diff[0]["changes"]}
    assert ("delete", "Forty") in ops and ("insert", "Forty-two") in ops
    assert any(op == "insert" and "Ruhr" in text for op, text in ops)
    assert diff[1]["words_before"] == 0 and diff[1]["words_after"] == 2


def test_a_report_from_before_sections_compares_as_one_text():
    diff = versions_diff(_version(report="Old text."), _version(report="Old text."), [])
    assert diff == [
        {
            "id": "report",
            "title": "",
            "changed": False,
            "changes": [],
            "words_before": 2,
            "words_after": 2,
        }
    ]


def test_diff_html_escapes_what_the_learner_wrote():
    html = str(changes_html(text_changes("a", "a <script>x</script>\nb")))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ins>" in html and "<br>" in html
