"""Enrolment: in a course, or in a qualification and through it in each of its courses.

Each enrolment writes its row and a progress event in one transaction; processing follows on a
worker once it commits (see courses.progress).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from courses import progress
from courses.models import (
    Cohort,
    CoursePage,
    Enrolment,
    Milestone,
    QualificationPage,
)
from lms.errors import Conflict
from lms.notifications.services import notify


def qualifications_held(learner, qualification_ids: Iterable[int]) -> set[int]:
    """Which of these (default-language) qualifications the learner holds: met every
    requirement of. Milestones are recorded on the default-language qualification."""
    return set(
        Milestone.objects.filter(
            enrolment__learner=learner,
            kind=Milestone.Kind.REQUIREMENTS_MET,
            page_id__in=list(qualification_ids),
        ).values_list("page_id", flat=True)
    )


def _require_prerequisite_qualifications(learner, qualification: QualificationPage) -> None:
    required = [p.required_id for p in qualification.prerequisites.all()]
    if not required:
        return
    held = qualifications_held(learner, required)
    missing = [qid for qid in required if qid not in held]
    if missing:
        titles = ", ".join(
            QualificationPage.objects.filter(id__in=missing).values_list("title", flat=True)
        )
        raise Conflict(
            _("This qualification requires holding first: %(titles)s.") % {"titles": titles}
        )


def _enrol_one(
    learner, page, kind: str, cohort: Cohort | None, via: Enrolment | None
) -> tuple[Enrolment, bool]:
    enrolment, created = Enrolment.objects.get_or_create(
        learner=learner, page=page, defaults={"kind": kind, "cohort": cohort, "via": via}
    )
    if not created and enrolment.status == Enrolment.Status.WITHDRAWN:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status"])
        created = True
    if created:
        progress.enrolled(enrolment)
    return enrolment, created


@transaction.atomic
def enrolment_create(*, learner, page, cohort: Cohort | None = None) -> tuple[Enrolment, bool]:
    """Enrol in a course, or in a qualification and through it in each of its courses.

    `page` is the default-language course or qualification. Returns (enrolment, created).
    """
    page = page.specific
    if not page.live:
        raise PermissionDenied(_("This is not open for enrolment."))
    if cohort is not None and cohort.page_id != page.id:
        raise ValidationError(_("That cohort is for a different course or qualification."))
    if isinstance(page, QualificationPage):
        _require_prerequisite_qualifications(learner, page)
        enrolment, created = _enrol_one(learner, page, Enrolment.Kind.QUALIFICATION, cohort, None)
        for link in page.required_courses.select_related("course"):
            _enrol_one(learner, link.course, Enrolment.Kind.COURSE, None, enrolment)
    elif isinstance(page, CoursePage):
        enrolment, created = _enrol_one(learner, page, Enrolment.Kind.COURSE, cohort, None)
    else:
        raise ValidationError(_("Only courses and qualifications take enrolments."))
    if created:
        notify(
            learner,
            key=f"enrolled:{enrolment.id}:{enrolment.enrolled_at.date()}",
            template="enrolled",
            context={"title": page.title, "page": page.id, "url": page.url},
        )
    return enrolment, created


def qualification_enrolled(learner, qualification_id: int | None) -> bool:
    """Whether the learner has an enrolment (not withdrawn) in this qualification."""
    return (
        qualification_id is not None
        and Enrolment.objects.filter(learner=learner, page_id=qualification_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    )
