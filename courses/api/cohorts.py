"""Cohorts in the JSON API, for staff: create and list cohorts, add learners from a CSV (a
checked preview, then applied) or by e-mail invitation; and a learner accepting an invitation."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from wagtail.models import Page

from courses.api.schemas import ErrorOut, RowId
from courses.cohorts import (
    cohort_import_apply,
    cohort_import_check,
    cohort_invite,
    invitation_accept,
    invitation_from_token,
)
from courses.models import Cohort, CohortImport
from lms.auth import AUTH

router = Router(tags=["cohorts"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _staff(user) -> None:
    if not user.is_staff_member:
        raise PermissionDenied("Only staff manage cohorts.")


class CohortIn(Schema):
    name: str = Field(max_length=120)
    page: int = Field(
        ge=1,
        le=2**31 - 1,
        description="The id of a course or qualification page (default language).",
    )
    starts_on: date
    ends_on: date | None = None
    submission_deadline: datetime | None = None
    instructors: list[int] = Field(default_factory=list, description="Ids of instructor users.")


class CohortOut(Schema):
    id: int
    name: str
    page: int
    page_title: str
    starts_on: date
    ends_on: date | None
    submission_deadline: datetime | None
    instructors: list[int]
    learners: int


def _cohort_out(cohort: Cohort) -> dict:
    return {
        "id": cohort.id,
        "name": cohort.name,
        "page": cohort.page_id,
        "page_title": cohort.page.title,
        "starts_on": cohort.starts_on,
        "ends_on": cohort.ends_on,
        "submission_deadline": cohort.submission_deadline,
        "instructors": sorted(cohort.instructors.values_list("id", flat=True)),
        "learners": cohort.enrolments.count(),
    }


@router.get("/cohorts", response={200: list[CohortOut], **ERRORS}, auth=AUTH)
def cohorts_list(request):
    _staff(request.auth)
    return [_cohort_out(c) for c in Cohort.objects.select_related("page")]


@router.post("/cohorts", response={201: CohortOut, **ERRORS}, auth=AUTH)
def cohort_create(request, payload: CohortIn):
    """400 when the page is not a course or qualification, or an instructor is not one."""
    _staff(request.auth)
    page = Page.objects.filter(pk=payload.page).first()
    if page is None:
        raise ValidationError({"page": ["No page has that id."]})
    cohort = Cohort(
        name=payload.name,
        page=page,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        submission_deadline=payload.submission_deadline,
    )
    cohort.full_clean()
    instructors = get_user_model().objects.filter(pk__in=payload.instructors, role="instructor")
    if len(set(payload.instructors)) != instructors.count():
        raise ValidationError({"instructors": ["Every instructor must be an instructor account."]})
    cohort.save()
    cohort.instructors.set(instructors)
    return 201, _cohort_out(cohort)


class ImportRowOut(Schema):
    line: int
    email: str
    full_name: str
    outcome: str = Field(description="enrol, join, already, invite, invited or error.")
    message: str


class ImportOut(Schema):
    id: int
    cohort: int
    filename: str
    applied_at: datetime | None
    rows: list[ImportRowOut]


def _import_out(checked: CohortImport) -> dict:
    return {
        "id": checked.id,
        "cohort": checked.cohort_id,
        "filename": checked.filename,
        "applied_at": checked.applied_at,
        "rows": checked.rows,
    }


@router.post("/cohorts/{cohort_id}/imports", response={201: ImportOut, **ERRORS}, auth=AUTH)
def cohort_import(request, cohort_id: RowId, file: UploadedFile = File(...)):
    """Upload a CSV (columns email, full_name; UTF-8; at most 1 MB): the preview of what each
    row will do. 400 with a message when the file is not a CSV of learners."""
    _staff(request.auth)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    return 201, _import_out(cohort_import_check(cohort=cohort, upload=file, by=request.auth))


class ImportResultOut(Schema):
    enrolled: int
    joined: int
    already: int
    invited: int
    errors: int


@router.post(
    "/cohorts/{cohort_id}/imports/{import_id}/apply",
    response={200: ImportResultOut, **ERRORS},
    auth=AUTH,
)
def cohort_import_run(request, cohort_id: RowId, import_id: RowId):
    """Apply a previewed import; applying again changes nothing."""
    _staff(request.auth)
    checked = get_object_or_404(CohortImport, pk=import_id, cohort_id=cohort_id)
    return cohort_import_apply(cohort_import=checked, by=request.auth).as_dict()


class InvitationIn(Schema):
    email: str


class InvitationOut(Schema):
    id: int
    cohort: int
    email: str
    created: bool = Field(description="False when the address was invited already.")
    accepted_at: datetime | None


@router.post(
    "/cohorts/{cohort_id}/invitations",
    response={201: InvitationOut, 200: InvitationOut, **ERRORS},
    auth=AUTH,
)
def cohort_invitation(request, cohort_id: RowId, payload: InvitationIn):
    """Invite an address (an unknown one is invited to register); 200 if invited already."""
    _staff(request.auth)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    invitation, created = cohort_invite(cohort=cohort, email=payload.email, by=request.auth)
    body = {
        "id": invitation.id,
        "cohort": cohort.id,
        "email": invitation.email,
        "created": created,
        "accepted_at": invitation.accepted_at,
    }
    return (201 if created else 200), body


class AcceptIn(Schema):
    token: str = Field(description="The token of the invitation link (the last path segment).")


class AcceptOut(Schema):
    cohort: int
    enrolment: int
    page: int


@router.post("/cohort-invitations/accept", response={200: AcceptOut, **ERRORS}, auth=AUTH)
def cohort_invitation_accept(request, payload: AcceptIn):
    """The invited learner accepts: enrolled in the cohort. 400 for a bad or expired link, 403
    for an account with another address."""
    invitation = invitation_from_token(payload.token)
    enrolment = invitation_accept(invitation=invitation, user=request.auth)
    return {"cohort": invitation.cohort_id, "enrolment": enrolment.id, "page": enrolment.page_id}
