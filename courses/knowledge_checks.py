"""Knowledge checks: the questions, their answer key and feedback, and attempts.

A check's questions live in its page's StreamField. `questions_of` reads them once into plain
objects; everything else (what a browser may see, the key instructors read, how an attempt is
marked and what feedback it gets) is derived from those here, and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from courses import progress
from courses.access import require_module_open
from courses.models import (
    AttemptAllowance,
    KnowledgeCheckAttempt,
    KnowledgeCheckPage,
)
from courses.outline import get_outline
from lms.errors import Conflict

# --- questions, answer key and feedback -------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    multiple: bool
    explanation: str
    choices: tuple[Choice, ...]

    @property
    def correct_ids(self) -> list[str]:
        return sorted(c.id for c in self.choices if c.correct)

    def public(self) -> dict:
        """The question without which choices are correct: safe to send to a browser."""
        return {
            "id": self.id,
            "text": self.text,
            "multiple": self.multiple,
            "choices": [{"id": c.id, "text": c.text} for c in self.choices],
        }


def questions_of(check: KnowledgeCheckPage) -> list[Question]:
    return [
        Question(
            id=block.id,
            text=block.value["text"],
            multiple=block.value["multiple"],
            explanation=block.value["explanation"],
            choices=tuple(
                Choice(item.id, item.value["text"], item.value["correct"])
                for item in block.value["choices"].bound_blocks
            ),
        )
        for block in check.questions
    ]


def public_questions(check: KnowledgeCheckPage) -> list[dict]:
    return [question.public() for question in questions_of(check)]


def answer_key(check: KnowledgeCheckPage) -> dict[str, list[str]]:
    """Question id → the ids of its correct choices: for instructors only."""
    return {q.id: q.correct_ids for q in questions_of(check)}


def attempt_feedback(
    check: KnowledgeCheckPage, attempt: KnowledgeCheckAttempt, reveal: bool
) -> list[dict]:
    """Per question: right or not, the explanation, and the correct choices when `reveal`."""
    feedback = []
    for question in questions_of(check):
        result = attempt.results.get(question.id, {})
        item = {
            "question": question.id,
            "correct": bool(result.get("correct")),
            "chosen": attempt.answers.get(question.id, []),
            "explanation": question.explanation,
        }
        if reveal:
            item["correct_choices"] = question.correct_ids
        feedback.append(item)
    return feedback


# --- attempts ---------------------------------------------------------------------------------


@dataclass
class AttemptResult:
    attempt: KnowledgeCheckAttempt
    feedback: list[dict]
    attempts_left: int | None
    answers_revealed: bool


def attempts_allowed(learner, check: KnowledgeCheckPage) -> int:
    """The check's attempt limit plus any extra attempts granted to this learner (0: no limit).

    An allowance counts whichever translation of the check it names, and whichever is shown."""
    if not check.max_attempts:
        return 0
    extra = AttemptAllowance.objects.filter(
        learner=learner, check_page__translation_key=check.translation_key
    ).aggregate(total=Sum("extra"))["total"]
    return check.max_attempts + (extra or 0)


def _normalise_answers(questions: list[Question], answers: dict) -> dict[str, list[str]]:
    if not isinstance(answers, dict):
        raise ValidationError(_("Answers must map question ids to choice ids."))
    by_id = {q.id: q for q in questions}
    unknown = [qid for qid in answers if qid not in by_id]
    if unknown:
        raise ValidationError(
            _("Unknown question id: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:5]))}
        )
    normalised: dict[str, list[str]] = {}
    for qid, question in by_id.items():
        value = answers.get(qid)
        chosen = [] if value in (None, "", []) else ([value] if isinstance(value, str) else value)
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise ValidationError(
                _("Answer question %(id)s with a choice id or a list of them.") % {"id": qid}
            )
        valid = {c.id for c in question.choices}
        if any(c not in valid for c in chosen):
            raise ValidationError(_("Question %(id)s has no such choice.") % {"id": qid})
        if len(chosen) > 1 and not question.multiple:
            raise ValidationError(_("Question %(id)s takes one answer.") % {"id": qid})
        normalised[qid] = sorted(set(chosen))
    if not any(normalised.values()):
        raise ValidationError(_("Answer at least one question."))
    return normalised


@transaction.atomic
def attempt_submit(*, learner, check: KnowledgeCheckPage, answers: dict) -> AttemptResult:
    outline = get_outline()
    module_id = outline.check_module.get(check.id)
    if module_id is None:
        raise PermissionDenied(_("This knowledge check is not part of a published course."))
    require_module_open(learner, course_id=outline.module_course[module_id], module_id=module_id)
    questions = questions_of(check)
    chosen = _normalise_answers(questions, answers)
    earlier = KnowledgeCheckAttempt.objects.filter(learner=learner, check_page=check)
    previous = earlier.count()
    if earlier.filter(passed=True).exists():
        # Its correct answers have been shown: a further attempt would measure nothing.
        raise Conflict(_("You have passed this check already."))
    allowed = attempts_allowed(learner, check)
    if allowed and previous >= allowed:
        raise Conflict(_("You have used all %(n)s attempts at this check.") % {"n": allowed})
    results = {q.id: {"correct": chosen[q.id] == q.correct_ids} for q in questions}
    right = sum(1 for r in results.values() if r["correct"])
    score = round(100 * right / len(questions))
    try:
        with transaction.atomic():
            attempt = KnowledgeCheckAttempt.objects.create(
                learner=learner,
                check_page=check,
                number=previous + 1,
                answers=chosen,
                results=results,
                score=score,
                passed=score >= check.pass_mark,
            )
    except IntegrityError as exc:
        raise Conflict(_("Another attempt was being saved at the same moment; try again.")) from exc
    progress.check_attempted(attempt)
    left = None if not allowed else allowed - attempt.number
    reveal = attempt.passed or left == 0
    return AttemptResult(attempt, attempt_feedback(check, attempt, reveal), left, reveal)
