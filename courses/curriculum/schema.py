"""Reads and checks curriculum content files. Plain Python: no Django needed.

Layout of courses/content/:
    site.<lang>.yaml                    home page, catalog and topics
    qualifications/<slug>.<lang>.yaml   a qualification and its field project
    courses/<nn>-<slug>.<lang>.yaml     a course, its modules, lessons and knowledge checks
    glossary/<name>.yaml                English terms and the one Chinese term used for each
where <lang> is `en` or `zh-hans`. Both languages of a file share every slug and key, so the
loader links them as translations. docs/authoring.md describes each field.

Two levels of rules. Reading (read_*) refuses anything the loader cannot build: a wrong type, a
missing title, a question with no correct choice. The second edition's fields (a bank's `draw`,
`scenario`, a choice's `feedback`, structured references) are read when present and checked for
their type there; that they are present, and the curriculum's other editorial rules (bank sizes,
scenario shares, real references, lesson lengths, the glossary), are checked by check_course,
check_translation and check_curriculum, which list every problem instead of stopping at the first.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "zh-hans")
REGIONS = ("global", "eu", "de", "us", "jp")
BLOCK_TYPES = ("markdown", "key_facts", "case_study", "comparison_table", "quote", "references")
LESSON_WORDS_EN = (400, 1200)
# Chinese has no spaces between words; about 1.7 characters per English word of the same text.
LESSON_CHARS_ZH = (600, 2400)
CHOICES_PER_QUESTION = (3, 5)
# The source article of the whole curriculum; every other reference needs a URL.
SOURCE_ARTICLE_MARK = "CCID"
CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*")  # noqa: RUF001 - apostrophes in words
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# libyaml's safe loader where PyYAML was built with it: ten times faster on the course files.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(ValueError):
    """A content file is not valid; the message names the file and the place."""


@dataclass
class Choice:
    key: str
    text: str
    correct: bool
    # Shown to a learner who chose this option, before the answers are revealed.
    feedback: str = ""


@dataclass
class Question:
    key: str
    text: str
    multiple: bool
    choices: list[Choice]
    explanation: str
    # True when the learner applies an idea to a described situation.
    scenario: bool = False


@dataclass
class KnowledgeCheck:
    title: str
    intro: str
    pass_mark: int
    max_attempts: int
    questions: list[Question]  # the bank
    # Questions drawn from the bank for each attempt; None when the file gives none.
    draw: int | None = None


@dataclass
class Lesson:
    slug: str
    title: str
    summary: str
    estimated_minutes: int
    body: list[dict[str, Any]]

    def text_for_counting(self) -> str:
        parts: list[str] = []
        for block in self.body:
            ((kind, value),) = block.items()
            if kind != "references":
                parts.extend(_strings(value))
        return "\n".join(parts)

    def references(self) -> list[dict[str, Any]]:
        """Every entry of the lesson's references blocks, in order."""
        return [ref for block in self.body for ref in block.get("references") or []]


@dataclass
class Module:
    slug: str
    title: str
    summary: str
    lessons: list[Lesson]
    knowledge_check: KnowledgeCheck


@dataclass
class Course:
    slug: str
    title: str
    summary: str
    overview: str
    learning_outcomes: list[str]
    estimated_hours: float
    region: str
    topics: list[str]
    prerequisites: list[str]
    sequential_modules: bool
    modules: list[Module]
    order: int = 0


@dataclass
class RubricLevel:
    key: str
    title: str
    points: int
    descriptor: str


@dataclass
class RubricCriterion:
    key: str
    title: str
    description: str
    weight: float
    levels: list[RubricLevel]


@dataclass
class ReportSection:
    """One deliverable of the brief: the learner writes it in its own box of the report."""

    key: str
    title: str
    guidance: str
    word_limit: int | None


@dataclass
class FieldProject:
    slug: str
    title: str
    summary: str
    brief: str
    deliverables: str
    deadline_days: int
    max_team_size: int
    anonymous_grading: bool
    course: str | None
    pass_mark: int
    distinction_mark: int | None
    minimum_level: int
    rubric: list[RubricCriterion]
    # The team defends the work before two assessors.
    oral_defence: bool = False
    # Each team member states their own contribution; graders see the statements.
    contribution_statement: bool = False
    # The report's sections, one per deliverable; none: the report is one text.
    report_sections: list[ReportSection] = field(default_factory=list)


@dataclass
class Qualification:
    slug: str
    title: str
    summary: str
    certifies: str
    pass_rules: str
    courses: list[str]
    prerequisites: list[str]
    requires_moderation: bool
    validity_months: int
    certificate_title: str
    certificate_statement: str
    criteria_narrative: str
    evidence_required: bool
    evidence_instructions: str
    field_project: FieldProject | None
    order: int = 0


@dataclass
class TopicDef:
    slug: str
    name: str


@dataclass
class Site:
    home_title: str
    tagline: str
    intro: str
    audience: str
    catalog_title: str
    catalog_slug: str
    catalog_intro: str
    topics: list[TopicDef]


@dataclass
class GlossaryTerm:
    """One English term and the one Chinese term the curriculum uses for it."""

    en: str
    zh: str
    also_en: list[str] = field(default_factory=list)
    also_zh: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    source: str = ""  # the glossary file that defines it

    @property
    def english_forms(self) -> list[str]:
        return [self.en, *self.also_en]

    @property
    def chinese_forms(self) -> list[str]:
        return [self.zh, *self.also_zh]


@dataclass
class Curriculum:
    """Everything in one language."""

    language: str
    site: Site
    qualifications: list[Qualification] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class _Reader:
    """Pulls typed fields out of a mapping, naming the path of anything wrong."""

    def __init__(self, data: Any, where: str):
        if not isinstance(data, dict):
            raise ContentError(f"{where}: expected a mapping")
        self.data = data
        self.where = where

    def _get(self, key: str, required: bool, default: Any = None) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                raise ContentError(f"{self.where}: '{key}' is required")
            return default
        return self.data[key]

    def text(self, key: str, required: bool = True, max_length: int | None = None) -> str:
        value = self._get(key, required, "")
        if not isinstance(value, str):
            raise ContentError(f"{self.where}.{key}: expected text")
        value = value.strip()
        if required and not value:
            raise ContentError(f"{self.where}.{key}: must not be empty")
        if max_length and len(value) > max_length:
            raise ContentError(f"{self.where}.{key}: longer than {max_length} characters")
        if _CONTROL.search(value):
            raise ContentError(f"{self.where}.{key}: contains a control character")
        return value

    def slug(self, key: str = "slug") -> str:
        value = self.text(key)
        if not _SLUG.match(value):
            raise ContentError(f"{self.where}.{key}: {value!r} is not a lower-case slug")
        return value

    def integer(self, key: str, default: int | None = None, low: int = 0, high: int = 10**6) -> int:
        value = self._get(key, default is None, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ContentError(f"{self.where}.{key}: expected a whole number {low}..{high}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        value = self._get(key, default is None, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ContentError(f"{self.where}.{key}: expected a positive number")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False, default)
        if not isinstance(value, bool):
            raise ContentError(f"{self.where}.{key}: expected true or false")
        return value

    def items(self, key: str, required: bool = True) -> list[Any]:
        value = self._get(key, required, [])
        if not isinstance(value, list):
            raise ContentError(f"{self.where}.{key}: expected a list")
        if required and not value:
            raise ContentError(f"{self.where}.{key}: must not be empty")
        return value

    def strings(self, key: str, required: bool = True) -> list[str]:
        values = self.items(key, required)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise ContentError(f"{self.where}.{key}[{i}]: expected text")
        return [v.strip() for v in values]

    def child(self, key: str) -> _Reader:
        return _Reader(self._get(key, True), f"{self.where}.{key}")


def _load_yaml(path: Path) -> Any:
    """The file's data; a syntax error becomes a ContentError naming the file and line."""
    try:
        # _YAML_LOADER is a SafeLoader (C or Python): plain data, never arbitrary objects.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506  # nosec B506
    except UnicodeDecodeError as exc:
        raise ContentError(f"{path.name}: not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{path.name}: not valid YAML{where}: {problem}") from exc


def _unique(keys: list[str], where: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ContentError(f"{where}: '{key}' is used twice")
        seen.add(key)


def is_source_article(reference: dict[str, Any]) -> bool:
    """The CCID source article of the curriculum, the one reference that needs no URL."""
    name = reference.get("author") or reference.get("citation") or ""
    return isinstance(name, str) and SOURCE_ARTICLE_MARK in name


def compose_citation(author: str, title: str, year: int, language: str = "en") -> str:
    """The citation line the loader shows: English "Author, 'Title', Year.", Chinese with
    Chinese punctuation: author, the title in book-title marks, year."""
    if language == "en":
        return f"{author}, '{title}', {year}."
    return f"{author}，《{title}》，{year}。"  # noqa: RUF001 - Chinese punctuation


def _read_reference(ref: Any, where: str, language: str) -> dict[str, Any]:
    """A structured reference (author, title, year, url, note), handed on with the `citation`
    and `url` the loader expects. A first-edition entry (`citation`, `url`) still reads; the
    curriculum's check reports it."""
    r = _Reader(ref, where)
    if "citation" in r.data and not any(k in r.data for k in ("author", "title", "year")):
        return {"citation": r.text("citation"), "url": r.text("url", required=False)}
    author = r.text("author", max_length=300)
    title = r.text("title", max_length=500)
    year = r.integer("year", None, 1000, 2100)
    url = r.text("url", required=False, max_length=1000)
    if url and not re.match(r"^https?://\S+$", url):
        raise ContentError(f"{where}.url: expected an http(s) address")
    note = r.text("note", required=False, max_length=500)
    unknown = set(r.data) - {"author", "title", "year", "url", "note"}
    if unknown:
        raise ContentError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    reference = {"author": author, "title": title, "year": year, "url": url}
    if note:
        reference["note"] = note
    reference["citation"] = compose_citation(author, title, year, language)
    return reference


def _check_block(block: Any, where: str, language: str = "en") -> dict[str, Any]:
    if not isinstance(block, dict) or len(block) != 1:
        raise ContentError(f"{where}: each body block is a mapping with one key")
    ((kind, value),) = block.items()
    if kind not in BLOCK_TYPES:
        raise ContentError(f"{where}: unknown block '{kind}'; use one of {', '.join(BLOCK_TYPES)}")
    where = f"{where}.{kind}"
    if kind == "markdown":
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{where}: expected Markdown text")
        if re.search(r"^# ", value, re.MULTILINE):
            raise ContentError(f"{where}: use ## or ### headings; the page title is the only h1")
    elif kind == "key_facts":
        r = _Reader(value, where)
        r.text("heading", required=False, max_length=120)
        for i, fact in enumerate(r.items("facts")):
            f = _Reader(fact, f"{where}.facts[{i}]")
            f.text("figure", max_length=40)
            f.text("label", max_length=200)
    elif kind == "case_study":
        r = _Reader(value, where)
        r.text("organisation", max_length=200)
        r.text("region", max_length=120)
        r.text("what_they_did")
        r.text("result")
    elif kind == "comparison_table":
        r = _Reader(value, where)
        r.text("caption", max_length=200)
        header = r.strings("header")
        for i, row in enumerate(r.items("rows")):
            if not isinstance(row, list) or len(row) != len(header):
                raise ContentError(f"{where}.rows[{i}]: needs {len(header)} cells like the header")
            if not all(isinstance(c, str | int | float) for c in row):
                raise ContentError(f"{where}.rows[{i}]: cells must be text")
    elif kind == "quote":
        r = _Reader(value, where)
        r.text("text")
        r.text("attribution", max_length=200)
        r.text("source_url", required=False)
    elif kind == "references":
        if not isinstance(value, list) or not value:
            raise ContentError(f"{where}: expected a list of references")
        value = [_read_reference(ref, f"{where}[{i}]", language) for i, ref in enumerate(value)]
    return {kind: value}


def _read_check(r: _Reader) -> KnowledgeCheck:
    questions = []
    for i, q in enumerate(r.items("questions")):
        qr = _Reader(q, f"{r.where}.questions[{i}]")
        choices = []
        for j, c in enumerate(qr.items("choices")):
            cr = _Reader(c, f"{qr.where}.choices[{j}]")
            choices.append(
                Choice(
                    cr.slug("key"),
                    cr.text("text", max_length=500),
                    cr.boolean("correct", False),
                    feedback=cr.text("feedback", required=False),
                )
            )
        _unique([c.key for c in choices], f"{qr.where}.choices")
        question = Question(
            key=qr.slug("key"),
            text=qr.text("text"),
            multiple=qr.boolean("multiple", False),
            choices=choices,
            explanation=qr.text("explanation"),
            scenario=qr.boolean("scenario", False),
        )
        correct = sum(c.correct for c in choices)
        if not 2 <= len(choices) <= 8:
            raise ContentError(f"{qr.where}: give 2 to 8 choices")
        if correct == 0:
            raise ContentError(f"{qr.where}: mark at least one choice correct")
        if correct > 1 and not question.multiple:
            raise ContentError(f"{qr.where}: several correct choices need 'multiple: true'")
        questions.append(question)
    _unique([q.key for q in questions], f"{r.where}.questions")
    return KnowledgeCheck(
        title=r.text("title", max_length=255),
        intro=r.text("intro", required=False),
        pass_mark=r.integer("pass_mark", 70, 1, 100),
        max_attempts=r.integer("max_attempts", 3, 0, 100),
        questions=questions,
        draw=r.integer("draw", 1, 1, 100) if r.data.get("draw") is not None else None,
    )


def language_of(path: Path) -> str:
    """`zh-hans` for a `*.zh-hans.yaml` file, English otherwise."""
    return "zh-hans" if path.name.endswith(".zh-hans.yaml") else "en"


def read_course(path: Path, language: str | None = None) -> Course:
    language = language or language_of(path)
    data = _load_yaml(path)
    r = _Reader(data, path.name)
    modules = []
    for i, m in enumerate(r.items("modules")):
        mr = _Reader(m, f"{path.name}.modules[{i}]")
        lessons = []
        for j, le in enumerate(mr.items("lessons")):
            lr = _Reader(le, f"{mr.where}.lessons[{j}]")
            body = [
                _check_block(b, f"{lr.where}.body[{k}]", language)
                for k, b in enumerate(lr.items("body"))
            ]
            lessons.append(
                Lesson(
                    slug=lr.slug(),
                    title=lr.text("title", max_length=255),
                    summary=lr.text("summary", max_length=500),
                    estimated_minutes=lr.integer("estimated_minutes", 20, 1, 600),
                    body=body,
                )
            )
        _unique([le.slug for le in lessons], f"{mr.where}.lessons")
        modules.append(
            Module(
                slug=mr.slug(),
                title=mr.text("title", max_length=255),
                summary=mr.text("summary", max_length=500),
                lessons=lessons,
                knowledge_check=_read_check(mr.child("knowledge_check")),
            )
        )
    _unique([m.slug for m in modules], f"{path.name}.modules")
    region = r.text("region")
    if region not in REGIONS:
        raise ContentError(f"{path.name}.region: use one of {', '.join(REGIONS)}")
    order_match = re.match(r"^(\d+)-", path.name)
    return Course(
        slug=r.slug(),
        title=r.text("title", max_length=255),
        summary=r.text("summary", max_length=500),
        overview=r.text("overview"),
        learning_outcomes=r.strings("learning_outcomes"),
        estimated_hours=r.number("estimated_hours"),
        region=region,
        topics=r.strings("topics", required=False),
        prerequisites=r.strings("prerequisites", required=False),
        sequential_modules=r.boolean("sequential_modules", False),
        modules=modules,
        order=int(order_match.group(1)) if order_match else 0,
    )


def read_qualification(path: Path) -> Qualification:
    data = _load_yaml(path)
    r = _Reader(data, path.name)
    project = None
    if r.data.get("field_project") is not None:
        pr = r.child("field_project")
        criteria = []
        for i, c in enumerate(pr.items("rubric")):
            cr = _Reader(c, f"{pr.where}.rubric[{i}]")
            levels = []
            for j, lv in enumerate(cr.items("levels")):
                lr = _Reader(lv, f"{cr.where}.levels[{j}]")
                levels.append(
                    RubricLevel(
                        lr.slug("key"),
                        lr.text("title", max_length=80),
                        lr.integer("points"),
                        lr.text("descriptor"),
                    )
                )
            points = [lv.points for lv in levels]
            if points != sorted(set(points)):
                raise ContentError(f"{cr.where}.levels: order from lowest to highest points")
            _unique([lv.key for lv in levels], f"{cr.where}.levels")
            criteria.append(
                RubricCriterion(
                    key=cr.slug("key"),
                    title=cr.text("title", max_length=120),
                    description=cr.text("description", required=False),
                    weight=cr.number("weight", 1.0),
                    levels=levels,
                )
            )
        _unique([c.key for c in criteria], f"{pr.where}.rubric")
        sections = []
        for i, item in enumerate(pr.items("report_sections", required=False)):
            sr = _Reader(item, f"{pr.where}.report_sections[{i}]")
            limit = sr.data.get("word_limit")
            sections.append(
                ReportSection(
                    key=sr.slug("key"),
                    title=sr.text("title", max_length=120),
                    guidance=sr.text("guidance", required=False),
                    word_limit=sr.integer("word_limit", None, 1, 20000)
                    if limit is not None
                    else None,
                )
            )
        _unique([sec.key for sec in sections], f"{pr.where}.report_sections")
        if len(sections) > 12:
            raise ContentError(f"{pr.where}.report_sections: at most 12 sections")
        distinction = pr.data.get("distinction_mark")
        project = FieldProject(
            slug=pr.slug(),
            title=pr.text("title", max_length=255),
            summary=pr.text("summary", max_length=500),
            brief=pr.text("brief"),
            deliverables=pr.text("deliverables"),
            deadline_days=pr.integer("deadline_days", 120, 1, 3650),
            max_team_size=pr.integer("max_team_size", 1, 1, 3),
            anonymous_grading=pr.boolean("anonymous_grading", False),
            course=pr.text("course", required=False) or None,
            pass_mark=pr.integer("pass_mark", 70, 1, 100),
            distinction_mark=pr.integer("distinction_mark", None, 1, 100)
            if distinction is not None
            else None,
            minimum_level=pr.integer("minimum_level", 2, 1, 6),
            rubric=criteria,
            oral_defence=pr.boolean("oral_defence", False),
            contribution_statement=pr.boolean("contribution_statement", False),
            report_sections=sections,
        )
    order_match = re.match(r"^(\d+)-", path.name)
    return Qualification(
        slug=r.slug(),
        title=r.text("title", max_length=255),
        summary=r.text("summary", max_length=500),
        certifies=r.text("certifies"),
        pass_rules=r.text("pass_rules"),
        courses=r.strings("courses", required=False),
        prerequisites=r.strings("prerequisites", required=False),
        requires_moderation=r.boolean("requires_moderation", True),
        validity_months=r.integer("validity_months", 36, 1, 600),
        certificate_title=r.text("certificate_title", max_length=120),
        certificate_statement=r.text("certificate_statement", max_length=400),
        criteria_narrative=r.text("criteria_narrative"),
        evidence_required=r.boolean("evidence_required", False),
        evidence_instructions=r.text("evidence_instructions", required=False),
        field_project=project,
        order=int(order_match.group(1)) if order_match else 0,
    )


def read_site(path: Path) -> Site:
    r = _Reader(_load_yaml(path), path.name)
    home, catalog = r.child("home"), r.child("catalog")
    topics = []
    for i, t in enumerate(r.items("topics")):
        tr = _Reader(t, f"{path.name}.topics[{i}]")
        topics.append(TopicDef(tr.slug(), tr.text("name", max_length=80)))
    _unique([t.slug for t in topics], f"{path.name}.topics")
    return Site(
        home_title=home.text("title", max_length=255),
        tagline=home.text("tagline", max_length=255),
        intro=home.text("intro"),
        audience=home.text("audience"),
        catalog_title=catalog.text("title", max_length=255),
        catalog_slug=catalog.slug(),
        catalog_intro=catalog.text("intro"),
        topics=topics,
    )


def read_curriculum(language: str, content_dir: Path = CONTENT_DIR) -> Curriculum:
    curriculum = Curriculum(
        language=language, site=read_site(content_dir / f"site.{language}.yaml")
    )
    for path in sorted((content_dir / "qualifications").glob(f"*.{language}.yaml")):
        curriculum.qualifications.append(read_qualification(path))
    for path in sorted((content_dir / "courses").glob(f"*.{language}.yaml")):
        curriculum.courses.append(read_course(path))
    return curriculum


def read_glossary(content_dir: Path = CONTENT_DIR) -> list[GlossaryTerm]:
    """Every term of content_dir/glossary/*.yaml. Refuses an English term (or an `also_en`
    form) that two entries define, in one file or in two, and an `avoid` form that another
    entry allows."""
    terms: list[GlossaryTerm] = []
    defined: dict[str, str] = {}  # English form, case-folded -> where it is defined
    for path in sorted((content_dir / "glossary").glob("*.yaml")):
        data = _load_yaml(path)
        if data is None:
            continue
        if not isinstance(data, list):
            raise ContentError(f"{path.name}: expected a list of terms")
        for i, entry in enumerate(data):
            where = f"{path.name}[{i}]"
            r = _Reader(entry, where)
            unknown = set(r.data) - {"en", "also_en", "zh", "also_zh", "avoid", "note"}
            if unknown:
                raise ContentError(
                    f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}"
                )
            term = GlossaryTerm(
                en=r.text("en", max_length=200),
                zh=r.text("zh", max_length=200),
                also_en=r.strings("also_en", required=False),
                also_zh=r.strings("also_zh", required=False),
                avoid=r.strings("avoid", required=False),
                source=path.name,
            )
            here = f"{where} ({term.en})"
            for form in term.english_forms:
                # The same words in another case are one form (one entry may list both).
                key = form.casefold()
                if defined.get(key, here) != here:
                    raise ContentError(
                        f"{where}: the English term {form!r} is already defined in {defined[key]}"
                    )
                defined[key] = here
            terms.append(term)
    allowed = {form: term for term in terms for form in term.chinese_forms}
    for term in terms:
        for form in term.avoid:
            if form in allowed:
                raise ContentError(
                    f"{term.source} ({term.en}): avoid form {form!r} is the allowed form of "
                    f"'{allowed[form].en}'"
                )
    return terms


# --- checking -------------------------------------------------------------------------------


def lesson_length(lesson: Lesson, language: str) -> int:
    """English: words. Chinese: Han characters plus any Latin words."""
    text = lesson.text_for_counting()
    if language == "en":
        return len(text.split())
    return len(_HAN.findall(text)) + len(_LATIN_WORD.findall(text))


def _default_glossary() -> tuple[list[GlossaryTerm], list[str]]:
    try:
        return read_glossary(CONTENT_DIR), []
    except ContentError as exc:
        return [], [f"glossary: {exc}"]


def _english_pattern(form: str) -> re.Pattern[str]:
    """A glossary form as it may appear in English text: whole words, with a plural ending.
    A form with a capital matches as written; a lower-case one also with a capital first letter
    (at the start of a sentence or a heading)."""
    escaped = re.escape(form)
    if form.endswith("y") and form[-2:-1].isalpha() and form[-2:-1] not in "aeiou":
        body = escaped[:-1] + "(?:y|ies)"
    else:
        body = escaped + "(?:s|es)?"
    if form == form.lower() and form[:1].isalpha():
        body = f"[{form[0]}{form[0].upper()}]" + body[len(re.escape(form[0])) :]
    return re.compile(rf"(?<![A-Za-z0-9-]){body}(?![A-Za-z0-9-])")


def uses_english_term(text: str, term: GlossaryTerm) -> str | None:
    """The first English form of the term that the text uses, or None."""
    for form in term.english_forms:
        if _english_pattern(form).search(text):
            return form
    return None


def _masked(text: str, glossary: list[GlossaryTerm]) -> str:
    """The text with every allowed Chinese form blanked out, longest first, so that an avoid
    form that is part of an allowed one (基金 in 基金会) is not reported there."""
    forms = sorted({f for term in glossary for f in term.chinese_forms}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, "\u25a1" * len(form))
    return text


def avoided_forms(text: str, glossary: list[GlossaryTerm]) -> list[tuple[str, GlossaryTerm]]:
    """Each (avoid form, term) whose avoid form the Chinese text uses."""
    masked = _masked(text, glossary)
    found = []
    # Longest first, each blanked once found: 欧洲卓越集群基金会 is one problem, not two.
    avoid = sorted(((f, t) for t in glossary for f in t.avoid), key=lambda ft: -len(ft[0]))
    for form, term in avoid:
        if form in masked:
            found.append((form, term))
            masked = masked.replace(form, "\u25a1" * len(form))
    return found


def _avoid_problems(where: str, strings: list[str], glossary: list[GlossaryTerm]) -> list[str]:
    return [
        f"{where}: uses {form!r}; the glossary term for '{term.en}' is {term.zh!r}"
        for form, term in avoided_forms("\n".join(strings), glossary)
    ]


def _lesson_text(lesson: Lesson) -> str:
    return "\n".join([lesson.title, lesson.summary, lesson.text_for_counting()])


def check_glossary(source: Course, translation: Course, glossary: list[GlossaryTerm]) -> list[str]:
    """Each glossary term an English lesson uses appears in the Chinese lesson as `zh` or an
    `also_zh` form."""
    problems = []
    chinese = {(m.slug, le.slug): le for m in translation.modules for le in m.lessons}
    for module in source.modules:
        for lesson in module.lessons:
            other = chinese.get((module.slug, lesson.slug))
            if other is None:
                continue
            english, zh_text = _lesson_text(lesson), _lesson_text(other)
            for term in glossary:
                form = uses_english_term(english, term)
                if form and not any(f in zh_text for f in term.chinese_forms):
                    allowed = " or ".join(repr(f) for f in term.chinese_forms)
                    problems.append(
                        f"{source.slug}/{module.slug}/{lesson.slug}: the English uses "
                        f"{form!r}; the Chinese lesson must use {allowed}"
                    )
    return problems


def _course_strings(course: Course) -> list[tuple[str, list[str]]]:
    """The text of a course, place by place."""
    places = [
        (
            course.slug,
            [course.title, course.summary, course.overview, *course.learning_outcomes],
        )
    ]
    for module in course.modules:
        where = f"{course.slug}/{module.slug}"
        places.append((where, [module.title, module.summary]))
        for lesson in module.lessons:
            places.append(
                (
                    f"{where}/{lesson.slug}",
                    [lesson.title, lesson.summary, *_strings(lesson.body)],
                )
            )
        check = module.knowledge_check
        strings = [check.title, check.intro]
        for q in check.questions:
            strings += [q.text, q.explanation]
            strings += [s for c in q.choices for s in (c.text, c.feedback)]
        places.append((f"{where}/knowledge-check", strings))
    return places


def _check_bank(where: str, check: KnowledgeCheck, language: str) -> list[str]:
    problems = []
    questions = check.questions
    if check.draw is None:
        problems.append(f"{where}: the knowledge check needs 'draw' (questions per attempt)")
    elif len(questions) < 2 * check.draw:
        problems.append(
            f"{where}: the bank has {len(questions)} questions for draw {check.draw}; "
            f"give at least {2 * check.draw}"
        )
    scenarios = sum(q.scenario for q in questions)
    if 2 * scenarios < len(questions):
        problems.append(
            f"{where}: {scenarios} of {len(questions)} questions are scenarios; "
            f"give at least half ({(len(questions) + 1) // 2})"
        )
    low, high = CHOICES_PER_QUESTION
    for q in questions:
        here = f"{where}/{q.key}"
        if not low <= len(q.choices) <= high:
            problems.append(f"{here}: has {len(q.choices)} choices; give {low} to {high}")
        missing = [c.key for c in q.choices if not c.feedback.strip()]
        if missing:
            problems.append(f"{here}: choice(s) {', '.join(missing)} need 'feedback'")
        correct = sum(c.correct for c in q.choices)
        if q.multiple and correct < 2:
            problems.append(f"{here}: 'multiple: true' needs several correct choices")
        if q.multiple and language == "en" and "select all that apply" not in q.text.lower():
            problems.append(f"{here}: a multiple-answer question says 'Select all that apply'")
    return problems


def _check_references(where: str, lesson: Lesson) -> list[str]:
    if not lesson.body or "references" not in lesson.body[-1]:
        return [f"{where}: end the lesson with a references block"]
    problems = []
    references = lesson.references()
    for i, ref in enumerate(references):
        if "author" not in ref:
            problems.append(
                f"{where}: reference {i + 1} ({ref['citation'][:60]!r}) gives a 'citation'; "
                "give author, title, year and url"
            )
        elif not ref.get("url") and not is_source_article(ref):
            problems.append(f"{where}: reference {i + 1} ({ref['author']}) needs a 'url'")
    if not any(not is_source_article(ref) for ref in references):
        problems.append(f"{where}: name at least one source other than the CCID article")
    return problems


def check_course(
    course: Course, language: str, glossary: list[GlossaryTerm] | None = None
) -> list[str]:
    """Rules of the seeded curriculum (not of every course an author may write).

    For a Chinese course, `glossary` (by default the glossary of courses/content) names the
    forms the text must not use.
    """
    problems = []
    low, high = LESSON_WORDS_EN if language == "en" else LESSON_CHARS_ZH
    unit = "words" if language == "en" else "characters"
    if not 3 <= len(course.modules) <= 5:
        problems.append(f"{course.slug}: has {len(course.modules)} modules; give 3 to 5")
    for module in course.modules:
        where = f"{course.slug}/{module.slug}"
        if not 2 <= len(module.lessons) <= 4:
            problems.append(f"{where}: has {len(module.lessons)} lessons; give 2 to 4")
        problems += _check_bank(f"{where}/knowledge-check", module.knowledge_check, language)
        for lesson in module.lessons:
            size = lesson_length(lesson, language)
            if not low <= size <= high:
                problems.append(f"{where}/{lesson.slug}: {size} {unit}; give {low} to {high}")
            problems += _check_references(f"{where}/{lesson.slug}", lesson)
    if language != "en":
        if glossary is None:
            glossary, errors = _default_glossary()
            problems += errors
        for place, strings in _course_strings(course):
            problems += _avoid_problems(place, strings, glossary)
    return problems


def _course_shape(course: Course) -> Any:
    return [
        (
            m.slug,
            [le.slug for le in m.lessons],
            m.knowledge_check.draw,
            [
                (q.key, q.multiple, q.scenario, [(c.key, c.correct) for c in q.choices])
                for q in m.knowledge_check.questions
            ],
        )
        for m in course.modules
    ]


def _lesson_shape(lesson: Lesson) -> Any:
    """Block kinds, and the year and address of every reference."""
    return (
        [next(iter(block)) for block in lesson.body],
        [(ref.get("year"), ref.get("url") or "") for ref in lesson.references()],
    )


def check_translation(
    source: Course, translation: Course, glossary: list[GlossaryTerm] | None = None
) -> list[str]:
    """The two languages of a course must have the same tree, keys, banks and correct answers,
    the same blocks and sources in each lesson, and the glossary's Chinese terms (by default
    the glossary of courses/content; pass [] to leave the glossary out)."""
    problems = []
    if source.slug != translation.slug:
        problems.append(f"slug differs: {source.slug} / {translation.slug}")
    fields = ("region", "topics", "prerequisites", "sequential_modules", "estimated_hours")
    for name in fields:
        if getattr(source, name) != getattr(translation, name):
            problems.append(f"{source.slug}: '{name}' differs between languages")
    if _course_shape(source) != _course_shape(translation):
        problems.append(
            f"{source.slug}: modules, lessons, questions or correct answers differ between languages"
        )
        for a, b in zip(_course_shape(source), _course_shape(translation), strict=False):
            if a != b:
                if a[2] != b[2]:
                    problems.append(f"{source.slug}/{a[0]}: 'draw' differs ({a[2]} / {b[2]})")
                for qa, qb in zip(a[3], b[3], strict=False):
                    if qa != qb:
                        problems.append(
                            f"{source.slug}/{a[0]}: question {qa[0]} / {qb[0]} differs "
                            "(key, multiple, scenario, choice keys or correct answers)"
                        )
                if len(a[3]) != len(b[3]):
                    problems.append(f"{source.slug}/{a[0]}: {len(a[3])} / {len(b[3])} questions")
    chinese = {(m.slug, le.slug): le for m in translation.modules for le in m.lessons}
    for module in source.modules:
        for lesson in module.lessons:
            other = chinese.get((module.slug, lesson.slug))
            if other is None:
                continue
            mine, theirs = _lesson_shape(lesson), _lesson_shape(other)
            if mine[0] != theirs[0]:
                problems.append(
                    f"{source.slug}/{module.slug}/{lesson.slug}: blocks differ between languages "
                    f"({', '.join(mine[0])} / {', '.join(theirs[0])})"
                )
            if mine[1] != theirs[1]:
                problems.append(
                    f"{source.slug}/{module.slug}/{lesson.slug}: references differ between "
                    "languages (give the same sources, years and URLs in the same order)"
                )
    if glossary is None:
        glossary, errors = _default_glossary()
        problems += errors
    problems += check_glossary(source, translation, glossary)
    return problems


def _find_course_files(content_dir: Path, course: str) -> dict[str, Path]:
    """The two files of one course, named by slug (`cluster-foundations`) or by file stem
    (`00-cluster-foundations`)."""
    found = {}
    for language in LANGUAGES:
        for path in sorted((content_dir / "courses").glob(f"*.{language}.yaml")):
            stem = path.name.removesuffix(f".{language}.yaml")
            if stem == course or re.sub(r"^\d+-", "", stem) == course:
                found[language] = path
    return found


def _check_one_course(content_dir: Path, course: str, seeded_rules: bool) -> list[str]:
    files = _find_course_files(content_dir, course)
    if not files:
        return [f"{course}: no course file of that slug or name"]
    problems: list[str] = []
    glossary: list[GlossaryTerm] = []
    if seeded_rules:
        try:
            glossary = read_glossary(content_dir)
        except ContentError as exc:
            problems.append(f"glossary: {exc}")
    courses: dict[str, Course] = {}
    for language in LANGUAGES:
        if language not in files:
            problems.append(f"{course}: no {language} file")
            continue
        try:
            courses[language] = read_course(files[language], language)
        except ContentError as exc:
            problems.append(str(exc))
    try:
        topics = {t.slug for t in read_site(content_dir / "site.en.yaml").topics}
    except (ContentError, OSError) as exc:
        problems.append(f"site: {exc}")
        topics = None
    for language, read in courses.items():
        if seeded_rules:
            problems += [f"[{language}] {p}" for p in check_course(read, language, glossary)]
        for slug in read.topics if topics is not None else []:
            if slug not in topics:
                problems.append(f"{read.slug}: unknown topic {slug!r}")
    if len(courses) == 2:
        problems += check_translation(
            courses["en"], courses["zh-hans"], glossary if seeded_rules else []
        )
    return problems


def check_curriculum(
    content_dir: Path = CONTENT_DIR, *, seeded_rules: bool = True, course: str | None = None
) -> list[str]:
    """Every problem in the content directory, or an empty list.

    `seeded_rules` adds the rules of the seeded curriculum (module and lesson counts, question
    banks, feedback, lesson length, references, the glossary); the loader needs only a
    consistent structure. `course` (a slug such as `cluster-foundations`, or a file name
    without its language, such as `00-cluster-foundations`) checks that course's two files
    alone: its rules, its translation and the glossary, but not how other files refer to it.
    """
    if course is not None:
        return _check_one_course(content_dir, course, seeded_rules)
    problems: list[str] = []
    by_language: dict[str, Curriculum] = {}
    for language in LANGUAGES:
        try:
            by_language[language] = read_curriculum(language, content_dir)
        except ContentError as exc:
            problems.append(str(exc))
    glossary: list[GlossaryTerm] = []
    if seeded_rules:
        try:
            glossary = read_glossary(content_dir)
        except ContentError as exc:
            problems.append(f"glossary: {exc}")
    if problems:
        return problems
    en, zh = by_language["en"], by_language["zh-hans"]
    course_slugs = {c.slug for c in en.courses}
    # The loader builds courses and qualifications in file order: a prerequisite comes first.
    course_position = {c.slug: i for i, c in enumerate(sorted(en.courses, key=lambda c: c.order))}
    qual_position = {
        q.slug: i for i, q in enumerate(sorted(en.qualifications, key=lambda q: q.order))
    }
    topic_slugs = {t.slug for t in en.site.topics}
    if topic_slugs != {t.slug for t in zh.site.topics}:
        problems.append("site: topics differ between languages")
    for language, curriculum in by_language.items():
        for read in curriculum.courses:
            if seeded_rules:
                problems += [f"[{language}] {p}" for p in check_course(read, language, glossary)]
            for slug in read.prerequisites:
                if slug not in course_slugs:
                    problems.append(f"{read.slug}: unknown prerequisite {slug!r}")
                elif course_position[slug] >= course_position.get(read.slug, -1):
                    problems.append(
                        f"{read.slug}: prerequisite {slug!r} must come in an earlier file"
                    )
            for slug in read.topics:
                if slug not in topic_slugs:
                    problems.append(f"{read.slug}: unknown topic {slug!r}")
    if seeded_rules:
        problems += _avoid_problems("site", _strings(asdict(zh.site)), glossary)
        for qual in zh.qualifications:
            problems += _avoid_problems(qual.slug, _strings(asdict(qual)), glossary)
    zh_courses = {c.slug: c for c in zh.courses}
    for read in en.courses:
        if read.slug not in zh_courses:
            problems.append(f"{read.slug}: no Chinese file")
        else:
            problems += check_translation(read, zh_courses[read.slug], glossary)
    if {c.slug for c in zh.courses} - course_slugs:
        problems.append("a Chinese course file has no English source")
    zh_quals = {q.slug: q for q in zh.qualifications}
    for slug in sorted(set(zh_quals) - set(qual_position)):
        problems.append(f"{slug}: the Chinese qualification file has no English source")
    for qual in en.qualifications:
        other = zh_quals.get(qual.slug)
        if other is None:
            problems.append(f"{qual.slug}: no Chinese file")
            continue
        for slug in qual.courses:
            if slug not in course_slugs:
                problems.append(f"{qual.slug}: unknown course {slug!r}")
        for slug in qual.prerequisites:
            if slug not in qual_position:
                problems.append(f"{qual.slug}: unknown prerequisite {slug!r}")
            elif qual_position[slug] >= qual_position[qual.slug]:
                problems.append(f"{qual.slug}: prerequisite {slug!r} must come in an earlier file")
        project_course = qual.field_project.course if qual.field_project else None
        if project_course and project_course not in course_slugs:
            problems.append(
                f"{qual.slug}: the field project's course {project_course!r} is not a course"
            )
        same = (qual.courses, qual.prerequisites, qual.requires_moderation, qual.validity_months)
        if same != (
            other.courses,
            other.prerequisites,
            other.requires_moderation,
            other.validity_months,
        ):
            problems.append(f"{qual.slug}: rules differ between languages")
        if (qual.field_project is None) != (other.field_project is None):
            problems.append(f"{qual.slug}: field project missing in one language")
        elif qual.field_project:
            a, b = qual.field_project, other.field_project
            shape_a = [
                (c.key, c.weight, [(lv.key, lv.points) for lv in c.levels]) for c in a.rubric
            ]
            shape_b = [
                (c.key, c.weight, [(lv.key, lv.points) for lv in c.levels]) for c in b.rubric
            ]
            if (a.slug, shape_a, a.pass_mark, a.minimum_level) != (
                b.slug,
                shape_b,
                b.pass_mark,
                b.minimum_level,
            ):
                problems.append(f"{qual.slug}: field project rubric differs between languages")
            sections_a = [(sec.key, sec.word_limit) for sec in a.report_sections]
            sections_b = [(sec.key, sec.word_limit) for sec in b.report_sections]
            if sections_a != sections_b:
                problems.append(
                    f"{qual.slug}: the field project's report sections (keys or word limits) "
                    "differ between languages"
                )
            rules_a = (a.oral_defence, a.contribution_statement, a.max_team_size)
            rules_b = (b.oral_defence, b.contribution_statement, b.max_team_size)
            if rules_a != rules_b:
                problems.append(
                    f"{qual.slug}: the field project's oral defence, contribution statements "
                    "or team size differ between languages"
                )
    return problems
