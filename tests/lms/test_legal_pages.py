"""The privacy notice and the terms of use: written for this site in English and Chinese, with
the contact address from LMS_CONTACT_EMAIL and the retention periods the code enforces, and
linked from every page's footer, the registration form and the OAuth consent page."""

import re

import pytest
from django.test import Client

from lms.obapi.discovery import service_description
from tests.lms.obapi.wallet import Wallet

PAGES = {
    ("en", "privacy"): ("Privacy notice", "What we keep"),
    ("en", "terms"): ("Terms of use", "Your work"),
    ("zh-hans", "privacy"): ("隐私声明", "我们保存什么"),
    ("zh-hans", "terms"): ("使用条款", "您的作业"),
}


@pytest.fixture(autouse=True)
def _contact(settings):
    settings.CONTACT_EMAIL = "privacy@academy.example.org"


@pytest.mark.parametrize(("language", "page"), PAGES)
def test_the_page_renders_in_its_language_with_the_contact_address(db, language, page):
    response = Client().get(f"/{language}/{page}/")
    assert response.status_code == 200
    html = response.content.decode()
    title, section = PAGES[(language, page)]
    assert f'lang="{"zh-Hans" if language == "zh-hans" else "en"}"' in html
    assert f"<h1>{title}</h1>" in html
    assert f"<title>{title} · " in html
    assert section in html
    assert 'href="mailto:privacy@academy.example.org"' in html


def test_the_privacy_notice_covers_what_is_kept_how_long_who_sees_it_and_the_rights(db):
    html = Client().get("/en/privacy/").content.decode()
    for kept in ("Your account", "Your progress", "Your submissions", "Your certificates"):
        assert kept in html
    assert "It does not hold your email address." in html
    assert "Logs" in html
    # The periods are the ones the code enforces.
    for period in ("7 days", "3 days", "2 hours", "30 days", "60 minutes", "180 days"):
        assert period in html
    assert "Instructors" in html
    assert 'href="/en/accounts/privacy/data/"' in html
    assert 'href="/en/accounts/privacy/delete/"' in html


def test_the_log_retention_the_notice_states_is_a_setting(db, settings):
    settings.LOG_RETENTION_DAYS = 14
    assert "Server logs: at most 14 days." in Client().get("/en/privacy/").content.decode()
    assert "最多 14 天" in Client().get("/zh-hans/privacy/").content.decode()


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_pages_footer_links_both(db, language):
    html = Client().get(f"/{language}/accounts/login/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert {f"/{language}/privacy/", f"/{language}/terms/"} <= _links(footer)


def test_the_registration_form_links_both(db):
    html = Client().get("/en/accounts/register/").content.decode()
    start = html.index('<form method="post" class="card"')
    form = html[start : html.index("</form>", start)]
    assert {"/en/terms/", "/en/privacy/"} <= _links(form)
    chinese = Client().get("/zh-hans/accounts/register/").content.decode()
    assert "注册即表示您接受" in chinese


def test_the_consent_page_links_both(learner):
    wallet = Wallet()
    browser = Client()
    browser.force_login(learner)
    html = browser.get(wallet.authorize_query()).content.decode()
    start = html.index('<form method="post" class="card consent"')
    form = html[start : html.index("</form>", start)]
    assert {"/en/privacy/", "/en/terms/"} <= _links(form)


def test_the_service_descriptions_default_urls_are_these_pages(db, settings):
    settings.PRIVACY_POLICY_URL = ""
    settings.TERMS_OF_SERVICE_URL = ""
    info = service_description()["info"]
    for url in (info["termsOfService"], info["x-imssf-privacyPolicyUrl"]):
        path = url.removeprefix(settings.BASE_URL)
        assert Client().get(path).status_code == 200
