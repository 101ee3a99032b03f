"""Reads and checks curriculum content files. Plain Python: no Django needed.

Layout of courses/content/:
    site.<lang>.yaml                    home page, catalog and topics
    qualifications/<slug>.<lang>.yaml   a qualification and its field project
    courses/<nn>-<slug>.<lang>.yaml     a course, its modules, lessons and knowledge checks
where <lang> is `en` or `zh-hans`. Both languages of a file share every slug and key, so the
loader links them as translations. docs/authoring.md describes each field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("en", "zh-hans")
REGIONS = ("global", "eu", "de", "us", "jp")
BLOCK_TYPES = ("markdown", "key_facts", "case_study", "comparison_table", "quote", "references")
LESSON_WORDS_EN = (400, 1200)
# Chinese has no spaces between words; about 1.7 characters per English word of the same text.
LESSON_CHARS_ZH = (600, 2400)
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


@dataclass
class Question:
    key: str
    text: str
    multiple: bool
    choices: list[Choice]
    explanation: str


@dataclass
class KnowledgeCheck:
    title: str
    intro: str
    pass_mark: int
    max_attempts: int
    questions: list[Question]


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


def _check_block(block: Any, where: str) -> dict[str, Any]:
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
        for i, ref in enumerate(value):
            r = _Reader(ref, f"{where}[{i}]")
            r.text("citation")
            r.text("url", required=False)
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
                    cr.slug("key"), cr.text("text", max_length=500), cr.boolean("correct", False)
                )
            )
        _unique([c.key for c in choices], f"{qr.where}.choices")
        question = Question(
            key=qr.slug("key"),
            text=qr.text("text"),
            multiple=qr.boolean("multiple", False),
            choices=choices,
            explanation=qr.text("explanation"),
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
    )


def read_course(path: Path) -> Course:
    data = _load_yaml(path)
    r = _Reader(data, path.name)
    modules = []
    for i, m in enumerate(r.items("modules")):
        mr = _Reader(m, f"{path.name}.modules[{i}]")
        lessons = []
        for j, le in enumerate(mr.items("lessons")):
            lr = _Reader(le, f"{mr.where}.lessons[{j}]")
            body = [
                _check_block(b, f"{lr.where}.body[{k}]") for k, b in enumerate(lr.items("body"))
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


# --- checking -------------------------------------------------------------------------------


def lesson_length(lesson: Lesson, language: str) -> int:
    """English: words. Chinese: Han characters plus any Latin words."""
    text = lesson.text_for_counting()
    if language == "en":
        return len(text.split())
    return len(_HAN.findall(text)) + len(_LATIN_WORD.findall(text))


def check_course(course: Course, language: str) -> list[str]:
    """Rules of the seeded curriculum (not of every course an author may write)."""
    problems = []
    low, high = LESSON_WORDS_EN if language == "en" else LESSON_CHARS_ZH
    unit = "words" if language == "en" else "characters"
    if not 3 <= len(course.modules) <= 5:
        problems.append(f"{course.slug}: has {len(course.modules)} modules; give 3 to 5")
    for module in course.modules:
        where = f"{course.slug}/{module.slug}"
        if not 2 <= len(module.lessons) <= 4:
            problems.append(f"{where}: has {len(module.lessons)} lessons; give 2 to 4")
        if not 3 <= len(module.knowledge_check.questions) <= 6:
            problems.append(
                f"{where}: knowledge check has {len(module.knowledge_check.questions)} questions; give 3 to 6"
            )
        for lesson in module.lessons:
            size = lesson_length(lesson, language)
            if not low <= size <= high:
                problems.append(f"{where}/{lesson.slug}: {size} {unit}; give {low} to {high}")
            if not any("references" in block for block in lesson.body):
                problems.append(f"{where}/{lesson.slug}: cite sources in a references block")
    return problems


def _course_shape(course: Course) -> Any:
    return [
        (
            m.slug,
            [le.slug for le in m.lessons],
            [
                (q.key, q.multiple, [(c.key, c.correct) for c in q.choices])
                for q in m.knowledge_check.questions
            ],
        )
        for m in course.modules
    ]


def check_translation(source: Course, translation: Course) -> list[str]:
    """The two languages of a course must have the same tree, keys and correct answers."""
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
    return problems


def check_curriculum(content_dir: Path = CONTENT_DIR, *, seeded_rules: bool = True) -> list[str]:
    """Every problem in the content directory, or an empty list.

    `seeded_rules` adds the rules of the seeded curriculum (module, lesson and question counts,
    lesson length, references); the loader needs only a consistent structure.
    """
    problems: list[str] = []
    by_language: dict[str, Curriculum] = {}
    for language in LANGUAGES:
        try:
            by_language[language] = read_curriculum(language, content_dir)
        except ContentError as exc:
            problems.append(str(exc))
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
        for course in curriculum.courses:
            if seeded_rules:
                problems += [f"[{language}] {p}" for p in check_course(course, language)]
            for slug in course.prerequisites:
                if slug not in course_slugs:
                    problems.append(f"{course.slug}: unknown prerequisite {slug!r}")
                elif course_position[slug] >= course_position.get(course.slug, -1):
                    problems.append(
                        f"{course.slug}: prerequisite {slug!r} must come in an earlier file"
                    )
            for slug in course.topics:
                if slug not in topic_slugs:
                    problems.append(f"{course.slug}: unknown topic {slug!r}")
    zh_courses = {c.slug: c for c in zh.courses}
    for course in en.courses:
        if course.slug not in zh_courses:
            problems.append(f"{course.slug}: no Chinese file")
        else:
            problems += check_translation(course, zh_courses[course.slug])
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
    return problems
