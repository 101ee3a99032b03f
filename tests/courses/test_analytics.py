"""Cohort analytics (courses/analytics.py, views/grading.py): completion funnel, check pass
rates, work waiting, learners at risk, and a grade export that spreadsheets cannot execute.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.analytics import csv_safe, grade_rows, pages_for, report
from courses.enrolment import enrolment_create
from courses.models import Cohort, ProgressSnapshot
from courses.progress import learner_events_process
from tests.conftest import answers_for, make_user, submit_check
from tests.courses.helpers import complete_module, release, submit


@pytest.fixture
def cohort_activity(curriculum, instructor):
    """Four learners: one ahead, one who failed a check, one idle, one past a cohort deadline."""
    ahead = make_user("learner", "ahead", full_name="Ada Ahead")
    failing = make_user("learner", "failing")
    idle = make_user("learner", "idle")
    late = make_user("learner", "late")
    for user in (ahead, failing, idle):
        enrolment_create(learner=user, page=curriculum.qualification)
    cohort = Cohort.objects.create(
        name="Spring",
        page=curriculum.qualification,
        starts_on=timezone.now().date() - timedelta(days=90),
        submission_deadline=timezone.now() - timedelta(days=1),
    )
    enrolment_create(learner=late, page=curriculum.qualification, cohort=cohort)

    complete_module(ahead, curriculum, "course-one", 0)
    submit(ahead, curriculum.project)
    check = curriculum.checks()[0]
    submit_check(learner=failing, check=check, answers=answers_for(check, correct=False))
    for user in (ahead, failing, idle, late):
        learner_events_process(learner_id=user.id)
    ProgressSnapshot.objects.filter(enrolment__learner=idle).update(
        last_activity_at=timezone.now() - timedelta(days=15)
    )
    return {"ahead": ahead, "failing": failing, "idle": idle, "late": late}


def test_the_report_of_a_qualification(curriculum, cohort_activity):
    result = report(page=curriculum.qualification)

    assert result["enrolled"] == 4 and result["completed"] == 0
    assert [(row["module"], row["completed"], row["percent"]) for row in result["funnel"]] == [
        ("Module 1", 1, 25),
        ("Module 2", 0, 0),
        ("Module 1", 0, 0),
        ("Module 2", 0, 0),
    ]
    first = result["pass_rates"][0]
    assert (first["attempted"], first["passed"], first["percent"]) == (2, 1, 50)
    assert all(row["attempted"] == 0 for row in result["pass_rates"][1:])
    assert (result["waiting"], result["awaiting_moderation"]) == (1, 0)

    at_risk = {row["learner"].username: row["reasons"] for row in result["at_risk"]}
    assert at_risk == {"idle": ["inactive"], "late": ["past_deadline"]}


def test_work_waiting_for_a_second_marker_is_counted(curriculum, cohort_activity, instructor):
    from courses.models import Submission

    submission = Submission.objects.get()
    release(instructor, submission, 3)
    result = report(page=curriculum.qualification)
    assert (result["waiting"], result["awaiting_moderation"]) == (1, 1)


def test_the_report_of_a_course_covers_its_own_modules(curriculum, cohort_activity):
    result = report(page=curriculum.course())
    assert result["enrolled"] == 4
    assert [row["completed"] for row in result["funnel"]] == [1, 0]
    assert result["waiting"] == 0 and len(result["pass_rates"]) == 2


def test_an_instructor_sees_analytics_of_what_they_teach(curriculum, instructor, staff):
    assert {p.id for p in pages_for(instructor)} == {curriculum.qualification.id}
    assert len(pages_for(staff)) == 4  # two qualifications, two courses
    assert pages_for(make_user("instructor", "nobody-taught")) == []
    cohort_teacher = make_user("instructor", "cohort-teacher")
    cohort = Cohort.objects.create(
        name="C", page=curriculum.course("course-two"), starts_on=timezone.now().date()
    )
    cohort.instructors.add(cohort_teacher)
    assert [p.id for p in pages_for(cohort_teacher)] == [curriculum.course("course-two").id]


def test_the_analytics_page_shows_the_report(client, curriculum, cohort_activity, instructor):
    client.force_login(instructor)
    response = client.get(f"/en/grading/analytics/{curriculum.qualification.id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Module 1" in body and "idle" in body.lower()
    index = client.get("/en/grading/analytics/").content.decode()
    assert f"/en/grading/analytics/{curriculum.qualification.id}/" in index


# --- the grade export -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Ada Ahead", "Ada Ahead"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cells_cannot_be_formulas(value, safe):
    assert csv_safe(value) == safe


def test_the_grade_export(client, curriculum, cohort_activity, instructor):
    learner = cohort_activity["ahead"]
    learner.full_name = '=cmd|" /C calc"!A0'
    learner.email = "+ahead@example.org"
    learner.save()
    submission = learner.submission_memberships.get().submission
    from tests.courses.helpers import set_moderation

    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 4)

    rows = list(grade_rows(page=curriculum.qualification))
    assert rows[0][:5] == ["username", "full_name", "email", "status", "progress_percent"]
    assert len(rows) == 5 and [r[0] for r in rows[1:]] == ["ahead", "failing", "idle", "late"]

    client.force_login(instructor)
    response = client.get(f"/en/grading/analytics/{curriculum.qualification.id}/grades.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="grades-test-qualification.csv"'
    parsed = list(csv.reader(io.StringIO(response.content.decode())))
    header, ahead = parsed[0], parsed[1]
    assert ahead[header.index("full_name")] == '\'=cmd|" /C calc"!A0'
    assert ahead[header.index("email")] == "'+ahead@example.org"
    assert ahead[header.index("project_percent")] == "100.00"
    assert ahead[header.index("project_passed")] == "yes"
    assert ahead[header.index("Course One / Module 1 check")] == "100"
    check_columns = [name for name in header if name.endswith(" check")]
    # Unique, though every check is titled "Check".
    assert len(check_columns) == len(set(check_columns)) == 4
    for row in parsed[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
