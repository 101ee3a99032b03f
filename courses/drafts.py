"""Report drafts: what a learner has written and not yet submitted, saved on the server as they
type, so a closed tab or a failed request loses nothing.

A draft belongs to one learner (team members each keep their own). Without one, the editor starts
from the team's latest version: a revision starts from the previous version. Submitting clears
the submitter's draft (courses.submissions).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from courses.models import FieldProjectPage, ReportDraft, Submission, SubmissionVersion
from courses.reports import MAX_REPORT_CHARS, Section, sections_of, version_texts, word_count
from courses.teams import require_enrolled, submission_of
from lms.errors import Conflict


@dataclass
class Draft:
    """The text the editor shows: a saved draft, or the latest version to start from."""

    texts: dict[str, str]
    base_version: int
    revision: int  # 0 until first saved
    saved: ReportDraft | None
    latest_version: int  # the team's newest version now

    @property
    def outdated(self) -> bool:
        """A newer version was submitted (by a team-mate) after this draft was started."""
        return self.saved is not None and self.latest_version > self.base_version


def _latest(learner, project: FieldProjectPage) -> SubmissionVersion | None:
    submission = submission_of(learner, project)
    if submission is None:
        return None
    return submission.versions.order_by("-number").first()


def draft_of(learner, project: FieldProjectPage) -> Draft:
    """The learner's draft for the (default-language) project, or one from the latest version."""
    latest = _latest(learner, project)
    number = latest.number if latest else 0
    saved = ReportDraft.objects.filter(learner=learner, field_project=project).first()
    if saved is not None:
        return Draft(dict(saved.sections), saved.base_version, saved.revision, saved, number)
    texts = version_texts(latest) if latest else {}
    return Draft(texts, number, 0, None, number)


def checked_texts(project: FieldProjectPage, texts: dict) -> dict[str, str]:
    """Section texts keyed by the project's section ids; 400 for anything else."""
    if not isinstance(texts, dict):
        raise ValidationError({"sections": [_("Send the sections as an object of texts.")]})
    known = {s.id for s in sections_of(project)}
    unknown = [key for key in texts if key not in known]
    if unknown:
        raise ValidationError(
            {"sections": [_("This project has no report section %(id)s.") % {"id": unknown[0]}]}
        )
    if any(not isinstance(value, str) for value in texts.values()):
        raise ValidationError({"sections": [_("Each section's text must be a string.")]})
    return {key: value.replace("\r\n", "\n") for key, value in texts.items()}


def check_length(texts: dict[str, str]) -> None:
    if sum(len(t) for t in texts.values()) > MAX_REPORT_CHARS:
        raise ValidationError(
            {
                "report": [
                    _("The report is longer than %(n)s characters; attach the rest as a file.")
                    % {"n": MAX_REPORT_CHARS}
                ]
            }
        )


@transaction.atomic
def draft_save(
    *, learner, project: FieldProjectPage, texts: dict, expected_revision: int | None = None
) -> ReportDraft:
    """Save the sections given (others keep their text). A save naming an older revision than
    the stored one (another tab saved since) is refused with 409 and the stored draft."""
    require_enrolled(learner, project)
    submission = submission_of(learner, project)
    if submission is not None and submission.status == Submission.Status.GRADED:
        raise Conflict(_("This submission has been graded; it cannot be changed."))
    texts = checked_texts(project, texts)
    saved = (
        ReportDraft.objects.select_for_update()
        .filter(learner=learner, field_project=project)
        .first()
    )
    current = draft_of(learner, project) if saved is None else None
    if saved is None:
        if expected_revision not in (None, 0):
            raise Conflict(_("This draft was discarded in another window."), {"revision": 0})
        merged = {**current.texts, **texts}
        check_length(merged)
        try:
            with transaction.atomic():
                return ReportDraft.objects.create(
                    learner=learner,
                    field_project=project,
                    sections=merged,
                    base_version=current.base_version,
                )
        except IntegrityError as exc:
            raise Conflict(
                _("This draft was saved in another window at the same moment; reload it."),
                {"revision": 1},
            ) from exc
    if expected_revision is not None and expected_revision != saved.revision:
        raise Conflict(
            _("This draft was changed in another window since you opened it."),
            {"revision": saved.revision, "sections": saved.sections},
        )
    merged = {**saved.sections, **texts}
    check_length(merged)
    saved.sections = merged
    saved.revision += 1
    saved.save(update_fields=["sections", "revision", "updated_at"])
    return saved


def draft_discard(*, learner, project: FieldProjectPage) -> None:
    """Forget the learner's draft: the editor starts again from the latest version."""
    ReportDraft.objects.filter(learner=learner, field_project=project).delete()


def draft_sections(draft: Draft, sections: list[Section]) -> list[dict]:
    """The editor's boxes: each section with the draft's text in it."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "guidance": s.guidance,
            "word_limit": s.word_limit,
            "text": draft.texts.get(s.id, ""),
            "words": word_count(draft.texts.get(s.id, "")),
        }
        for s in sections
    ]
