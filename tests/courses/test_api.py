"""The courses API under /api/v1 (courses/api/): the shapes issue 4 describes, never a correct
answer where learners can read it, and 400/401/403/404/409 for everything wrong, never 500.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from wagtail.models import Locale

from courses.knowledge_checks import answer_key
from courses.models import Enrolment, Grade, LessonCompletion, Submission
from tests.conftest import answers_for
from tests.courses.helpers import levels_for, pdf_bytes, submit, upload


def keys_anywhere(data) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_anywhere(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_anywhere(v)}
    return set()


# --- the catalog ----------------------------------------------------------------------------


def test_qualifications(api, curriculum):
    response = api.get("/qualifications")
    assert response.status_code == 200
    by_slug = {q["slug"]: q for q in response.json()}
    assert set(by_slug) == {"test-qualification", "test-trainer"}
    qualification = by_slug["test-qualification"]
    assert qualification["id"] == curriculum.qualification.id
    assert qualification["title"] == "Test Qualification"
    assert qualification["courses"] == [
        curriculum.course("course-one").id,
        curriculum.course("course-two").id,
    ]
    assert qualification["field_project"] == curriculum.project.id
    assert qualification["requires_moderation"] is True
    assert (by_slug["test-trainer"]["courses"], by_slug["test-trainer"]["field_project"]) == (
        [],
        None,
    )


def test_courses(api, curriculum):
    courses = api.get("/courses").json()
    assert [c["slug"] for c in courses] == ["course-one", "course-two"]
    two = courses[1]
    assert two["prerequisites"] == [curriculum.course("course-one").id]
    assert two["region"] == "jp" and two["topics"] == ["cluster-basics"]
    assert two["url"] == "/en/catalog/course-two/"


def test_a_course_lists_its_modules_without_any_answer(api, curriculum):
    course = curriculum.course()
    response = api.get(f"/courses/{course.id}")
    assert response.status_code == 200
    body = response.json()
    assert [m["title"] for m in body["modules"]] == ["Module 1", "Module 2"]
    module = body["modules"][0]
    assert module["lessons"] == [
        {"id": lesson.id, "title": lesson.title, "url": lesson.url}
        for lesson in curriculum.lessons()[:2]
    ]
    check = module["knowledge_check"]
    assert check["id"] == curriculum.checks()[0].id
    # A course lists its checks' rules, never their questions: those are drawn per learner.
    assert set(check) == {
        "id",
        "title",
        "url",
        "pass_mark",
        "max_attempts",
        "draw",
        "time_limit_minutes",
    }
    assert check["draw"] == 2
    assert not keys_anywhere(body) & {"questions", "choices", "correct", "explanation"}


def test_a_chinese_course_lists_the_same_checks(api, curriculum):
    course = curriculum.course()
    chinese = course.get_translation(Locale.objects.get(language_code="zh-hans"))
    english = api.get(f"/courses/{course.id}").json()
    translated = api.get(f"/courses/{chinese.id}").json()
    assert translated["modules"][0]["title"] == "模块1"
    assert [m["knowledge_check"]["draw"] for m in english["modules"]] == [
        m["knowledge_check"]["draw"] for m in translated["modules"]
    ]


def test_a_knowledge_check_alone_shows_an_anonymous_caller_its_description_only(api, curriculum):
    check = curriculum.checks()[0]
    response = api.get(f"/knowledge-checks/{check.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["access"] == "description" and body["attempt"] is None
    assert body["pass_mark"] == 50 and body["draw"] == 2
    assert "Log in" in body["message"]
    assert not keys_anywhere(body) & {"questions", "choices", "correct", "explanation"}


def test_the_answer_key_is_for_the_instructors_and_staff_of_the_course(
    api, curriculum, learner, instructor, other_instructor, staff
):
    check = curriculum.checks()[0]
    url = f"/knowledge-checks/{check.id}/answer-key"
    expected = answer_key(check)
    assert len(expected) == 4  # the whole bank, not a draw
    assert api.get(url).status_code == 401
    assert api.get(url, user=learner).status_code == 403
    refused = api.get(url, user=other_instructor)
    assert refused.status_code == 403 and "instructors and staff" in refused.json()["detail"]
    for user in (instructor, staff):
        response = api.get(url, user=user)
        assert response.status_code == 200 and response.json() == expected


def test_a_field_project_with_its_rubric(api, curriculum):
    project = curriculum.project
    body = api.get(f"/field-projects/{project.id}").json()
    assert body["id"] == project.id and body["qualification"] == curriculum.qualification.id
    assert "<p>The brief.</p>" in body["brief"]
    rubric = body["rubric"]
    assert rubric["pass_mark"] == 70 and rubric["minimum_level"] == 2
    assert [c["title"] for c in rubric["criteria"]] == ["Strategy", "Governance"]
    criterion = rubric["criteria"][0]
    assert {"id", "title", "levels"} <= set(criterion) and criterion["weight"] == 2.0
    assert criterion["levels"][0] == {
        "id": criterion["levels"][0]["id"],
        "title": "Emerging",
        "points": 1,
        "descriptor": "Emerging work.",
    }


# --- learning -------------------------------------------------------------------------------


def test_enrolment_and_completion(api, curriculum, learner):
    qualification = curriculum.qualification
    response = api.post(f"/qualifications/{qualification.id}/enrolment", user=learner)
    assert response.status_code == 201
    body = response.json()
    assert body["page"] == qualification.id and body["kind"] == "qualification"
    assert body["status"] == "active" and body["created"] is True

    lesson = curriculum.lessons()[0]
    response = api.post(f"/lessons/{lesson.id}/completion", user=learner)
    assert response.status_code == 201
    assert response.json()["lesson"] == lesson.id and response.json()["created"] is True


def test_an_attempt(api, curriculum, enrolled):
    check = curriculum.checks()[0]
    opened = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    drawn = [q["id"] for q in opened["attempt"]["questions"]]
    response = api.post(
        f"/knowledge-checks/{check.id}/attempts", {"answers": answers_for(check)}, user=enrolled
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["passed"], body["attempt"], body["attempts_left"]) == (
        100,
        True,
        1,
        2,
    )
    assert body["answers_revealed"] is True
    assert [f["question"] for f in body["feedback"]] == drawn


def test_a_submission_with_files(api, curriculum, enrolled):
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"report": "Our diagnosis.", "files": [upload("plan.pdf", pdf_bytes())]},
        user=enrolled,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["late"] is False and body["status"] == "submitted"
    assert body["files"] == ["plan.pdf"] and body["field_project"] == curriculum.project.id


def test_my_progress_and_certificates(api, curriculum, enrolled):
    from courses.progress import learner_events_process

    api.post(f"/lessons/{curriculum.lessons()[0].id}/completion", user=enrolled)
    learner_events_process(learner_id=enrolled.id)
    rows = api.get("/me/progress", user=enrolled).json()
    assert {(r["page"], r["kind"]) for r in rows} == {
        (curriculum.qualification.id, "qualification"),
        (curriculum.course("course-one").id, "course"),
        (curriculum.course("course-two").id, "course"),
    }
    course_one = next(r for r in rows if r["page"] == curriculum.course().id)
    assert course_one["percent"] == 17 and course_one["summary"]["modules"][0]["done"] == 1
    assert api.get("/me/certificates", user=enrolled).json() == []


# --- grading --------------------------------------------------------------------------------


def test_grading_through_the_api(api, curriculum, enrolled, instructor, second_instructor):
    submission = submit(enrolled, curriculum.project).submission
    queue = api.get("/grading/submissions", user=instructor, status="pending").json()
    assert queue[0]["id"] == submission.id and queue[0]["learner"] == "lena"
    assert queue[0]["version"] == 1 and queue[0]["late"] is False

    levels = levels_for(curriculum.project, 3)
    graded = api.post(
        f"/grading/submissions/{submission.id}/grade",
        {"levels": levels, "feedback": "Solid.", "release": True},
        user=instructor,
    ).json()
    assert graded["awaits_moderation"] is True and graded["percent"] == "75.00"
    moderated = api.post(
        f"/grading/submissions/{submission.id}/moderation",
        {"agree": False, "levels": levels_for(curriculum.project, 4), "feedback": "Better."},
        user=second_instructor,
    ).json()
    assert moderated["status"] == "released" and moderated["percent"] == "100.00"
    assert moderated["feedback"] == "Better."


def test_returning_through_the_api(api, curriculum, enrolled, instructor):
    submission = submit(enrolled, curriculum.project).submission
    response = api.post(
        f"/grading/submissions/{submission.id}/return", {"feedback": "Revise."}, user=instructor
    )
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("submission", "status", "version")} == {
        "submission": submission.id,
        "status": "returned",
        "version": 1,
    }
    assert body["due_at"]  # 14 days ahead by default (tests/courses/test_revision_due.py)
    again = api.post(
        f"/grading/submissions/{submission.id}/return", {"feedback": "Revise."}, user=instructor
    )
    assert again.status_code == 409


# --- errors ---------------------------------------------------------------------------------


@pytest.fixture
def world(curriculum, enrolled, instructor):
    submission = submit(enrolled, curriculum.project).submission
    return {
        "qualification": curriculum.qualification.id,
        "course": curriculum.course().id,
        "lesson": curriculum.lessons()[0].id,
        "check": curriculum.checks()[0].id,
        "project": curriculum.project.id,
        "submission": submission.id,
    }


def test_unknown_and_wrong_kind_ids_are_404(api, world, enrolled, instructor):
    missing = 2_000_000_000
    cases = [
        ("get", f"/courses/{missing}", None),
        ("get", f"/courses/{world['lesson']}", None),
        ("get", f"/knowledge-checks/{world['lesson']}", None),
        ("get", f"/field-projects/{world['course']}", None),
        ("get", f"/knowledge-checks/{missing}/answer-key", instructor),
        ("post", f"/courses/{world['qualification']}/enrolment", enrolled),
        ("post", f"/qualifications/{world['course']}/enrolment", enrolled),
        ("post", f"/lessons/{world['check']}/completion", enrolled),
        ("post", f"/lessons/{missing}/completion", enrolled),
        ("post", f"/knowledge-checks/{missing}/attempts", enrolled),
        ("post", f"/grading/submissions/{missing}/return", instructor),
    ]
    for method, path, user in cases:
        body = {"answers": {"q": "c"}} if "attempts" in path else {"feedback": "x"}
        response = api.get(path, user=user) if method == "get" else api.post(path, body, user=user)
        assert response.status_code == 404, path
        assert response.json()["detail"], path


@pytest.mark.parametrize("bad_id", ["99999999999999999999", "9223372036854775808", "0", "-1"])
def test_ids_out_of_range_are_400_not_500(api, world, enrolled, instructor, bad_id):
    client = Client(raise_request_exception=False)
    api.client = client
    for method, path, user in [
        ("get", f"/courses/{bad_id}", None),
        ("get", f"/knowledge-checks/{bad_id}", None),
        ("get", f"/field-projects/{bad_id}", None),
        ("get", f"/knowledge-checks/{bad_id}/answer-key", instructor),
        ("post", f"/courses/{bad_id}/enrolment", enrolled),
        ("post", f"/qualifications/{bad_id}/enrolment", enrolled),
        ("post", f"/lessons/{bad_id}/completion", enrolled),
        ("post", f"/knowledge-checks/{bad_id}/attempts", enrolled),
        ("post", f"/grading/submissions/{bad_id}/grade", instructor),
        ("post", f"/grading/submissions/{bad_id}/moderation", instructor),
        ("post", f"/grading/submissions/{bad_id}/return", instructor),
    ]:
        body = {"answers": {"q": "c"}, "levels": {}, "agree": True, "feedback": "x"}
        response = api.get(path, user=user) if method == "get" else api.post(path, body, user=user)
        assert response.status_code == 400, (path, response.status_code)
        assert "_id" in response.json()["detail"], path


def test_non_numeric_ids_are_400(api, world):
    response = api.get("/courses/one")
    assert response.status_code == 400 and "course_id" in response.json()["detail"]


MALFORMED = ["{not json", "", "null", "[]", '"text"', "12", json.dumps({"x": "\ud800"})[:-2]]


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/knowledge-checks/{check}/attempts", "learner"),
        ("/grading/submissions/{submission}/grade", "instructor"),
        ("/grading/submissions/{submission}/moderation", "instructor"),
        ("/grading/submissions/{submission}/return", "instructor"),
    ],
)
def test_malformed_json_is_400(api, world, enrolled, instructor, path, who):
    user = enrolled if who == "learner" else instructor
    for raw in MALFORMED:
        response = api.post(path.format(**world), raw=raw, user=user)
        assert response.status_code == 400, (path, raw)
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "who", "body"),
    [
        ("/grading/submissions/{submission}/grade", "instructor", {"levels": "all"}),
        ("/grading/submissions/{submission}/grade", "instructor", {"levels": {"a": 1}}),
        ("/grading/submissions/{submission}/grade", "instructor", {"levels": {}, "release": []}),
        ("/grading/submissions/{submission}/grade", "instructor", {"levels": {"x": "y"}}),
        (
            "/grading/submissions/{submission}/grade",
            "instructor",
            {"levels": {}, "revision": "latest"},
        ),
        ("/grading/submissions/{submission}/grade", "instructor", {"levels": {}, "learner": 1e30}),
        ("/grading/submissions/{submission}/moderation", "instructor", {"agree": "maybe"}),
        ("/grading/submissions/{submission}/moderation", "instructor", {}),
        ("/grading/submissions/{submission}/return", "instructor", {"feedback": ["a"]}),
        ("/grading/submissions/{submission}/return", "instructor", {"feedback": "   "}),
        ("/knowledge-checks/{check}/attempts", "learner", {"answers": "abc"}),
    ],
)
def test_wrong_types_are_400(api, world, enrolled, instructor, path, who, body):
    user = enrolled if who == "learner" else instructor
    response = api.post(path.format(**world), body, user=user)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_grading_a_member_who_is_not_in_the_submission_is_400(api, world, instructor):
    response = api.post(
        f"/grading/submissions/{world['submission']}/grade",
        {"levels": {}, "learner": 123456},
        user=instructor,
    )
    assert response.status_code == 400 and "not a member" in response.json()["detail"]


def test_multipart_submissions_refuse_bad_forms(api, world, enrolled):
    url = f"/field-projects/{world['project']}/submissions"
    assert api.post_multipart(url, {}, user=enrolled).status_code == 400
    response = api.post(url, {"report": "As JSON."}, user=enrolled)
    assert response.status_code == 400


def test_a_state_conflict_is_409(api, world, enrolled, curriculum):
    from tests.courses.helpers import set_moderation

    check = curriculum.checks()[1]  # module 2 of a course whose modules open in order
    response = api.post(
        f"/knowledge-checks/{check.id}/attempts", {"answers": answers_for(check)}, user=enrolled
    )
    assert response.status_code == 409
    set_moderation(curriculum.qualification, True)
    response = api.post(
        f"/grading/submissions/{world['submission']}/moderation", {"agree": True}, user=enrolled
    )
    assert response.status_code == 403


def test_an_expired_or_unknown_token_is_401(api, world):
    client = Client()
    for header in ("Bearer nonsense", "Basic abc", "Bearer "):
        response = client.get("/api/v1/me/progress", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json()["detail"].startswith("Authentication required")


def test_no_endpoint_answers_500(api, world, enrolled, instructor, staff):
    """Every route, every role, with bodies that are valid, empty and nonsense."""
    api.client = Client(raise_request_exception=False)
    gets = [
        "/qualifications",
        "/courses",
        f"/courses/{world['course']}",
        f"/knowledge-checks/{world['check']}",
        f"/knowledge-checks/{world['check']}/answer-key",
        f"/field-projects/{world['project']}",
        "/me/progress",
        "/me/certificates",
        "/grading/submissions",
        "/grading/submissions?status=nonsense",
        "/grading/submissions?status=all",
    ]
    posts = [
        f"/qualifications/{world['qualification']}/enrolment",
        f"/courses/{world['course']}/enrolment",
        f"/lessons/{world['lesson']}/completion",
        f"/knowledge-checks/{world['check']}/attempts",
        f"/field-projects/{world['project']}/submissions",
        f"/grading/submissions/{world['submission']}/grade",
        f"/grading/submissions/{world['submission']}/moderation",
        f"/grading/submissions/{world['submission']}/return",
    ]
    bodies = [None, "{}", "[1]", '{"answers": {"a": null}, "levels": null, "agree": null}']
    for user in (None, enrolled, instructor, staff):
        for path in gets:
            path, _, query = path.partition("?")
            params = dict([query.split("=")]) if query else {}
            response = api.get(path, user=user, **params)
            assert response.status_code < 500, (path, user, response.status_code)
        for path in posts:
            for raw in bodies:
                response = api.post(path, user=user, raw=raw) if raw else api.post(path, user=user)
                assert response.status_code < 500, (path, user, raw, response.status_code)
    assert Grade.objects.count() <= 1 and Submission.objects.count() == 1
    assert Enrolment.objects.filter(learner=enrolled).count() == 3
    learners = list(LessonCompletion.objects.values_list("learner_id", flat=True))
    assert len(learners) == len(set(learners)) <= 3
