"""The platform's services the tool calls with its own key (OAuth 2 client credentials):
Names and Role Provisioning to bring a platform course's members into its cohort, and
Assignment and Grade Services to send scores to its gradebook. pylti1p3 makes the calls."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.contrib.django import DjangoServiceConnector
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService

from lms.celery import backoff
from lms.lti.config import registration_of
from lms.lti.launch import account_for, is_instructor_role, place
from lms.lti.models import Platform, PlatformContext, ScorePassback

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def connector(platform: Platform) -> DjangoServiceConnector:
    """Calls the platform's services with the tool's key; access tokens are cached."""
    return DjangoServiceConnector(registration_of(platform))


# --- Names and Role Provisioning ----------------------------------------------------------------


def context_members_sync(*, context_id: int) -> int:
    """Link (or create) an account for each active member of the platform course and place it in
    the course's cohort: learners are enrolled, instructors teach. Returns how many members."""
    context = PlatformContext.objects.select_related("platform", "cohort").get(pk=context_id)
    if not context.memberships_url or context.cohort is None:
        return 0
    service = NamesRolesProvisioningService(
        connector(context.platform), {"context_memberships_url": context.memberships_url}
    )
    members = service.get_members()
    placed = 0
    for member in members:
        if member.get("status", "Active") != "Active" or not member.get("user_id"):
            continue
        with transaction.atomic():
            user = account_for(
                platform=context.platform,
                subject=str(member["user_id"]),
                name=member.get("name", ""),
                email=member.get("email", ""),
                instructor=is_instructor_role(member.get("roles", [])),
            )
            place(user, context.cohort.page.specific, context.cohort)
        placed += 1
    PlatformContext.objects.filter(pk=context.pk).update(members_synced_at=timezone.now())
    return placed


# --- Assignment and Grade Services ---------------------------------------------------------------


def _grade(score: ScorePassback) -> Grade:
    return (
        Grade()
        .set_score_given(float(score.score_given))
        .set_score_maximum(float(score.score_maximum))
        .set_timestamp(score.occurred_at.isoformat())
        .set_activity_progress(score.activity_progress)
        .set_grading_progress(score.grading_progress)
        .set_user_id(score.account.subject)
    )


def score_send(score: ScorePassback) -> None:
    """POST one score to the link's line item (made by the platform when it placed the link, or
    found or created by us in the course's line items)."""
    link = score.link
    service = AssignmentsGradesService(
        connector(link.platform),
        {
            "scope": link.ags_scopes,
            "lineitem": link.lineitem_url or None,
            "lineitems": link.lineitems_url or None,
        },
    )
    if link.lineitem_url:
        service.put_grade(_grade(score))
        return
    title = link.page.title if link.page else str(link)
    lineitem = (
        LineItem()
        .set_tag(score.kind)
        .set_score_maximum(float(score.score_maximum))
        .set_label(title)
        .set_resource_id(str(link.page_id or link.resource_link_id))
    )
    service.put_grade(_grade(score), lineitem)


def scores_deliver(*, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Send the scores that are due. Returns (sent, failed); a failure waits longer each time."""
    now = timezone.now()
    due = list(
        ScorePassback.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now)
        .select_related("link__platform", "link__page", "account")
        .order_by("created_at")[:batch_size]
    )
    sent = failed = 0
    for score in due:
        try:
            score_send(score)
        except (LtiException, OSError) as exc:
            failed += 1
            attempts = score.attempts + 1
            ScorePassback.objects.filter(pk=score.pk).update(
                attempts=attempts,
                next_attempt_at=timezone.now() + backoff(attempts),
                last_error=str(exc)[:2000],
            )
            logger.warning("Score %s not accepted by %s: %s", score.pk, score.link.platform, exc)
            continue
        ScorePassback.objects.filter(pk=score.pk).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
        sent += 1
    return sent, failed
