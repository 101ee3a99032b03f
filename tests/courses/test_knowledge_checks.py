"""Knowledge checks (courses/knowledge_checks.py, the check page, the check API): draws from
the bank, stable until submitted; scoring against the draw; honest feedback that names no right
option before the answers are revealed; the reveal policy; time limits enforced on the server;
what anonymous visitors and learners not enrolled see; and the answer key.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Locale

from courses.knowledge_checks import (
    AttemptExpired,
    answer_key,
    attempt_questions,
    attempt_start,
    attempt_submit,
    questions_of,
)
from courses.models import KnowledgeCheckAttempt, KnowledgeCheckPage, RevealAnswers
from lms.errors import Conflict
from tests.conftest import answers_for, submit_check
from tests.courses.helpers import request_as

Status = KnowledgeCheckAttempt.Status


def first_check(curriculum) -> KnowledgeCheckPage:
    return curriculum.checks()[0]  # pass mark 50, 3 attempts, draw 2 of a bank of 4


def zh(page):
    return page.get_translation(Locale.objects.get(language_code="zh-hans")).specific


def draw_these(learner, check, *question_ids):
    """Start an attempt whose draw is these questions (choices in authored order)."""
    attempt = attempt_start(learner=learner, check=check)
    bank = {q.id: q for q in questions_of(check)}
    attempt.drawn = [
        {"question": qid, "choices": [c.id for c in bank[qid].choices]} for qid in question_ids
    ]
    attempt.save(update_fields=["drawn"])
    return attempt


def right(question):
    return [c.id for c in question.choices if c.correct]


def wrong(question):
    return [c.id for c in question.choices if not c.correct]


def save(check, **fields):
    for name, value in fields.items():
        setattr(check, name, value)
    check.save()
    return check


# --- the draw ---------------------------------------------------------------------------------


def test_an_attempt_draws_from_the_bank_and_keeps_its_draw_until_submitted(curriculum, enrolled):
    check = first_check(curriculum)
    bank = {q.id: q for q in questions_of(check)}
    attempt = attempt_start(learner=enrolled, check=check)

    assert attempt.status == Status.IN_PROGRESS and attempt.number == 1
    assert len(attempt.drawn) == 2 and set(attempt.question_ids) <= set(bank)
    for item in attempt.drawn:
        assert sorted(item["choices"]) == sorted(c.id for c in bank[item["question"]].choices)

    again = attempt_start(learner=enrolled, check=check)
    assert again.id == attempt.id and again.drawn == attempt.drawn
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 1


def test_a_retake_draws_the_questions_not_asked_before(curriculum, enrolled):
    check = first_check(curriculum)
    first = submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
    second = attempt_start(learner=enrolled, check=check)
    assert second.number == 2 and second.id != first.attempt.id
    # A bank of 4 and a draw of 2: the retake asks the other two.
    assert not set(second.question_ids) & set(first.attempt.question_ids)
    assert set(second.question_ids) | set(first.attempt.question_ids) == set(answer_key(check))


def test_choices_are_shuffled_and_questions_ordered_per_draw(curriculum):
    """Over many draws several orders appear: an attempt's order is its own, not the author's."""
    from courses.knowledge_checks import _draw

    check = first_check(curriculum)
    question = questions_of(check)[0]
    orders, sequences = set(), set()
    for _ in range(40):
        drawn = _draw(check, [])
        sequences.add(tuple(item["question"] for item in drawn))
        for item in drawn:
            if item["question"] == question.id:
                orders.add(tuple(item["choices"]))
    assert len(orders) > 2 and len(sequences) > 2


def test_an_old_attempt_asked_the_whole_bank(curriculum, enrolled):
    """As the migration records attempts made before banks: every question, authored order."""
    check = first_check(curriculum)
    bank = questions_of(check)
    attempt = KnowledgeCheckAttempt.objects.create(
        learner=enrolled,
        check_page=check,
        number=1,
        status=Status.SUBMITTED,
        drawn=[{"question": q.id, "choices": [c.id for c in q.choices]} for q in bank],
        answers={q.id: right(q) for q in bank},
        results={q.id: {"correct": True} for q in bank},
        score=100,
        passed=True,
        started_at=timezone.now(),
        submitted_at=timezone.now(),
    )
    assert [q.id for q in attempt_questions(check, attempt)] == [q.id for q in bank]


def test_the_bank_must_hold_the_draw(curriculum):
    check = first_check(curriculum)
    check.draw = 5
    with pytest.raises(ValidationError, match="bank holds 4 questions"):
        check.full_clean()


# --- scoring against the draw ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("choose", "score", "passed"),
    [
        (lambda s, m: {s.id: right(s)[0], m.id: right(m)}, 100, True),
        (lambda s, m: {s.id: wrong(s)[0], m.id: wrong(m)}, 0, False),
        # Multiple choice counts only when exactly the correct set is ticked.
        (lambda s, m: {s.id: right(s)[0], m.id: right(m)[:1]}, 50, True),
        (lambda s, m: {s.id: wrong(s)[0], m.id: right(m) + wrong(m)}, 0, False),
        (lambda s, m: {s.id: wrong(s)[0], m.id: list(reversed(right(m)))}, 50, True),
        # Unanswered questions are wrong.
        (lambda s, m: {s.id: [right(s)[0]]}, 50, True),
    ],
)
def test_scoring_single_and_multiple_choice(curriculum, enrolled, choose, score, passed):
    check = first_check(curriculum)
    single, multiple = questions_of(check)[:2]
    draw_these(enrolled, check, single.id, multiple.id)
    result = attempt_submit(learner=enrolled, check=check, answers=choose(single, multiple))
    assert (result.attempt.score, result.attempt.passed) == (score, passed)
    assert result.attempt.status == Status.SUBMITTED and result.attempt.submitted_at


def test_answers_to_questions_not_drawn_are_ignored(curriculum, enrolled):
    check = first_check(curriculum)
    q1, q2, q3, q4 = questions_of(check)
    draw_these(enrolled, check, q3.id, q4.id)
    answers = {q1.id: right(q1)[0], q2.id: right(q2), q3.id: wrong(q3)[0], q4.id: wrong(q4)[0]}
    result = attempt_submit(learner=enrolled, check=check, answers=answers)
    assert result.attempt.score == 0
    assert set(result.attempt.answers) == set(result.attempt.results) == {q3.id, q4.id}


def test_answering_only_questions_not_drawn_is_refused(curriculum, enrolled):
    check = first_check(curriculum)
    q1, _q2, q3, q4 = questions_of(check)
    draw_these(enrolled, check, q3.id, q4.id)
    with pytest.raises(ValidationError, match="Answer at least one of the questions"):
        attempt_submit(learner=enrolled, check=check, answers={q1.id: right(q1)[0]})


def test_answers_without_an_attempt_in_progress_are_refused(curriculum, enrolled):
    check = first_check(curriculum)
    with pytest.raises(Conflict, match="Open the check first"):
        attempt_submit(learner=enrolled, check=check, answers=answers_for(check))


def test_attempts_are_limited(api, curriculum, enrolled):
    check = first_check(curriculum)
    wrong_answers = {"answers": answers_for(check, correct=False)}
    url = f"/knowledge-checks/{check.id}/attempts"
    lefts = []
    for _ in range(3):
        assert api.get(f"/knowledge-checks/{check.id}", user=enrolled).status_code == 200
        response = api.post(url, wrong_answers, user=enrolled)
        assert response.status_code == 201
        lefts.append(response.json()["attempts_left"])
    assert lefts == [2, 1, 0]

    opened = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    assert opened["attempt"] is None and "used every attempt" in opened["message"]
    response = api.post(url, {"answers": answers_for(check)}, user=enrolled)
    assert response.status_code == 409
    assert "used all 3 attempts" in response.json()["detail"]
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 3


def test_no_limit_when_the_check_says_zero(curriculum, enrolled):
    check = save(first_check(curriculum), max_attempts=0)
    for _ in range(5):
        result = submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
    assert result.attempt.number == 5 and result.attempts_left is None
    assert result.answers_revealed is False


def test_bad_answers_are_refused_with_400(api, curriculum, enrolled):
    check = first_check(curriculum)
    opened = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    first, second = opened["attempt"]["questions"]
    single = first if not first["multiple"] else second
    other = second if single is first else first
    some = single["choices"][0]["id"]
    bad = {
        "unknown question": {"answers": {"not-a-question": some}},
        "unknown choice": {"answers": {single["id"]: "not-a-choice"}},
        "choice of another question": {"answers": {single["id"]: other["choices"][0]["id"]}},
        "two answers to a single-choice question": {
            "answers": {single["id"]: [c["id"] for c in single["choices"][:2]]}
        },
        "nothing answered": {"answers": {}},
        "a number": {"answers": {single["id"]: 3}},
        "a list of numbers": {"answers": {single["id"]: [1, 2]}},
        "answers not a mapping": {"answers": [some]},
        "no answers at all": {},
        "an object as the answer": {"answers": {single["id"]: {"id": some}}},
    }
    url = f"/knowledge-checks/{check.id}/attempts"
    for name, body in bad.items():
        response = api.post(url, body, user=enrolled)
        assert response.status_code == 400, name
        assert response.json()["detail"], name
    for raw in ("{not json", "", "null", '"answers"', "[]"):
        assert api.post(url, raw=raw, user=enrolled).status_code == 400, raw
    attempt = KnowledgeCheckAttempt.objects.get(learner=enrolled)
    assert attempt.status == Status.IN_PROGRESS  # nothing was lost: the draw still stands


# --- honest feedback --------------------------------------------------------------------------


def test_feedback_explains_wrong_answers_without_naming_the_right_option(curriculum, enrolled):
    check = first_check(curriculum)
    q1, q2, _q3, _q4 = questions_of(check)
    draw_these(enrolled, check, q1.id, q2.id)
    # q1 wrong; q2 only one of its two right options (incomplete).
    result = attempt_submit(
        learner=enrolled, check=check, answers={q1.id: wrong(q1)[0], q2.id: right(q2)[:1]}
    )
    assert result.answers_revealed is False
    by_question = {f["question"]: f for f in result.feedback}
    one, two = by_question[q1.id], by_question[q2.id]
    chosen_wrong = next(c for c in q1.choices if c.id == wrong(q1)[0])
    assert one["correct"] is False and one["incomplete"] is False
    assert one["feedback"] == [{"choice": chosen_wrong.id, "text": chosen_wrong.feedback}]
    assert "explanation" not in one and "correct_choices" not in one
    # A right option chosen in a wrong answer is not confirmed: no feedback names it.
    assert two["correct"] is False and two["incomplete"] is True and two["feedback"] == []
    assert "explanation" not in two and "correct_choices" not in two
    every_right = {c.feedback for q in (q1, q2) for c in q.choices if c.correct}
    assert not every_right & {item["text"] for f in result.feedback for item in f["feedback"]}


def test_a_question_answered_rightly_is_explained(curriculum, enrolled):
    check = first_check(curriculum)
    q1, _q2, q3, _q4 = questions_of(check)
    draw_these(enrolled, check, q1.id, q3.id)
    result = attempt_submit(
        learner=enrolled, check=check, answers={q1.id: right(q1)[0], q3.id: wrong(q3)[0]}
    )
    assert result.attempt.passed  # 50%, the pass mark
    by_question = {f["question"]: f for f in result.feedback}
    assert by_question[q1.id]["explanation"] == q1.explanation


def test_answers_are_revealed_after_passing(api, curriculum, enrolled):
    check = first_check(curriculum)
    api.get(f"/knowledge-checks/{check.id}", user=enrolled)
    body = api.post(
        f"/knowledge-checks/{check.id}/attempts", {"answers": answers_for(check)}, user=enrolled
    ).json()
    assert body["passed"] is True and body["answers_revealed"] is True
    key = answer_key(check)
    for item in body["feedback"]:
        assert sorted(item["correct_choices"]) == sorted(key[item["question"]])
        assert item["explanation"]


def test_answers_are_revealed_once_every_attempt_is_used(curriculum, enrolled):
    check = first_check(curriculum)
    results = [
        submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
        for _ in range(3)
    ]
    assert [r.answers_revealed for r in results] == [False, False, True]
    assert "correct_choices" in results[-1].feedback[0]
    assert "correct_choices" not in results[0].feedback[0]


def test_a_check_that_never_reveals_keeps_the_answers_after_a_pass(api, curriculum, enrolled):
    check = save(first_check(curriculum), reveal_answers=RevealAnswers.NEVER)
    result = submit_check(learner=enrolled, check=check, answers=answers_for(check))
    assert result.attempt.passed and result.answers_revealed is False
    assert all("correct_choices" not in f for f in result.feedback)
    body = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    assert body["last_attempt"]["answers_revealed"] is False
    assert all(f["correct_choices"] is None for f in body["last_attempt"]["feedback"])


def test_the_page_after_a_failed_attempt_gives_away_no_right_option(client, curriculum, enrolled):
    check = first_check(curriculum)
    q1, q2, q3, q4 = questions_of(check)
    draw_these(enrolled, check, q1.id, q3.id)
    attempt_submit(
        learner=enrolled, check=check, answers={q1.id: wrong(q1)[0], q3.id: wrong(q3)[0]}
    )
    client.force_login(enrolled)
    html = client.get(check.url).content.decode()

    assert "Not passed yet" in html and "Retake with new questions" in html
    for question in (q1, q3):
        chosen = next(c for c in question.choices if c.id == wrong(question)[0])
        assert chosen.feedback in html
        assert question.explanation not in html
        for choice in question.choices:
            if choice.correct:
                assert choice.feedback not in html
    assert '<span class="badge badge-ok">right answer</span>' not in html
    for question in (q2, q4):  # not asked: nothing of them is on the page
        assert question.text not in html
    assert "data-correct" not in html and 'class="badge badge-ok">right' not in html


def test_the_page_after_a_pass_shows_the_answers(client, curriculum, enrolled):
    check = first_check(curriculum)
    result = submit_check(learner=enrolled, check=check, answers=answers_for(check))
    client.force_login(enrolled)
    html = client.get(check.url).content.decode()
    assert "Passed" in html and '<span class="badge badge-ok">right answer</span>' in html
    for question in attempt_questions(check, result.attempt):
        assert question.explanation in html
    assert "Retake" not in html


def test_the_chinese_page_shows_the_same_draw_in_chinese(client, curriculum, enrolled):
    check = first_check(curriculum)
    attempt = attempt_start(learner=enrolled, check=check)
    client.force_login(enrolled)
    html = client.get(zh(check).url).content.decode()
    for question in attempt_questions(zh(check), attempt):
        assert question.text in html
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 1


# --- who sees the questions -------------------------------------------------------------------


def test_anonymous_visitors_and_learners_not_enrolled_see_the_description_only(
    client, api, curriculum, learner
):
    check = first_check(curriculum)
    every_text = [q.text for q in questions_of(check)] + [
        c.text for q in questions_of(check) for c in q.choices if len(c.text) > 1
    ]
    for user in (None, learner):
        if user:
            client.force_login(user)
        html = client.get(check.url).content.decode()
        assert "Pass mark 50%" in html and "Enrol" in html
        assert 'name="q-' not in html and "<fieldset" not in html
        assert not any(text in html for text in every_text)
        body = api.get(f"/knowledge-checks/{check.id}", user=user).json()
        assert body["access"] == "description" and body["attempt"] is None
        assert body["last_attempt"] is None
    assert not KnowledgeCheckAttempt.objects.exists()


def test_a_wrong_token_is_a_401_not_an_anonymous_view(client, curriculum):
    check = first_check(curriculum)
    response = client.get(
        f"/api/v1/knowledge-checks/{check.id}", HTTP_AUTHORIZATION="Bearer not-a-token"
    )
    assert response.status_code == 401


def test_a_locked_module_shows_no_questions(api, client, curriculum, enrolled):
    later = curriculum.checks()[1]  # module 2 of a course whose modules open in order
    body = api.get(f"/knowledge-checks/{later.id}", user=enrolled).json()
    assert body["access"] == "learner" and body["attempt"] is None
    assert "opens when you complete the one before" in body["message"]
    client.force_login(enrolled)
    html = client.get(later.url).content.decode()
    assert "This module opens" in html and 'name="q-' not in html
    assert not KnowledgeCheckAttempt.objects.exists()


def test_opening_the_check_through_the_api_starts_and_resumes_a_draw(api, curriculum, enrolled):
    check = first_check(curriculum)
    first = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    again = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    assert first["access"] == "learner" and first["attempt"]["number"] == 1
    assert again["attempt"] == first["attempt"]
    assert len(first["attempt"]["questions"]) == 2
    assert all(
        set(q) == {"id", "text", "multiple", "scenario", "choices"}
        for q in first["attempt"]["questions"]
    )
    assert (
        '"correct' not in api.get(f"/knowledge-checks/{check.id}", user=enrolled).content.decode()
    )

    api.post(
        f"/knowledge-checks/{check.id}/attempts",
        {"answers": answers_for(check, False)},
        user=enrolled,
    )
    retake = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    assert retake["attempt"]["number"] == 2
    asked_before = {q["id"] for q in first["attempt"]["questions"]}
    assert not {q["id"] for q in retake["attempt"]["questions"]} & asked_before
    last = retake["last_attempt"]
    assert last["number"] == 1 and last["score"] == 0 and last["answers_revealed"] is False
    assert all(f["correct_choices"] is None and f["explanation"] is None for f in last["feedback"])


def test_the_check_form_posts_an_attempt(client, curriculum, enrolled):
    check = first_check(curriculum)
    client.force_login(enrolled)
    html = client.get(check.url).content.decode()  # opening it draws the questions
    attempt = KnowledgeCheckAttempt.objects.get(learner=enrolled)
    for qid in attempt.question_ids:
        assert f'name="q-{qid}"' in html
    data = {f"q-{qid}": value for qid, value in answers_for(check).items()}
    response = client.post(f"/en/learn/checks/{check.id}/attempt/", data)
    assert response.status_code == 302 and response["Location"] == f"{check.url}#results"
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed and attempt.status == Status.SUBMITTED


def test_the_retake_button_starts_a_new_draw(client, curriculum, enrolled):
    check = first_check(curriculum)
    first = submit_check(learner=enrolled, check=check, answers=answers_for(check, False))
    client.force_login(enrolled)
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 1  # page: results
    client.get(check.url)
    assert KnowledgeCheckAttempt.objects.filter(learner=enrolled).count() == 1
    response = client.post(f"/en/learn/checks/{check.id}/start/")
    assert response.status_code == 302
    current = KnowledgeCheckAttempt.objects.get(learner=enrolled, status=Status.IN_PROGRESS)
    assert current.number == 2 and current.drawn != first.attempt.drawn


def test_an_attempt_racing_another_resumes_it(curriculum, enrolled):
    """Two tabs open the check at once: the second finds the first's attempt."""
    check = first_check(curriculum)
    KnowledgeCheckAttempt.objects.create(
        learner=enrolled, check_page=check, number=1, drawn=[], started_at=timezone.now()
    )
    from courses.knowledge_checks import check_state

    state = check_state(enrolled, check)
    assert state.current is not None and state.current.number == 1


# --- time limits ------------------------------------------------------------------------------


def test_a_timed_check_waits_for_start_and_shows_its_deadline(client, curriculum, enrolled):
    check = save(first_check(curriculum), time_limit_minutes=10)
    client.force_login(enrolled)
    html = client.get(check.url).content.decode()
    assert "Start the check" in html and 'name="q-' not in html
    assert not KnowledgeCheckAttempt.objects.exists()

    client.post(f"/en/learn/checks/{check.id}/start/")
    attempt = KnowledgeCheckAttempt.objects.get(learner=enrolled)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=10)
    html = client.get(check.url).content.decode()
    assert "data-deadline=" in html and "Submit by" in html and 'name="q-' in html
    assert "js/check-countdown.js" in html


def test_answers_within_the_grace_count(curriculum, enrolled):
    check = save(first_check(curriculum), time_limit_minutes=5)
    attempt = attempt_start(learner=enrolled, check=check)
    KnowledgeCheckAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=30)
    )
    result = attempt_submit(learner=enrolled, check=check, answers=answers_for(check))
    assert result.attempt.status == Status.SUBMITTED and result.attempt.score == 100


def test_late_answers_are_refused_and_the_attempt_expires(api, client, curriculum, enrolled):
    check = save(first_check(curriculum), time_limit_minutes=5)
    attempt = attempt_start(learner=enrolled, check=check)
    KnowledgeCheckAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(minutes=2)
    )
    with pytest.raises(AttemptExpired, match="Time is up"):
        attempt_submit(learner=enrolled, check=check, answers=answers_for(check))
    attempt.refresh_from_db()
    assert attempt.status == Status.EXPIRED and attempt.score == 0 and attempt.passed is False
    assert attempt.answers == {}

    # It counts as used: two attempts are left, and a new one has a fresh draw and clock.
    second = attempt_start(learner=enrolled, check=check)
    assert second.number == 2 and second.deadline > timezone.now()
    KnowledgeCheckAttempt.objects.filter(pk=second.pk).update(
        deadline=timezone.now() - timedelta(minutes=2)
    )
    response = api.post(
        f"/knowledge-checks/{check.id}/attempts", {"answers": answers_for(check)}, user=enrolled
    )
    assert response.status_code == 409 and "Time is up" in response.json()["detail"]


def test_an_attempt_left_open_past_its_time_expires_when_the_page_is_opened(
    client, curriculum, enrolled
):
    check = save(first_check(curriculum), time_limit_minutes=5)
    attempt = attempt_start(learner=enrolled, check=check)
    KnowledgeCheckAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(hours=1)
    )
    client.force_login(enrolled)
    html = client.get(check.url).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Status.EXPIRED
    assert "Time ran out" in html and "Retake with new questions" in html


def test_a_late_form_post_says_why_and_keeps_the_learner_on_the_check(client, curriculum, enrolled):
    check = save(first_check(curriculum), time_limit_minutes=5)
    attempt = attempt_start(learner=enrolled, check=check)
    KnowledgeCheckAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(minutes=3)
    )
    client.force_login(enrolled)
    data = {f"q-{qid}": value for qid, value in answers_for(check).items()}
    response = client.post(f"/en/learn/checks/{check.id}/attempt/", data, follow=True)
    html = response.content.decode()
    assert "Time is up" in html and "Time ran out" in html


def test_the_page_context_shows_nothing_of_the_bank_to_a_visitor(curriculum):
    from django.contrib.auth.models import AnonymousUser

    from courses.page_contexts import knowledge_check_context

    context = knowledge_check_context(first_check(curriculum), request_as(AnonymousUser()))
    assert context["questions"] == [] and context["results"] == []


# --- the migrations keep what was there -------------------------------------------------------


def test_the_migration_records_old_attempts_as_having_asked_the_whole_bank(curriculum, enrolled):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("courses.migrations.0005_check_banks_and_attempt_draws")
    check = first_check(curriculum)
    bank = questions_of(check)
    submitted = timezone.now() - timedelta(days=3)
    old = KnowledgeCheckAttempt.objects.create(
        learner=enrolled,
        check_page=check,
        number=1,
        status=Status.SUBMITTED,
        answers={q.id: [] for q in bank},
        results={q.id: {"correct": False} for q in bank},
        score=0,
        passed=False,
        submitted_at=submitted,
    )
    migration.attempts_asked_the_whole_bank(apps, None)
    old.refresh_from_db()
    assert old.drawn == [{"question": q.id, "choices": [c.id for c in q.choices]} for q in bank]
    assert old.started_at == submitted
    assert [q.id for q in attempt_questions(check, old)] == [q.id for q in bank]


def test_the_migration_gives_existing_enrolments_the_outline_of_the_day(curriculum, enrolled):
    import importlib

    from django.apps import apps

    from courses.models import Enrolment

    migration = importlib.import_module("courses.migrations.0006_enrolment_requirements")
    enrolment = Enrolment.objects.get(learner=enrolled, page=curriculum.qualification)
    Enrolment.objects.filter(pk=enrolment.pk).update(requirements=None)
    migration.requirements_as_enrolled(apps, None)
    enrolment.refresh_from_db()
    assert enrolment.requirements == {
        "courses": [curriculum.course("course-one").id, curriculum.course("course-two").id],
        "evidence_required": False,
    }


def test_only_a_token_caller_starts_a_timed_check_through_the_api(
    api, client, curriculum, enrolled
):
    """A link followed in a browser (a session) must not start a timed check's clock."""
    check = save(first_check(curriculum), time_limit_minutes=10)
    client.force_login(enrolled)
    body = client.get(f"/api/v1/knowledge-checks/{check.id}").json()
    assert body["attempt"] is None and "press Start" in body["message"]
    assert not KnowledgeCheckAttempt.objects.exists()

    body = api.get(f"/knowledge-checks/{check.id}", user=enrolled).json()
    assert body["attempt"]["deadline"] and len(body["attempt"]["questions"]) == 2
    # Once started, the browser session sees the same attempt.
    again = client.get(f"/api/v1/knowledge-checks/{check.id}").json()
    assert again["attempt"] == body["attempt"]


def test_the_countdown_may_submit_nothing_once_the_time_is_up(curriculum, enrolled):
    check = save(first_check(curriculum), time_limit_minutes=5)
    attempt = attempt_start(learner=enrolled, check=check)
    with pytest.raises(ValidationError, match="Answer at least one"):
        attempt_submit(learner=enrolled, check=check, answers={})
    KnowledgeCheckAttempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    result = attempt_submit(learner=enrolled, check=check, answers={})
    assert result.attempt.status == Status.SUBMITTED and result.attempt.score == 0
