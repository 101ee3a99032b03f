"""The instructors' workbench (issue 12): landing on the queue, the queue's tabs, counts and
filters, the two-pane grading page (inline PDFs, running total data, drafts, moderation panel,
changes since the previous version), analytics charts as accessible SVG with CSV and SVG
downloads, learners at risk and the one-click nudge, and the same in the JSON API.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from defusedxml.ElementTree import fromstring
from django.core import mail
from django.utils import timezone

from courses.analytics import charts, report
from courses.enrolment import enrolment_create
from courses.grading import QueueFilters, grade_save, grading_queue, queue_counts
from courses.models import (
    Cohort,
    Enrolment,
    Grade,
    KnowledgeCheckAttempt,
    ProgressSnapshot,
    Submission,
    SubmissionVersion,
)
from courses.progress import learner_events_process
from courses.teams import invitation_accept, team_invite
from lms.graphics import bar_chart_svg
from tests.conftest import answers_for, make_user, submit_check
from tests.courses.helpers import (
    complete_module,
    levels_for,
    pdf_bytes,
    release,
    set_moderation,
    submit,
    upload,
)

SVG = "{http://www.w3.org/2000/svg}"


def _get(client, user, url, expect=200, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == expect, response.content.decode()[:500]
    return response


# --- landing ----------------------------------------------------------------------------------


def test_an_instructor_without_enrolments_lands_on_the_queue(client, curriculum, instructor):
    response = client.post(
        "/en/accounts/login/",
        {"username": instructor.username, "password": "a-long-test-password-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/en/grading/"
    assert "Grading queue" in response.content.decode()


def test_a_learner_stays_on_the_dashboard_and_an_enrolled_instructor_sees_the_queue_link(
    client, curriculum, enrolled, instructor
):
    body = _get(client, enrolled, "/en/dashboard/").content.decode()
    assert "/en/grading/" not in body
    enrolment_create(learner=instructor, page=curriculum.course())
    body = _get(client, instructor, "/en/dashboard/").content.decode()
    assert 'href="/en/grading/"' in body and "0 to grade, 0 to moderate." in body


# --- the queue --------------------------------------------------------------------------------


@pytest.fixture
def two_learners(curriculum, enrolled, other_learner):
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    first = submit(enrolled, curriculum.project).submission
    second = submit(other_learner, curriculum.project).submission
    return first, second


def test_tabs_count_what_each_holds(curriculum, two_learners, instructor, second_instructor):
    first, second = two_learners
    set_moderation(curriculum.qualification, True)
    release(instructor, first, 3)  # sent to a second marker

    assert queue_counts(instructor) == {
        "to_grade": 1,
        "to_moderate": 0,  # nobody moderates their own marking
        "returned": 0,
        "graded": 0,
    }
    assert queue_counts(second_instructor)["to_moderate"] == 1
    assert list(grading_queue(second_instructor, status="to_moderate")) == [first]
    assert list(grading_queue(instructor, status="to_grade")) == [second]

    from courses.grading import grade_moderate

    grade_moderate(moderator=second_instructor, submission=first, agree=True)
    assert queue_counts(instructor)["graded"] == 1
    assert list(grading_queue(instructor, status="graded")) == [first]


def test_a_team_submission_stays_to_grade_until_every_member_is_graded(
    curriculum, enrolled, other_learner, instructor
):
    set_moderation(curriculum.qualification, False)
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    [invitation] = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[other_learner.username]
    )
    invitation_accept(learner=other_learner, invitation_id=invitation.id)
    submission = submit(enrolled, curriculum.project).submission
    assert submission.members.count() == 2

    release(instructor, submission, 3, learner_id=enrolled.id)
    assert list(grading_queue(instructor, status="to_grade")) == [submission]
    release(instructor, submission, 4, learner_id=other_learner.id)
    assert list(grading_queue(instructor, status="to_grade")) == []
    assert queue_counts(instructor)["graded"] == 1


def test_a_team_members_page_shows_the_history_of_that_members_grade_only(
    client, curriculum, enrolled, other_learner, instructor
):
    set_moderation(curriculum.qualification, False)
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    [invitation] = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[other_learner.username]
    )
    invitation_accept(learner=other_learner, invitation_id=invitation.id)
    submission = submit(enrolled, curriculum.project).submission
    release(instructor, submission, 3, learner_id=enrolled.id, reason="Marked the leader")
    release(instructor, submission, 4, learner_id=other_learner.id, reason="Marked the member")

    url = f"/en/grading/submissions/{submission.id}/"
    leader = _get(client, instructor, url, learner=enrolled.id).content.decode()
    member = _get(client, instructor, url, learner=other_learner.id).content.decode()
    assert "Marked the leader" in leader and "Marked the member" not in leader
    assert "Marked the member" in member and "Marked the leader" not in member
    assert f"History of the grade for {other_learner.display_name}" in member


def test_filters_narrow_the_queue(curriculum, two_learners, enrolled, instructor):
    first, second = two_learners
    Submission.objects.filter(id=first.id).update(
        latest_submitted_at=timezone.now() - timedelta(days=10)
    )
    SubmissionVersion.objects.filter(submission=second).update(late=True)
    cohort = Cohort.objects.create(
        name="Autumn", page=curriculum.qualification, starts_on=timezone.now().date()
    )
    Enrolment.objects.filter(learner=enrolled).update(cohort=cohort)

    def ids(**filters):
        return [s.id for s in grading_queue(instructor, filters=QueueFilters(**filters))]

    assert ids(waiting_days=7) == [first.id]
    assert ids(late=True) == [second.id]
    assert ids(cohort=cohort.id) == [first.id]
    assert ids(page=curriculum.qualification.id) == [first.id, second.id]
    assert ids(page=curriculum.course().id) == []
    assert queue_counts(instructor, filters=QueueFilters(late=True))["to_grade"] == 1


def test_the_queue_page_has_tabs_filters_waiting_times_and_graders(
    client, curriculum, two_learners, instructor
):
    first, _ = two_learners
    set_moderation(curriculum.qualification, False)
    release(instructor, first, 3)

    body = _get(client, instructor, "/en/grading/").content.decode()
    assert 'aria-current="page">To grade <span class="tab-count">1</span>' in body
    assert 'Graded <span class="tab-count">1</span>' in body
    assert 'name="cohort"' in body and 'name="waiting"' in body and 'name="late"' in body
    assert "0\xa0minutes" in body  # how long each row has waited

    body = _get(client, instructor, "/en/grading/", status="graded").content.decode()
    assert 'aria-current="page">Graded' in body
    assert "75.00% by Ingrid" in body

    # Filters travel with the tabs.
    body = _get(client, instructor, "/en/grading/", late="on").content.decode()
    assert "status=graded&amp;late=on" in body


@pytest.mark.parametrize("params", [{"waiting": "soon"}, {"waiting": "-1"}, {"cohort": "999"}])
def test_a_bad_filter_is_a_400_that_keeps_the_input(client, curriculum, instructor, params):
    response = _get(client, instructor, "/en/grading/", expect=400, **params)
    body = response.content.decode()
    assert 'class="form-errors"' in body
    if params.get("waiting") == "soon":
        assert 'value="soon"' in body


# --- the grading page -------------------------------------------------------------------------


def test_the_grading_page_has_two_panes_an_inline_pdf_and_the_rubric_data(
    client, curriculum, enrolled, instructor
):
    version = submit(
        enrolled,
        curriculum.project,
        files=[upload("diagnosis.pdf", pdf_bytes(), "application/pdf")],
    )
    stored = version.files.get()
    response = _get(client, instructor, f"/en/grading/submissions/{version.submission_id}/")
    body = response.content.decode()
    assert 'class="grading-work"' in body and 'class="grading-rubric"' in body
    assert f'<iframe class="pdf-frame" src="/en/grading/files/{stored.id}/inline/"' in body
    frame_src = next(
        d for d in response["Content-Security-Policy"].split("; ") if d.startswith("frame-src")
    )
    assert "'self'" in frame_src.split()
    assert "js/grading-rubric.js" in body and "<script>" not in body
    assert body.count("data-criterion") == 2 and 'data-weight="2' in body
    assert 'data-points="4" data-max="4"' in body and "data-rubric-total" in body

    inline = _get(client, instructor, f"/en/grading/files/{stored.id}/inline/")
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert inline["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert b"".join(inline.streaming_content).startswith(b"%PDF")

    # Only the submission's graders see it inline.
    _get(client, make_user("instructor", "stranger"), f"/en/grading/files/{stored.id}/inline/", 403)
    _get(client, enrolled, f"/en/grading/files/{stored.id}/inline/", 403)


def test_a_non_pdf_is_not_shown_inline(client, curriculum, enrolled, instructor):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    png = buffer.getvalue()
    version = submit(enrolled, curriculum.project, files=[upload("map.png", png, "image/png")])
    response = _get(
        client, instructor, f"/en/grading/files/{version.files.get().id}/inline/", expect=404
    )
    assert "Only PDF files" in response.content.decode()


def test_a_draft_keeps_levels_and_comments_without_releasing(
    client, curriculum, enrolled, instructor
):
    submission = submit(enrolled, curriculum.project).submission
    levels = levels_for(curriculum.project, 3, 2)
    form = {f"level-{c}": lv for c, lv in levels.items()}
    first = next(iter(levels))
    client.force_login(instructor)
    response = client.post(
        f"/en/grading/submissions/{submission.id}/grade/",
        {**form, f"cfeedback-{first}": "Sharper targets.", "feedback": "Good.", "action": "draft"},
        follow=True,
    )
    assert "Draft saved" in response.content.decode()
    grade = Grade.objects.get()
    assert grade.status == Grade.Status.DRAFT and grade.levels == levels
    body = response.content.decode()
    assert "Sharper targets." in body and f'value="{levels[first]}" data-points' in body
    assert not mail.outbox


def test_a_second_marker_sees_only_the_moderation_panel(
    client, curriculum, enrolled, instructor, second_instructor
):
    set_moderation(curriculum.qualification, True)
    submission = submit(enrolled, curriculum.project).submission
    release(instructor, submission, 3)
    body = _get(client, second_instructor, f"/en/grading/submissions/{submission.id}/").content
    body = body.decode()
    assert "Moderation" in body and "Agree and release" in body
    assert "Send to second marker" not in body and "Save draft" not in body
    # The adjust form has its own running total.
    assert body.count("data-rubric-total") == 1 and 'data-points="1" data-max="4"' in body
    # The first marker still sees their form (to wait), not the moderation panel.
    body = _get(client, instructor, f"/en/grading/submissions/{submission.id}/").content.decode()
    assert "Agree and release" not in body


def test_a_resubmission_shows_what_changed_beside_the_rubric(
    client, curriculum, enrolled, instructor
):
    from courses.grading import submission_return

    submission = submit(enrolled, curriculum.project, report="The plan names Alpha.").submission
    submission_return(instructor=instructor, submission=submission, feedback="More targets.")
    submit(enrolled, curriculum.project, report="The plan names Beta.")
    body = _get(client, instructor, f"/en/grading/submissions/{submission.id}/").content.decode()
    assert "Changes since version 1" in body
    assert "<del>Alpha" in body and "<ins>Beta" in body


# --- analytics --------------------------------------------------------------------------------


@pytest.fixture
def cohort_activity(curriculum, instructor):
    """Ahead (a module done, submitted and graded), struggling (failed a check twice), idle
    (no activity for 20 days), near (project due in 3 days), nobody tried the later checks."""
    ahead = make_user("learner", "ahead", full_name="Ada Ahead")
    struggling = make_user("learner", "struggling")
    idle = make_user("learner", "idle")
    near = make_user("learner", "near")
    for user in (ahead, struggling, idle):
        enrolment_create(learner=user, page=curriculum.qualification)
    cohort = Cohort.objects.create(
        name="Spring",
        page=curriculum.qualification,
        starts_on=timezone.now().date() - timedelta(days=30),
        submission_deadline=timezone.now() + timedelta(days=3),
    )
    enrolment_create(learner=near, page=curriculum.qualification, cohort=cohort)
    complete_module(ahead, curriculum, "course-one", 0)
    submission = submit(ahead, curriculum.project).submission
    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 3)
    check = curriculum.checks()[0]
    for _ in range(2):
        submit_check(learner=struggling, check=check, answers=answers_for(check, correct=False))
        KnowledgeCheckAttempt.objects.filter(learner=struggling).update(
            started_at=timezone.now() - timedelta(days=1)
        )
    for user in (ahead, struggling, idle, near):
        learner_events_process(learner_id=user.id)
    ProgressSnapshot.objects.filter(enrolment__learner=idle).update(
        last_activity_at=timezone.now() - timedelta(days=20)
    )
    return {"ahead": ahead, "struggling": struggling, "idle": idle, "near": near, "cohort": cohort}


def test_the_report_has_charts_a_dash_for_untried_checks_and_grade_levels(
    curriculum, cohort_activity
):
    result = report(page=curriculum.qualification)
    assert [row["course"] for row in result["funnel"]] == ["Course One"] * 2 + ["Course Two"] * 2
    first, *rest = result["pass_rates"]
    assert (first["attempted"], first["passed"], first["attempts"]) == (2, 1, 3)
    assert all(r["percent"] is None and r["attempts"] == 0 for r in rest)
    by_criterion = {d["criterion"]: d for d in result["grade_distribution"]}
    assert all(d["graded"] == 1 for d in by_criterion.values())
    assert all([lv["count"] for lv in d["levels"]] == [0, 0, 1, 0] for d in by_criterion.values())
    latest = result["progress"][-1]
    assert (latest["enrolled"], latest["modules_completed"], latest["percent"]) == (4, 1, 6)
    assert len(result["progress"]) == 12

    drawn = {c.id: c for c in charts(result)}
    course_one = curriculum.course("course-one").id
    assert set(drawn) == {
        f"funnel-{course_one}",
        f"funnel-{curriculum.course('course-two').id}",
        "checks",
        "grades",
        "progress",
    }
    checks = drawn["checks"]
    assert checks.rows[1][-1] == "" and "—" in checks.svg()


def test_at_risk_names_inactive_near_deadlines_and_failed_attempts(curriculum, cohort_activity):
    result = report(page=curriculum.qualification)
    reasons = {row["learner"].username: row["reasons"] for row in result["at_risk"]}
    assert reasons == {
        "struggling": ["failed_attempts"],
        "idle": ["inactive"],
        "near": ["deadline_near"],
    }
    # Fewer days of inactivity put more learners at risk; a cohort narrows the list.
    longer = report(page=curriculum.qualification, inactive_days=30)
    assert "idle" not in {row["learner"].username for row in longer["at_risk"]}
    cohort = report(page=curriculum.qualification, cohort_id=cohort_activity["cohort"].id)
    assert cohort["enrolled"] == 1
    assert [row["learner"].username for row in cohort["at_risk"]] == ["near"]


def test_svg_charts_are_accessible_images_with_escaped_text():
    svg = bar_chart_svg(
        chart_id="c1",
        title="Pass <rates>",
        desc="Share & more",
        bars=[("<script>alert(1)</script>", 50, "50%"), ("Nobody", None, "—")],
        standalone=True,
    )
    root = fromstring(svg.split("\n", 1)[1])
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Pass <rates>"
    assert root.find(f"{SVG}desc").text == "Share & more"
    assert root.find(f".//{SVG}script") is None and "<script>" not in svg
    assert len(root.findall(f"{SVG}rect")) == 2  # the background and the one bar with data


def test_the_analytics_page_draws_charts_beside_tables_and_offers_downloads(
    client, curriculum, cohort_activity, instructor
):
    url = f"/en/grading/analytics/{curriculum.qualification.id}/"
    body = _get(client, instructor, url).content.decode()
    assert body.count("<svg viewBox=") == 5 and body.count('role="img"') == 5
    assert body.count("<title id=") == 5 and "<desc id=" in body
    assert f"{url}charts/checks.csv" in body and f"{url}charts/progress.svg" in body
    assert "<td>—</td>" in body  # the pass rate nobody earned
    assert "Nudge" in body

    response = _get(client, instructor, f"{url}charts/checks.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Check", "Learners who tried", "Passed", "Attempts", "Pass rate"]
    assert rows[1][1:] == ["2", "1", "3", "50"] and rows[2][-1] == ""
    response = _get(client, instructor, f"{url}charts/grades.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="test-qualification-grades.svg"'
    assert fromstring(response.content.split(b"\n", 1)[1]).get("role") == "img"

    _get(client, instructor, f"{url}charts/nothing.csv", expect=404)
    _get(client, instructor, f"{url}charts/checks.exe", expect=404)
    _get(client, instructor, f"{url}charts/checks.csv", expect=400, inactive="0")
    _get(client, make_user("instructor", "not-teaching"), f"{url}charts/checks.csv", expect=403)


def test_a_nudge_sends_the_inactivity_email_once_a_week(
    client, curriculum, cohort_activity, instructor, django_capture_on_commit_callbacks
):
    idle = cohort_activity["idle"]
    enrolment = Enrolment.objects.get(learner=idle, page=curriculum.qualification)
    url = f"/en/grading/analytics/{curriculum.qualification.id}/nudge/{enrolment.id}/"
    client.force_login(instructor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": "//evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == f"/en/grading/analytics/{curriculum.qualification.id}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert [m.to for m in mail.outbox] == [[idle.email]]
    assert mail.outbox[0].subject == "Pick up where you left off in Test Qualification"

    assert client.get(url).status_code == 405
    Enrolment.objects.filter(id=enrolment.id).update(status=Enrolment.Status.COMPLETED)
    assert client.post(url).status_code == 400
    other = make_user("instructor", "elsewhere")
    client.force_login(other)
    assert client.post(url).status_code == 403


# --- the API ----------------------------------------------------------------------------------


def test_the_api_has_the_tabs_filters_counts_analytics_and_nudges(
    api, curriculum, cohort_activity, instructor, django_capture_on_commit_callbacks
):
    counts = api.get("/grading/queue-counts", user=instructor).json()
    assert counts == {"to_grade": 0, "to_moderate": 0, "returned": 0, "graded": 1}
    [item] = api.get("/grading/submissions", user=instructor, status="graded").json()
    assert item["grades"][0]["percent"] == "75.00" and item["grades"][0]["grader"] == "Ingrid"
    assert (
        api.get("/grading/submissions", user=instructor, status="graded", late="true").json() == []
    )
    assert api.get("/grading/submissions", user=instructor, waiting_days=-1).status_code == 400

    page = curriculum.qualification.id
    body = api.get(f"/analytics/{page}", user=instructor).json()
    assert body["enrolled"] == 4 and body["pass_rates"][1]["percent"] is None
    assert {r["learner"]["username"] for r in body["at_risk"]} == {"struggling", "idle", "near"}
    assert api.get(f"/analytics/{page}", user=make_user("instructor", "x")).status_code == 403

    enrolment = Enrolment.objects.get(learner=cohort_activity["idle"], page_id=page)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/analytics/{page}/nudges", {"enrolment": enrolment.id}, user=instructor
        )
    assert response.status_code == 202 and response.json()["learner"] == cohort_activity["idle"].id
    assert len(mail.outbox) == 1
    assert (
        api.post(f"/analytics/{page}/nudges", {"enrolment": 10**9}, user=instructor).status_code
        == 404
    )
    assert api.post(f"/analytics/{page}/nudges", {}, user=instructor).status_code == 400


def test_grade_save_through_the_rules_matches_the_running_total_inputs(
    curriculum, enrolled, instructor
):
    """The page's script computes sum(weight * points / top) / sum(weight); the server agrees."""
    submission = submit(enrolled, curriculum.project).submission
    grade = grade_save(
        grader=instructor, submission=submission, levels=levels_for(curriculum.project, 4, 2)
    )
    # Strategy (weight 2) at 4/4 and governance (weight 1) at 2/4: (2 + 0.5) / 3.
    assert str(grade.percent) == "83.33"
