"""The kinds of notification, each named after its e-mail template (templates/emails/<kind>.txt),
and how a person may take each kind by e-mail. In-app notifications are always kept."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    """How a person wants a kind of notification by e-mail."""

    IMMEDIATELY = "immediately", _("Immediately")
    DAILY_DIGEST = "daily_digest", _("In a daily digest")
    OFF = "off", _("Off")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    teaching: bool = False  # for instructors and moderators, not learners
    anchor: str = ""  # the part of the linked page the notification is about


KINDS: tuple[Kind, ...] = (
    Kind("enrolled", _("You enrolled in a course or qualification")),
    Kind("deadline_reminder", _("A field project deadline is near")),
    Kind("inactivity_nudge", _("A nudge when you have not studied for a while")),
    Kind("returned_for_revision", _("Your field project was returned for revision")),
    Kind("grade_released", _("Your grade was released"), anchor="result"),
    Kind("certificate_issued", _("A certificate was issued to you")),
    Kind("certificate_expiring", _("Your certificate expires soon")),
    Kind("team_invitation", _("Someone invited you to their team")),
    Kind("evidence_reviewed", _("Staff reviewed your evidence")),
    Kind("submission_received", _("A learner submitted a field project you grade"), True),
    Kind("submission_resubmitted", _("A learner resubmitted a revised field project"), True),
    Kind("moderation_waiting", _("A grade waits for you to moderate it"), True),
    Kind("grading_overdue", _("A submission has waited too long for grading"), True),
)
BY_NAME = {kind.name: kind for kind in KINDS}
# The digest's own unsubscribe token names this: it turns off every kind the person takes daily.
DIGEST = "digest"


def kinds_for(user) -> list[Kind]:
    """The kinds this person may receive: teaching kinds only for instructors and staff."""
    teaches = user.is_instructor or user.is_staff_member
    return [kind for kind in KINDS if teaches or not kind.teaching]
