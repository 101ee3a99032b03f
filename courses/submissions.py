"""Field-project submissions: the report by sections, versions, files and deadlines.

Submitting writes the version and a progress event for each team member in one transaction;
files are checked by content (courses.uploads) before anything is stored. Teams form by consent
(courses.teams); drafts are saved as the learner writes (courses.drafts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import progress
from courses.drafts import check_length, checked_texts, draft_discard
from courses.grading.notices import submission_received
from courses.grading.permissions import can_grade
from courses.models import (
    Enrolment,
    FieldProjectPage,
    Grade,
    RevisionRequest,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from courses.outline import get_outline
from courses.reports import (
    MAX_REPORT_CHARS,
    WHOLE_REPORT,
    compose_report,
    sections_of,
    versions_diff,
    word_count,
)
from courses.teams import require_enrolled, submission_of, team_invite, team_members
from courses.uploads import check_uploads
from lms.errors import Conflict
from lms.localization import localized

__all__ = [
    "MAX_REPORT_CHARS",
    "can_view_submission",
    "revision_due",
    "status_for_learner",
    "submission_deadline",
    "submission_make",
    "submission_of",
    "version_changes",
]


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


def can_view_submission(user, submission: Submission) -> bool:
    """Its team members, and whoever grades it."""
    if not user.is_authenticated:
        return False
    if submission.members.filter(learner=user).exists():
        return True
    return can_grade(user, submission)


AWAITING_SECOND_MARKER = gettext_lazy("Graded, waiting for a second marker before release")


def status_for_learner(submission: Submission, learner) -> str:
    """The submission's status as one team member reads it. Members are graded one by one, so
    the team's status says "Waiting for grading" until the last grade is released: a member whose
    own grade is released reads "Graded", one whose grade waits for the second marker reads so."""
    if submission.status != Submission.Status.SUBMITTED:
        return submission.get_status_display()
    own = (
        Grade.objects.filter(submission=submission, learner=learner)
        .exclude(status=Grade.Status.DRAFT)
        .values_list("status", flat=True)
        .first()
    )
    if own == Grade.Status.RELEASED:
        return Submission.Status.GRADED.label
    if own == Grade.Status.AWAITING_MODERATION:
        return str(AWAITING_SECOND_MARKER)
    return submission.get_status_display()


def revision_due(submission: Submission):
    """When the revision of a returned submission is due (None when none is set)."""
    request = (
        RevisionRequest.objects.filter(version__submission=submission)
        .order_by("-created_at", "-id")
        .first()
    )
    return request.due_at if request else None


def _report_texts(project: FieldProjectPage, report: str, sections: dict | None) -> dict:
    """The version's texts by section; a single `report` text is still a whole report."""
    texts = {WHOLE_REPORT: report or ""} if sections is None else checked_texts(project, sections)
    texts = {key: text.strip() for key, text in texts.items()}
    if not any(texts.values()):
        raise ValidationError({"report": [_("Write the report (you can attach files as well).")]})
    check_length(texts)
    over = [
        _("%(title)s has %(words)s words; its limit is %(limit)s.")
        % {"title": s.title, "words": word_count(texts[s.id]), "limit": s.word_limit}
        for s in sections_of(project)
        if s.word_limit and s.id in texts and word_count(texts[s.id]) > s.word_limit
    ]
    if over:
        raise ValidationError({"sections": over})
    return texts


@transaction.atomic
def submission_make(
    *,
    learner,
    project: FieldProjectPage,
    report: str = "",
    sections: dict | None = None,
    files=(),
    team: list[str] = (),
) -> SubmissionVersion:
    """Submit a field project, or a new version of one returned or awaiting grading.

    The report comes as `sections` (section id → Markdown) or as one `report` text. Usernames
    in `team` are invited (courses.teams): they join only when they accept. The learner's draft
    is cleared once the version is stored.
    """
    require_enrolled(learner, project)
    texts = _report_texts(project, report, sections)
    try:
        checked = check_uploads(files)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc

    submission = submission_of(learner, project)
    now = timezone.now()
    deadline = submission_deadline(learner, project)
    if submission is None:
        members = team_members(learner, project)
        submission = Submission.objects.create(field_project=project, latest_submitted_at=now)
        try:
            with transaction.atomic():
                for member in members:
                    submission.members.create(learner=member, field_project=project)
        except IntegrityError as exc:
            raise Conflict(
                _("You or a team member already have a submission for this project.")
            ) from exc
    else:
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status == Submission.Status.GRADED:
            raise Conflict(_("This submission has been graded; it cannot be changed."))
        if submission.status == Submission.Status.RETURNED:
            deadline = revision_due(submission) or deadline
    others = [name for name in team if name != learner.username]
    if others:
        team_invite(inviter=learner, project=project, usernames=others)
    submission.version_count += 1
    submission.status = Submission.Status.SUBMITTED
    submission.latest_submitted_at = now
    submission.save(update_fields=["version_count", "status", "latest_submitted_at", "updated_at"])
    by_section = [s for s in sections_of(project) if s.id in texts and s.id != WHOLE_REPORT]
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=submission.version_count,
        report=compose_report(by_section, texts) if by_section else texts[WHOLE_REPORT],
        sections=[{"id": s.id, "title": s.title, "text": texts[s.id]} for s in by_section],
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
    draft_discard(learner=learner, project=project)
    submission_received(version)
    return version


@dataclass(frozen=True)
class VersionChanges:
    submission: Submission
    version: SubmissionVersion
    against: SubmissionVersion
    sections: list[dict]  # courses.reports.versions_diff


def version_changes(
    *, user, submission_id: int, number: int, against: int | None = None
) -> VersionChanges:
    """What changed in a version since an earlier one (the one before, unless named), section
    by section. For the team and its graders only: 404 for anyone else, as for a missing one."""
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or not can_view_submission(user, submission):
        raise Http404(_("No such submission."))
    against = number - 1 if against is None else against
    if against < 1 or against >= number:
        raise ValidationError(
            {"against": [_("Compare with an earlier version (1 to %(n)s).") % {"n": number - 1}]}
        )
    versions = {v.number: v for v in submission.versions.filter(number__in=[number, against])}
    if number not in versions or against not in versions:
        raise Http404(_("No such version."))
    project = localized(submission.field_project.specific)
    return VersionChanges(
        submission,
        versions[number],
        versions[against],
        versions_diff(versions[against], versions[number], sections_of(project)),
    )
