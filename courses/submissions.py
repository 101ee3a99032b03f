"""Field-project submissions: a team of up to three, versions, files and the deadline.

Submitting writes the version and a progress event for each team member in one transaction;
files are checked by content (courses.uploads) before anything is stored.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import progress
from courses.enrolment import qualification_enrolled
from courses.grading.permissions import can_grade
from courses.models import (
    Enrolment,
    FieldProjectPage,
    Submission,
    SubmissionFile,
    SubmissionMember,
    SubmissionVersion,
)
from courses.outline import get_outline
from courses.uploads import check_uploads
from lms.errors import Conflict

MAX_REPORT_CHARS = 60_000


def submission_deadline(learner, project: FieldProjectPage):
    """The learner's deadline: their cohort's, else so many days after enrolling."""
    qualification_id = get_outline().project_qualification.get(project.id)
    enrolment = (
        Enrolment.objects.filter(learner=learner, page_id=qualification_id)
        .select_related("cohort")
        .first()
    )
    if enrolment is None:
        return None
    if enrolment.cohort and enrolment.cohort.submission_deadline:
        return enrolment.cohort.submission_deadline
    return enrolment.enrolled_at + timedelta(days=project.deadline_days)


def submission_of(learner, project: FieldProjectPage) -> Submission | None:
    member = (
        SubmissionMember.objects.filter(learner=learner, field_project=project)
        .select_related("submission")
        .first()
    )
    return member.submission if member else None


def can_view_submission(user, submission: Submission) -> bool:
    """Its team members, and whoever grades it."""
    if not user.is_authenticated:
        return False
    if submission.members.filter(learner=user).exists():
        return True
    return can_grade(user, submission)


def _team(learner, project: FieldProjectPage, usernames: list[str], qualification_id: int) -> list:
    usernames = [u.strip() for u in usernames if u and u.strip() and u.strip() != learner.username]
    usernames = list(dict.fromkeys(usernames))
    if len(usernames) + 1 > project.max_team_size:
        if project.max_team_size == 1:
            raise ValidationError(_("This field project is done alone."))
        raise ValidationError(_("A team has at most %(n)s members.") % {"n": project.max_team_size})
    users = list(get_user_model().objects.filter(username__in=usernames, is_active=True))
    found = {u.username for u in users}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise ValidationError(
            _("No learner with the username: %(names)s.") % {"names": ", ".join(missing)}
        )
    enrolled = set(
        Enrolment.objects.filter(learner__in=users, page_id=qualification_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .values_list("learner_id", flat=True)
    )
    not_enrolled = [u.username for u in users if u.id not in enrolled]
    if not_enrolled:
        raise ValidationError(
            _("Team members must be enrolled in the qualification: %(names)s.")
            % {"names": ", ".join(not_enrolled)}
        )
    taken = SubmissionMember.objects.filter(learner__in=users, field_project=project).values_list(
        "learner__username", flat=True
    )
    if taken:
        raise ValidationError(
            _("Already in another submission for this project: %(names)s.")
            % {"names": ", ".join(taken)}
        )
    return users


def _checked_report(report: str) -> str:
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": [_("Write the report (you can attach files as well).")]})
    if len(report) > MAX_REPORT_CHARS:
        raise ValidationError(
            {
                "report": [
                    _("The report is longer than %(n)s characters; attach the rest as a file.")
                    % {"n": MAX_REPORT_CHARS}
                ]
            }
        )
    return report


@transaction.atomic
def submission_make(
    *, learner, project: FieldProjectPage, report: str, files=(), team: list[str] = ()
) -> SubmissionVersion:
    """Submit a field project, or a new version of one returned or awaiting grading.

    The team is named on the first submission; each member may then submit new versions.
    """
    qualification_id = get_outline().project_qualification.get(project.id)
    if qualification_id is None:
        raise PermissionDenied(_("This field project is not part of a published qualification."))
    if not qualification_enrolled(learner, qualification_id):
        raise PermissionDenied(_("Enrol in the qualification before submitting its field project."))
    report = _checked_report(report)
    try:
        checked = check_uploads(files)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc

    submission = submission_of(learner, project)
    now = timezone.now()
    if submission is None:
        members = [learner, *_team(learner, project, list(team), qualification_id)]
        submission = Submission.objects.create(field_project=project, latest_submitted_at=now)
        try:
            with transaction.atomic():
                for member in members:
                    SubmissionMember.objects.create(
                        submission=submission, learner=member, field_project=project
                    )
        except IntegrityError as exc:
            raise Conflict(
                _("You or a team member already have a submission for this project.")
            ) from exc
    else:
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status == Submission.Status.GRADED:
            raise Conflict(_("This submission has been graded; it cannot be changed."))
        if team and set(team) - {learner.username} - set(
            submission.members.values_list("learner__username", flat=True)
        ):
            raise ValidationError({"team": [_("The team was set on the first submission.")]})
    deadline = submission_deadline(learner, project)
    submission.version_count += 1
    submission.status = Submission.Status.SUBMITTED
    submission.latest_submitted_at = now
    submission.save(update_fields=["version_count", "status", "latest_submitted_at", "updated_at"])
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version_count,
        report=report,
        submitted_by=learner,
        deadline=deadline,
        late=bool(deadline and now > deadline),
    )
    for item in checked:
        stored = SubmissionFile(
            version=version,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
        )
        stored.file.save(item.name, ContentFile(item.content), save=False)
        stored.save()
    for member_id in submission.members.values_list("learner_id", flat=True):
        progress.project_submitted(version, learner_id=member_id)
    return version
