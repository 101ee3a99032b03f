"""What a validated LTI launch does on our side: find or create the launching user's account
(with their LTI role mapped to ours), record the platform course as a cohort and the resource
link to our page, enrol a learner, and say where to send them.

pylti1p3 validates the launch message (lms.lti.views): signature against the platform's JWKS,
issuer and audience against a registered platform, expiry, deployment id, state and nonce. A
nonce is accepted once only (`nonce_use`): the library checks that we issued it, we make sure
nobody replays the same message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from pylti1p3.roles import StaffRole, TeacherRole, TeachingAssistantRole
from wagtail.models import Page

from courses.enrolment import enrolment_create
from courses.models import (
    Cohort,
    CoursePage,
    Enrolment,
    FieldProjectPage,
    LessonPage,
    QualificationPage,
    TeachingAssignment,
)
from courses.outline import get_outline
from lms.celery import send_after_commit
from lms.localization import canonical
from lms.lti.models import Platform, PlatformAccount, PlatformContext, ResourceLink, UsedNonce

User = get_user_model()

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = CLAIM + "roles"
CONTEXT_CLAIM = CLAIM + "context"
RESOURCE_LINK_CLAIM = CLAIM + "resource_link"
CUSTOM_CLAIM = CLAIM + "custom"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
PAGE_PARAMETER = "page"  # the custom parameter our deep links carry: the page to open


class LaunchRefused(Exception):
    """A launch we will not accept (replayed, or for a platform no longer active)."""


@dataclass
class Outcome:
    user: object
    page: Page | None
    instructor: bool
    context: PlatformContext | None


def nonce_use(*, platform: Platform, nonce: str) -> None:
    """Accept a launch's nonce once; a second launch with it is refused."""
    try:
        with transaction.atomic():
            UsedNonce.objects.create(platform=platform, nonce=nonce[:255])
    except IntegrityError as exc:
        raise LaunchRefused("This launch has been used already.") from exc


def is_instructor_role(roles: list[str]) -> bool:
    """Instructors, teaching assistants and administrators teach; everyone else learns."""
    body = {ROLES_CLAIM: roles}
    return any(role(body).check() for role in (TeacherRole, TeachingAssistantRole, StaffRole))


def _username(platform: Platform, subject: str) -> str:
    digest = hashlib.sha256(f"{platform.pk}:{subject}".encode()).hexdigest()[:20]
    return f"lti-{digest}"


def account_for(
    *, platform: Platform, subject: str, name: str = "", email: str = "", instructor: bool = False
):
    """The account linked to a platform user: linked before, or an existing account with the same
    verified e-mail address (when staff trust the platform to verify them), or a new one. A
    learner becomes an instructor when the platform says they teach; staff keep their role."""
    link = (
        PlatformAccount.objects.select_related("user")
        .filter(platform=platform, subject=subject)
        .first()
    )
    if link is not None:
        user = link.user
    else:
        user = None
        if platform.link_by_email and email:
            user = User.objects.filter(email__iexact=email).order_by("id").first()
        if user is None:
            user = User(
                username=_username(platform, subject),
                email=User.objects.normalize_email(email or ""),
                full_name=(name or "")[:150],
                role=User.Role.INSTRUCTOR if instructor else User.Role.LEARNER,
            )
            user.set_unusable_password()
            user.save()
        try:
            with transaction.atomic():
                PlatformAccount.objects.create(platform=platform, subject=subject, user=user)
        except IntegrityError:  # linked by a concurrent launch a moment ago
            user = PlatformAccount.objects.get(platform=platform, subject=subject).user
    if instructor and user.role == User.Role.LEARNER:
        user.role = User.Role.INSTRUCTOR
        user.save(update_fields=["role"])
    if name and not user.full_name:
        user.full_name = name[:150]
        user.save(update_fields=["full_name"])
    return user


def target_page(page_id) -> Page | None:
    """The default-language live page a link points at (a course, qualification, lesson or field
    project)."""
    try:
        page = Page.objects.live().filter(id=int(page_id)).first()
    except (TypeError, ValueError):
        return None
    if page is None:
        return None
    page = canonical(page).specific
    kinds = (CoursePage, QualificationPage, LessonPage, FieldProjectPage)
    return page if isinstance(page, kinds) else None


def enrolment_page(page: Page) -> Page | None:
    """The course or qualification a learner enrols in to open `page`."""
    if isinstance(page, CoursePage | QualificationPage):
        return page
    outline = get_outline()
    if isinstance(page, LessonPage):
        course_id = outline.course_of(lesson_id=page.id)
        return CoursePage.objects.filter(id=course_id).first() if course_id else None
    if isinstance(page, FieldProjectPage):
        qualification_id = outline.project_qualification.get(page.id)
        return QualificationPage.objects.filter(id=qualification_id).first()
    return None


def context_record(*, platform: Platform, claims: dict) -> PlatformContext | None:
    """The platform course, with its members' service URL."""
    context_claim = claims.get(CONTEXT_CLAIM) or {}
    if not context_claim.get("id"):
        return None
    context, _created = PlatformContext.objects.get_or_create(
        platform=platform, context_id=str(context_claim["id"])[:255]
    )
    context.title = str(context_claim.get("title") or context_claim.get("label") or "")[:255]
    memberships = (claims.get(NRPS_CLAIM) or {}).get("context_memberships_url")
    if memberships:
        context.memberships_url = memberships
    context.save()
    return context


def cohort_for(context: PlatformContext, target: Page) -> Cohort:
    """The cohort the platform course learns `target` in: one per course or qualification it
    links to, made on the first launch into it. The first is the context's own cohort, the one
    its members are brought into."""
    if context.cohort is not None and context.cohort.page_id == target.id:
        return context.cohort
    name = f"{context.platform.name}: {context.title or context.context_id}"[:120]
    cohort = Cohort.objects.filter(page=target, name=name).order_by("id").first()
    if cohort is None:
        cohort = Cohort.objects.create(name=name, page=target, starts_on=timezone.now().date())
    if context.cohort is None:
        context.cohort = cohort
        context.save(update_fields=["cohort"])
    return cohort


def link_record(
    *, platform: Platform, claims: dict, context, page: Page | None
) -> ResourceLink | None:
    link_claim = claims.get(RESOURCE_LINK_CLAIM) or {}
    if not link_claim.get("id"):
        return None
    ags = claims.get(AGS_CLAIM) or {}
    link, _created = ResourceLink.objects.update_or_create(
        platform=platform,
        resource_link_id=str(link_claim["id"])[:255],
        defaults={
            "context": context,
            "page": page,
            "lineitem_url": ags.get("lineitem", ""),
            "lineitems_url": ags.get("lineitems", ""),
            "ags_scopes": list(ags.get("scope", [])),
        },
    )
    return link


def place(user, target: Page, cohort: Cohort | None) -> None:
    """An instructor teaches the course or qualification (and the cohort); a learner is enrolled
    in it, in the cohort. Staff are left as they are."""
    if user.is_instructor:
        TeachingAssignment.objects.get_or_create(instructor=user, page=target)
        if cohort is not None:
            cohort.instructors.add(user)
    elif not user.is_staff_member:
        existing = Enrolment.objects.filter(learner=user, page=target).first()
        if existing is None or existing.status == Enrolment.Status.WITHDRAWN:
            enrolment_create(learner=user, page=target, cohort=cohort)
        elif cohort is not None and existing.cohort_id is None:
            existing.cohort = cohort
            existing.save(update_fields=["cohort"])


@transaction.atomic
def launch_accept(*, platform: Platform, claims: dict) -> Outcome:
    """Everything a validated resource-link or deep-linking launch changes on our side."""
    if not platform.is_active:
        raise LaunchRefused("This platform is not active.")
    nonce_use(platform=platform, nonce=claims["nonce"])
    instructor = is_instructor_role(claims.get(ROLES_CLAIM, []))
    user = account_for(
        platform=platform,
        subject=str(claims["sub"]),
        name=claims.get("name", ""),
        email=claims.get("email", ""),
        instructor=instructor,
    )
    custom = claims.get(CUSTOM_CLAIM) or {}
    page = target_page(custom.get(PAGE_PARAMETER)) if custom.get(PAGE_PARAMETER) else None
    context = context_record(platform=platform, claims=claims)
    link_record(platform=platform, claims=claims, context=context, page=page)
    target = enrolment_page(page) if page is not None else None
    if target is not None:
        place(user, target, cohort_for(context, target) if context is not None else None)
    if instructor and context is not None and context.memberships_url and context.cohort:
        send_after_commit("lms.lti.tasks.sync_members", context.id)
    return Outcome(user=user, page=page, instructor=instructor, context=context)
