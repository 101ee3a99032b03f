"""Field-project reports as text: their sections, Markdown made safe, word counts and what changed
between two versions.

One sanitiser for everything a learner writes: `render_markdown` turns Markdown into HTML and
nh3 keeps only the tags below, so the editor's live preview, the submitted version on the project
page and the grader's page show the same, safe HTML. Diffs are built from plain text and escaped
here; nothing the learner typed reaches a page unescaped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# The one text box of a project without sections (and of every report written before sections).
WHOLE_REPORT = "report"
MAX_REPORT_CHARS = 60_000

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "del", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# A word: a run of letters, digits and joining marks; each CJK character counts as one word
# (as word processors count Chinese), so limits mean the same in both languages.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}\W_]+(?:['’.\-][^\s{_CJK}\W_]+)*")  # noqa: RUF001


def render_markdown(text: str) -> SafeString:
    """A learner's Markdown as sanitised HTML (the only way it is ever shown as HTML)."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    # Sanitised by nh3 with the allow-list above.
    return mark_safe(clean)  # noqa: S308  # nosec B308 B703


def word_count(text: str) -> int:
    """Words in Latin-script text plus CJK characters, ignoring Markdown punctuation."""
    return len(_WORD.findall(text or ""))


@dataclass(frozen=True)
class Section:
    """One box of the report editor: a deliverable of the brief (or the whole report)."""

    id: str
    title: str
    guidance: str = ""
    word_limit: int | None = None


def sections_of(project) -> list[Section]:
    """The project's report sections in the page's language; one box if it defines none."""
    sections = [
        Section(
            id=block.id,
            title=block.value["title"],
            guidance=block.value.get("guidance") or "",
            word_limit=block.value.get("word_limit") or None,
        )
        for block in project.report_sections
    ]
    return sections or [Section(id=WHOLE_REPORT, title=_("Report"))]


def compose_report(sections: list[Section], texts: dict[str, str]) -> str:
    """The whole report as one Markdown text: each section under its title."""
    if len(sections) == 1 and sections[0].id == WHOLE_REPORT:
        return (texts.get(WHOLE_REPORT) or "").strip()
    parts = []
    for section in sections:
        text = (texts.get(section.id) or "").strip()
        if text:
            parts.append(f"## {section.title}\n\n{text}")
    return "\n\n".join(parts)


def version_texts(version) -> dict[str, str]:
    """section id → text of a submitted version (a version without sections is one text)."""
    if version.sections:
        return {item["id"]: item["text"] for item in version.sections}
    return {WHOLE_REPORT: version.report}


def version_sections(version, sections: list[Section]) -> list[dict]:
    """A version's sections to show: title (the page's language where the section still
    exists), its text and its HTML."""
    titles = {s.id: s.title for s in sections}
    stored = version.sections or [{"id": WHOLE_REPORT, "title": "", "text": version.report}]
    return [
        {
            "id": item["id"],
            "title": titles.get(item["id"], item.get("title", "")),
            "text": item["text"],
            "html": render_markdown(item["text"]),
            "words": word_count(item["text"]),
        }
        for item in stored
    ]


# --- what changed between two versions -------------------------------------------------------

_TOKEN = re.compile(r"\s+|[^\s]+")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def text_changes(old: str, new: str) -> list[dict]:
    """Word-level changes from `old` to `new`: [{op: equal|insert|delete, text}], in order.

    Changes separated only by white space read as one change ("<del>leans on one</del><ins>now
    combines the</ins>", not three interleaved pairs)."""
    a, b = _tokens(old), _tokens(new)
    hunks: list[list[str]] = []  # [removed, added] or [kept]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            hunks.append([removed])
        elif len(hunks) >= 2 and len(hunks[-2]) == 2 and not hunks[-1][0].strip():
            # change, white space, change: one change
            space = hunks.pop()[0]
            hunks[-1][0] += space + removed
            hunks[-1][1] += space + added
        elif hunks and len(hunks[-1]) == 2:
            hunks[-1][0] += removed
            hunks[-1][1] += added
        else:
            hunks.append([removed, added])
    changes: list[dict] = []
    for hunk in hunks:
        if len(hunk) == 1:
            changes.append({"op": "equal", "text": hunk[0]})
            continue
        if hunk[0]:
            changes.append({"op": "delete", "text": hunk[0]})
        if hunk[1]:
            changes.append({"op": "insert", "text": hunk[1]})
    return changes


def versions_diff(older, newer, sections: list[Section]) -> list[dict]:
    """Per section, what changed from version `older` to version `newer`: the sections of the
    brief in order, then any only a version has, each with its changes and whether it changed."""
    old_texts, new_texts = version_texts(older), version_texts(newer)
    titles = {s.id: s.title for s in sections}
    for version in (older, newer):
        for item in version.sections or []:
            titles.setdefault(item["id"], item.get("title", ""))
    order = [s.id for s in sections] + [
        key for key in [*old_texts, *new_texts] if key not in {s.id for s in sections}
    ]
    result = []
    for key in dict.fromkeys(order):
        if key not in old_texts and key not in new_texts:
            continue
        old, new = old_texts.get(key, ""), new_texts.get(key, "")
        result.append(
            {
                "id": key,
                "title": titles.get(key, ""),
                "changed": old != new,
                "changes": text_changes(old, new) if old != new else [],
                "words_before": word_count(old),
                "words_after": word_count(new),
            }
        )
    return result


def changes_html(changes: list[dict]) -> SafeString:
    """Changes as escaped HTML with <ins> and <del>, line breaks kept."""
    parts = []
    for change in changes:
        text = escape(change["text"]).replace("\n", "<br>")
        if change["op"] == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif change["op"] == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    # Every piece is escaped above.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703
