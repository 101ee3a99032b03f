"""The learner's language after logging in, the language switcher on a page not yet translated
(commit 405d075), and who may frame the site (commit e080c83).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation
from wagtail.models import Locale

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active in the thread; start each test in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def switcher_targets(body) -> dict[str, str]:
    return dict(re.findall(r'name="next-([a-z-]+)" value="([^"]+)"', body))


# --- logging in opens the learner's language -------------------------------------------------


def log_in(client, username: str, language: str, url: str = "/en/accounts/login/"):
    """Log in as a new learner who prefers `language`; the response, a redirect."""
    make_user("learner", username, preferred_language=language)
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_logging_in_opens_the_learners_preferred_language(client):
    response = log_in(client, "mei", "zh-hans")
    assert response["Location"] == "/zh-hans/dashboard/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"

    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200
    assert '<html lang="zh-Hans">' in dashboard.content.decode()


def test_logging_in_keeps_the_next_page_in_the_preferred_language(client):
    response = log_in(client, "mei", "zh-hans", "/en/accounts/login/?next=/en/accounts/profile/")
    assert response["Location"] == "/zh-hans/accounts/profile/"


def test_an_english_learner_logging_in_on_the_chinese_page_gets_english(client):
    response = log_in(client, "ella", "en", "/zh-hans/accounts/login/")
    assert response["Location"] == "/en/dashboard/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_failed_login_changes_no_language(client):
    make_user("learner", "mei", preferred_language="zh-hans")
    response = client.post("/en/accounts/login/", {"username": "mei", "password": "wrong"})
    assert response.status_code == 200
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- the switcher on a page not yet translated ----------------------------------------------


def _new_lesson(parent, slug):
    from courses.models import LessonPage

    parent.add_child(
        instance=LessonPage(
            title=f"Untranslated {slug}",
            slug=slug,
            summary="Not yet in Chinese.",
            body=[{"type": "rich_text", "value": "<p>English only.</p>"}],
        )
    )
    return LessonPage.objects.get(slug=slug, locale__language_code="en")


def test_the_switcher_opens_the_nearest_translated_ancestor(client, curriculum):
    module = curriculum.lessons()[0].get_parent().specific
    lesson = _new_lesson(module, "english-only")
    assert not lesson.get_translations().exists()
    naive = lesson.url.replace("/en/", "/zh-hans/", 1)
    assert client.get(naive).status_code == 404  # where the switcher used to lead

    response = client.get(lesson.url)
    assert response.status_code == 200
    targets = switcher_targets(response.content.decode())
    assert targets == {"en": lesson.url, "zh-hans": zh(module).url}
    assert client.get(targets["zh-hans"]).status_code == 200

    # Choosing 中文 takes the learner there.
    chosen = client.post(
        "/i18n/setlang/",
        {"language": "zh-hans", "next-zh-hans": targets["zh-hans"], "next-en": lesson.url},
    )
    assert chosen.status_code == 302 and chosen["Location"] == zh(module).url


def test_the_switcher_skips_untranslated_ancestors(client, curriculum):
    from courses.models import ModulePage

    course = curriculum.course()
    course.add_child(instance=ModulePage(title="New module", slug="new-module", summary="S."))
    module = ModulePage.objects.get(slug="new-module")
    lesson = _new_lesson(module, "deeper-english-only")

    response = client.get(lesson.url)
    assert response.status_code == 200
    targets = switcher_targets(response.content.decode())
    assert targets["zh-hans"] == zh(course).url  # the module has no translation either
    assert client.get(targets["zh-hans"]).status_code == 200


def test_a_translated_page_still_links_to_its_translation(client, curriculum):
    lesson = curriculum.lessons()[0]
    targets = switcher_targets(client.get(lesson.url).content.decode())
    assert targets == {"en": lesson.url, "zh-hans": zh(lesson).url}


# --- framing --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/healthz", "/en/accounts/login/", "/zh-hans/accounts/login/"])
def test_public_pages_may_not_be_framed(client, url):
    response = client.get(url)
    assert response.status_code in (200, 503), url
    assert response["X-Frame-Options"] == "DENY"


def test_the_content_security_policy_forbids_any_frame_ancestor(client):
    response = client.get("/en/accounts/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_home_page_may_not_be_framed(client, curriculum):
    response = client.get("/en/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_admin_may_frame_its_own_previews(client):
    staff = make_user("staff", "sam")
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"

    # The same user on the public site is still refused every frame.
    elsewhere = client.get("/en/accounts/profile/")
    assert elsewhere.status_code == 200
    assert elsewhere["X-Frame-Options"] == "DENY"


def test_the_admin_login_may_be_framed_by_the_site_only(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
