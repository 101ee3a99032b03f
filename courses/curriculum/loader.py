"""Builds the curriculum's Wagtail pages from the content files, in English and Chinese.

Idempotent: each page remembers the hash of the content it was built from and the revision the
loader made. A second run with unchanged files changes nothing; a changed file gives its page a
new revision; a page an author has edited since (a newer revision) is left alone and reported,
unless `force` is set.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import markdown
from django.db import transaction
from wagtail.models import Locale, Page, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from courses import models
from courses.curriculum.schema import (
    CONTENT_DIR,
    Course,
    Curriculum,
    KnowledgeCheck,
    Lesson,
    Module,
    Qualification,
    check_curriculum,
    read_curriculum,
)

# Block ids derive from content keys, so that they are stable across runs and the same in
# both languages: a question answered on the Chinese page has the ids of the English one.
_ID_NAMESPACE = uuid.UUID("6f1d3c2a-8d1e-4f57-9a55-2b8f0c1e7a10")
_MARKDOWN_TAGS = {"<strong>": "<b>", "</strong>": "</b>", "<em>": "<i>", "</em>": "</i>"}


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


def rich_text(text: str) -> str:
    """Markdown to the HTML subset Wagtail's rich text stores."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    for old, new in _MARKDOWN_TAGS.items():
        html = html.replace(old, new)
    return html


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_author_edits: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        lines = [
            f"{len(self.created)} pages created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept_author_edits)} left alone."
        ]
        lines += [
            f"  left alone (edited in the CMS; --force overwrites): {p}"
            for p in self.kept_author_edits
        ]
        return lines


# --- StreamField data ----------------------------------------------------------------------


def _body_blocks(lesson: Lesson, *id_parts: str) -> list[dict]:
    blocks = []
    for index, block in enumerate(lesson.body):
        ((kind, value),) = block.items()
        block_id = stable_id(*id_parts, "body", str(index))
        if kind == "markdown":
            blocks.append({"type": "rich_text", "value": rich_text(value), "id": block_id})
        elif kind == "key_facts":
            facts = [
                {
                    "type": "item",
                    "value": {"figure": str(f["figure"]), "label": f["label"]},
                    "id": stable_id(block_id, str(i)),
                }
                for i, f in enumerate(value["facts"])
            ]
            blocks.append(
                {
                    "type": "key_facts",
                    "value": {"heading": value.get("heading") or "", "facts": facts},
                    "id": block_id,
                }
            )
        elif kind == "case_study":
            blocks.append(
                {
                    "type": "case_study",
                    "value": {
                        "organisation": value["organisation"],
                        "region": value["region"],
                        "what_they_did": rich_text(value["what_they_did"]),
                        "result": rich_text(value["result"]),
                    },
                    "id": block_id,
                }
            )
        elif kind == "comparison_table":
            data = [[str(c) for c in value["header"]]] + [
                [str(c) for c in row] for row in value["rows"]
            ]
            blocks.append(
                {
                    "type": "comparison_table",
                    "value": {
                        "data": data,
                        "table_caption": value["caption"],
                        "table_header_choice": "row",
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "cell": [],
                        "mergeCells": [],
                    },
                    "id": block_id,
                }
            )
        elif kind == "quote":
            blocks.append(
                {
                    "type": "quote",
                    "value": {
                        "text": value["text"],
                        "attribution": value["attribution"],
                        "source_url": value.get("source_url") or "",
                    },
                    "id": block_id,
                }
            )
        elif kind == "references":
            refs = [
                {
                    "type": "item",
                    "value": {
                        "citation": r["citation"],
                        "url": r.get("url") or "",
                        "note": r.get("note") or "",
                    },
                    "id": stable_id(block_id, str(i)),
                }
                for i, r in enumerate(value)
            ]
            blocks.append({"type": "references", "value": {"references": refs}, "id": block_id})
    return blocks


def _question_blocks(check: KnowledgeCheck, *id_parts: str) -> list[dict]:
    return [
        {
            "type": "question",
            "id": stable_id(*id_parts, question.key),
            "value": {
                "text": question.text,
                "scenario": question.scenario,
                "multiple": question.multiple,
                "explanation": question.explanation,
                "choices": [
                    {
                        "type": "item",
                        "id": stable_id(*id_parts, question.key, choice.key),
                        "value": {
                            "text": choice.text,
                            "correct": choice.correct,
                            "feedback": choice.feedback,
                        },
                    }
                    for choice in question.choices
                ],
            },
        }
        for question in check.questions
    ]


def _rubric_blocks(qualification: Qualification) -> list[dict]:
    project = qualification.field_project
    return [
        {
            "type": "criterion",
            "id": stable_id(qualification.slug, project.slug, "rubric", criterion.key),
            "value": {
                "title": criterion.title,
                "description": criterion.description,
                "weight": str(criterion.weight),
                "levels": [
                    {
                        "type": "item",
                        "id": stable_id(
                            qualification.slug, project.slug, "rubric", criterion.key, level.key
                        ),
                        "value": {
                            "title": level.title,
                            "points": level.points,
                            "descriptor": level.descriptor,
                        },
                    }
                    for level in criterion.levels
                ],
            },
        }
        for criterion in project.rubric
    ]


def _report_section_blocks(qualification: Qualification) -> list[dict]:
    project = qualification.field_project
    return [
        {
            "type": "section",
            # The same id in both languages: a draft written on the Chinese page fills the
            # same sections as on the English one.
            "id": stable_id(qualification.slug, project.slug, "section", section.key),
            "value": {
                "title": section.title,
                "guidance": section.guidance,
                "word_limit": section.word_limit,
            },
        }
        for section in project.report_sections
    ]


# --- the loader ------------------------------------------------------------------------------


class CurriculumLoader:
    def __init__(self, *, force: bool = False):
        self.force = force
        self.report = LoadReport()
        self.touched: list[Page] = []
        self.locales: dict[str, Locale] = {}
        # (language, kind, slug path) -> page; English pages are the translation sources.
        self.pages: dict[tuple[str, str], Page] = {}
        self.topics: dict[tuple[str, str], models.Topic] = {}

    # Each page: find it by slug under its parent (in its locale), create or update it.
    def _sync_page(
        self,
        *,
        model: type[Page],
        parent: Page,
        language: str,
        slug: str,
        label: str,
        fields: dict,
        apply_relations: Callable[[Page], None] | None = None,
        relations_fingerprint: object = None,
    ) -> Page:
        locale = self.locales[language]
        source_hash = hashlib.sha256(
            json.dumps([fields, relations_fingerprint], sort_keys=True, default=str).encode()
        ).hexdigest()
        existing = parent.get_children().filter(slug=slug, locale=locale).first()
        if existing is None:
            translation_of = None
            if language != "en":
                translation_of = self.pages.get(("en", label))
            page = model(slug=slug, locale=locale, **fields)
            if translation_of is not None:
                page.translation_key = translation_of.translation_key
            if apply_relations:
                apply_relations(page)
            parent.add_child(instance=page)
            revision = page.save_revision()
            revision.publish()
            models.SeededPage.objects.create(
                page=page, source_hash=source_hash, revision_id=revision.id
            )
            self.report.created.append(f"[{language}] {label}")
            self.touched.append(page)
            self.pages[(language, label)] = page
            return page

        page = existing.specific
        self.pages[(language, label)] = page
        seeded = models.SeededPage.objects.filter(page=page).first()
        edited = seeded is None or page.latest_revision_id != seeded.revision_id
        if seeded is not None and seeded.source_hash == source_hash and not edited:
            self.report.unchanged.append(f"[{language}] {label}")
            return page
        if edited and not self.force:
            self.report.kept_author_edits.append(f"[{language}] {label}")
            return page
        for name, value in fields.items():
            setattr(page, name, value)
        if apply_relations:
            apply_relations(page)
        revision = page.save_revision(log_action=True)
        revision.publish()
        models.SeededPage.objects.update_or_create(
            page=page, defaults={"source_hash": source_hash, "revision_id": revision.id}
        )
        self.report.updated.append(f"[{language}] {label}")
        self.touched.append(page)
        return page

    def load(self, curricula: dict[str, Curriculum]) -> LoadReport:
        for language in curricula:
            self.locales[language], _ = Locale.objects.get_or_create(language_code=language)
        # English first: every other language's page is created as its translation.
        languages = ["en"] + [lang for lang in curricula if lang != "en"]
        for language in languages:
            self._load_language(curricula[language])
        return self.report

    def _home(self, curriculum: Curriculum) -> Page:
        language = curriculum.language
        site = curriculum.site
        root = Page.get_first_root_node()
        if language == "en":
            self._remove_wagtail_placeholder()
        # The home page type is the catalog's parent as the page tree's rules declare it (the
        # site's front, in lms.home, sits above the curriculum and is not imported here).
        (home_model,) = models.CatalogPage.allowed_parent_page_models()
        home = self._sync_page(
            model=home_model,
            parent=root,
            language=language,
            # Root-level slugs must differ between languages; a home page's URL has no slug.
            slug="home" if language == "en" else f"home-{language}",
            label="home",
            fields={
                "title": site.home_title,
                "tagline": site.tagline,
                "intro": rich_text(site.intro),
                "audience": rich_text(site.audience),
            },
        )
        if language == "en" and not Site.objects.filter(root_page=home).exists():
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={
                    "hostname": "localhost",
                    "port": 80,
                    "root_page": home,
                    "site_name": "Cluster Manager Academy",
                },
            )
        return home

    @staticmethod
    def _remove_wagtail_placeholder() -> None:
        """Wagtail's install creates a bare 'Welcome' page as the site root; ours replaces it."""
        for page in Page.get_first_root_node().get_children():
            if page.specific_class is Page and page.get_children_count() == 0:
                page.delete()  # its Site goes with it; _home makes ours

    def _load_language(self, curriculum: Curriculum) -> None:
        language = curriculum.language
        locale = self.locales[language]
        home = self._home(curriculum)
        self.pages[(language, "home")] = home

        for topic_def in curriculum.site.topics:
            topic = models.Topic.objects.filter(slug=topic_def.slug, locale=locale).first()
            if topic is None:
                source = self.topics.get(("en", topic_def.slug))
                topic = models.Topic(slug=topic_def.slug, locale=locale, name=topic_def.name)
                if source is not None:
                    topic.translation_key = source.translation_key
                topic.save()
            elif topic.name != topic_def.name:
                topic.name = topic_def.name
                topic.save(update_fields=["name"])
            self.topics[(language, topic_def.slug)] = topic

        catalog = self._sync_page(
            model=models.CatalogPage,
            parent=home,
            language=language,
            slug=curriculum.site.catalog_slug,
            label="catalog",
            fields={
                "title": curriculum.site.catalog_title,
                "intro": rich_text(curriculum.site.catalog_intro),
            },
        )
        self.pages[(language, "catalog")] = catalog

        for course in sorted(curriculum.courses, key=lambda c: c.order):
            self._load_course(language, catalog, course)
        for qualification in sorted(curriculum.qualifications, key=lambda q: q.order):
            self._load_qualification(language, catalog, qualification)
        self._order_catalog(catalog, curriculum)

    def _order_catalog(self, catalog: Page, curriculum: Curriculum) -> None:
        """Qualifications first, then courses in file order, as the menu shows them."""
        wanted = [q.slug for q in sorted(curriculum.qualifications, key=lambda q: q.order)]
        wanted += [c.slug for c in sorted(curriculum.courses, key=lambda c: c.order)]
        children = {p.slug: p for p in catalog.get_children()}
        ordered = [children[slug] for slug in wanted if slug in children]
        current = [p.slug for p in catalog.get_children() if p.slug in wanted]
        if current == wanted:
            return
        for page in ordered:
            page.refresh_from_db()
            page.move(catalog, pos="last-child")

    def _load_course(self, language: str, catalog: Page, course: Course) -> None:
        topics = [self.topics[(language, slug)] for slug in course.topics]
        prerequisites = [self.pages[(language, f"course:{slug}")] for slug in course.prerequisites]

        def relations(page):
            page.topics = topics
            page.prerequisites = [models.CoursePrerequisite(required=p) for p in prerequisites]

        page = self._sync_page(
            model=models.CoursePage,
            parent=catalog,
            language=language,
            slug=course.slug,
            label=f"course:{course.slug}",
            fields={
                "title": course.title,
                "summary": course.summary,
                "overview": rich_text(course.overview),
                "learning_outcomes": [
                    {
                        "type": "outcome",
                        "value": text,
                        "id": stable_id(course.slug, "outcome", str(i)),
                    }
                    for i, text in enumerate(course.learning_outcomes)
                ],
                "estimated_hours": course.estimated_hours,
                "region": course.region,
                "sequential_modules": course.sequential_modules,
            },
            apply_relations=relations,
            relations_fingerprint=[course.topics, course.prerequisites],
        )
        self.pages[(language, f"course:{course.slug}")] = page
        for module in course.modules:
            self._load_module(language, page, course, module)

    def _load_module(
        self, language: str, course_page: Page, course: Course, module: Module
    ) -> None:
        label = f"course:{course.slug}/{module.slug}"
        page = self._sync_page(
            model=models.ModulePage,
            parent=course_page,
            language=language,
            slug=module.slug,
            label=label,
            fields={"title": module.title, "summary": module.summary},
        )
        for lesson in module.lessons:
            self._sync_page(
                model=models.LessonPage,
                parent=page,
                language=language,
                slug=lesson.slug,
                label=f"{label}/{lesson.slug}",
                fields={
                    "title": lesson.title,
                    "summary": lesson.summary,
                    "estimated_minutes": lesson.estimated_minutes,
                    "body": _body_blocks(lesson, course.slug, module.slug, lesson.slug),
                },
            )
        check = module.knowledge_check
        self._sync_page(
            model=models.KnowledgeCheckPage,
            parent=page,
            language=language,
            slug="knowledge-check",
            label=f"{label}/knowledge-check",
            fields={
                "title": check.title,
                "intro": check.intro,
                "pass_mark": check.pass_mark,
                "max_attempts": check.max_attempts,
                # A first-edition check (no `draw`) asks its whole bank, as it always did.
                "draw": check.draw or 0,
                "questions": _question_blocks(check, course.slug, module.slug, "check"),
            },
        )

    def _load_qualification(
        self, language: str, catalog: Page, qualification: Qualification
    ) -> None:
        courses = [self.pages[(language, f"course:{slug}")] for slug in qualification.courses]
        prerequisites = [
            self.pages[(language, f"qualification:{slug}")] for slug in qualification.prerequisites
        ]

        def relations(page):
            page.required_courses = [
                models.QualificationCourse(course=c, sort_order=i) for i, c in enumerate(courses)
            ]
            page.prerequisites = [
                models.QualificationPrerequisite(required=q) for q in prerequisites
            ]

        data = asdict(qualification)
        page = self._sync_page(
            model=models.QualificationPage,
            parent=catalog,
            language=language,
            slug=qualification.slug,
            label=f"qualification:{qualification.slug}",
            fields={
                "title": qualification.title,
                "summary": qualification.summary,
                "certifies": rich_text(qualification.certifies),
                "pass_rules": rich_text(qualification.pass_rules),
                "requires_moderation": qualification.requires_moderation,
                "validity_months": qualification.validity_months,
                "certificate_title": qualification.certificate_title,
                "certificate_statement": qualification.certificate_statement,
                "criteria_narrative": qualification.criteria_narrative,
                "evidence_required": qualification.evidence_required,
                "evidence_instructions": rich_text(qualification.evidence_instructions)
                if qualification.evidence_instructions
                else "",
            },
            apply_relations=relations,
            relations_fingerprint=[data["courses"], data["prerequisites"]],
        )
        self.pages[(language, f"qualification:{qualification.slug}")] = page
        project = qualification.field_project
        if project is None:
            return
        course = self.pages.get((language, f"course:{project.course}")) if project.course else None
        self._sync_page(
            model=models.FieldProjectPage,
            parent=page,
            language=language,
            slug=project.slug,
            label=f"qualification:{qualification.slug}/{project.slug}",
            fields={
                "title": project.title,
                "summary": project.summary,
                "brief": rich_text(project.brief),
                "deliverables": rich_text(project.deliverables),
                "deadline_days": project.deadline_days,
                "max_team_size": project.max_team_size,
                "anonymous_grading": project.anonymous_grading,
                "pass_mark": project.pass_mark,
                "distinction_mark": project.distinction_mark,
                "minimum_level": project.minimum_level,
                "course_id": course.id if course else None,
                "rubric": _rubric_blocks(qualification),
                "report_sections": _report_section_blocks(qualification),
            },
        )


def curriculum_load(*, content_dir: Path = CONTENT_DIR, force: bool = False) -> LoadReport:
    """Check the content files, then create or update the pages. Raises ValueError if invalid."""
    problems = check_curriculum(content_dir, seeded_rules=False)
    if problems:
        raise ValueError("The curriculum content has problems:\n" + "\n".join(problems))
    curricula = {language: read_curriculum(language, content_dir) for language in ("en", "zh-hans")}
    loader = CurriculumLoader(force=force)
    # Each page save would queue a reference-index job for the workers (hundreds on a first
    # load, ahead of learners' work); index the pages written here once, in this process.
    with transaction.atomic(), disable_reference_index_auto_update():
        report = loader.load(curricula)
        for page in loader.touched:
            ReferenceIndex.create_or_update_for_object(page)
    return report
