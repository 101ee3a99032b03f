"""The real curriculum in courses/content, second edition: the rules of the seeded
qualification (eight courses in both languages, question banks, per-choice feedback, structured
references, the glossary), each rule shown to catch a bad case on a small made-up course, and
(loaded once) every page rendering in both languages with no broken internal links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from courses.curriculum.schema import (
    CONTENT_DIR,
    LANGUAGES,
    LESSON_CHARS_ZH,
    LESSON_WORDS_EN,
    ContentError,
    GlossaryTerm,
    avoided_forms,
    check_course,
    check_curriculum,
    check_glossary,
    check_translation,
    compose_citation,
    is_source_article,
    lesson_length,
    read_course,
    read_curriculum,
    read_glossary,
    read_qualification,
    uses_english_term,
)

COURSE_FILES = [
    "00-cluster-foundations",
    "01-eu-cluster-excellence",
    "02-germany-cluster-policy",
    "03-us-cluster-policy",
    "04-japan-cluster-programmes",
    "05-managing-cluster-organisations",
    "06-cluster-strategy-roadmapping",
    "07-running-a-cluster-organisation",
]
SYNTHESIS = "managing-cluster-organisations"


@pytest.fixture(scope="module")
def real():
    return {language: read_curriculum(language) for language in LANGUAGES}


@pytest.fixture(scope="module")
def glossary():
    return read_glossary()


def _lessons(curriculum):
    for course in curriculum.courses:
        for module in course.modules:
            for lesson in module.lessons:
                yield f"{course.slug}/{module.slug}/{lesson.slug}", lesson


def _checks(curriculum):
    for course in curriculum.courses:
        for module in course.modules:
            yield f"{course.slug}/{module.slug}", module.knowledge_check


# --- the real curriculum ----------------------------------------------------------------------


def test_the_content_passes_every_rule_of_the_seeded_curriculum():
    assert check_curriculum() == []


def test_eight_courses_in_both_languages(real):
    for language in LANGUAGES:
        names = sorted(p.name for p in (CONTENT_DIR / "courses").glob(f"*.{language}.yaml"))
        assert names == [f"{stem}.{language}.yaml" for stem in COURSE_FILES]
    for curriculum in real.values():
        assert len(curriculum.courses) == 8
    slugs = [c.slug for c in real["en"].courses]
    assert slugs == [c.slug for c in real["zh-hans"].courses]
    assert slugs[6:] == ["cluster-strategy-roadmapping", "running-a-cluster-organisation"]
    assert {c.region for c in real["en"].courses} == {"global", "eu", "de", "us", "jp"}


def test_course_shape(real):
    for curriculum in real.values():
        for course in curriculum.courses:
            assert 3 <= len(course.modules) <= 5, course.slug
            for module in course.modules:
                assert 2 <= len(module.lessons) <= 4, (course.slug, module.slug)


def test_every_lesson_and_question_exists_in_both_languages(real):
    english = {c.slug: c for c in real["en"].courses}
    for chinese in real["zh-hans"].courses:
        assert check_translation(english[chinese.slug], chinese, glossary=[]) == []


def test_lesson_lengths(real):
    for language, (low, high) in (("en", LESSON_WORDS_EN), ("zh-hans", LESSON_CHARS_ZH)):
        for where, lesson in _lessons(real[language]):
            assert low <= lesson_length(lesson, language) <= high, (language, where)


def test_every_lesson_ends_with_real_references(real):
    for language, curriculum in real.items():
        for where, lesson in _lessons(curriculum):
            assert "references" in lesson.body[-1], (language, where)
            references = lesson.references()
            for ref in references:
                assert {"author", "title", "year"} <= set(ref), (language, where, ref["citation"])
                assert ref["url"] or is_source_article(ref), (language, where, ref["citation"])
            assert any(not is_source_article(ref) for ref in references), (language, where)


def test_banks_hold_twice_the_draw_and_at_least_half_are_scenarios(real):
    for language, curriculum in real.items():
        for where, check in _checks(curriculum):
            assert check.draw is not None and check.draw >= 1, (language, where)
            assert len(check.questions) >= 2 * check.draw, (language, where)
            scenarios = sum(q.scenario for q in check.questions)
            assert 2 * scenarios >= len(check.questions), (language, where)


def test_every_question_has_a_correct_choice_an_explanation_and_feedback_on_every_choice(real):
    for language, curriculum in real.items():
        for where, check in _checks(curriculum):
            for question in check.questions:
                here = (language, where, question.key)
                assert 3 <= len(question.choices) <= 5, here
                assert any(c.correct for c in question.choices), here
                assert question.explanation.strip(), here
                assert all(c.feedback.strip() for c in question.choices), here


def test_the_glossary_reads_and_covers_the_cross_course_terms(glossary):
    english = {term.en for term in glossary}
    for needed in (
        "European Foundation for Cluster Excellence",
        "European Secretariat for Cluster Analysis",
        "EUCLES",
        "Gold label",
        "Silver label",
        "Bronze label",
        "cluster organisation",
        "cluster manager",
        "cluster management",
        "benchmarking",
        "European Cluster Collaboration Platform",
        "European Cluster Observatory",
        "Leading-Edge Cluster Competition",
        "go-cluster",
        "Regional Innovation Strategy Promotion Regions",
        "Industrial Cluster Plan",
        "Knowledge Cluster Initiative",
        "Economic Development Administration",
        "Taskforce for the Advancement of Regional Innovation Clusters",
        "smart specialisation",
        "field project",
        "knowledge check",
    ):
        assert needed in english, needed
    efce = next(t for t in glossary if t.en == "European Foundation for Cluster Excellence")
    assert efce.zh == "欧洲集群卓越基金会"


def test_no_chinese_file_uses_an_avoided_form(glossary):
    found = []
    for path in sorted(CONTENT_DIR.rglob("*.zh-hans.yaml")):
        for form, term in avoided_forms(path.read_text(encoding="utf-8"), glossary):
            found.append(f"{path.name}: {form} (use {term.zh} for '{term.en}')")
    assert found == []


def test_each_glossary_term_an_english_lesson_uses_is_in_its_chinese_lesson(real, glossary):
    english = {c.slug: c for c in real["en"].courses}
    problems = []
    for chinese in real["zh-hans"].courses:
        problems += check_glossary(english[chinese.slug], chinese, glossary)
    assert problems == []


def test_the_certified_cluster_manager_takes_eight_courses_and_ends_in_a_defended_project(real):
    for curriculum in real.values():
        with_project = [q for q in curriculum.qualifications if q.field_project]
        assert len(with_project) == 1
        qualification = with_project[0]
        in_order = [c.slug for c in curriculum.courses]
        assert qualification.courses[-1] == SYNTHESIS
        assert qualification.courses == [s for s in in_order if s != SYNTHESIS] + [SYNTHESIS]
        project = qualification.field_project
        assert project.course == SYNTHESIS
        assert project.oral_defence and project.contribution_statement
        keys = [c.key for c in project.rubric]
        for kept in (
            "structure-and-members",
            "management-and-governance",
            "strategy",
            "financing",
            "services",
            "cooperation-and-internationalisation",
            "achievements-and-kpis",
            "stakeholder-engagement",
        ):
            assert kept in keys, kept
        for criterion in project.rubric:
            assert [lv.key for lv in criterion.levels] == [
                "emerging",
                "developing",
                "proficient",
                "excellent",
            ], criterion.key
            assert criterion.weight > 0
            assert all(level.descriptor.strip() for level in criterion.levels)
        assert project.minimum_level >= 2
        assert 50 <= project.pass_mark <= 100
        assert qualification.pass_rules.strip()


def test_qualification_and_site_texts_count_eight_courses():
    for language in LANGUAGES:
        paths = [CONTENT_DIR / f"site.{language}.yaml"]
        paths += sorted((CONTENT_DIR / "qualifications").glob(f"*.{language}.yaml"))
        for path in paths:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\bsix courses\b|六门课程", text), path.name
            assert "Clusters Excellence" not in text, path.name


# --- each rule catches a bad case -------------------------------------------------------------

ARTICLE = {
    "author": "CCID Think Tank (China Center for Information Industry Development)",
    "title": "Cultivating advanced manufacturing clusters: how Europe, the US and Japan do it",
    "year": 2019,
}
OTHER_SOURCE = {
    "author": "European Commission",
    "title": "Smart Guide to Cluster Policy",
    "year": 2016,
    "url": "https://example.org/smart-guide",
}


def _question(number: int, scenario: bool) -> dict:
    return {
        "key": f"q{number}",
        "scenario": scenario,
        "text": f"Question {number}?",
        "multiple": False,
        "choices": [
            {"key": k, "text": f"Option {k}", "correct": k == "a", "feedback": f"Why {k}."}
            for k in ("a", "b", "c")
        ],
        "explanation": "Because.",
    }


def _course(language: str) -> dict:
    """A small course that keeps every second-edition rule."""
    words = "集群" * 400 if language == "zh-hans" else "word " * 500
    modules = []
    for m in (1, 2, 3):
        modules.append(
            {
                "slug": f"module-{m}",
                "title": f"Module {m}",
                "summary": "Summary.",
                "lessons": [
                    {
                        "slug": f"lesson-{m}-{n}",
                        "title": f"Lesson {m}.{n}",
                        "summary": "Summary.",
                        "body": [
                            {"markdown": words},
                            {"references": [dict(ARTICLE), dict(OTHER_SOURCE)]},
                        ],
                    }
                    for n in (1, 2)
                ],
                "knowledge_check": {
                    "title": "Check",
                    "pass_mark": 70,
                    "max_attempts": 3,
                    "draw": 2,
                    "questions": [_question(q, scenario=q <= 2) for q in (1, 2, 3, 4)],
                },
            }
        )
    return {
        "slug": "made-up",
        "title": "A made-up course",
        "summary": "Summary.",
        "overview": "Overview.",
        "learning_outcomes": ["An outcome"],
        "estimated_hours": 2,
        "region": "global",
        "modules": modules,
    }


def _write(tmp_path: Path, data: dict, language: str = "en") -> Path:
    path = tmp_path / f"01-made-up.{language}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _problems(tmp_path, change=None, language="en", glossary=()):
    data = _course(language)
    if change:
        change(data)
    return check_course(read_course(_write(tmp_path, data, language)), language, list(glossary))


def _lesson(data, m=0, n=0):
    return data["modules"][m]["lessons"][n]


def _bank(data, m=0):
    return data["modules"][m]["knowledge_check"]


def test_the_made_up_course_keeps_every_rule(tmp_path):
    assert _problems(tmp_path) == []
    assert _problems(tmp_path, language="zh-hans") == []


def test_a_lesson_citing_only_the_article_is_reported(tmp_path):
    def only_article(data):
        _lesson(data)["body"][-1] = {"references": [dict(ARTICLE)]}

    assert any(
        "module-1/lesson-1-1: name at least one source other than the CCID article" in p
        for p in _problems(tmp_path, only_article)
    )


def test_a_reference_without_a_url_is_reported_unless_it_is_the_article(tmp_path):
    def no_url(data):
        _lesson(data)["body"][-1]["references"][1].pop("url")

    assert any(
        "reference 2 (European Commission) needs a 'url'" in p for p in _problems(tmp_path, no_url)
    )
    assert is_source_article(ARTICLE) and not is_source_article(OTHER_SOURCE)


def test_a_first_edition_citation_still_reads_but_is_reported(tmp_path):
    def citation(data):
        _lesson(data)["body"][-1]["references"][1] = {"citation": "Somebody, 2016."}

    assert any("gives a 'citation'" in p for p in _problems(tmp_path, citation))


def test_a_lesson_without_references_at_its_end_is_reported(tmp_path):
    def no_references(data):
        _lesson(data)["body"].pop()

    assert any(
        "end the lesson with a references block" in p for p in _problems(tmp_path, no_references)
    )


def test_a_reference_needs_author_title_and_a_numeric_year(tmp_path):
    data = _course("en")
    _lesson(data)["body"][-1]["references"][1]["year"] = "twenty sixteen"
    with pytest.raises(ContentError, match=r"references\[1\]\.year: expected a whole number"):
        read_course(_write(tmp_path, data))
    data = _course("en")
    del _lesson(data)["body"][-1]["references"][1]["title"]
    with pytest.raises(ContentError, match=r"references\[1\]: 'title' is required"):
        read_course(_write(tmp_path, data))


def test_references_reach_the_loader_as_a_citation_in_the_file_language(tmp_path):
    english = read_course(_write(tmp_path, _course("en")))
    chinese = read_course(_write(tmp_path, _course("zh-hans"), "zh-hans"))
    ref = _lesson_of(english).references()[1]
    assert ref["citation"] == "European Commission, 'Smart Guide to Cluster Policy', 2016."
    assert ref["url"] == "https://example.org/smart-guide"
    assert _lesson_of(chinese).references()[1]["citation"] == (
        "European Commission，《Smart Guide to Cluster Policy》，2016。"  # noqa: RUF001
    )
    assert compose_citation("A", "T", 2000) == "A, 'T', 2000."


def _lesson_of(course, m=0, n=0):
    return course.modules[m].lessons[n]


def test_a_bank_smaller_than_twice_the_draw_is_reported(tmp_path):
    def draw_three(data):
        _bank(data)["draw"] = 3

    assert any(
        "bank has 4 questions for draw 3; give at least 6" in p
        for p in _problems(tmp_path, draw_three)
    )


def test_a_bank_without_draw_is_reported(tmp_path):
    def no_draw(data):
        del _bank(data)["draw"]

    assert any("needs 'draw'" in p for p in _problems(tmp_path, no_draw))
    data = _course("en")
    _bank(data)["draw"] = 0
    with pytest.raises(ContentError, match=r"draw: expected a whole number 1\.\.100"):
        read_course(_write(tmp_path, data))


def test_a_bank_with_fewer_than_half_scenarios_is_reported(tmp_path):
    def one_scenario(data):
        _bank(data)["questions"][1]["scenario"] = False

    assert any(
        "1 of 4 questions are scenarios; give at least half (2)" in p
        for p in _problems(tmp_path, one_scenario)
    )


def test_a_choice_without_feedback_is_reported(tmp_path):
    def no_feedback(data):
        del _bank(data)["questions"][0]["choices"][2]["feedback"]

    assert any(
        "knowledge-check/q1: choice(s) c need 'feedback'" in p
        for p in _problems(tmp_path, no_feedback)
    )


def test_too_few_choices_and_a_lone_answer_marked_multiple_are_reported(tmp_path):
    def two_choices(data):
        _bank(data)["questions"][0]["choices"].pop()
        _bank(data)["questions"][1]["multiple"] = True

    problems = _problems(tmp_path, two_choices)
    assert any("q1: has 2 choices; give 3 to 5" in p for p in problems)
    assert any("q2: 'multiple: true' needs several correct choices" in p for p in problems)


def test_lessons_outside_the_length_limits_are_reported(tmp_path):
    def short(data):
        _lesson(data)["body"][0] = {"markdown": "word " * 100}

    assert any("lesson-1-1: 100 words; give 400 to 1200" in p for p in _problems(tmp_path, short))

    def long(data):
        _lesson(data)["body"][0] = {"markdown": "集群" * 1500}

    assert any(
        "lesson-1-1: 3000 characters; give 600 to 2400" in p
        for p in _problems(tmp_path, long, "zh-hans")
    )


def _pair(tmp_path, change_zh=None):
    en, zh = _course("en"), _course("zh-hans")
    if change_zh:
        change_zh(zh)
    (tmp_path / "en").mkdir(exist_ok=True)
    (tmp_path / "zh").mkdir(exist_ok=True)
    return (
        read_course(_write(tmp_path / "en", en)),
        read_course(_write(tmp_path / "zh", zh, "zh-hans")),
    )


def test_translation_checks_lessons_draw_scenarios_choices_and_sources(tmp_path):
    assert check_translation(*_pair(tmp_path), glossary=[]) == []

    def lesson_missing(data):
        data["modules"][0]["lessons"].pop()

    assert check_translation(*_pair(tmp_path, lesson_missing), glossary=[])

    def other_draw(data):
        _bank(data)["draw"] = 1

    assert any(
        "'draw' differs (2 / 1)" in p
        for p in check_translation(*_pair(tmp_path, other_draw), glossary=[])
    )

    def other_scenario(data):
        _bank(data)["questions"][3]["scenario"] = True

    assert any(
        "question q4 / q4 differs" in p
        for p in check_translation(*_pair(tmp_path, other_scenario), glossary=[])
    )

    def other_choice_key(data):
        _bank(data)["questions"][0]["choices"][2]["key"] = "d"

    assert any(
        "question q1 / q1 differs" in p
        for p in check_translation(*_pair(tmp_path, other_choice_key), glossary=[])
    )

    def other_source(data):
        _lesson(data)["body"][-1]["references"][1]["url"] = "https://example.org/elsewhere"

    assert any(
        "references differ" in p
        for p in check_translation(*_pair(tmp_path, other_source), glossary=[])
    )

    def extra_block(data):
        _lesson(data)["body"].insert(1, {"markdown": "更多"})

    assert any(
        "blocks differ" in p for p in check_translation(*_pair(tmp_path, extra_block), glossary=[])
    )


EFCE = GlossaryTerm(
    en="European Foundation for Cluster Excellence",
    also_en=["EFCE"],
    zh="欧洲集群卓越基金会",
    also_zh=["EFCE"],
    avoid=["欧洲卓越集群基金会", "欧洲集群卓越基金"],
)


def test_a_chinese_file_using_an_avoided_form_is_reported(tmp_path):
    def wrong_name(data):
        _lesson(data)["body"][0]["markdown"] += "欧洲卓越集群基金会"

    problems = _problems(tmp_path, wrong_name, "zh-hans", [EFCE])
    assert any(
        "lesson-1-1: uses '欧洲卓越集群基金会'; the glossary term for "
        "'European Foundation for Cluster Excellence' is '欧洲集群卓越基金会'" in p
        for p in problems
    )

    def short_form(data):
        _bank(data)["questions"][0]["choices"][1]["feedback"] = "欧洲集群卓越基金提供培训。"

    assert any(
        "uses '欧洲集群卓越基金'" in p for p in _problems(tmp_path, short_form, "zh-hans", [EFCE])
    )


def test_an_avoid_form_inside_the_chosen_term_is_not_reported(tmp_path):
    def right_name(data):
        _lesson(data)["body"][0]["markdown"] += "欧洲集群卓越基金会（EFCE）"  # noqa: RUF001

    assert _problems(tmp_path, right_name, "zh-hans", [EFCE]) == []
    assert avoided_forms("欧洲集群卓越基金会", [EFCE]) == []


def test_an_english_term_missing_from_the_chinese_lesson_is_reported(tmp_path):
    en, zh = _course("en"), _course("zh-hans")
    _lesson(en)["body"][0]["markdown"] += " The EFCE trains trainers."
    (tmp_path / "en").mkdir()
    english = read_course(_write(tmp_path / "en", en))
    chinese = read_course(_write(tmp_path, zh, "zh-hans"))
    problems = check_glossary(english, chinese, [EFCE])
    assert problems == [
        "made-up/module-1/lesson-1-1: the English uses 'EFCE'; the Chinese lesson must use "
        "'欧洲集群卓越基金会' or 'EFCE'"
    ]
    _lesson(zh)["body"][0]["markdown"] += "欧洲集群卓越基金会培训培训师。"
    chinese = read_course(_write(tmp_path, zh, "zh-hans"))
    assert check_glossary(english, chinese, [EFCE]) == []


def test_english_terms_match_whole_words_and_plurals():
    manager = GlossaryTerm(en="cluster manager", zh="集群经理")
    assert uses_english_term("Cluster managers decide.", manager) == "cluster manager"
    assert uses_english_term("cluster management", manager) is None
    assert uses_english_term("Cluster Manager Academy", manager) is None
    policy = GlossaryTerm(en="cluster policy", zh="集群政策")
    assert uses_english_term("two cluster policies", policy) == "cluster policy"


def _glossary_dir(tmp_path, files: dict[str, list[dict]]) -> Path:
    folder = tmp_path / "glossary"
    folder.mkdir()
    for name, terms in files.items():
        (folder / name).write_text(yaml.safe_dump(terms, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_an_english_term_defined_in_two_glossary_files_is_refused(tmp_path):
    term = {"en": "field project", "zh": "实地项目"}
    other = {"en": "project", "also_en": ["Field Project"], "zh": "项目"}
    content = _glossary_dir(tmp_path, {"a.yaml": [term], "b.yaml": [other]})
    with pytest.raises(
        ContentError,
        match=r"b\.yaml\[0\]: the English term 'Field Project' is already defined in a\.yaml",
    ):
        read_glossary(content)


def test_an_avoid_form_that_another_term_allows_is_refused(tmp_path):
    terms = [
        {"en": "cluster manager", "zh": "集群经理", "avoid": ["集群管理"]},
        {"en": "cluster management", "zh": "集群管理"},
    ]
    with pytest.raises(ContentError, match="avoid form '集群管理' is the allowed form"):
        read_glossary(_glossary_dir(tmp_path, {"core.yaml": terms}))


def test_check_curriculum_runs_on_one_course(tmp_path):
    content = tmp_path / "content"
    (content / "courses").mkdir(parents=True)
    for name in ("site.en.yaml", "site.zh-hans.yaml"):
        (content / name).write_text(
            (CONTENT_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    efce = {k: v for k, v in vars(EFCE).items() if k != "source"}
    _glossary_dir(content, {"core.yaml": [efce]})
    en, zh = _course("en"), _course("zh-hans")
    _write(content / "courses", en)
    _write(content / "courses", zh, "zh-hans")
    assert check_curriculum(content, course="made-up") == []
    assert check_curriculum(content, course="01-made-up") == []

    _bank(zh)["questions"][0]["choices"][0]["feedback"] = "欧洲卓越集群基金会"
    _write(content / "courses", zh, "zh-hans")
    assert any(
        "uses '欧洲卓越集群基金会'" in p for p in check_curriculum(content, course="made-up")
    )
    assert check_curriculum(content, course="no-such-course") == [
        "no-such-course: no course file of that slug or name"
    ]


def test_field_project_reads_oral_defence_and_contribution_statements(tmp_path):
    data = yaml.safe_load(
        (CONTENT_DIR / "qualifications" / "01-certified-cluster-manager.en.yaml").read_text(
            encoding="utf-8"
        )
    )
    data["field_project"].pop("oral_defence", None)
    data["field_project"].pop("contribution_statement", None)
    path = tmp_path / "01-q.en.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    project = read_qualification(path).field_project
    assert (project.oral_defence, project.contribution_statement) == (False, False)
    data["field_project"]["oral_defence"] = "yes"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="oral_defence: expected true or false"):
        read_qualification(path)


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
