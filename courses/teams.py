"""Field-project teams, formed by consent: a learner invites others, and a team exists only
once they accept.

A team is a learner who invites (the one who started it) and those who accepted their
invitations; once the team submits, its submission's members are the team. Until an invitation is
accepted nothing is shared: the invited learner's work stays theirs, and no submission of theirs
becomes a version of another's. Answers to an invitation never say whether a username exists, is
enrolled or is taken: the same message covers all three.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress
from courses.enrolment import qualification_enrolled
from courses.models import (
    FieldProjectPage,
    Submission,
    SubmissionMember,
    TeamInvitation,
)
from courses.outline import get_outline
from lms.errors import Conflict
from lms.notifications.services import notify

Status = TeamInvitation.Status


def submission_of(learner, project: FieldProjectPage) -> Submission | None:
    member = (
        SubmissionMember.objects.filter(learner=learner, field_project=project)
        .select_related("submission")
        .first()
    )
    return member.submission if member else None


def qualification_of(project: FieldProjectPage) -> int:
    qualification_id = get_outline().project_qualification.get(project.id)
    if qualification_id is None:
        raise PermissionDenied(_("This field project is not part of a published qualification."))
    return qualification_id


def require_enrolled(learner, project: FieldProjectPage) -> int:
    qualification_id = qualification_of(project)
    if not qualification_enrolled(learner, qualification_id):
        raise PermissionDenied(_("Enrol in the qualification before working on its field project."))
    return qualification_id


def _joined(learner, project: FieldProjectPage) -> TeamInvitation | None:
    """The invitation the learner accepted to join someone else's team, if any."""
    return (
        TeamInvitation.objects.filter(
            invitee=learner, field_project=project, status=Status.ACCEPTED
        )
        .select_related("inviter")
        .first()
    )


def team_leader(learner, project: FieldProjectPage):
    """Whoever started the learner's team: the one who invited them, or the learner."""
    joined = _joined(learner, project)
    return joined.inviter if joined else learner


def team_members(learner, project: FieldProjectPage) -> list:
    """The learner's team: its submission's members once it has one, else the learner who
    started it and those who accepted their invitations (the learner alone without a team)."""
    submission = submission_of(learner, project)
    if submission is not None:
        return [m.learner for m in submission.members.select_related("learner").order_by("id")]
    leader = team_leader(learner, project)
    accepted = TeamInvitation.objects.filter(
        inviter=leader, field_project=project, status=Status.ACCEPTED
    ).select_related("invitee")
    return [leader, *(i.invitee for i in accepted.order_by("answered_at", "id"))]


def _in_a_team(user, project: FieldProjectPage) -> bool:
    """In a submission, joined a team, or leading one that someone joined."""
    return (
        SubmissionMember.objects.filter(learner=user, field_project=project).exists()
        or TeamInvitation.objects.filter(field_project=project, status=Status.ACCEPTED)
        .filter(Q(invitee=user) | Q(inviter=user))
        .exists()
    )


def _cannot_invite(name: str) -> str:
    # One message for "no such learner", "not enrolled" and "already in a team": an answer must
    # never tell whether a username exists or what its owner is doing.
    return _(
        "%(name)s cannot be invited. Check the username: only learners enrolled in this "
        "qualification who are not yet in a team for this project can be invited."
    ) % {"name": name}


def _pending(inviter, project: FieldProjectPage):
    return TeamInvitation.objects.filter(
        inviter=inviter, field_project=project, status=Status.PENDING
    )


def _invitable(name: str, inviter, project: FieldProjectPage, qualification_id: int):
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if (
        user is None
        or not qualification_enrolled(user, qualification_id)
        or _in_a_team(user, project)
    ):
        raise ValidationError({"team": [_cannot_invite(name)]})
    return user


@transaction.atomic
def team_invite(*, inviter, project: FieldProjectPage, usernames: list[str]) -> list:
    """Invite learners (by username) to the inviter's team. Returns the pending invitations.

    Inviting someone already invited changes nothing; the team may not outgrow the project's
    largest team, counting those still invited.
    """
    qualification_id = require_enrolled(inviter, project)
    names = [u.strip() for u in usernames if u and u.strip() and u.strip() != inviter.username]
    names = list(dict.fromkeys(names))
    if not names:
        raise ValidationError({"team": [_("Give the username of at least one other learner.")]})
    if project.max_team_size == 1:
        raise ValidationError({"team": [_("This field project is done alone.")]})
    # One inviter's invitations at a time: two requests cannot both fill the last place.
    get_user_model().objects.select_for_update().filter(pk=inviter.pk).first()
    if _joined(inviter, project) is not None:
        raise Conflict(_("Only the learner who started your team can invite others to it."))
    submission = submission_of(inviter, project)
    if submission is not None and submission.status == Submission.Status.GRADED:
        raise Conflict(_("This submission has been graded; its team cannot change."))
    already = {i.invitee.username: i for i in _pending(inviter, project).select_related("invitee")}
    new_names = [n for n in names if n not in already]
    size = len(team_members(inviter, project)) + len(already) + len(new_names)
    if size > project.max_team_size:
        raise ValidationError(
            {"team": [_("A team has at most %(n)s members.") % {"n": project.max_team_size}]}
        )
    invitations = [already[n] for n in names if n in already]
    for name in new_names:
        invitee = _invitable(name, inviter, project, qualification_id)
        invitation = TeamInvitation.objects.create(
            field_project=project, inviter=inviter, invitee=invitee
        )
        notify(
            invitee,
            key=f"team-invitation:{invitation.id}",
            template="team_invitation",
            context={
                "title": project.title,
                "page": project.id,
                "url": "",
                "inviter": inviter.display_name,
            },
        )
        invitations.append(invitation)
    return invitations


def invitation_for(user, invitation_id: int, *, as_inviter: bool = False) -> TeamInvitation:
    """One of the user's invitations (received, or sent with `as_inviter`), or 404."""
    mine = Q(inviter=user) if as_inviter else Q(invitee=user)
    invitation = (
        TeamInvitation.objects.filter(mine, pk=invitation_id)
        .select_related("inviter", "invitee", "field_project")
        .first()
    )
    if invitation is None:
        raise Http404(_("No such invitation."))
    return invitation


def _answerable(invitation: TeamInvitation) -> None:
    if invitation.status != Status.PENDING:
        raise Conflict(
            _("This invitation was already answered or withdrawn (%(status)s).")
            % {"status": invitation.get_status_display()}
        )


def _close(invitation: TeamInvitation, status: str) -> TeamInvitation:
    invitation.status = status
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, learner, invitation_id: int) -> TeamInvitation:
    """Join the inviter's team: from now on its submission is the learner's too."""
    invitation = invitation_for(learner, invitation_id)
    project = invitation.field_project
    require_enrolled(learner, project)
    # The team's leader first, then the learner: the same order everywhere, so no deadlock.
    users = get_user_model().objects.select_for_update()
    users.filter(pk=invitation.inviter_id).first()
    users.filter(pk=learner.pk).first()
    invitation.refresh_from_db()
    _answerable(invitation)
    inviter = invitation.inviter
    if _joined(inviter, project) is not None:
        _close(invitation, Status.WITHDRAWN)
        raise Conflict(_("The learner who invited you has joined another team."))
    if _in_a_team(learner, project):
        raise Conflict(
            _(
                "You are already in a team, or have your own submission, for this project: "
                "you cannot join another team."
            )
        )
    submission = submission_of(inviter, project)
    if submission is not None and submission.status == Submission.Status.GRADED:
        raise Conflict(_("This team's submission has been graded; its team cannot change."))
    if len(team_members(inviter, project)) >= project.max_team_size:
        raise Conflict(_("This team is full."))
    _close(invitation, Status.ACCEPTED)
    if submission is not None:
        SubmissionMember.objects.create(
            submission=submission, learner=learner, field_project=project
        )
        latest = submission.versions.order_by("-number").first()
        if latest is not None:
            progress.project_submitted(latest, learner_id=learner.id)
    # A learner is in one team: other invitations to them lapse, theirs to others are withdrawn.
    for other in TeamInvitation.objects.filter(
        invitee=learner, field_project=project, status=Status.PENDING
    ):
        _close(other, Status.DECLINED)
    for other in _pending(learner, project):
        _close(other, Status.WITHDRAWN)
    return invitation


@transaction.atomic
def invitation_decline(*, learner, invitation_id: int) -> TeamInvitation:
    invitation = invitation_for(learner, invitation_id)
    _answerable(invitation)
    return _close(invitation, Status.DECLINED)


@transaction.atomic
def invitation_withdraw(*, inviter, invitation_id: int) -> TeamInvitation:
    invitation = invitation_for(inviter, invitation_id, as_inviter=True)
    _answerable(invitation)
    return _close(invitation, Status.WITHDRAWN)


ANSWERS = ("accept", "decline", "withdraw")


def invitation_answer(*, user, invitation_id: int, answer: str) -> TeamInvitation:
    """Accept or decline an invitation received, or withdraw one sent."""
    if answer == "accept":
        return invitation_accept(learner=user, invitation_id=invitation_id)
    if answer == "decline":
        return invitation_decline(learner=user, invitation_id=invitation_id)
    if answer == "withdraw":
        return invitation_withdraw(inviter=user, invitation_id=invitation_id)
    raise Http404(_("No such answer."))


def invitations_of(learner, project: FieldProjectPage | None = None) -> dict[str, list]:
    """The learner's pending invitations, received and sent (for one project, or all)."""
    scope = {"field_project": project} if project is not None else {}
    pending = TeamInvitation.objects.filter(status=Status.PENDING, **scope).select_related(
        "inviter", "invitee", "field_project"
    )
    return {
        "received": list(pending.filter(invitee=learner).order_by("created_at")),
        "sent": list(pending.filter(inviter=learner).order_by("created_at")),
    }
