"""Who may do what: every courses page, learner action, instructor page and API route, for each
of anonymous, the learner, another learner, an instructor of the qualification, an instructor
who does not teach it, and staff.

Each row builds one world (both learners enrolled in the test qualification; the learner has a
submission with a file and pending evidence; some rows add a grade awaiting moderation), then
sends the same request as each person inside a savepoint that is rolled back, so that every
person meets the same state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.db import transaction
from django.test import Client

from courses.enrolment import enrolment_create
from courses.grading import grade_save
from courses.models import Cohort, Enrolment, EvidenceSubmission
from tests.conftest import answers_for
from tests.courses.helpers import ApiClient, levels_for, pdf_bytes, submit, upload

ROLES = ("anonymous", "learner", "other_learner", "instructor", "other_instructor", "staff")


@dataclass
class Route:
    name: str
    method: str
    path: str  # formatted with the world's ids
    expected: str  # one status per role in ROLES order; "login" is a redirect to log in
    data: Callable[[dict], dict] | None = None
    api: bool = False
    multipart: bool = False
    setup: Callable[[dict], None] | None = None
    extra: dict = field(default_factory=dict)


def _grade_form(w):
    return {
        **{f"level-{c}": lv for c, lv in levels_for(w["project_page"], 3).items()},
        "revision": "0",
        "action": "draft",
        "learner": str(w["learner_id"]),
    }


def _awaiting_moderation(w):
    grade_save(
        grader=w["second_instructor"],
        submission=w["submission_obj"],
        levels=levels_for(w["project_page"], 3),
        release=True,
    )


def _checks_open(w):
    """Both learners have opened the check: each has an attempt in progress to answer."""
    from courses.knowledge_checks import attempt_start

    for role in ("learner", "other_learner"):
        attempt_start(learner=w["people"][role], check=w["check_page"])


def _second_version(w):
    submit(w["people"]["learner"], w["project_page"], report="A second version.")


def _invitation_to_other_learner(w):
    from courses.teams import team_invite

    (invitation,) = team_invite(
        inviter=w["people"]["learner"],
        project=w["project_page"],
        usernames=[w["people"]["other_learner"].username],
    )
    w["invitation"] = invitation.id


def _feed(w):
    from courses.calendar import feed_of

    w["feed"] = feed_of(w["people"]["learner"]).token


def _answers(w):
    return {f"q-{q}": a for q, a in answers_for(w["check_page"]).items()}


ROUTES = [
    # --- pages anyone may read ----------------------------------------------------------------
    Route("catalog", "get", "/en/catalog/", "200 200 200 200 200 200"),
    Route("course page", "get", "{course_url}", "200 200 200 200 200 200"),
    Route("lesson page", "get", "{lesson_url}", "200 200 200 200 200 200"),
    Route("check page", "get", "{check_url}", "200 200 200 200 200 200"),
    Route("project page", "get", "{project_url}", "200 200 200 200 200 200"),
    # An instructor who learns nothing lands on the grading queue.
    Route("dashboard", "get", "/en/dashboard/", "login 200 200 302 302 200"),
    # --- learner actions ------------------------------------------------------------------
    Route("enrol", "post", "/en/learn/enrol/{course}/", "login 302 302 302 302 302"),
    Route(
        "complete a lesson",
        "post",
        "/en/learn/lessons/{lesson}/complete/",
        "login 302 302 403 403 403",
    ),
    Route(
        "start a check",
        "post",
        "/en/learn/checks/{check}/start/",
        "login 302 302 403 403 403",
    ),
    Route(
        "attempt a check",
        "post",
        "/en/learn/checks/{check}/attempt/",
        "login 302 302 403 403 403",
        data=_answers,
        setup=_checks_open,
    ),
    Route(
        "submit a project",
        "post",
        "/en/learn/projects/{project}/submit/",
        "login 302 302 403 403 403",
        data=lambda w: {"report": "A new version."},
    ),
    Route(
        "save a draft without scripts",
        "post",
        "/en/learn/projects/{project}/submit/",
        "login 302 302 403 403 403",
        data=lambda w: {f"section-{w['section']}": "Draft text.", "action": "draft"},
    ),
    Route(
        "discard the draft",
        "post",
        "/en/learn/projects/{project}/draft/discard/",
        "login 302 302 403 403 403",
    ),
    Route(
        "invite team-mates (the other learner names only themselves: 400)",
        "post",
        "/en/learn/projects/{project}/team/",
        "login 302 400 403 403 403",
        data=lambda w: {"team": w["people"]["other_learner"].username},
    ),
    Route(
        "accept an invitation",
        "post",
        "/en/learn/invitations/{invitation}/accept/",
        "login 404 302 404 404 404",
        setup=_invitation_to_other_learner,
    ),
    Route(
        "what changed between versions",
        "get",
        "/en/learn/submissions/{submission}/versions/2/changes/",
        "login 200 404 200 404 200",
        setup=_second_version,
    ),
    Route("calendar of deadlines", "get", "/en/learn/calendar/", "login 200 200 200 200 200"),
    # A forged invitation link is refused the same way for everyone (tests/courses/test_cohorts.py
    # follows a real one).
    Route(
        "cohort invitation, forged", "get", "/en/cohorts/join/forged/", "400 400 400 400 400 400"
    ),
    Route("new calendar address", "post", "/en/learn/calendar/reset/", "login 302 302 302 302 302"),
    Route(
        "calendar feed (the address is the key)",
        "get",
        "/en/learn/calendar/{feed}.ics",
        "200 200 200 200 200 200",
        setup=_feed,
    ),
    Route(
        "download a submitted file",
        "get",
        "/en/learn/files/{file}/",
        "login 200 403 200 403 200",
    ),
    Route(
        "submit evidence (not enrolled in the second tier)",
        "post",
        "/en/learn/evidence/{trainer}/",
        "login 403 403 403 403 403",
        data=lambda w: {"statement": "I delivered the training twice in 2025. " * 3},
    ),
    # --- instructor pages -----------------------------------------------------------------
    Route("grading queue", "get", "/en/grading/", "login 403 403 200 200 200"),
    Route(
        "grade page",
        "get",
        "/en/grading/submissions/{submission}/",
        "login 403 403 200 403 200",
    ),
    Route(
        "save a grade",
        "post",
        "/en/grading/submissions/{submission}/grade/",
        "login 403 403 302 403 302",
        data=_grade_form,
    ),
    Route(
        "moderate",
        "post",
        "/en/grading/submissions/{submission}/moderate/",
        "login 403 403 302 403 302",
        data=lambda w: {"decision": "agree", "revision": "1"},
        setup=_awaiting_moderation,
    ),
    Route(
        "return for revision",
        "post",
        "/en/grading/submissions/{submission}/return/",
        "login 403 403 302 403 302",
        data=lambda w: {"feedback": "Add targets."},
    ),
    Route("analytics index", "get", "/en/grading/analytics/", "login 403 403 200 200 200"),
    Route(
        "analytics of the qualification",
        "get",
        "/en/grading/analytics/{qualification}/",
        "login 403 403 200 403 200",
    ),
    Route(
        "grades CSV",
        "get",
        "/en/grading/analytics/{qualification}/grades.csv",
        "login 403 403 200 403 200",
    ),
    Route(
        "a chart's data",
        "get",
        "/en/grading/analytics/{qualification}/charts/checks.csv",
        "login 403 403 200 403 200",
    ),
    Route(
        "nudge a learner",
        "post",
        "/en/grading/analytics/{qualification}/nudge/{enrolment}/",
        "login 403 403 302 403 302",
    ),
    Route(
        "a submitted PDF inline",
        "get",
        "/en/grading/files/{file}/inline/",
        "login 403 403 200 403 200",
    ),
    Route("evidence to review", "get", "/en/grading/evidence/", "login 403 403 403 403 200"),
    Route(
        "review evidence",
        "post",
        "/en/grading/evidence/{evidence}/",
        "login 403 403 403 403 302",
        data=lambda w: {"decision": "approve", "note": "Seen the programme."},
    ),
    # --- API ------------------------------------------------------------------------------
    Route("API qualifications", "get", "/qualifications", "200 200 200 200 200 200", api=True),
    Route("API courses", "get", "/courses", "200 200 200 200 200 200", api=True),
    Route("API course", "get", "/courses/{course}", "200 200 200 200 200 200", api=True),
    # Anyone may read a check; an enrolled learner's call also draws their questions.
    Route("API check", "get", "/knowledge-checks/{check}", "200 200 200 200 200 200", api=True),
    Route(
        "API field project", "get", "/field-projects/{project}", "200 200 200 200 200 200", api=True
    ),
    Route(
        "API answer key",
        "get",
        "/knowledge-checks/{check}/answer-key",
        # Only the instructors of the check's course (and staff) read its key.
        "401 403 403 200 403 200",
        api=True,
    ),
    Route(
        "API enrol in the qualification",
        "post",
        "/qualifications/{qualification}/enrolment",
        "401 200 200 201 201 201",
        api=True,
    ),
    Route(
        "API enrol in a course",
        "post",
        "/courses/{course}/enrolment",
        "401 200 200 201 201 201",
        api=True,
    ),
    Route(
        "API complete a lesson",
        "post",
        "/lessons/{lesson}/completion",
        "401 201 201 403 403 403",
        api=True,
    ),
    Route(
        "API attempt a check",
        "post",
        "/knowledge-checks/{check}/attempts",
        "401 201 201 403 403 403",
        api=True,
        data=lambda w: {"answers": answers_for(w["check_page"])},
        setup=_checks_open,
    ),
    # --- cohorts for staff (tests/courses/test_cohorts.py has the rules) ------------------------
    Route("API cohorts", "get", "/cohorts", "401 403 403 403 403 200", api=True),
    Route(
        "API new cohort",
        "post",
        "/cohorts",
        "401 403 403 403 403 201",
        api=True,
        data=lambda w: {"name": "Autumn", "page": w["qualification"], "starts_on": "2027-01-10"},
    ),
    Route(
        "API import learners",
        "post",
        "/cohorts/{cohort}/imports",
        "401 403 403 403 403 201",
        api=True,
        multipart=True,
        data=lambda w: {"file": upload("learners.csv", b"email\nnew@example.org\n", "text/csv")},
    ),
    Route(
        "API apply an import, no such import",
        "post",
        "/cohorts/{cohort}/imports/{import}/apply",
        "401 403 403 403 403 404",
        api=True,
    ),
    Route(
        "API invite a learner",
        "post",
        "/cohorts/{cohort}/invitations",
        "401 403 403 403 403 201",
        api=True,
        data=lambda w: {"email": "invited@example.org"},
    ),
    Route(
        "API accept an invitation, forged",
        "post",
        "/cohort-invitations/accept",
        "401 400 400 400 400 400",
        api=True,
        data=lambda w: {"token": "forged"},
    ),
    Route(
        "API submit a project",
        "post",
        "/field-projects/{project}/submissions",
        "401 201 201 403 403 403",
        api=True,
        multipart=True,
        data=lambda w: {"report": "R.", "files": [upload("plan.pdf", pdf_bytes())]},
    ),
    Route(
        "API read the draft",
        "get",
        "/field-projects/{project}/draft",
        "401 200 200 403 403 403",
        api=True,
    ),
    Route(
        "API save the draft",
        "put",
        "/field-projects/{project}/draft",
        "401 200 200 403 403 403",
        api=True,
        data=lambda w: {"sections": {w["section"]: "Draft text."}},
    ),
    Route(
        "API discard the draft",
        "delete",
        "/field-projects/{project}/draft",
        "401 204 204 403 403 403",
        api=True,
    ),
    Route(
        "API preview",
        "post",
        "/field-projects/{project}/preview",
        "401 200 200 403 403 403",
        api=True,
        data=lambda w: {"text": "**Bold**"},
    ),
    Route(
        "API what changed between versions",
        "get",
        "/submissions/{submission}/versions/{number}/changes",
        "401 200 404 200 404 200",
        api=True,
        setup=_second_version,
    ),
    Route("API team", "get", "/field-projects/{project}/team", "401 200 200 403 403 403", api=True),
    Route(
        "API invite (the other learner names only themselves: 400)",
        "post",
        "/field-projects/{project}/invitations",
        "401 201 400 403 403 403",
        api=True,
        data=lambda w: {"usernames": [w["people"]["other_learner"].username]},
    ),
    Route("API my invitations", "get", "/me/invitations", "401 200 200 200 200 200", api=True),
    Route(
        "API answer an invitation",
        "post",
        "/invitations/{invitation}/{answer}",
        "401 404 200 404 404 404",
        api=True,
        setup=_invitation_to_other_learner,
    ),
    Route("API my calendar", "get", "/me/calendar", "401 200 200 200 200 200", api=True),
    Route(
        "API new calendar address",
        "post",
        "/me/calendar/reset",
        "401 200 200 200 200 200",
        api=True,
    ),
    Route("API my progress", "get", "/me/progress", "401 200 200 200 200 200", api=True),
    Route("API my certificates", "get", "/me/certificates", "401 200 200 200 200 200", api=True),
    Route("API grading queue", "get", "/grading/submissions", "401 403 403 200 200 200", api=True),
    Route("API queue counts", "get", "/grading/queue-counts", "401 403 403 200 200 200", api=True),
    Route(
        "API analytics",
        "get",
        "/analytics/{page}",
        "401 403 403 200 403 200",
        api=True,
    ),
    Route(
        "API nudge",
        "post",
        "/analytics/{page}/nudges",
        "401 403 403 202 403 202",
        api=True,
        data=lambda w: {"enrolment": w["enrolment"]},
    ),
    Route(
        "API grade",
        "post",
        "/grading/submissions/{submission}/grade",
        "401 403 403 200 403 200",
        api=True,
        data=lambda w: {"levels": levels_for(w["project_page"], 3), "revision": 0},
    ),
    Route(
        "API moderate",
        "post",
        "/grading/submissions/{submission}/moderation",
        "401 403 403 200 403 200",
        api=True,
        data=lambda w: {"agree": True, "revision": 1},
        setup=_awaiting_moderation,
    ),
    Route(
        "API return for revision",
        "post",
        "/grading/submissions/{submission}/return",
        "401 403 403 200 403 200",
        api=True,
        data=lambda w: {"feedback": "Add targets."},
    ),
]


@pytest.fixture
def world(
    curriculum, enrolled, other_learner, instructor, second_instructor, other_instructor, staff
):
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    version = submit(enrolled, curriculum.project, files=[upload("plan.pdf", pdf_bytes())])
    evidence = EvidenceSubmission.objects.create(
        learner=enrolled, qualification=curriculum.trainer, statement="Delivered it. " * 5
    )
    lesson, check, project = curriculum.lessons()[0], curriculum.checks()[0], curriculum.project
    cohort = Cohort.objects.create(
        name="Matrix", page=curriculum.qualification, starts_on=date(2027, 1, 10)
    )
    return {
        "people": {
            "anonymous": None,
            "learner": enrolled,
            "other_learner": other_learner,
            "instructor": instructor,
            "other_instructor": other_instructor,
            "staff": staff,
        },
        "second_instructor": second_instructor,
        "learner_id": enrolled.id,
        "course": curriculum.course().id,
        "course_url": curriculum.course().url,
        "lesson": lesson.id,
        "lesson_url": lesson.url,
        "check": check.id,
        "check_url": check.url,
        "check_page": check,
        "project": project.id,
        "project_url": project.url,
        "project_page": project,
        "qualification": curriculum.qualification.id,
        "page": curriculum.qualification.id,
        "trainer": curriculum.trainer.id,
        "submission": version.submission_id,
        "submission_obj": version.submission,
        "file": version.files.get().id,
        "enrolment": Enrolment.objects.get(learner=enrolled, page=curriculum.qualification).id,
        "evidence": evidence.id,
        "section": project.report_sections[0].id,
        "number": 2,
        "answer": "accept",
        "cohort": cohort.id,
        "import": 999999,
    }


def _status(route: Route, world: dict, user) -> str:
    path = route.path.format(**world)
    data = route.data(world) if route.data else {}
    if route.api:
        api = ApiClient(Client(raise_request_exception=False))
        if route.method == "get":
            response = api.get(path, user=user)
        elif route.method in ("put", "delete"):
            response = api.client.generic(
                route.method.upper(),
                f"/api/v1{path}",
                json.dumps(data),
                content_type="application/json",
                **api._headers(user),
            )
        elif route.multipart:
            response = api.post_multipart(path, data, user=user)
        else:
            response = api.post(path, data, user=user)
    else:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        response = getattr(client, route.method)(path, data)
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    return str(response.status_code)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_permission_matrix(world, route):
    if route.setup:
        route.setup(world)
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            actual[role] = _status(route, world, world["people"][role])
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, route.expected.split(), strict=True))


def _route_names(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):  # an include()
            yield from _route_names(pattern.url_patterns)
        else:
            yield pattern.name


def test_every_courses_route_is_in_the_matrix():
    """A new courses URL or API route must be added to the table above."""
    import re

    from django.urls import resolve

    from courses.urls import urlpatterns
    from lms.api import api as _api  # noqa: F401 - lms.api registers courses.api's router

    from courses.api import operations  # isort: skip

    dummy = re.compile(r"\{[a-z_]+\}")
    web = {
        resolve(dummy.sub("1", r.path)).url_name
        for r in ROUTES
        if r.path.startswith(("/en/learn/", "/en/grading/", "/en/cohorts/"))
    }
    assert set(_route_names(urlpatterns)) <= web

    # Path parameters are named for the row (`{submission}` is `{submission_id}`), except the
    # ones that are not ids.
    def declared_name(match):
        name = match.group(0)
        return name if name in ("{number}", "{answer}") else name[:-1] + "_id}"

    api = {(r.method, dummy.sub(declared_name, r.path)) for r in ROUTES if r.api}
    declared = {
        (method.lower(), "/" + path.lstrip("/"))
        for path, view in operations()
        for operation in view.operations
        for method in operation.methods
    }
    assert declared == api - {("get", "/me/certificates")}  # certificates' own route
