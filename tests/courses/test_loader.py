"""The curriculum loader (courses/curriculum): idempotent, respects author edits, links
translations, keeps ids the same in both languages, enforces the page tree and refuses bad files.
"""

from __future__ import annotations

import io
import re
import shutil

import pytest
import yaml
from django.core.management import CommandError, call_command
from wagtail.models import Locale, Page, Revision
from wagtail.test.utils import WagtailPageTestCase

from courses.curriculum.loader import curriculum_load
from courses.curriculum.schema import ContentError, check_curriculum, read_curriculum
from courses.knowledge_checks import questions_of
from courses.models import (
    CatalogPage,
    CoursePage,
    FieldProjectPage,
    KnowledgeCheckPage,
    LessonPage,
    ModulePage,
    QualificationPage,
)
from lms.home.models import HomePage
from tests.conftest import FIXTURE_CURRICULUM, make_user

LESSON_LABEL = "course:course-one/module-1/lesson-1-1"


@pytest.fixture
def content(tmp_path):
    """A copy of the test curriculum's content files that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CURRICULUM, target)
    return target


def edit_yaml(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def course_file(content, slug="01-course-one", language="en"):
    return content / "courses" / f"{slug}.{language}.yaml"


def qualification_file(content, slug="01-test-qualification", language="en"):
    return content / "qualifications" / f"{slug}.{language}.yaml"


def retitle_first_lesson(content, title):
    def change(data):
        data["modules"][0]["lessons"][0]["title"] = title

    edit_yaml(course_file(content), change)


def revisions_by_page():
    return dict(Page.objects.values_list("id", "latest_revision_id"))


def lesson(language="en"):
    course = CoursePage.objects.get(slug="course-one", locale__language_code=language)
    return LessonPage.objects.descendant_of(course).get(slug="lesson-1-1")


# --- idempotence, changes and author edits ------------------------------------------------


def test_a_second_run_creates_and_updates_nothing(curriculum):
    before = revisions_by_page()
    revision_count = Revision.objects.count()

    report = curriculum_load(content_dir=FIXTURE_CURRICULUM)

    assert report.created == [] and report.updated == [] and report.kept_author_edits == []
    assert not report.changed
    assert len(report.unchanged) == Page.objects.filter(depth__gt=1).count()
    assert revisions_by_page() == before
    assert Revision.objects.count() == revision_count


def test_a_changed_file_updates_its_page_as_a_new_revision(curriculum, content):
    english, chinese = lesson("en"), lesson("zh-hans")
    old_revision = english.latest_revision_id
    before = revisions_by_page()
    retitle_first_lesson(content, "Lesson 1.1, revised")

    report = curriculum_load(content_dir=content)

    assert report.updated == [f"[en] {LESSON_LABEL}"]
    assert report.created == [] and report.kept_author_edits == []
    english.refresh_from_db()
    assert english.title == "Lesson 1.1, revised"
    assert english.latest_revision_id != old_revision
    assert english.live_revision_id == english.latest_revision_id
    assert Revision.page_revisions.filter(object_id=str(english.id)).count() == 2
    assert Revision.objects.get(id=old_revision).as_object().title == "Lesson 1.1"
    after = revisions_by_page()
    assert {pid for pid in after if after[pid] != before[pid]} == {english.id}
    chinese.refresh_from_db()
    assert chinese.title == "第1.1课"

    # And the changed file is now the baseline: a further run changes nothing.
    assert not curriculum_load(content_dir=content).changed


def _author_edits_lesson():
    author = make_user("staff", "author")
    page = lesson("en")
    page.title = "Lesson 1.1, as our editor wrote it"
    page.save_revision(user=author).publish()
    return page


def test_a_page_edited_in_the_cms_is_left_alone_and_reported(curriculum, content):
    page = _author_edits_lesson()
    edited_revision = Page.objects.get(id=page.id).latest_revision_id
    retitle_first_lesson(content, "Lesson 1.1 from the file")

    report = curriculum_load(content_dir=content)

    assert report.kept_author_edits == [f"[en] {LESSON_LABEL}"]
    assert report.updated == []
    page.refresh_from_db()
    assert page.title == "Lesson 1.1, as our editor wrote it"
    assert page.latest_revision_id == edited_revision
    assert any("left alone" in line and LESSON_LABEL in line for line in report.lines())


def test_force_overwrites_an_author_edit(curriculum, content):
    page = _author_edits_lesson()
    retitle_first_lesson(content, "Lesson 1.1 from the file")

    report = curriculum_load(content_dir=content, force=True)

    assert report.updated == [f"[en] {LESSON_LABEL}"]
    assert report.kept_author_edits == []
    page.refresh_from_db()
    assert page.title == "Lesson 1.1 from the file"
    assert page.live_revision_id == page.latest_revision_id
    # The author's revision is still in the history.
    titles = [r.as_object().title for r in Revision.page_revisions.filter(object_id=str(page.id))]
    assert "Lesson 1.1, as our editor wrote it" in titles


def test_the_command_reports_author_edits_and_force_overwrites_them(curriculum, content):
    page = _author_edits_lesson()
    retitle_first_lesson(content, "Lesson 1.1 from the file")

    out = io.StringIO()
    call_command("load_curriculum", content_dir=content, stdout=out)
    assert "1 left alone" in out.getvalue()
    assert f"--force overwrites): [en] {LESSON_LABEL}" in out.getvalue()
    page.refresh_from_db()
    assert page.title == "Lesson 1.1, as our editor wrote it"

    out = io.StringIO()
    call_command("load_curriculum", "--force", content_dir=content, stdout=out)
    assert "1 updated" in out.getvalue() and "0 left alone" in out.getvalue()
    page.refresh_from_db()
    assert page.title == "Lesson 1.1 from the file"


def test_the_command_turns_invalid_content_into_a_command_error(curriculum, content):
    edit_yaml(course_file(content), lambda data: data.pop("region"))
    pages = Page.objects.count()
    with pytest.raises(CommandError, match=r"01-course-one\.en\.yaml: 'region' is required"):
        call_command("load_curriculum", content_dir=content, stdout=io.StringIO())
    assert Page.objects.count() == pages


# --- translations ---------------------------------------------------------------------------


def test_every_page_has_its_chinese_translation_at_the_same_path(curriculum):
    zh = Locale.objects.get(language_code="zh-hans")
    home = HomePage.objects.get(locale__language_code="en")
    english_pages = list(Page.objects.descendant_of(home, inclusive=True).live())
    assert len(english_pages) == 23

    for page in english_pages:
        translation = page.get_translation_or_none(zh)
        assert translation is not None, page.url
        assert translation.live
        assert translation.translation_key == page.translation_key
        assert translation.specific_class is page.specific_class
        assert page.url.startswith("/en/")
        assert translation.url == page.url.replace("/en/", "/zh-hans/", 1)
    assert Page.objects.filter(locale=zh).count() == len(english_pages)


def test_question_and_choice_ids_are_the_same_in_both_languages(curriculum):
    zh = Locale.objects.get(language_code="zh-hans")
    checks = curriculum.checks("course-one") + curriculum.checks("course-two")
    assert len(checks) == 4
    for check in checks:
        translation = check.get_translation(zh).specific
        english = questions_of(check)
        chinese = questions_of(translation)
        assert [q.id for q in english] == [q.id for q in chinese]
        for q_en, q_zh in zip(english, chinese, strict=True):
            assert [(c.id, c.correct) for c in q_en.choices] == [
                (c.id, c.correct) for c in q_zh.choices
            ]
            assert q_en.text != q_zh.text
    all_ids = [q.id for check in checks for q in questions_of(check)]
    assert len(all_ids) == len(set(all_ids)), "question ids are unique across checks"


def test_rubric_ids_are_the_same_in_both_languages(curriculum):
    from courses.grading import rubric_of

    project = curriculum.project
    translation = project.get_translation(Locale.objects.get(language_code="zh-hans")).specific
    shape = [(c["id"], [lv["id"] for lv in c["levels"]]) for c in rubric_of(project)]
    assert shape == [(c["id"], [lv["id"] for lv in c["levels"]]) for c in rubric_of(translation)]


def test_every_question_has_a_correct_choice_and_an_explanation(curriculum):
    checks = KnowledgeCheckPage.objects.all()
    assert checks.count() == 8  # four checks in two languages
    for check in checks:
        for question in questions_of(check):
            assert any(c.correct for c in question.choices), question.id
            assert question.explanation.strip()
            if not question.multiple:
                assert sum(c.correct for c in question.choices) == 1


# --- the page tree --------------------------------------------------------------------------

PAGE_RULES = WagtailPageTestCase()


@pytest.mark.parametrize(
    ("child", "parents"),
    [
        (CatalogPage, {HomePage}),
        (QualificationPage, {CatalogPage}),
        (CoursePage, {CatalogPage}),
        (ModulePage, {CoursePage}),
        (LessonPage, {ModulePage}),
        (KnowledgeCheckPage, {ModulePage}),
        (FieldProjectPage, {QualificationPage}),
    ],
)
def test_each_page_type_has_only_its_parent(child, parents):
    PAGE_RULES.assertAllowedParentPageTypes(child, parents)


@pytest.mark.parametrize(
    ("parent", "children"),
    [
        (CatalogPage, {QualificationPage, CoursePage}),
        (QualificationPage, {FieldProjectPage}),
        (CoursePage, {ModulePage}),
        (ModulePage, {LessonPage, KnowledgeCheckPage}),
        (LessonPage, set()),
        (KnowledgeCheckPage, set()),
        (FieldProjectPage, set()),
    ],
)
def test_each_page_type_allows_only_its_children(parent, children):
    PAGE_RULES.assertAllowedSubpageTypes(parent, children)


def test_authors_cannot_build_a_broken_tree():
    PAGE_RULES.assertCanCreateAt(ModulePage, LessonPage)
    PAGE_RULES.assertCanNotCreateAt(CoursePage, LessonPage)
    PAGE_RULES.assertCanNotCreateAt(CatalogPage, ModulePage)
    PAGE_RULES.assertCanNotCreateAt(LessonPage, LessonPage)
    PAGE_RULES.assertCanNotCreateAt(CoursePage, FieldProjectPage)


def test_a_module_takes_one_knowledge_check_and_a_qualification_one_project(curriculum):
    module = curriculum.checks()[0].get_parent()
    assert not KnowledgeCheckPage.can_create_at(module)
    assert LessonPage.can_create_at(module)
    assert not FieldProjectPage.can_create_at(curriculum.qualification)
    assert FieldProjectPage.can_create_at(curriculum.trainer)
    assert ModulePage.can_create_at(curriculum.course())


# --- invalid content ----------------------------------------------------------------------


def _first_question(data):
    return data["modules"][0]["knowledge_check"]["questions"][0]


def _both(content, change, name="01-course-one"):
    for language in ("en", "zh-hans"):
        edit_yaml(course_file(content, name, language), change)


def no_correct_choice(content):
    def change(data):
        for choice in _first_question(data)["choices"]:
            choice["correct"] = False

    _both(content, change)


def two_correct_in_single_choice(content):
    def change(data):
        for choice in _first_question(data)["choices"][:2]:
            choice["correct"] = True

    _both(content, change)


def missing_explanation(content):
    _both(content, lambda data: _first_question(data).pop("explanation"))


def unknown_block(content):
    edit_yaml(
        course_file(content),
        lambda data: data["modules"][0]["lessons"][0]["body"].append({"video": "x"}),
    )


def page_level_heading(content):
    def change(data):
        data["modules"][0]["lessons"][0]["body"][0] = {"markdown": "# A second title\n\nText."}

    edit_yaml(course_file(content), change)


def duplicate_lesson(content):
    def change(data):
        lessons = data["modules"][0]["lessons"]
        lessons.append(dict(lessons[0]))

    edit_yaml(course_file(content), change)


def bad_region(content):
    edit_yaml(course_file(content), lambda data: data.update(region="mars"))


def upper_case_slug(content):
    edit_yaml(course_file(content), lambda data: data["modules"][0].update(slug="Module-1"))


def control_character(content):
    edit_yaml(course_file(content), lambda data: data.update(summary="A\x07bell"))


def missing_translation(content):
    course_file(content, "02-course-two", "zh-hans").unlink()


def answers_differ_between_languages(content):
    def change(data):
        question = _first_question(data)
        question["choices"][0]["correct"] = False
        question["choices"][1]["correct"] = True

    edit_yaml(course_file(content, language="zh-hans"), change)


def unknown_prerequisite(content):
    _both(content, lambda data: data.update(prerequisites=["course-nine"]), "02-course-two")


def unknown_topic(content):
    _both(content, lambda data: data.update(topics=["astrology"]))


def not_yaml(content):
    course_file(content).write_text("slug: course-one\ntitle: [unclosed\n", encoding="utf-8")


def not_a_mapping(content):
    course_file(content).write_text("- just\n- a list\n", encoding="utf-8")


def rubric_out_of_order(content):
    def change(data):
        data["field_project"]["rubric"][0]["levels"].reverse()

    for language in ("en", "zh-hans"):
        edit_yaml(qualification_file(content, language=language), change)


def unknown_required_course(content):
    for language in ("en", "zh-hans"):
        edit_yaml(
            qualification_file(content, language=language),
            lambda data: data["courses"].append("course-nine"),
        )


def unknown_qualification_prerequisite(content):
    for language in ("en", "zh-hans"):
        edit_yaml(
            qualification_file(content, "02-test-trainer", language),
            lambda data: data.update(prerequisites=["test-nothing"]),
        )


def prerequisite_in_a_later_file(content):
    # course-one (file 01) now requires course-two (file 02), which is built after it.
    _both(content, lambda data: data.update(prerequisites=["course-two"]))
    _both(content, lambda data: data.update(prerequisites=[]), "02-course-two")


def unknown_project_course(content):
    for language in ("en", "zh-hans"):
        edit_yaml(
            qualification_file(content, language=language),
            lambda data: data["field_project"].update(course="course-nine"),
        )


def chinese_only_qualification(content):
    shutil.copy(
        qualification_file(content, "02-test-trainer", "zh-hans"),
        content / "qualifications" / "03-test-trainer-copy.zh-hans.yaml",
    )
    edit_yaml(
        content / "qualifications" / "03-test-trainer-copy.zh-hans.yaml",
        lambda data: data.update(slug="test-trainer-copy"),
    )


INVALID = [
    (no_correct_choice, r"questions\[0\]: mark at least one choice correct"),
    (two_correct_in_single_choice, r"several correct choices need 'multiple: true'"),
    (missing_explanation, r"questions\[0\]: 'explanation' is required"),
    (unknown_block, r"unknown block 'video'"),
    (page_level_heading, r"use ## or ### headings"),
    (duplicate_lesson, r"'lesson-1-1' is used twice"),
    (bad_region, r"01-course-one\.en\.yaml\.region: use one of"),
    (upper_case_slug, r"'Module-1' is not a lower-case slug"),
    (control_character, r"summary: contains a control character"),
    (missing_translation, r"course-two: no Chinese file"),
    (answers_differ_between_languages, r"course-one: .*correct answers differ between languages"),
    (unknown_prerequisite, r"course-two: unknown prerequisite 'course-nine'"),
    (unknown_topic, r"course-one: unknown topic 'astrology'"),
    (not_yaml, r"01-course-one\.en\.yaml: not valid YAML"),
    (not_a_mapping, r"01-course-one\.en\.yaml: expected a mapping"),
    (rubric_out_of_order, r"rubric\[0\]\.levels: order from lowest to highest points"),
    (unknown_required_course, r"test-qualification: unknown course 'course-nine'"),
    (unknown_qualification_prerequisite, r"test-trainer: unknown prerequisite 'test-nothing'"),
    (
        prerequisite_in_a_later_file,
        r"course-one: prerequisite 'course-two' must come in an earlier",
    ),
    (unknown_project_course, r"test-qualification: the field project's course 'course-nine'"),
    (chinese_only_qualification, r"test-trainer-copy: .*no English source"),
]


@pytest.mark.parametrize(("spoil", "message"), INVALID, ids=[f.__name__ for f, _ in INVALID])
def test_invalid_content_is_reported_clearly(content, spoil, message):
    assert check_curriculum(content, seeded_rules=False) == []
    spoil(content)
    problems = check_curriculum(content, seeded_rules=False)
    assert problems, "the spoiled content must be refused"
    assert any(re.search(message, p) for p in problems), problems


def test_the_loader_refuses_invalid_content_and_changes_nothing(curriculum, content):
    no_correct_choice(content)
    pages, revisions = Page.objects.count(), Revision.objects.count()
    with pytest.raises(ValueError, match="mark at least one choice correct"):
        curriculum_load(content_dir=content)
    assert (Page.objects.count(), Revision.objects.count()) == (pages, revisions)


def test_reading_a_broken_file_names_the_file_and_the_place(content):
    page_level_heading(content)
    with pytest.raises(ContentError, match=r"^01-course-one\.en\.yaml\.modules\[0\]\.lessons\[0\]"):
        read_curriculum("en", content)
