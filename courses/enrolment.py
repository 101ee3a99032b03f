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
from courses.outline import get_outline
from lms.accounts.services import require_confirmed_email
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


def _current_requirements(page_id: int) -> dict | None:
    """A qualification's requirements now, as a new enrolment keeps them (None for a course)."""
    shape = get_outline().qualifications.get(page_id)
    return progress.qualification_requirements(shape) if shape else None


def _enrol_one(
    learner, page, kind: str, cohort: Cohort | None, via: Enrolment | None
) -> tuple[Enrolment, bool]:
    requirements = _current_requirements(page.id) if kind == Enrolment.Kind.QUALIFICATION else None
    enrolment, created = Enrolment.objects.get_or_create(
        learner=learner,
        page=page,
        defaults={"kind": kind, "cohort": cohort, "via": via, "requirements": requirements},
    )
    if not created and enrolment.status == Enrolment.Status.WITHDRAWN:
        # Enrolling again after withdrawing is a new enrolment: it takes the current outline.
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.requirements = requirements
        enrolment.save(update_fields=["status", "requirements"])
        created = True
    if created:
        progress.enrolled(enrolment)
    return enrolment, created


def _required_courses(enrolment: Enrolment) -> list[CoursePage]:
    """The courses of a qualification enrolment's own outline, in order."""
    qualification = progress.enrolment_qualification(enrolment, get_outline())
    ids = list(qualification.course_ids) if qualification else []
    pages = CoursePage.objects.in_bulk(ids)
    return [pages[cid] for cid in ids if cid in pages]


@transaction.atomic
def enrolment_create(*, learner, page, cohort: Cohort | None = None) -> tuple[Enrolment, bool]:
    """Enrol in a course, or in a qualification and through it in each of its courses.

    `page` is the default-language course or qualification. Returns (enrolment, created).
    """
    page = page.specific
    require_confirmed_email(learner)
    if not page.live:
        raise PermissionDenied(_("This is not open for enrolment."))
    if cohort is not None and cohort.page_id != page.id:
        raise ValidationError(_("That cohort is for a different course or qualification."))
    if isinstance(page, QualificationPage):
        _require_prerequisite_qualifications(learner, page)
        enrolment, created = _enrol_one(learner, page, Enrolment.Kind.QUALIFICATION, cohort, None)
        for course in _required_courses(enrolment):
            _enrol_one(learner, course, Enrolment.Kind.COURSE, None, enrolment)
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


def enrolment_on_current_outline(enrolment: Enrolment) -> bool:
    """Whether a qualification enrolment's requirements are the qualification's current ones."""
    current = _current_requirements(enrolment.page_id)
    return current is None or enrolment.requirements == current


@transaction.atomic
def enrolment_outline_update(*, enrolment: Enrolment) -> bool:
    """Move a qualification enrolment to the qualification's current outline (staff only, in the
    admin): it takes the current requirements, is enrolled in any newly required course, and its
    progress is recomputed on them. Returns False when it was on the current outline already.

    Refused for an enrolment whose requirements are met (its award stands on the old outline)
    and for a withdrawn one (enrolling again takes the current outline)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.kind != Enrolment.Kind.QUALIFICATION:
        raise ValidationError(_("Only a qualification enrolment has an outline to move."))
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise Conflict(_("This learner has met the requirements of the outline they enrolled in."))
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise Conflict(_("This enrolment is withdrawn; enrolling again takes the current outline."))
    current = _current_requirements(enrolment.page_id)
    if current is None:
        raise Conflict(_("This qualification is not published."))
    if enrolment.requirements == current:
        return False
    enrolment.requirements = current
    enrolment.save(update_fields=["requirements"])
    for course in _required_courses(enrolment):
        _enrol_one(enrolment.learner, course, Enrolment.Kind.COURSE, None, enrolment)
    progress.snapshot_refresh(enrolment)
    return True
