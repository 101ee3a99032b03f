"""Rules found by walking the learner, instructor and staff journeys (commit 7c8e361): a passed
check takes no more attempts, staff grant extra attempts, a released grade changes only by
releasing the change, returns only while waiting or after a fail, evidence once approved is
final, a qualification page names the qualifications still missing, and an enrolment's cohort
belongs to its page.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Locale

from courses.enrolment import enrolment_create
from courses.evidence import evidence_review, evidence_submit
from courses.grading import can_return, grade_save, submission_return
from courses.knowledge_checks import attempts_allowed
from courses.models import (
    AttemptAllowance,
    Cohort,
    Enrolment,
    EvidenceSubmission,
    Grade,
    GradeChange,
    KnowledgeCheckAttempt,
    Milestone,
    RevisionRequest,
    Submission,
)
from courses.page_contexts import knowledge_check_context, qualification_context
from courses.teams import invitation_accept, team_invite
from lms.errors import Conflict
from tests.conftest import answers_for, submit_check
from tests.courses.conftest import EVIDENCE_STATEMENT as STATEMENT
from tests.courses.helpers import (
    levels_for,
    post_grade,
    release,
    request_as,
    set_moderation,
    submit,
)


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def body_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def hold(learner, qualification):
    """`learner` holds `qualification`: enrolled, with its requirements met."""
    enrolment = enrolment_create(learner=learner, page=qualification)[0]
    Milestone.objects.create(
        enrolment=enrolment,
        kind=Milestone.Kind.REQUIREMENTS_MET,
        page=qualification,
        achieved_at=timezone.now(),
    )
    return enrolment


def use_every_attempt(learner, check):
    for _ in range(check.max_attempts):
        submit_check(learner=learner, check=check, answers=answers_for(check, correct=False))


# --- a passed check takes no more attempts ----------------------------------------------------


def test_a_passed_check_takes_no_further_attempt(curriculum, enrolled):
    check = curriculum.checks()[0]
    result = submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert result.attempt.passed and result.attempts_left == 2

    for answers in (answers_for(check), answers_for(check, correct=False)):
        with pytest.raises(Conflict, match=r"You have passed this check already\."):
            submit_check(learner=enrolled, check=check, answers=answers)
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled, check_page=check).count() == 1

    context = knowledge_check_context(check, request_as(enrolled))
    assert context["passed"] is True
    assert context["attempts_left"] == 2  # attempts remain, yet none may be taken
    assert context["can_start"] is False and context["current"] is None


def test_a_passed_check_page_offers_no_form_and_refuses_a_post(client, curriculum, enrolled):
    check = curriculum.checks()[0]
    client.force_login(enrolled)
    before = body_of(client, check.url)
    assert ">Submit answers</button>" in before

    submit_check(learner=enrolled, check=check, answers=answers_for(check))
    body = body_of(client, check.url)
    assert "Submit answers</button>" not in body and "Retake" not in body
    assert 'name="q-' not in body and "your answer" in body  # the answers stay, as results

    data = {f"q-{qid}": value for qid, value in answers_for(check).items()}
    response = client.post(f"/en/learn/checks/{check.id}/attempt/", data)
    assert response.status_code == 409
    assert "You have passed this check already." in response.content.decode()
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 1


def test_a_failed_attempt_still_leaves_the_form(curriculum, enrolled):
    check = curriculum.checks()[0]
    submit_check(learner=enrolled, check=check, answers=answers_for(check, correct=False))
    context = knowledge_check_context(check, request_as(enrolled))
    assert context["passed"] is False and context["attempts_left"] == 2
    assert context["can_start"] is True


# --- extra attempts -------------------------------------------------------------------------


def test_an_allowance_gives_one_more_attempt_to_its_learner_at_its_check(
    curriculum, enrolled, staff
):
    check = curriculum.checks()[0]
    assert check.max_attempts == 3
    use_every_attempt(enrolled, check)
    with pytest.raises(Conflict, match="used all 3 attempts"):
        submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert knowledge_check_context(check, request_as(enrolled))["can_start"] is False

    AttemptAllowance.objects.create(
        learner=enrolled, check_page=check, extra=1, reason="Ill on the day.", granted_by=staff
    )
    assert attempts_allowed(enrolled, check) == 4
    context = knowledge_check_context(check, request_as(enrolled))
    assert context["attempts_left"] == 1 and context["can_start"] is True

    result = submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
    assert result.attempt.number == 4 and result.attempts_left == 0
    assert result.answers_revealed is True  # the last allowed attempt reveals the answers
    with pytest.raises(Conflict, match="used all 4 attempts"):
        submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled, check_page=check).count() == 4
    context = knowledge_check_context(check, request_as(enrolled))
    assert context["attempts_left"] == 0 and context["can_start"] is False


def test_allowances_add_up(curriculum, enrolled, staff):
    check = curriculum.checks()[0]
    use_every_attempt(enrolled, check)
    for reason in ("First extension.", "Second extension."):
        AttemptAllowance.objects.create(
            learner=enrolled, check_page=check, extra=1, reason=reason, granted_by=staff
        )
    first = submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
    assert first.attempts_left == 1
    passed = submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert passed.attempt.passed and passed.attempts_left == 0


def test_another_learners_allowance_does_not_help(curriculum, enrolled, other_learner, staff):
    check = curriculum.checks()[0]
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    use_every_attempt(other_learner, check)
    AttemptAllowance.objects.create(
        learner=enrolled, check_page=check, extra=1, reason="Only for Lena.", granted_by=staff
    )
    assert attempts_allowed(other_learner, check) == 3
    with pytest.raises(Conflict, match="used all 3 attempts"):
        submit_check(learner=other_learner, check=check, answers=answers_for(check))
    assert KnowledgeCheckAttempt.objects.filter(learner=other_learner).count() == 3
    assert knowledge_check_context(check, request_as(other_learner))["can_start"] is False


def test_an_allowance_at_another_check_does_not_help(curriculum, enrolled, staff):
    first, other = curriculum.checks()[0], curriculum.checks("course-two")[0]
    use_every_attempt(enrolled, first)
    AttemptAllowance.objects.create(
        learner=enrolled, check_page=other, extra=2, reason="Other check.", granted_by=staff
    )
    with pytest.raises(Conflict, match="used all 3 attempts"):
        submit_check(learner=enrolled, check=first, answers=answers_for(first))


def test_the_chinese_check_page_counts_the_extra_attempt(client, curriculum, enrolled, staff):
    """The allowance is granted on the check (the default-language page, where attempts are
    recorded); the Chinese page of the same check must offer the extra attempt too."""
    check = curriculum.checks()[0]
    use_every_attempt(enrolled, check)
    AttemptAllowance.objects.create(
        learner=enrolled, check_page=check, extra=1, reason="Ill on the day.", granted_by=staff
    )
    chinese = zh(check)
    context = knowledge_check_context(chinese, request_as(enrolled))
    assert context["attempts_left"] == 1
    assert context["can_start"] is True
    client.force_login(enrolled)
    body = body_of(client, chinese.url)
    assert f'action="/zh-hans/learn/checks/{chinese.id}/start/"' in body
    assert ">抽取新题重新作答</button>" in body  # "Retake with new questions"


def test_an_attempt_posted_from_the_chinese_page_uses_the_allowance(
    client, curriculum, enrolled, staff
):
    check = curriculum.checks()[0]
    use_every_attempt(enrolled, check)
    AttemptAllowance.objects.create(
        learner=enrolled, check_page=check, extra=1, reason="Ill on the day.", granted_by=staff
    )
    chinese = zh(check)
    client.force_login(enrolled)
    client.post(f"/zh-hans/learn/checks/{chinese.id}/start/")  # "Retake with new questions"
    data = {f"q-{qid}": value for qid, value in answers_for(check).items()}
    response = client.post(f"/zh-hans/learn/checks/{chinese.id}/attempt/", data)
    assert response.status_code == 302 and response["Location"] == f"{chinese.url}#results"
    latest = KnowledgeCheckAttempt.objects.filter(learner=enrolled, check_page=check).last()
    assert latest.number == 4 and latest.passed


def test_staff_list_and_grant_extra_attempts_in_the_admin(client, curriculum, enrolled, staff):
    check = curriculum.checks()[0]
    use_every_attempt(enrolled, check)
    client.force_login(staff)
    assert client.get("/admin/attemptallowance/").status_code == 200
    assert client.get("/admin/attemptallowance/new/").status_code == 200

    response = client.post(
        "/admin/attemptallowance/new/",
        {
            "learner": enrolled.id,
            "check_page": check.id,
            "extra": 1,
            "reason": "Power cut during the last attempt.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    allowance = AttemptAllowance.objects.get()
    assert (allowance.learner, allowance.check_page_id, allowance.extra) == (enrolled, check.id, 1)
    assert allowance.granted_by == staff

    listing = body_of(client, "/admin/attemptallowance/")
    assert "Power cut during the last attempt." in listing

    result = submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert result.attempt.number == 4 and result.attempt.passed


def test_learners_and_instructors_cannot_reach_the_extra_attempts_admin(
    client, curriculum, enrolled, instructor, staff
):
    check = curriculum.checks()[0]
    anonymous = client.get("/admin/attemptallowance/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    for user in (enrolled, instructor):
        client.force_login(user)
        for url in ("/admin/attemptallowance/", "/admin/attemptallowance/new/"):
            assert client.get(url).status_code in (302, 403), (user, url)
        response = client.post(
            "/admin/attemptallowance/new/",
            {"learner": enrolled.id, "check_page": check.id, "extra": 5, "reason": "Myself."},
        )
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
    assert not AttemptAllowance.objects.exists()


# --- a released grade changes only by releasing the change ---------------------------------


@pytest.fixture
def submission(curriculum, enrolled):
    return submit(enrolled, curriculum.project).submission


def test_a_draft_cannot_be_saved_over_a_released_grade(curriculum, instructor, submission):
    project = curriculum.project
    set_moderation(curriculum.qualification, False)
    released = release(instructor, submission, 3)
    assert released.status == Grade.Status.RELEASED and released.revision == 1

    with pytest.raises(Conflict, match="This grade is released") as caught:
        grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(project, 4),
            feedback="A second look.",
            expected_revision=1,
        )
    current = caught.value.detail["current"]
    assert current["status"] == "released" and current["revision"] == 1
    assert current["percent"] == "75.00" and current["levels"] == levels_for(project, 3)
    grade = Grade.objects.get()
    assert (grade.status, grade.revision, grade.percent) == (Grade.Status.RELEASED, 1, 75)
    assert grade.history.count() == 1

    changed = release(
        instructor, submission, 4, expected_revision=1, reason="Missed annex B on the first read."
    )
    assert changed.status == Grade.Status.RELEASED and changed.revision == 2
    assert str(changed.percent) == "100.00"
    last = changed.history.last()
    assert last.action == GradeChange.Action.RELEASED
    assert last.reason == "Missed annex B on the first read."


def test_the_grading_form_refuses_a_draft_over_a_released_grade(
    client, curriculum, instructor, submission
):
    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 3)
    client.force_login(instructor)
    response = post_grade(
        client, submission, 4, revision="1", feedback="Draft over it.", action="draft"
    )
    assert response.status_code == 409
    assert "This grade is released" in response.content.decode()
    assert Grade.objects.get().status == Grade.Status.RELEASED


# --- returning a submission for revision ----------------------------------------------------


def test_a_submission_waiting_for_grading_can_be_returned(curriculum, instructor, submission):
    assert can_return(submission) is True
    # A draft grade does not stop a return.
    grade_save(grader=instructor, submission=submission, levels=levels_for(curriculum.project, 2))
    submission.refresh_from_db()
    assert can_return(submission) is True
    submission_return(instructor=instructor, submission=submission, feedback="Add targets.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert can_return(submission) is False  # already with the learner


def test_a_released_fail_can_be_returned_and_graded_again(
    curriculum, enrolled, instructor, submission
):
    project = curriculum.project
    set_moderation(curriculum.qualification, False)
    failed = release(instructor, submission, 1)
    assert failed.status == Grade.Status.RELEASED and not failed.passed
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    assert can_return(submission) is True

    request = submission_return(
        instructor=instructor, submission=submission, feedback="Rework the action plan."
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    assert request.version.number == 1

    submit(enrolled, project, report="Reworked action plan.")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.version_count == 2
    regraded = release(
        instructor, submission, 3, expected_revision=1, reason="Graded the second version."
    )
    assert regraded.passed and regraded.version_number == 2
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    assert can_return(submission) is False


def test_a_resubmitted_version_can_be_graded_in_draft_first(
    curriculum, enrolled, instructor, submission
):
    # The released fail was for version 1; version 2 is graded afresh, starting with a draft.
    project = curriculum.project
    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 1)
    submission_return(instructor=instructor, submission=submission, feedback="Rework the plan.")
    submit(enrolled, project, report="Reworked action plan.")
    submission.refresh_from_db()
    draft = grade_save(
        grader=instructor,
        submission=submission,
        levels=levels_for(project, 3),
        expected_revision=1,
    )
    assert draft.status == Grade.Status.DRAFT and draft.version_number == 2
    # Once version 2's grade is released, a draft over it is refused again.
    released = release(instructor, submission, 3, expected_revision=draft.revision)
    with pytest.raises(Conflict):
        grade_save(
            grader=instructor,
            submission=submission,
            levels=levels_for(project, 2),
            expected_revision=released.revision,
        )


def assert_return_refused(instructor, submission, message: str, status: str) -> None:
    submission.refresh_from_db()
    assert can_return(submission) is False
    with pytest.raises(Conflict, match=message):
        submission_return(instructor=instructor, submission=submission, feedback="More, please.")
    submission.refresh_from_db()
    assert submission.status == status
    assert not RevisionRequest.objects.exists()


def test_a_released_pass_cannot_be_returned(curriculum, instructor, submission):
    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 3)
    assert_return_refused(
        instructor, submission, "one graded as not passed, can be returned", "graded"
    )


def test_a_grade_awaiting_moderation_blocks_a_return(curriculum, instructor, submission):
    assert curriculum.qualification.requires_moderation
    grade = release(instructor, submission, 3)
    assert grade.status == Grade.Status.AWAITING_MODERATION
    assert_return_refused(
        instructor, submission, "waiting for moderation; moderate it first", "submitted"
    )


def test_the_grading_page_offers_a_return_only_when_allowed(
    client, curriculum, instructor, second_instructor, submission
):
    url = f"/en/grading/submissions/{submission.id}/"
    client.force_login(instructor)
    assert "Return for revision</h2>" in body_of(client, url)

    release(instructor, submission, 3)  # awaits moderation
    assert "Return for revision</h2>" not in body_of(client, url)
    response = client.post(f"{url}return/", {"feedback": "Please revise."})
    assert response.status_code == 409
    assert "waiting for moderation" in response.content.decode()

    from courses.grading import grade_moderate

    grade_moderate(moderator=second_instructor, submission=submission, agree=True)
    assert Grade.objects.get().passed
    assert "Return for revision</h2>" not in body_of(client, url)
    response = client.post(f"{url}return/", {"feedback": "Please revise."})
    assert response.status_code == 409
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED


def test_the_grading_page_offers_a_return_after_a_released_fail(
    client, curriculum, instructor, submission
):
    set_moderation(curriculum.qualification, False)
    release(instructor, submission, 1)
    url = f"/en/grading/submissions/{submission.id}/"
    client.force_login(instructor)
    assert "Return for revision</h2>" in body_of(client, url)
    response = client.post(f"{url}return/", {"feedback": "Rework the action plan."})
    assert response.status_code == 302 and response["Location"] == url
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RETURNED
    body = body_of(client, url)
    assert "you can grade it when the learner resubmits" in body
    assert "Return for revision</h2>" not in body


def _status_on_page(client, learner, project) -> str:
    client.force_login(learner)
    body = body_of(client, project.url)
    return body.split("Status: <strong>", 1)[1].split("</strong>", 1)[0]


def test_each_member_reads_the_status_of_their_own_grade(
    client, curriculum, enrolled, other_learner, instructor, second_instructor
):
    """Team members are graded one by one and a second marker checks each grade: the project page
    tells each member where their own grade is, not only the team's."""
    from courses.grading import grade_moderate

    enrolment_create(learner=other_learner, page=curriculum.qualification)
    [invitation] = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[other_learner.username]
    )
    invitation_accept(learner=other_learner, invitation_id=invitation.id)
    submission = submit(enrolled, curriculum.project).submission
    project = curriculum.project

    assert _status_on_page(client, enrolled, project) == "Waiting for grading"
    release(instructor, submission, 3, learner_id=enrolled.id)
    waiting = "Graded, waiting for a second marker before release"
    assert _status_on_page(client, enrolled, project) == waiting
    assert _status_on_page(client, other_learner, project) == "Waiting for grading"
    client.force_login(enrolled)
    waiting_zh = "已评分\uff0c待第二评阅人复核后发布"  # "Graded, waiting for a second marker ..."
    assert f"<strong>{waiting_zh}</strong>" in body_of(client, zh(project).url)

    grade_moderate(
        moderator=second_instructor, submission=submission, agree=True, learner_id=enrolled.id
    )
    assert _status_on_page(client, enrolled, project) == "Graded"
    assert _status_on_page(client, other_learner, project) == "Waiting for grading"

    release(instructor, submission, 4, learner_id=other_learner.id)
    assert _status_on_page(client, other_learner, project) == waiting
    grade_moderate(
        moderator=second_instructor, submission=submission, agree=True, learner_id=other_learner.id
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    assert _status_on_page(client, enrolled, project) == "Graded"
    assert _status_on_page(client, other_learner, project) == "Graded"


# --- evidence -------------------------------------------------------------------------------


def test_approved_evidence_is_final(client, curriculum, holder, staff):
    trainer = curriculum.trainer
    evidence = evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    evidence_review(reviewer=staff, evidence=evidence, approve=True)

    with pytest.raises(Conflict, match="approved already"):
        evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT + " More.")
    assert EvidenceSubmission.objects.filter(learner=holder).count() == 1

    client.force_login(holder)
    response = client.post(f"/en/learn/evidence/{trainer.id}/", {"statement": STATEMENT})
    assert response.status_code == 409
    assert "approved already" in response.content.decode()
    assert EvidenceSubmission.objects.filter(learner=holder).count() == 1

    context = qualification_context(trainer, request_as(holder))
    assert context["evidence"].id == evidence.id and context["can_submit_evidence"] is False
    body = body_of(client, trainer.url)
    assert 'name="statement"' not in body and "Approved" in body


def test_rejected_evidence_may_be_submitted_again(client, curriculum, holder, staff):
    trainer = curriculum.trainer
    rejected = evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    evidence_review(reviewer=staff, evidence=rejected, approve=False, note="No programme.")

    context = qualification_context(trainer, request_as(holder))
    assert context["evidence"].id == rejected.id and context["can_submit_evidence"] is True
    client.force_login(holder)
    body = body_of(client, trainer.url)
    assert 'name="statement"' in body and "No programme." in body

    again = evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    assert again.status == EvidenceSubmission.Status.PENDING and again.id != rejected.id
    assert list(
        EvidenceSubmission.objects.filter(learner=holder)
        .order_by("id")
        .values_list("status", flat=True)
    ) == [EvidenceSubmission.Status.REJECTED, EvidenceSubmission.Status.PENDING]
    with pytest.raises(Conflict, match="still waiting for review"):
        evidence_submit(learner=holder, qualification=trainer, statement=STATEMENT)
    assert qualification_context(trainer, request_as(holder))["can_submit_evidence"] is (False)


# --- a qualification page names the qualifications still missing --------------------------


def _enrol_form(page) -> str:
    return f'action="/{page.locale.language_code}/learn/enrol/{page.id}/"'


def test_a_missing_prerequisite_replaces_the_enrol_button(client, curriculum, learner):
    trainer = curriculum.trainer
    first = curriculum.qualification
    context = qualification_context(trainer, request_as(learner))
    assert [q["page"].id for q in context["prerequisite_qualifications"]] == [first.id]
    assert [q.id for q in context["missing_prerequisites"]] == [first.id]
    assert context["prerequisite_qualifications"][0]["held"] is False

    client.force_login(learner)
    body = body_of(client, trainer.url)
    assert "You can enrol once you hold:" in body
    assert f'<a href="{first.url}">{first.title}</a>' in body
    assert _enrol_form(trainer) not in body and ">Enrol</button>" not in body


def test_a_held_prerequisite_brings_the_enrol_button_back(client, curriculum, learner):
    trainer = curriculum.trainer
    hold(learner, curriculum.qualification)
    context = qualification_context(trainer, request_as(learner))
    assert context["missing_prerequisites"] == []
    assert context["prerequisite_qualifications"][0]["held"] is True

    client.force_login(learner)
    body = body_of(client, trainer.url)
    assert "You can enrol once you hold:" not in body
    assert _enrol_form(trainer) in body and ">Enrol</button>" in body
    assert "badge-ok" in body and ">held</span>" in body

    response = client.post(f"/en/learn/enrol/{trainer.id}/")
    assert response.status_code == 302
    assert Enrolment.objects.filter(learner=learner, page=trainer).exists()


def test_enrolment_alone_does_not_hold_a_prerequisite(client, curriculum, learner):
    enrolment_create(learner=learner, page=curriculum.qualification)
    context = qualification_context(curriculum.trainer, request_as(learner))
    assert [q.id for q in context["missing_prerequisites"]] == [curriculum.qualification.id]


def test_a_qualification_without_prerequisites_shows_the_enrol_button(client, curriculum, learner):
    first = curriculum.qualification
    assert qualification_context(first, request_as(learner))["missing_prerequisites"] == []
    client.force_login(learner)
    body = body_of(client, first.url)
    assert _enrol_form(first) in body and "You can enrol once you hold:" not in body


def test_the_chinese_qualification_page_knows_a_held_prerequisite(client, curriculum, learner):
    """Milestones are recorded on the default-language qualification; the Chinese page of the
    second tier must see that the learner holds the first one."""
    hold(learner, curriculum.qualification)
    chinese = zh(curriculum.trainer)
    context = qualification_context(chinese, request_as(learner))
    assert [q["page"].id for q in context["prerequisite_qualifications"]] == [
        zh(curriculum.qualification).id
    ]
    assert context["missing_prerequisites"] == []

    client.force_login(learner)
    body = body_of(client, chinese.url)
    assert _enrol_form(chinese) in body


def test_the_chinese_qualification_page_names_a_missing_prerequisite(client, curriculum, learner):
    chinese = zh(curriculum.trainer)
    context = qualification_context(chinese, request_as(learner))
    assert [q.id for q in context["missing_prerequisites"]] == [zh(curriculum.qualification).id]
    client.force_login(learner)
    assert _enrol_form(chinese) not in body_of(client, chinese.url)


# --- an enrolment's cohort belongs to its page ----------------------------------------------


def test_an_enrolment_in_a_cohort_of_another_page_is_invalid(curriculum, learner):
    enrolment = enrolment_create(learner=learner, page=curriculum.course("course-one"))[0]
    other = Cohort.objects.create(
        name="Course two, spring", page=curriculum.course("course-two"), starts_on="2026-03-01"
    )
    enrolment.cohort = other
    with pytest.raises(ValidationError) as caught:
        enrolment.full_clean()
    assert set(caught.value.message_dict) == {"cohort"}
    assert "different course or qualification" in caught.value.message_dict["cohort"][0]

    own = Cohort.objects.create(
        name="Course one, spring", page=curriculum.course("course-one"), starts_on="2026-03-01"
    )
    enrolment.cohort = own
    enrolment.full_clean()
    enrolment.cohort = None
    enrolment.full_clean()


def test_the_admin_refuses_to_move_an_enrolment_to_another_pages_cohort(
    client, curriculum, learner, staff
):
    enrolment = enrolment_create(learner=learner, page=curriculum.qualification)[0]
    other = Cohort.objects.create(
        name="Course two, spring", page=curriculum.course("course-two"), starts_on="2026-03-01"
    )
    client.force_login(staff)
    response = client.post(
        f"/admin/enrolment/edit/{enrolment.id}/", {"cohort": other.id, "status": "active"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "different course or qualification" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.cohort_id is None
