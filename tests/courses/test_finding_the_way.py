"""Finding the way and reading results (courses/page_contexts.py, courses/dashboard.py and their
templates): the course outline beside every lesson, check and field project; a locked lesson
that says why and never renders its body; breadcrumbs; resuming from the dashboard; a chart with
axes and a text alternative; the result first on a graded project, reached from the dashboard and
the grade e-mail; relative certificate links; Chinese titles on Chinese pages."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from wagtail.models import Locale

from courses.grading import grade_moderate, grade_save
from courses.lessons import lesson_complete
from courses.models import CatalogPage, CoursePage, LessonPage
from courses.page_contexts import lesson_context
from tests.courses.helpers import levels_for, request_as, submit


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def body_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def sequential(curriculum):
    """Course One with modules that open in order, as an author would set it."""
    course = curriculum.course()
    course.sequential_modules = True
    course.save_revision().publish()
    return course


def test_a_lesson_shows_the_course_outline_with_ticks_and_where_you_are(
    client, curriculum, enrolled
):
    first, second = curriculum.lessons()[:2]
    lesson_complete(learner=enrolled, lesson=first)
    client.force_login(enrolled)
    body = body_of(client, second.url)
    outline = body[body.index('<aside class="outline-panel"') : body.index("</aside>")]
    assert "Course outline" in outline
    done = re.search(rf'class="outline-item is-done">\s*<a href="{first.url}"', outline)
    assert done, outline
    assert re.search(rf'is-current">\s*<a href="{second.url}" aria-current="page"', outline)
    assert "(you are here)" in outline and "(done)" in outline
    check = curriculum.checks()[0]
    assert f'href="{check.url}"' in outline
    # The same outline beside the knowledge check and (the qualification's) the field project.
    assert '<aside class="outline-panel"' in body_of(client, check.url)
    project = body_of(client, curriculum.project.url)
    assert "Qualification outline" in project and "Course One" in project


def test_a_locked_lesson_says_why_and_never_renders_its_body(
    client, curriculum, enrolled, sequential
):
    locked = LessonPage.objects.child_of(curriculum.checks()[1].get_parent()).first()
    client.force_login(enrolled)
    context = lesson_context(locked, request_as(enrolled))
    assert context["locked"] and context["lesson_blocks"] is None
    body = body_of(client, locked.url)
    assert "This lesson is locked." in body
    assert "This module opens when you complete the one before it." in body
    assert 'class="lesson-body"' not in body
    assert "Go to your next step" in body
    assert "🔒" in body  # the outline marks the locked module's items
    # An open lesson shows its body.
    assert 'class="lesson-body"' in body_of(client, curriculum.lessons()[0].url)


def test_breadcrumbs_on_every_curriculum_page(client, curriculum):
    catalog = CatalogPage.objects.get(locale__language_code="en")
    for page in (
        catalog,
        curriculum.qualification,
        curriculum.project,
        curriculum.course(),
        curriculum.lessons()[0].get_parent(),
        curriculum.lessons()[0],
        curriculum.checks()[0],
    ):
        body = body_of(client, page.url)
        crumbs = body[body.index('<nav class="breadcrumbs"') :]
        assert f'<li aria-current="page">{page.title}</li>' in crumbs[: crumbs.index("</nav>")]


def test_the_dashboard_resumes_where_you_left_off_and_nests_modules_in_courses(
    client, curriculum, enrolled
):
    lessons = curriculum.lessons()
    lesson_complete(learner=enrolled, lesson=lessons[0])
    client.force_login(enrolled)
    body = body_of(client, "/en/dashboard/")
    resume = body[body.index("Resume where you left off") :]
    assert f'href="{lessons[1].url}"' in resume[:400]
    assert "in Course One" in resume[:600]
    courses = body[body.index('<ol class="course-progress">') :]
    course_one = courses.index("Course One")
    module_one = courses.index("Module 1")
    course_two = courses.index("Course Two")
    assert course_one < module_one < course_two


def test_the_progress_chart_has_axes_labels_and_a_table(client, curriculum, enrolled):
    lesson_complete(learner=enrolled, lesson=curriculum.lessons()[0])
    client.force_login(enrolled)
    body = body_of(client, "/en/dashboard/")
    chart = body[body.index('<figure class="progress-chart">') : body.index("</figure>")]
    assert 'role="img"' in chart and "aria-labelledby=" in chart
    assert "<title" in chart and "<desc" in chart
    assert chart.count('class="axis"') == 2
    for label in ("0%", "50%", "100%", "Date"):
        assert f">{label}</text>" in chart, label
    assert "<table>" in chart and '<th scope="col">Complete</th>' in chart
    assert 'style="' not in body


@pytest.fixture
def graded(curriculum, enrolled, instructor, second_instructor, django_capture_on_commit_callbacks):
    """The learner's project graded by one instructor, adjusted by a second marker, released."""
    version = submit(enrolled, curriculum.project)
    project = curriculum.project
    levels = levels_for(project, 3)
    first_criterion = next(iter(levels))
    grade_save(
        grader=instructor,
        submission=version.submission,
        levels=levels,
        criterion_feedback={first_criterion: "Sharp targets."},
        feedback="Well argued.",
        release=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        grade_moderate(
            moderator=second_instructor,
            submission=version.submission,
            agree=False,
            levels=levels_for(project, 4),
            reason="The strategy is excellent.",
        )
    return version.submission


def test_a_graded_project_shows_the_result_first(client, curriculum, enrolled, graded):
    client.force_login(enrolled)
    body = body_of(client, curriculum.project.url)
    result = body.index('id="result"')
    assert result < body.index("<h2>Brief</h2>")
    section = body[result : body.index("</section>", result)]
    assert "100%" in section and "Pass with distinction" in section
    assert "Sharp targets." in section and "Well argued." in section
    assert "reviewed this grade and adjusted it" in section
    assert "The strategy is excellent." in section
    assert 'data-label="Level"' in section  # readable as cards on a phone

    dashboard = body_of(client, "/en/dashboard/")
    assert f'href="{curriculum.project.url}#result"' in dashboard


def test_the_grade_email_links_to_the_result(curriculum, enrolled, graded):
    (email,) = [m for m in mail.outbox if m.subject.startswith("Your grade")]
    assert f"http://testserver{curriculum.project.url}#result" in email.body


def test_chinese_pages_show_chinese_titles_of_the_field_project(
    client, curriculum, enrolled, graded
):
    client.force_login(enrolled)
    chinese = body_of(client, "/zh-hans/dashboard/")
    project = zh(curriculum.project)
    assert f'href="{project.url}#result">{project.title}</a>' in chinese
    assert curriculum.project.title != project.title


def test_the_dashboard_certificate_links_are_relative_and_titled_in_chinese(
    client, curriculum, enrolled, settings, tmp_path
):
    from django.utils import timezone

    from certificates.issuance import certificate_issue
    from certificates.models import Award

    settings.ISSUER_KEY_DIR = tmp_path
    settings.ISSUER_KEY_FILE = None
    award = Award.objects.create(
        learner=enrolled, qualification=curriculum.qualification, achieved_at=timezone.now()
    )
    certificate = certificate_issue(award_id=award.id)
    assert certificate.frozen["certificate_title_zh"]  # frozen in both languages
    client.force_login(enrolled)
    english = body_of(client, "/en/dashboard/")
    assert f'href="/certificates/{certificate.id}.pdf"' in english
    assert f'href="/verify/{certificate.id}/"' in english
    assert "http://testserver/verify" not in english
    chinese = body_of(client, "/zh-hans/dashboard/")
    assert certificate.frozen["certificate_title_zh"] in chinese


def test_the_phone_menu_is_a_button_and_scripts_load_from_the_site(client, curriculum):
    body = body_of(client, CoursePage.objects.filter(locale__language_code="en").first().url)
    assert 'class="menu-toggle" aria-expanded="false" aria-controls="site-menu"' in body
    assert re.search(r'<script src="/static/js/site\.js[^"]*" defer></script>', body)
    assert "<script>" not in body
    project = body_of(client, curriculum.project.url)
    assert re.search(r'<script src="/static/js/report-editor\.js[^"]*" defer></script>', project)
