"""The statement builder: each verb and the shape of its statement (xAPI 1.0.3)."""

from datetime import UTC, datetime

import pytest

from lms.xapi.statements import (
    ACTIVITY_TYPES,
    VERBS,
    Activity,
    Context,
    Event,
    Score,
    registration_id,
    statement_build,
    statement_id,
)

SITE = "https://academy.example.org"
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
COURSE = Activity(id=f"{SITE}/en/catalog/course-one/", kind="course", name="Course one")
QUALIFICATION = Activity(id=f"{SITE}/en/catalog/qual/", kind="qualification", name="Qualification")
COHORT = Activity(id=f"{QUALIFICATION.id}#cohort-3", kind="cohort", name="Spring 2026")
LESSON = Activity(id=f"{COURSE.id}module-1/lesson-1/", kind="lesson", name="Lesson one")
CHECK = Activity(id=f"{COURSE.id}module-1/check/", kind="check", name="Check one")
PROJECT = Activity(id=f"{QUALIFICATION.id}project/", kind="project", name="Field project")
CERTIFICATE = Activity(id=f"{SITE}/verify/CMA-1234/", kind="certificate", name="Certificate")


def build(verb, activity, **extra):
    event = Event(
        key="event-1", verb=verb, actor_name="9a1b", activity=activity, timestamp=AT, **extra
    )
    return statement_build(event, site=SITE, platform="Cluster Manager Academy")


# Each learning event, its verb IRI and the activity type of its object.
CASES = [
    ("registered", COURSE, "http://adlnet.gov/expapi/verbs/registered", "course"),
    ("experienced", LESSON, "http://adlnet.gov/expapi/verbs/experienced", "lesson"),
    ("completed", LESSON, "http://adlnet.gov/expapi/verbs/completed", "lesson"),
    ("completed", COURSE, "http://adlnet.gov/expapi/verbs/completed", "course"),
    ("completed", QUALIFICATION, "http://adlnet.gov/expapi/verbs/completed", "qualification"),
    ("attempted", CHECK, "http://adlnet.gov/expapi/verbs/attempted", "check"),
    ("passed", CHECK, "http://adlnet.gov/expapi/verbs/passed", "check"),
    ("failed", CHECK, "http://adlnet.gov/expapi/verbs/failed", "check"),
    ("submitted", PROJECT, "http://activitystrea.ms/schema/1.0/submit", "project"),
    ("returned", PROJECT, "http://activitystrea.ms/schema/1.0/receive", "project"),
    ("graded", PROJECT, "http://adlnet.gov/expapi/verbs/scored", "project"),
    ("earned", CERTIFICATE, "http://id.tincanapi.com/verb/earned", "certificate"),
    ("revoked", CERTIFICATE, "http://activitystrea.ms/schema/1.0/lose", "certificate"),
]


@pytest.mark.parametrize(("verb", "activity", "iri", "kind"), CASES)
def test_each_verb_gives_a_statement_of_the_xapi_shape(verb, activity, iri, kind):
    statement = build(verb, activity)

    assert set(statement) == {"id", "actor", "verb", "object", "context", "timestamp", "version"}
    assert statement["version"] == "1.0.3"
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": SITE, "name": "9a1b"},
    }
    assert statement["verb"] == {"id": iri, "display": {"en": VERBS[verb][1]}}
    assert statement["object"] == {
        "objectType": "Activity",
        "id": activity.id,
        "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en": activity.name}},
    }
    assert statement["timestamp"] == "2026-03-01T09:30:00+00:00"
    assert statement["context"] == {"platform": "Cluster Manager Academy", "language": "en"}


def test_every_verb_is_covered_by_a_case():
    assert {case[0] for case in CASES} == set(VERBS)


def test_the_actor_is_an_account_never_an_email_address():
    statement = build("completed", LESSON)

    assert "mbox" not in statement["actor"]
    assert "mbox_sha1sum" not in statement["actor"]
    assert "@" not in statement["actor"]["account"]["name"]


def test_a_check_attempt_carries_its_score_and_success():
    passed = build("passed", CHECK, score=Score(percent=80, success=True))
    failed = build("failed", CHECK, score=Score(percent=40, success=False))
    attempted = build("attempted", CHECK, score=Score(percent=40))

    assert passed["result"] == {
        "score": {"scaled": 0.8, "raw": 80.0, "min": 0, "max": 100},
        "success": True,
        "completion": True,
    }
    assert failed["result"]["success"] is False
    assert failed["result"]["score"]["scaled"] == 0.4
    assert "success" not in attempted["result"]


def test_a_graded_project_carries_the_rubric_percentage():
    statement = build("graded", PROJECT, score=Score(percent=72.5, success=True))

    assert statement["result"]["score"] == {"scaled": 0.725, "raw": 72.5, "min": 0, "max": 100}
    assert statement["result"]["success"] is True


def test_scores_stay_within_the_scale():
    assert build("graded", PROJECT, score=Score(percent=120))["result"]["score"]["scaled"] == 1
    assert build("graded", PROJECT, score=Score(percent=-5))["result"]["score"]["raw"] == 0


def test_a_returned_project_is_not_complete():
    assert build("returned", PROJECT, completion=False)["result"] == {"completion": False}


def test_context_has_the_course_and_qualification_as_parents_and_the_cohort_as_grouping():
    registration = registration_id(site=SITE, enrolment_id=7)
    statement = build(
        "completed",
        LESSON,
        context=Context(
            parents=(COURSE, QUALIFICATION), groupings=(COHORT,), registration=registration
        ),
    )

    context = statement["context"]
    assert [a["id"] for a in context["contextActivities"]["parent"]] == [
        COURSE.id,
        QUALIFICATION.id,
    ]
    assert (
        context["contextActivities"]["parent"][1]["definition"]["type"]
        == (ACTIVITY_TYPES["qualification"])
    )
    assert context["contextActivities"]["grouping"] == [COHORT.as_json()]
    assert context["registration"] == registration


def test_statement_ids_are_deterministic_uuid5():
    first = build("completed", LESSON)
    again = build("completed", LESSON)
    other_verb = build("experienced", LESSON)

    assert first["id"] == again["id"] == statement_id(site=SITE, key="event-1", verb="completed")
    assert other_verb["id"] != first["id"]
    assert first["id"][14] == "5"  # the UUID's version digit
    assert (
        statement_id(site="https://other.example", key="event-1", verb="completed") != (first["id"])
    )
    assert registration_id(site=SITE, enrolment_id=7) == registration_id(site=SITE, enrolment_id=7)
