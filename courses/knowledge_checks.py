"""Knowledge checks: the bank, the draw, attempts, honest feedback and the answer key.

A check's questions live in its page's StreamField: the bank. `questions_of` reads them once
into plain objects; everything else is derived from those here, and nowhere else:

- **The draw.** Opening a check starts an attempt (`attempt_start`): `draw` questions from the
  bank, the least often seen by this learner first, each with its options shuffled. The attempt
  stores exactly what it asked (question ids and the order of their choices), and the draw
  stays the same until the attempt is submitted; a retake starts a new one.
- **Honest feedback.** Until the answers are revealed (the learner passed, or has no attempts
  left, and the check does not say "never"), feedback says which questions were wrong and why,
  in the chosen option's own feedback, and never names a right option it did not choose.
- **The time limit.** An attempt at a timed check has a deadline; answers that arrive after it,
  plus `GRACE`, are refused and the attempt is closed as expired: a used attempt without a score.
- **The answer key**, for the instructors and staff of the check's course.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress
from courses.access import require_module_open
from courses.models import (
    AttemptAllowance,
    Cohort,
    KnowledgeCheckAttempt,
    KnowledgeCheckPage,
    RevealAnswers,
    TeachingAssignment,
)
from courses.outline import get_outline
from lms.errors import Conflict

Status = KnowledgeCheckAttempt.Status
# Answers may arrive this long after a time limit: the page's countdown submits at zero, and the
# request takes a moment to travel.
GRACE = timedelta(seconds=60)
# A timed attempt submitted this close to its deadline may be empty: the countdown sent it.
TIME_UP = timedelta(seconds=5)
_random = secrets.SystemRandom()

# --- the bank -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    multiple: bool
    explanation: str
    choices: tuple[Choice, ...]
    scenario: bool = False

    @property
    def correct_ids(self) -> list[str]:
        return sorted(c.id for c in self.choices if c.correct)

    def public(self) -> dict:
        """The question without which choices are correct: safe to send to a browser."""
        return {
            "id": self.id,
            "text": self.text,
            "multiple": self.multiple,
            "scenario": self.scenario,
            "choices": [{"id": c.id, "text": c.text} for c in self.choices],
        }


def questions_of(check: KnowledgeCheckPage) -> list[Question]:
    """The check's bank, in the language of the page given (ids are shared by translations)."""
    return [
        Question(
            id=block.id,
            text=block.value["text"],
            multiple=block.value["multiple"],
            explanation=block.value["explanation"],
            scenario=bool(block.value.get("scenario")),
            choices=tuple(
                Choice(
                    item.id,
                    item.value["text"],
                    item.value["correct"],
                    item.value.get("feedback") or "",
                )
                for item in block.value["choices"].bound_blocks
            ),
        )
        for block in check.questions
    ]


def draw_size(check: KnowledgeCheckPage, bank_size: int) -> int:
    """How many questions an attempt asks: the check's `draw`, or the whole bank for 0."""
    return min(check.draw, bank_size) if check.draw else bank_size


def attempt_questions(check: KnowledgeCheckPage, attempt: KnowledgeCheckAttempt) -> list[Question]:
    """The questions an attempt asked, in its order and with its order of choices, read from
    `check` (the page in the reader's language). A question or choice since removed from the
    bank is left out."""
    bank = {q.id: q for q in questions_of(check)}
    asked = []
    for item in attempt.drawn:
        question = bank.get(item["question"])
        if question is None:
            continue
        by_id = {c.id: c for c in question.choices}
        order = [cid for cid in item.get("choices") or [] if cid in by_id]
        order += [c.id for c in question.choices if c.id not in order]
        asked.append(
            Question(
                id=question.id,
                text=question.text,
                multiple=question.multiple,
                explanation=question.explanation,
                scenario=question.scenario,
                choices=tuple(by_id[cid] for cid in order),
            )
        )
    return asked


def answer_key(check: KnowledgeCheckPage) -> dict[str, list[str]]:
    """Question id → the ids of its correct choices, for every question of the bank."""
    return {q.id: q.correct_ids for q in questions_of(check)}


# --- who may read the key --------------------------------------------------------------------


def can_read_answer_key(user, check: KnowledgeCheckPage) -> bool:
    """Staff, and the instructors of the check's course: who teach it or a qualification that
    requires it, or lead a cohort of either. `check` is the default-language page."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff_member:
        return True
    if not user.is_instructor:
        return False
    outline = get_outline()
    course_id = outline.course_of(check_id=check.id)
    if course_id is None:
        return False
    pages = {course_id, *outline.qualifications_with_course(course_id)}
    return (
        TeachingAssignment.objects.filter(instructor=user, page_id__in=pages).exists()
        or Cohort.objects.filter(instructors=user, page_id__in=pages).exists()
    )


def require_answer_key_reader(user, check: KnowledgeCheckPage) -> None:
    if not can_read_answer_key(user, check):
        raise PermissionDenied(
            _("Only the instructors and staff of this check's course may read its answer key.")
        )


# --- feedback ------------------------------------------------------------------------------


def answers_revealed(check: KnowledgeCheckPage, *, passed: bool, attempts_left: int | None) -> bool:
    """Whether a learner may see the right answers: after passing or the last attempt, unless
    the check never shows them."""
    if check.reveal_answers == RevealAnswers.NEVER:
        return False
    return passed or attempts_left == 0


def _question_feedback(question: Question, result: dict, chosen: list[str], reveal: bool) -> dict:
    correct = bool(result.get("correct"))
    by_id = {c.id: c for c in question.choices}
    if reveal or correct:
        # The learner may know every right option of this question: all they chose, explained.
        shown = [by_id[cid] for cid in chosen if cid in by_id]
    else:
        # Only the options chosen wrongly: naming a chosen right one would give part of the key.
        shown = [by_id[cid] for cid in chosen if cid in by_id and not by_id[cid].correct]
    item = {
        "question": question.id,
        "correct": correct,
        "chosen": chosen,
        "feedback": [
            {
                "choice": c.id,
                "text": c.feedback
                or (_("This answer is right.") if c.correct else _("This answer is not right.")),
            }
            for c in shown
        ],
        # Every option chosen is right but some right one is missing (which, it does not say).
        "incomplete": not correct
        and bool(chosen)
        and all(by_id[cid].correct for cid in chosen if cid in by_id),
    }
    if reveal or correct:
        item["explanation"] = question.explanation
    if reveal:
        item["correct_choices"] = question.correct_ids
    return item


def attempt_feedback(
    check: KnowledgeCheckPage, attempt: KnowledgeCheckAttempt, reveal: bool
) -> list[dict]:
    """Per question asked: right or not, what was chosen, and the chosen options' feedback.
    The explanation is given for a question answered rightly or once the answers are revealed;
    the right choices only when `reveal`."""
    return [
        _question_feedback(
            question,
            attempt.results.get(question.id, {}),
            attempt.answers.get(question.id, []),
            reveal,
        )
        for question in attempt_questions(check, attempt)
    ]


# --- attempts ---------------------------------------------------------------------------------


class AttemptExpired(Conflict):
    """Answers came after the attempt's time limit and its grace (HTTP 409)."""


@dataclass
class AttemptResult:
    attempt: KnowledgeCheckAttempt
    feedback: list[dict]
    attempts_left: int | None
    answers_revealed: bool


@dataclass
class CheckState:
    """A learner's standing at a check: their attempts, the one in progress, what is left."""

    attempts: list[KnowledgeCheckAttempt]
    current: KnowledgeCheckAttempt | None
    allowed: int
    passed: bool

    @property
    def finished(self) -> list[KnowledgeCheckAttempt]:
        return [a for a in self.attempts if a.finished]

    @property
    def last_finished(self) -> KnowledgeCheckAttempt | None:
        return self.finished[-1] if self.finished else None

    @property
    def attempts_left(self) -> int | None:
        return None if not self.allowed else max(self.allowed - len(self.finished), 0)

    @property
    def may_start(self) -> bool:
        left = self.attempts_left
        return not self.passed and (left is None or left > 0)


def attempts_allowed(learner, check: KnowledgeCheckPage) -> int:
    """The check's attempt limit plus any extra attempts granted to this learner (0: no limit).

    An allowance counts whichever translation of the check it names, and whichever is shown."""
    if not check.max_attempts:
        return 0
    extra = AttemptAllowance.objects.filter(
        learner=learner, check_page__translation_key=check.translation_key
    ).aggregate(total=Sum("extra"))["total"]
    return check.max_attempts + (extra or 0)


def _expire_if_late(attempt: KnowledgeCheckAttempt, now=None) -> bool:
    """Close an attempt whose time ran out (with its grace) as expired. Returns True if so."""
    now = now or timezone.now()
    if attempt.status != Status.IN_PROGRESS or attempt.deadline is None:
        return False
    if now <= attempt.deadline + GRACE:
        return False
    with transaction.atomic():
        updated = KnowledgeCheckAttempt.objects.filter(
            pk=attempt.pk, status=Status.IN_PROGRESS
        ).update(status=Status.EXPIRED, score=0, passed=False, submitted_at=attempt.deadline)
        attempt.refresh_from_db()
        if updated:
            progress.check_attempted(attempt)
    return True


def check_state(learner, check: KnowledgeCheckPage) -> CheckState:
    """The learner's attempts at `check` (the default-language page), closing a timed attempt
    whose time ran out first."""
    attempts = list(
        KnowledgeCheckAttempt.objects.filter(learner=learner, check_page=check).order_by("number")
    )
    for attempt in attempts:
        _expire_if_late(attempt)
    current = next((a for a in attempts if a.status == Status.IN_PROGRESS), None)
    return CheckState(
        attempts=attempts,
        current=current,
        allowed=attempts_allowed(learner, check),
        passed=any(a.passed for a in attempts),
    )


def _require_open(learner, check: KnowledgeCheckPage) -> None:
    outline = get_outline()
    module_id = outline.check_module.get(check.id)
    if module_id is None:
        raise PermissionDenied(_("This knowledge check is not part of a published course."))
    require_module_open(learner, course_id=outline.module_course[module_id], module_id=module_id)


def _require_may_start(state: CheckState) -> None:
    if state.passed:
        # Its correct answers may have been shown: a further attempt would measure nothing.
        raise Conflict(_("You have passed this check already."))
    if not state.may_start:
        raise Conflict(_("You have used all %(n)s attempts at this check.") % {"n": state.allowed})


def _draw(check: KnowledgeCheckPage, earlier: list[KnowledgeCheckAttempt]) -> list[dict]:
    """`draw` questions of the bank, those this learner was asked least often first (so a
    retake meets new questions while the bank has them), in random order, choices shuffled."""
    bank = questions_of(check)
    seen = Counter(qid for attempt in earlier for qid in attempt.question_ids)
    ranked = sorted(bank, key=lambda q: (seen[q.id], _random.random()))
    chosen = ranked[: draw_size(check, len(bank))]
    _random.shuffle(chosen)
    return [
        {"question": q.id, "choices": _random.sample([c.id for c in q.choices], len(q.choices))}
        for q in chosen
    ]


def attempt_start(*, learner, check: KnowledgeCheckPage) -> KnowledgeCheckAttempt:
    """The learner's attempt in progress at `check` (default-language page), or a new draw.

    Resuming returns the same questions in the same order until the attempt is submitted."""
    _require_open(learner, check)
    state = check_state(learner, check)
    if state.current is not None:
        return state.current
    _require_may_start(state)
    now = timezone.now()
    try:
        with transaction.atomic():
            return KnowledgeCheckAttempt.objects.create(
                learner=learner,
                check_page=check,
                number=len(state.attempts) + 1,
                status=Status.IN_PROGRESS,
                drawn=_draw(check, state.attempts),
                started_at=now,
                deadline=now + timedelta(minutes=check.time_limit_minutes)
                if check.time_limit_minutes
                else None,
            )
    except IntegrityError as exc:
        # Another request (a second tab) started one at the same moment: resume that one.
        current = KnowledgeCheckAttempt.objects.filter(
            learner=learner, check_page=check, status=Status.IN_PROGRESS
        ).first()
        if current is None:
            raise Conflict(
                _("Another attempt was being saved at the same moment; try again.")
            ) from exc
        return current


def _normalise_answers(
    bank: list[Question], asked: list[Question], answers: dict, *, time_is_up: bool = False
) -> dict[str, list[str]]:
    """The answers to the questions asked, each a sorted list of choice ids. An id that is no
    question of the bank is refused; answers to bank questions not asked are ignored. Nothing
    answered is refused, unless the time is up (the countdown submits what there is)."""
    if not isinstance(answers, dict):
        raise ValidationError(_("Answers must map question ids to choice ids."))
    bank_ids = {q.id for q in bank}
    unknown = [qid for qid in answers if qid not in bank_ids]
    if unknown:
        raise ValidationError(
            _("Unknown question id: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:5]))}
        )
    normalised: dict[str, list[str]] = {}
    for question in asked:
        qid = question.id
        value = answers.get(qid)
        chosen = [] if value in (None, "", []) else ([value] if isinstance(value, str) else value)
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise ValidationError(
                _("Answer question %(id)s with a choice id or a list of them.") % {"id": qid}
            )
        valid = {c.id for c in question.choices}
        if any(c not in valid for c in chosen):
            raise ValidationError(_("Question %(id)s has no such choice.") % {"id": qid})
        if len(set(chosen)) > 1 and not question.multiple:
            raise ValidationError(_("Question %(id)s takes one answer.") % {"id": qid})
        normalised[qid] = sorted(set(chosen))
    if not any(normalised.values()) and not time_is_up:
        raise ValidationError(_("Answer at least one of the questions you were asked."))
    return normalised


def _late_message(attempt: KnowledgeCheckAttempt, check: KnowledgeCheckPage) -> str:
    return _(
        "Time is up: this attempt had %(minutes)s minutes and closed at %(deadline)s UTC. Your "
        "answers came too late to count; the attempt counts as used, with no score."
    ) % {
        "minutes": check.time_limit_minutes
        or round((attempt.deadline - attempt.started_at).total_seconds() / 60),
        "deadline": attempt.deadline.astimezone(UTC).strftime("%H:%M"),
    }


def attempt_submit(*, learner, check: KnowledgeCheckPage, answers: dict) -> AttemptResult:
    """Grade the learner's attempt in progress at `check` (default-language page) against its
    draw. Refuses with 409 when no attempt is in progress (open the check first), and when the
    attempt's time limit and grace have passed (the attempt is then closed as expired)."""
    _require_open(learner, check)
    expired = None
    with transaction.atomic():
        attempt = (
            KnowledgeCheckAttempt.objects.select_for_update()
            .filter(learner=learner, check_page=check, status=Status.IN_PROGRESS)
            .first()
        )
        if attempt is None:
            state = check_state(learner, check)
            _require_may_start(state)
            raise Conflict(
                _("Open the check first: it draws the questions you answer in this attempt.")
            )
        if attempt.deadline is not None and timezone.now() > attempt.deadline + GRACE:
            expired = attempt
        else:
            result = _grade(learner, check, attempt, answers)
    if expired is not None:
        # Closed outside the transaction above, so the refusal does not undo it.
        _expire_if_late(expired)
        raise AttemptExpired(_late_message(expired, check))
    return result


def _grade(learner, check, attempt: KnowledgeCheckAttempt, answers: dict) -> AttemptResult:
    asked = attempt_questions(check, attempt)
    if not asked:
        attempt.delete()
        raise Conflict(
            _("The questions of this attempt were changed; open the check again for new ones.")
        )
    time_is_up = attempt.deadline is not None and timezone.now() >= attempt.deadline - TIME_UP
    chosen = _normalise_answers(questions_of(check), asked, answers, time_is_up=time_is_up)
    results = {q.id: {"correct": chosen[q.id] == q.correct_ids} for q in asked}
    right = sum(1 for r in results.values() if r["correct"])
    attempt.answers = chosen
    attempt.results = results
    attempt.score = round(100 * right / len(asked))
    attempt.passed = attempt.score >= check.pass_mark
    attempt.status = Status.SUBMITTED
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["answers", "results", "score", "passed", "status", "submitted_at"])
    progress.check_attempted(attempt)
    allowed = attempts_allowed(learner, check)
    used = KnowledgeCheckAttempt.objects.filter(
        Q(learner=learner, check_page=check) & ~Q(status=Status.IN_PROGRESS)
    ).count()
    left = None if not allowed else max(allowed - used, 0)
    reveal = answers_revealed(check, passed=attempt.passed, attempts_left=left)
    return AttemptResult(attempt, attempt_feedback(check, attempt, reveal), left, reveal)
