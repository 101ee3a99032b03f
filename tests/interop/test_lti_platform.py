"""LTI 1.3 against a real platform: lti1p3platform's implementation, started here in a process of
its own, launching the site served by the test (live_server) through a browser that follows the
OIDC login, the signed launch and the deep-linking answer.

Shown: a learner's launch creates and signs in an account enrolled in the platform course's
cohort; an instructor's keeps the instructor role and brings the course's members in through
Names and Role Provisioning; deep linking places a course with a gradebook column, checked by the
platform against our JWKS; Assignment and Grade Services carry course completion and the field
project's grade back; and launches with a wrong issuer, audience, signature, deployment, an
expired token or a replayed nonce are refused.
"""

from __future__ import annotations

import re

import pytest

from courses.grading import grade_save
from courses.models import Enrolment, TeachingAssignment
from lms.lti.models import Platform as RegisteredPlatform
from lms.lti.models import PlatformAccount, PlatformContext, ResourceLink, ScorePassback
from tests.conftest import make_user
from tests.courses.helpers import complete_course, levels_for, set_moderation, submit
from tests.integration.conftest import wait_for
from tests.interop.platform_driver import Browser, Platform

pytestmark = pytest.mark.integration

LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
MEMBERS = [
    {"user_id": "member-ana", "roles": [LEARNER_ROLE], "name": "Ana Souza", "status": "Active"},
    {"user_id": "member-bo", "roles": [LEARNER_ROLE], "name": "Bo Lindqvist", "status": "Active"},
    {"user_id": "member-left", "roles": [LEARNER_ROLE], "name": "Gone", "status": "Inactive"},
    {"user_id": "teacher-1", "roles": [INSTRUCTOR_ROLE], "name": "Teacher One", "status": "Active"},
]


@pytest.fixture
def tool(live_server, settings, committed_curriculum):
    """The site, served for the platform and the browser; its absolute URLs point at itself."""
    settings.BASE_URL = live_server.url
    return live_server


@pytest.fixture
def platform(tmp_path, tool):
    server = Platform(tmp_path / "platform", tool_url=tool.url, members=MEMBERS).start()
    yield server
    server.stop()


@pytest.fixture
def registered(platform):
    """The platform as staff registered it."""
    return RegisteredPlatform.objects.create(**platform.registration())


def account(subject):
    return PlatformAccount.objects.select_related("user").get(subject=subject).user


def test_the_tool_publishes_its_keys(tool):
    browser = Browser()
    keys = browser.get(f"{tool.url}/lti/jwks.json").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0]  # public half only


def test_a_learner_launch_signs_in_and_enrols_in_the_platform_courses_cohort(
    tool, platform, registered, committed_curriculum
):
    course = committed_curriculum.course()
    browser = Browser()

    response = browser.launch(
        platform, user="student-1", role="learner", page=course.id, link="link-1", name="Li Wei"
    )

    assert response.status_code == 200
    assert response.url.endswith(course.url)
    user = account("student-1")
    assert user.role == "learner" and user.full_name == "Li Wei"
    assert not user.has_usable_password()
    context = PlatformContext.objects.get(platform=registered, context_id="course-101")
    assert context.cohort.page_id == course.id
    enrolment = Enrolment.objects.get(learner=user, page=course)
    assert enrolment.cohort == context.cohort
    assert "Li Wei" in browser.get(f"{tool.url}/en/dashboard/").text  # signed in

    # A second launch signs the same person in again: one account, one enrolment.
    Browser().launch(platform, user="student-1", role="learner", page=course.id, link="link-1")
    assert PlatformAccount.objects.filter(subject="student-1").count() == 1
    assert Enrolment.objects.filter(learner=user, page=course).count() == 1


def test_an_instructor_launch_teaches_and_brings_the_members_in(
    tool, platform, registered, committed_curriculum
):
    course = committed_curriculum.course()

    response = Browser().launch(platform, user="teacher-1", role="instructor", page=course.id)

    assert response.status_code == 200
    teacher = account("teacher-1")
    assert teacher.role == "instructor"
    assert TeachingAssignment.objects.filter(instructor=teacher, page=course).exists()
    cohort = PlatformContext.objects.get(context_id="course-101").cohort
    assert teacher in cohort.instructors.all()
    # Names and Role Provisioning: the active learners are enrolled in the cohort.
    enrolled = set(
        Enrolment.objects.filter(cohort=cohort).values_list("learner__full_name", flat=True)
    )
    assert enrolled == {"Ana Souza", "Bo Lindqvist"}
    assert not PlatformAccount.objects.filter(subject="member-left").exists()
    assert platform.state()["token_requests"] >= 1


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def place(browser, tool, platform, page) -> dict:
    """An instructor places a link to `page` by deep linking; returns the platform's answer."""
    response = browser.launch(platform, user="teacher-1", role="instructor", deep="1")
    assert response.status_code == 200 and response.url.endswith("/lti/deep-link/")
    assert f'value="{page.id}"' in response.text
    chosen = browser.post(
        f"{tool.url}/lti/deep-link/",
        {"csrfmiddlewaretoken": _csrf(response.text), "page": page.id},
        headers={"Referer": f"{tool.url}/lti/deep-link/"},
    )
    assert chosen.status_code == 200
    assert "form-action" in chosen.headers["Content-Security-Policy"]
    from tests.interop.platform_driver import form_of

    action, fields = form_of(chosen.text)
    assert action == f"{platform.url}/deep-link-return"
    answer = browser.post(action, fields)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_deep_linking_places_a_course_with_a_gradebook_column(
    tool, platform, registered, committed_curriculum
):
    course = committed_curriculum.course()

    [item] = place(Browser(), tool, platform, course)["placed"]

    assert item["type"] == "ltiResourceLink"
    assert item["url"] == f"{tool.url}/lti/launch/"
    assert item["custom"] == {"page": str(course.id)}
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["resourceId"] == str(course.id)


def test_a_learner_who_cannot_place_links_is_refused_deep_linking(tool, platform, registered):
    response = Browser().launch(platform, user="student-9", role="learner", deep="1")

    assert response.status_code == 403


def test_course_completion_and_the_project_grade_go_back_to_the_gradebook(
    tool, platform, registered, committed_curriculum
):
    curriculum = committed_curriculum
    set_moderation(curriculum.qualification, False)
    browser = Browser()
    place(browser, tool, platform, curriculum.course())  # the platform's link placed-1
    place(browser, tool, platform, curriculum.qualification)  # placed-2
    learner_browser = Browser()
    learner_browser.launch(
        platform, user="student-2", role="learner", page=curriculum.course().id, link="placed-1"
    )
    learner_browser.launch(
        platform,
        user="student-2",
        role="learner",
        page=curriculum.qualification.id,
        link="placed-2",
    )
    learner = account("student-2")
    assert ResourceLink.objects.get(resource_link_id="placed-1").lineitem_url

    complete_course(learner, curriculum, "course-one")
    wait_for(
        lambda: any(s["scoreGiven"] == 100 for s in platform.state()["scores"]),
        timeout=60,
        message="the course completion in the platform's gradebook",
    )
    instructor = make_user("instructor", "grader")
    from courses.teaching import teaching_assign

    teaching_assign(instructor=instructor, slugs=["test-qualification"])
    submission = submit(learner, curriculum.project).submission
    grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(curriculum.project, 3),
        release=True,
    )
    wait_for(
        lambda: any(s["scoreGiven"] == 75 for s in platform.state()["scores"]),
        timeout=60,
        message="the project grade in the platform's gradebook",
    )

    scores = platform.state()["scores"]
    lineitems = platform.state()["lineitems"]
    completion = next(s for s in scores if s["scoreGiven"] == 100)
    grade = next(s for s in scores if s["scoreGiven"] == 75)
    assert completion["userId"] == grade["userId"] == "student-2"
    assert completion["activityProgress"] == "Completed"
    assert completion["gradingProgress"] == "FullyGraded"
    assert completion["lineitem"] in lineitems["placed-1"]["id"]
    assert grade["lineitem"] in lineitems["placed-2"]["id"]
    assert not ScorePassback.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.parametrize("tamper", ["issuer", "audience", "signature", "expired"])
def test_a_spoilt_launch_is_refused(tool, platform, registered, committed_curriculum, tamper):
    response = Browser().launch(
        platform,
        user="student-3",
        role="learner",
        page=committed_curriculum.course().id,
        tamper=tamper,
    )

    assert response.status_code in (400, 401)
    assert "could not be accepted" in response.text
    assert not PlatformAccount.objects.exists()


def test_a_launch_for_an_unknown_deployment_is_refused(tool, platform, registered):
    registered.deployment_ids = "another-deployment"
    registered.save()

    response = Browser().launch(platform, user="student-4", role="learner")

    assert response.status_code == 401
    assert "deployment" in response.text.lower()
    assert not PlatformAccount.objects.exists()


def test_a_replayed_launch_is_refused(tool, platform, registered, committed_curriculum):
    browser = Browser()
    action, fields = browser.open_link(
        platform, user="student-5", role="learner", page=committed_curriculum.course().id
    )

    first = browser.post(action, fields)
    replay = Browser().post(action, fields)
    again = browser.post(action, fields)

    assert first.status_code == 200
    assert replay.status_code == 401 and again.status_code == 401
    assert PlatformAccount.objects.filter(subject="student-5").count() == 1


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_the_tools_pages_are_accessible(tool, platform, registered, viewport):
    """The deep-linking picker and the refusal page, in Chromium: axe-core finds nothing serious,
    nothing scrolls sideways. Screenshots in test-results/interop/."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.support.stack import ROOT

    browser = Browser()
    picker = browser.launch(platform, user="teacher-1", role="instructor", deep="1")
    assert picker.url.endswith("/lti/deep-link/")
    folder = ROOT / "test-results" / "interop"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=viewport)
        context.add_cookies(
            [{"name": c.name, "value": c.value, "url": tool.url} for c in browser.session.cookies]
        )
        page = context.new_page()
        for name, url in {
            "deep-link-picker": "/lti/deep-link/",
            "launch-refused": "/lti/launch/?",
        }.items():
            if name == "launch-refused":
                page.goto(tool.url + "/en/")
                page.evaluate(
                    """url => { const f = document.createElement('form'); f.method = 'post';
                    f.action = url; for (const [k, v] of [['id_token', 'x.y.z'], ['state', 's']]) {
                    const i = document.createElement('input'); i.name = k; i.value = v;
                    f.appendChild(i); } document.body.appendChild(f); f.submit(); }""",
                    tool.url + "/lti/launch/",
                )
                page.wait_for_load_state()
            else:
                page.goto(tool.url + url)
            page.screenshot(path=str(folder / f"{name}-{viewport['width']}.png"), full_page=True)
            violations = Axe().run(page).response["violations"]
            problems += [
                f"{name}: {v['id']} ({v['impact']}): {v['help']}"
                for v in violations
                if v["impact"] in ("serious", "critical")
            ]
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} scrolls sideways ({width}px)"
        context.close()
        chromium.close()
    assert not problems, "\n".join(problems)
