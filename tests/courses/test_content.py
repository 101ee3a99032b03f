"""The real curriculum in courses/content: the rules of the seeded qualification, and (loaded
once) every page rendering in both languages with no broken internal links.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from courses.curriculum.schema import (
    LANGUAGES,
    LESSON_WORDS_EN,
    check_curriculum,
    lesson_length,
    read_curriculum,
)


@pytest.fixture(scope="module")
def real():
    return {language: read_curriculum(language) for language in LANGUAGES}


def test_the_content_passes_every_rule_of_the_seeded_curriculum():
    assert check_curriculum() == []


def test_six_courses_in_both_languages(real):
    for curriculum in real.values():
        assert len(curriculum.courses) == 6
    assert [c.slug for c in real["en"].courses] == [c.slug for c in real["zh-hans"].courses]
    assert {c.region for c in real["en"].courses} == {"global", "eu", "de", "us", "jp"}


def test_course_shape(real):
    for curriculum in real.values():
        for course in curriculum.courses:
            assert 3 <= len(course.modules) <= 5, course.slug
            for module in course.modules:
                assert 2 <= len(module.lessons) <= 4, (course.slug, module.slug)
                assert 3 <= len(module.knowledge_check.questions) <= 6, (course.slug, module.slug)


def test_english_lessons_are_400_to_1200_words_and_cite_sources(real):
    low, high = LESSON_WORDS_EN
    for course in real["en"].courses:
        for module in course.modules:
            for lesson in module.lessons:
                where = f"{course.slug}/{module.slug}/{lesson.slug}"
                assert low <= lesson_length(lesson, "en") <= high, where
                references = [b["references"] for b in lesson.body if "references" in b]
                assert references and all(references), where


def test_chinese_lessons_cite_sources_too(real):
    for course in real["zh-hans"].courses:
        for module in course.modules:
            for lesson in module.lessons:
                assert any("references" in block for block in lesson.body), lesson.slug


def test_every_question_has_a_correct_choice_and_an_explanation(real):
    for curriculum in real.values():
        for course in curriculum.courses:
            for module in course.modules:
                for question in module.knowledge_check.questions:
                    assert any(c.correct for c in question.choices), question.key
                    assert question.explanation.strip(), question.key


def test_one_qualification_ends_in_a_field_project_with_a_full_rubric(real):
    for curriculum in real.values():
        with_project = [q for q in curriculum.qualifications if q.field_project]
        assert len(with_project) == 1
        qualification = with_project[0]
        assert qualification.courses == [c.slug for c in curriculum.courses]
        project = qualification.field_project
        assert len(project.rubric) >= 5
        for criterion in project.rubric:
            assert 3 <= len(criterion.levels) <= 4, criterion.key
            assert criterion.weight > 0
            assert all(level.descriptor.strip() for level in criterion.levels)
        assert project.minimum_level >= 2
        assert 50 <= project.pass_mark <= 100
        assert qualification.pass_rules.strip()


# --- every page, loaded once ----------------------------------------------------------------

_HREF = re.compile(r'href="([^"]+)"')


def _internal_links(html: str) -> set[str]:
    links = set()
    for href in _HREF.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith("/") and not href.startswith("//"):
            # One request per route: `?next=` and fragments do not change whether it exists.
            links.add(href.split("#", 1)[0].split("?", 1)[0])
    return links


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path.endswith(
        "/accounts/login/"
    )


@pytest.mark.django_db
def test_every_page_renders_in_both_languages_without_broken_links(client):
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from wagtail.models import Page

    from courses.curriculum.loader import curriculum_load
    from tests.conftest import ensure_wagtail_root

    ensure_wagtail_root()
    report = curriculum_load()
    assert report.kept_author_edits == []

    pages = list(Page.objects.filter(depth__gt=1).live().order_by("path"))
    english = [p for p in pages if p.url.startswith("/en/")]
    chinese = [p for p in pages if p.url.startswith("/zh-hans/")]
    assert len(english) == len(chinese) > 100
    assert {p.url.replace("/en/", "/zh-hans/", 1) for p in english} == {p.url for p in chinese}

    links: dict[str, set[str]] = {}
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        for link in _internal_links(response.content.decode()):
            links.setdefault(link, set()).add(page.url)

    broken = {}
    for link, found_on in sorted(links.items()):
        if link.startswith(settings.STATIC_URL):
            # Served by WhiteNoise after collectstatic, not by the test client: it must exist.
            if not finders.find(link.removeprefix(settings.STATIC_URL)):
                broken[link] = (404, sorted(found_on)[:3])
            continue
        response = client.get(link)
        if response.status_code != 200 and not _is_login_redirect(response):
            broken[link] = (response.status_code, sorted(found_on)[:3])
    assert broken == {}
