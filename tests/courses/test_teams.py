"""Teams by consent (courses/teams.py): a team exists only once the invited learner accepts;
until then nothing is shared, and no answer tells whether a username exists, is enrolled or is
already in a team (issue 17, item 5)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from courses.enrolment import enrolment_create
from courses.models import Submission, TeamInvitation
from courses.teams import invitation_accept, invitation_decline, team_invite, team_members
from lms.errors import Conflict
from tests.conftest import make_user
from tests.courses.helpers import pdf_bytes, submit, upload


@pytest.fixture
def mates(curriculum):
    people = [make_user("learner", f"teammate{i}") for i in range(3)]
    for person in people:
        enrolment_create(learner=person, page=curriculum.qualification)
    return people


def test_a_learner_named_as_a_teammate_who_never_accepts_keeps_their_own_submission_and_files(
    client, curriculum, enrolled, mates
):
    """The attack: a learner named another as a team-mate; that learner's later submission
    became a version of the first one's, and the first downloaded the other's file."""
    victim = mates[0]
    attacker_version = submit(enrolled, curriculum.project, team=[victim.username])
    assert TeamInvitation.objects.get(invitee=victim).status == TeamInvitation.Status.PENDING

    victim_version = submit(
        victim,
        curriculum.project,
        report="My own confidential diagnosis.",
        files=[upload("mine.pdf", pdf_bytes())],
    )
    assert victim_version.submission != attacker_version.submission
    assert victim_version.number == 1
    assert list(victim_version.submission.members.values_list("learner", flat=True)) == [victim.id]
    assert list(attacker_version.submission.members.values_list("learner", flat=True)) == [
        enrolled.id
    ]

    client.force_login(enrolled)
    stolen = client.get(f"/en/learn/files/{victim_version.files.get().id}/")
    assert stolen.status_code == 403
    page = client.get(curriculum.project.url).content.decode()
    assert "My own confidential diagnosis" not in page
    changes = client.get(
        f"/en/learn/submissions/{victim_version.submission_id}/versions/1/changes/"
    )
    assert changes.status_code == 404

    # And the victim can no longer be pulled in: their own submission closes the invitation.
    invitation = TeamInvitation.objects.get(invitee=victim)
    with pytest.raises(Conflict):
        invitation_accept(learner=victim, invitation_id=invitation.id)
    assert Submission.objects.count() == 2


def test_one_answer_for_unknown_unenrolled_and_taken_usernames(api, curriculum, enrolled, mates):
    outsider = make_user("learner", "outsider")  # exists, not enrolled
    team_invite(inviter=mates[1], project=curriculum.project, usernames=[mates[2].username])
    invitation_accept(
        learner=mates[2], invitation_id=TeamInvitation.objects.get(invitee=mates[2]).id
    )
    answers = {}
    for name in ("no-such-learner", outsider.username, mates[2].username):
        response = api.post(
            f"/field-projects/{curriculum.project.id}/invitations",
            {"usernames": [name]},
            user=enrolled,
        )
        assert response.status_code == 400, name
        answers[name] = response.json()["detail"].replace(name, "NAME")
    assert len(set(answers.values())) == 1, answers
    assert "cannot be invited" in next(iter(answers.values()))
    assert not TeamInvitation.objects.filter(inviter=enrolled).exists()


def test_accepting_an_invitation_joins_the_team_and_its_submission(
    api, client, curriculum, enrolled, mates
):
    version = submit(enrolled, curriculum.project, files=[upload("plan.pdf", pdf_bytes())])
    response = api.post(
        f"/field-projects/{curriculum.project.id}/invitations",
        {"usernames": [mates[0].username]},
        user=enrolled,
    )
    assert response.status_code == 201
    (invitation,) = response.json()
    assert invitation["status"] == "pending" and invitation["invitee"] == mates[0].username

    received = api.get("/me/invitations", user=mates[0]).json()
    assert [i["id"] for i in received] == [invitation["id"]]
    accepted = api.post(f"/invitations/{invitation['id']}/accept", user=mates[0])
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    team = api.get(f"/field-projects/{curriculum.project.id}/team", user=mates[0]).json()
    assert team["members"] == [enrolled.username, mates[0].username]
    # Now shared, by consent: the new member sees the work and submits its next version.
    client.force_login(mates[0])
    assert client.get(f"/en/learn/files/{version.files.get().id}/").status_code == 200
    assert submit(mates[0], curriculum.project, report="Our v2.").submission == version.submission


def test_declined_or_withdrawn_invitations_cannot_be_accepted(api, curriculum, enrolled, mates):
    first, second = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[m.username for m in mates[:2]]
    )
    assert api.post(f"/invitations/{first.id}/decline", user=mates[0]).status_code == 200
    assert api.post(f"/invitations/{second.id}/withdraw", user=enrolled).status_code == 200
    for invitation, who in ((first, mates[0]), (second, mates[1])):
        response = api.post(f"/invitations/{invitation.id}/accept", user=who)
        assert response.status_code == 409
    assert team_members(enrolled, curriculum.project) == [enrolled]


def test_only_the_invited_learner_answers_an_invitation(api, curriculum, enrolled, mates):
    (invitation,) = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[mates[0].username]
    )
    for who in (mates[1], enrolled):
        assert api.post(f"/invitations/{invitation.id}/accept", user=who).status_code == 404
    assert api.post(f"/invitations/{invitation.id}/accept").status_code == 401
    assert api.post(f"/invitations/{invitation.id}/withdraw", user=mates[0]).status_code == 404


def test_pending_invitations_count_towards_the_largest_team(curriculum, enrolled, mates):
    team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[m.username for m in mates[:2]]
    )
    with pytest.raises(ValidationError, match="at most 3 members"):
        team_invite(inviter=enrolled, project=curriculum.project, usernames=[mates[2].username])
    # Inviting the same learner again changes nothing.
    again = team_invite(inviter=enrolled, project=curriculum.project, usernames=[mates[0].username])
    assert len(again) == 1 and TeamInvitation.objects.filter(inviter=enrolled).count() == 2


def test_joining_one_team_closes_the_other_invitations(curriculum, enrolled, mates):
    (from_lena,) = team_invite(
        inviter=enrolled, project=curriculum.project, usernames=[mates[0].username]
    )
    (from_mate,) = team_invite(
        inviter=mates[1], project=curriculum.project, usernames=[mates[0].username]
    )
    invitation_accept(learner=mates[0], invitation_id=from_mate.id)
    from_lena.refresh_from_db()
    assert from_lena.status == TeamInvitation.Status.DECLINED
    with pytest.raises(Conflict):
        invitation_decline(learner=mates[0], invitation_id=from_lena.id)
    # A team formed before anyone submitted: the first submission is the whole team's.
    version = submit(mates[0], curriculum.project)
    assert set(version.submission.members.values_list("learner", flat=True)) == {
        mates[0].id,
        mates[1].id,
    }


def test_the_project_page_offers_the_invitation_and_keeps_a_refused_username(
    client, curriculum, enrolled, mates
):
    team_invite(inviter=mates[1], project=curriculum.project, usernames=[enrolled.username])
    client.force_login(enrolled)
    page = client.get(curriculum.project.url).content.decode()
    assert "invites you to work on this project as one team" in page
    assert "Accept" in page and "Decline" in page

    response = client.post(
        f"/en/learn/projects/{curriculum.project.id}/team/", {"team": "no-such-learner"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "no-such-learner cannot be invited" in body
    assert 'value="no-such-learner"' in body

    invitation = TeamInvitation.objects.get(invitee=enrolled)
    response = client.post(f"/en/learn/invitations/{invitation.id}/accept/")
    assert response.status_code == 302 and response["Location"].endswith("#team")
    assert [m.id for m in team_members(enrolled, curriculum.project)] == [mates[1].id, enrolled.id]
