"""Rendering the curriculum's pages (courses/models/pages.py, courses/page_contexts.py, templates):
every page type in both languages, for visitors and enrolled learners; the catalog's search and
filters; no correct answer in a knowledge check's HTML before an attempt; the language switcher;
and a course page's query count that does not grow with its modules.
"""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from courses.models import CatalogPage, CoursePage, KnowledgeCheckPage, LessonPage, ModulePage
from tests.conftest import answers_for, submit_check


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def get(client, page_or_url, **params):
    url = page_or_url if isinstance(page_or_url, str) else page_or_url.url
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def all_pages(curriculum):
    course = curriculum.course()
    lesson = curriculum.lessons()[0]
    check = curriculum.checks()[0]
    return {
        "catalog": CatalogPage.objects.get(locale__language_code="en"),
        "qualification": curriculum.qualification,
        "course": course,
        "module": lesson.get_parent().specific,
        "lesson": lesson,
        "knowledge check": check,
        "field project": curriculum.project,
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("who", ["anonymous", "enrolled"])
def test_every_page_type_renders(client, curriculum, enrolled, language, who):
    if who == "enrolled":
        client.force_login(enrolled)
    for kind, page in all_pages(curriculum).items():
        shown = page if language == "en" else zh(page)
        body = get(client, shown)
        assert f'<html lang="{"zh-Hans" if language == "zh-hans" else "en"}">' in body, kind
        assert f"<h1>{html.escape(shown.title)}</h1>" in body, kind
        if kind in ("course", "lesson", "knowledge check", "qualification"):
            if who == "anonymous":
                assert "/accounts/login/?next=" in body, kind
            else:
                assert "/accounts/login/?next=" not in body, kind


def test_pages_show_their_own_language(client, curriculum):
    lesson = curriculum.lessons()[0]
    english, chinese = get(client, lesson), get(client, zh(lesson))
    assert "Body of lesson 1.1 about <b>clusters</b>" in english
    assert "正文。" in chinese and "Body of lesson" not in chinese
    # References: the citation composed from author, title and year, and the note.
    assert (
        "CCID Think Tank, &#x27;Cultivating advanced manufacturing clusters&#x27;, 2019." in english
    )
    assert "Source article of this course." in english
    assert "CCID Think Tank，《Cultivating advanced manufacturing clusters》，2019。" in chinese  # noqa: RUF001
    assert "本课程的来源文章。" in chinese


def test_an_enrolled_learner_sees_progress_and_can_mark_a_lesson_complete(client, enrolled):
    from tests.conftest import Curriculum

    curriculum = Curriculum()
    client.force_login(enrolled)
    course = get(client, curriculum.course())
    assert '<progress class="progress"' in course and "0% complete" in course
    lesson = curriculum.lessons()[0]
    body = get(client, lesson)
    assert f'action="/en/learn/lessons/{lesson.id}/complete/"' in body
    # In Chinese the form posts the Chinese page's id; the rules map it to the English lesson.
    chinese = zh(lesson)
    assert f'action="/zh-hans/learn/lessons/{chinese.id}/complete/"' in get(client, chinese)


def test_the_field_project_page_shows_the_rubric_and_pass_rule(client, curriculum):
    body = get(client, curriculum.project)
    assert "Strategy" in body and "Governance" in body and "Excellent work." in body
    assert "at least 70%" in body and "below level 2" in body and "Distinction from 80%" in body


# --- catalog --------------------------------------------------------------------------------


@pytest.fixture
def search_index(curriculum):
    """Pages are indexed by a task after the transaction commits; tests never commit."""
    import io

    from django.core.management import call_command

    call_command("wagtail_update_index", stdout=io.StringIO())


def course_titles(body):
    return re.findall(r'<h3><a href="[^"]+/catalog/course-[a-z]+/">([^<]+)</a></h3>', body)


def test_the_catalog_lists_the_qualifications_and_courses(client, curriculum):
    body = get(client, "/en/catalog/")
    assert "Test Qualification" in body and "Test Trainer" in body
    assert course_titles(body) == ["Course One", "Course Two"]
    chinese = get(client, "/zh-hans/catalog/")
    assert course_titles(chinese) == ["Course One（中文）", "Course Two（中文）"]  # noqa: RUF001


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "eu"}, ["Course One"]),
        ({"region": "jp"}, ["Course Two"]),
        ({"region": "us"}, []),
        ({"region": "mars"}, ["Course One", "Course Two"]),
        ({"topic": "cluster-basics"}, ["Course One", "Course Two"]),
        ({"topic": "finance"}, []),
        ({"topic": "no-such-topic"}, ["Course One", "Course Two"]),
        ({"topic": "cluster-basics", "region": "jp"}, ["Course Two"]),
        ({"q": "Course Two"}, ["Course Two"]),
    ],
)
def test_catalog_filters(client, search_index, params, expected):
    body = get(client, "/en/catalog/", **params)
    assert course_titles(body) == expected
    if not expected:
        assert "No course matches these filters." in body


def test_catalog_search_finds_lessons_by_their_text(client, search_index):
    body = get(client, "/en/catalog/", q="clusters")
    assert "Lesson 1.1" in body and "Course One › Module 1" in body  # noqa: RUF001
    assert "No lesson matches your search." in get(client, "/en/catalog/", q="zeppelin")


def test_catalog_filters_work_in_chinese(client, curriculum):
    body = get(client, "/zh-hans/catalog/", region="jp", topic="cluster-basics")
    assert course_titles(body) == ["Course Two（中文）"]  # noqa: RUF001
    assert "集群基础" in body


# --- knowledge checks keep their answers ----------------------------------------------------

_CHOICE = re.compile(r'<label class="choice">.*?</label>', re.DOTALL)
_VALUE = re.compile(r'value="([^"]+)"')


def choice_labels(body) -> dict[str, str]:
    """Each choice's label markup, by choice id."""
    return {_VALUE.search(label).group(1): label for label in _CHOICE.findall(body)}


def assert_no_answer_in(body, check, asked):
    """The page offers the choices of the questions `asked`, and nothing tells a right one from
    a wrong one."""
    from courses.knowledge_checks import questions_of

    bank = {q.id: q for q in questions_of(check)}
    offered = {c.id for qid in asked for c in bank[qid].choices}
    labels = choice_labels(body)
    assert set(labels) == offered, "every choice asked is on the page, and no other"
    assert '"correct"' not in body and "data-correct" not in body
    assert "badge-ok" not in body
    if not labels:
        return
    # A correct choice's markup differs from a wrong one's only in its id and text.
    shapes = set()
    for choice_id, label in labels.items():
        text = re.search(r"<span>(.*?)(?:</span>|<span)", label, re.DOTALL).group(1)
        label = re.sub(r'name="q-[^"]+"', 'name="Q"', label.replace(choice_id, "ID"))
        label = re.sub(r'type="(radio|checkbox)"', 'type="T"', label)
        shapes.add(label.replace(text, "TEXT", 1))
    assert len(shapes) == 1, shapes


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_knowledge_check_page_never_shows_correct_answers_before_an_attempt(
    client, curriculum, enrolled, language
):
    from courses.models import KnowledgeCheckAttempt

    check = curriculum.checks()[0]
    shown = check if language == "en" else zh(check)
    assert_no_answer_in(get(client, shown), check, asked=[])  # a visitor: no question at all
    client.force_login(enrolled)
    body = get(client, shown)
    attempt = KnowledgeCheckAttempt.objects.get(learner=enrolled, check_page=check)
    assert_no_answer_in(body, check, asked=attempt.question_ids)


def test_a_failed_attempt_explains_the_wrong_answers_but_not_the_right_ones(
    client, curriculum, enrolled
):
    from courses.knowledge_checks import attempt_questions

    check = curriculum.checks()[0]
    result = submit_check(learner=enrolled, check=check, answers=answers_for(check, correct=False))
    client.force_login(enrolled)
    body = get(client, check)
    assert "Not passed yet" in body and "your answer" in body
    for question in attempt_questions(check, result.attempt):
        chosen = result.attempt.answers[question.id]
        for choice in question.choices:
            assert (choice.feedback in body) == (choice.id in chosen)
        assert question.explanation not in body
    assert "badge-ok" not in body
    assert "Attempts left: 2." in body


def test_passing_reveals_the_correct_choices(client, curriculum, enrolled):
    from courses.knowledge_checks import attempt_questions

    check = curriculum.checks()[0]
    result = submit_check(learner=enrolled, check=check, answers=answers_for(check, correct=True))
    client.force_login(enrolled)
    body = get(client, check)
    asked = attempt_questions(check, result.attempt)
    right = sum(len(q.correct_ids) for q in asked)
    assert body.count('<span class="badge badge-ok">right answer</span>') == right
    assert all(q.explanation in body for q in asked)


# --- language switcher ----------------------------------------------------------------------


def switcher_targets(body) -> dict[str, str]:
    return dict(re.findall(r'name="next-([a-z-]+)" value="([^"]+)"', body))


@pytest.mark.parametrize("kind", ["catalog", "course", "module", "lesson", "knowledge check"])
def test_the_language_switcher_points_at_the_same_page_in_the_other_language(
    client, curriculum, kind
):
    page = all_pages(curriculum)[kind]
    chinese = zh(page)
    for shown in (page, chinese):
        assert switcher_targets(get(client, shown)) == {"en": page.url, "zh-hans": chinese.url}
    assert chinese.url == page.url.replace("/en/", "/zh-hans/", 1)


def test_the_language_switcher_takes_the_learner_to_the_translation(client, curriculum):
    lesson = curriculum.lessons()[0]
    response = client.post(
        "/i18n/setlang/",
        {"language": "zh-hans", "next-zh-hans": zh(lesson).url, "next-en": lesson.url},
    )
    assert response.status_code == 302 and response["Location"] == zh(lesson).url


# --- query counts -------------------------------------------------------------------------


def build_course(catalog, slug, modules):
    """A course with `modules` modules, each with a lesson and a knowledge check (English)."""
    course = CoursePage(
        title=f"Course {slug}", slug=slug, summary="S.", overview="<p>O.</p>", region="eu"
    )
    catalog.add_child(instance=course)
    for i in range(modules):
        module = ModulePage(title=f"Module {i}", slug=f"module-{i}", summary="S.")
        course.add_child(instance=module)
        module.add_child(
            instance=LessonPage(
                title=f"Lesson {i}",
                slug="lesson",
                summary="S.",
                body=[{"type": "rich_text", "value": "<p>Text.</p>"}],
            )
        )
        module.add_child(
            instance=KnowledgeCheckPage(
                title="Check",
                slug="check",
                questions=[
                    {
                        "type": "question",
                        "value": {
                            "text": "Q?",
                            "multiple": False,
                            "explanation": "E.",
                            "choices": [
                                {"type": "item", "value": {"text": "A", "correct": True}},
                                {"type": "item", "value": {"text": "B", "correct": False}},
                            ],
                        },
                    }
                ],
            )
        )
    return CoursePage.objects.get(id=course.id)


def queries_to_render(client, url) -> list[str]:
    client.get(url)  # warm the outline and site caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_a_course_page_needs_the_same_queries_for_3_and_30_modules(client, curriculum, learner):
    from courses.enrolment import enrolment_create
    from courses.lessons import lesson_complete

    catalog = CatalogPage.objects.get(locale__language_code="en")
    small = build_course(catalog, "small-course", 3)
    large = build_course(catalog, "large-course", 30)
    assert len(queries_to_render(client, small.url)) == len(queries_to_render(client, large.url))

    client.force_login(learner)
    for course in (small, large):
        enrolment_create(learner=learner, page=course)
        lesson_complete(learner=learner, lesson=LessonPage.objects.descendant_of(course).first())
    small_queries = queries_to_render(client, small.url)
    large_queries = queries_to_render(client, large.url)
    assert len(small_queries) == len(large_queries), (small_queries, large_queries)


# --- the CMS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["qualification", "course", "module", "lesson", "knowledge check", "field project"]
)
def test_staff_can_open_and_preview_every_page_type(client, curriculum, staff, kind):
    page = all_pages(curriculum)[kind]
    client.force_login(staff)
    for shown in (page, zh(page)):
        assert client.get(f"/admin/pages/{shown.id}/edit/").status_code == 200
        preview = shown.specific.make_preview_request()
        assert preview.status_code == 200
        assert html.escape(shown.title) in preview.rendered_content


@pytest.mark.parametrize("kind", ["qualification", "module"])
def test_staff_can_save_a_page_from_the_editor(client, curriculum, staff, kind):
    """Pages without StreamFields round-trip through the edit form (Wagtail's own check)."""
    from wagtail.test.utils import WagtailPageTestCase

    cms = WagtailPageTestCase()
    cms.client = client
    cms.assertPageIsEditable(all_pages(curriculum)[kind], user=staff)
