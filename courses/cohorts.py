"""Adding learners to a cohort: by a CSV file (checked into a preview row by row, then applied)
or by an e-mail invitation whose signed link enrols the invited address once accepted.

The admin, the API and the tasks call these functions. Everything here is idempotent: uploading
the same file again, applying an import twice, inviting the same address again or opening the
same link twice never enrols anyone twice nor sends a second e-mail.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.enrolment import enrolment_create
from courses.models import Cohort, CohortImport, CohortInvitation, Enrolment
from lms.celery import send_after_commit

MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 5000
CSV_CONTENT_TYPES = {
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",  # what Windows browsers send for .csv
    "application/octet-stream",  # what some clients send for any file
}
INVITATION_SALT = "courses.cohorts.invitation"
INVITATION_MAX_AGE = 60 * 60 * 24 * 30  # a link works for 30 days


class Outcome:
    """What applying a row does (or why it cannot)."""

    ENROL = "enrol"  # an existing learner, enrolled in the cohort
    JOIN = "join"  # a learner enrolled already, moved into this cohort
    ALREADY = "already"  # in the cohort already: nothing to do
    INVITE = "invite"  # no account with this address: invited to register
    INVITED = "invited"  # invited already, not yet accepted: nothing to do
    ERROR = "error"


OUTCOME_LABELS = {
    Outcome.ENROL: gettext_lazy("Will be enrolled"),
    Outcome.JOIN: gettext_lazy("Enrolled already; will join this cohort"),
    Outcome.ALREADY: gettext_lazy("In this cohort already"),
    Outcome.INVITE: gettext_lazy("No account: will be invited to register"),
    Outcome.INVITED: gettext_lazy("Invited already"),
    Outcome.ERROR: gettext_lazy("Error"),
}


def _require_staff(user) -> None:
    if not getattr(user, "is_staff_member", False):
        raise PermissionDenied(_("Only staff add learners to cohorts."))


# --- CSV --------------------------------------------------------------------------------------


def _read_csv(upload) -> list[dict]:
    """The data rows of an uploaded CSV as {line, email, full_name}; a file that is not a CSV of
    learners (by its name, type, size or content) is refused with one clear message."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".csv"):
        raise ValidationError(_("Upload a .csv file."))
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if content_type and content_type not in CSV_CONTENT_TYPES:
        raise ValidationError(_("That file is %(type)s, not a CSV file.") % {"type": content_type})
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_CSV_BYTES:
        raise ValidationError(_("The file is larger than 1 MB; split it into smaller files."))
    raw = upload.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationError(_("The file is larger than 1 MB; split it into smaller files."))
    if not raw.strip():
        raise ValidationError(_("The file is empty."))
    if b"\x00" in raw:
        raise ValidationError(_("That file is not text: save the spreadsheet as CSV (UTF-8)."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file is not UTF-8 text: save the spreadsheet as CSV (UTF-8).")
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    if "email" not in columns:
        raise ValidationError(
            _(
                "The first row must name the columns, with one called email (and full_name, if you like)."
            )
        )
    email_at = columns.index("email")
    name_at = next((columns.index(c) for c in ("full_name", "name") if c in columns), None)
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s learners; split it into smaller files.")
                    % {"max": MAX_CSV_ROWS}
                )
            rows.append(
                {
                    "line": reader.line_num,
                    "email": values[email_at].strip() if email_at < len(values) else "",
                    "full_name": (
                        values[name_at].strip()
                        if name_at is not None and name_at < len(values)
                        else ""
                    ),
                }
            )
    except csv.Error as exc:
        raise ValidationError(
            _("Line %(line)s is not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from exc
    if not rows:
        raise ValidationError(_("The file names the columns but lists no learners."))
    return rows


def _row_outcome(cohort: Cohort, email: str) -> tuple[str, str]:
    """What adding `email` to the cohort would do now, and a message saying so (or why not)."""
    if not email:
        return Outcome.ERROR, _("No e-mail address.")
    try:
        validate_email(email)
    except ValidationError:
        return Outcome.ERROR, _("“%(email)s” is not an e-mail address.") % {"email": email}
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        return Outcome.ERROR, _("More than one account has this address; add the learner by hand.")
    if not users:
        invited = CohortInvitation.objects.filter(
            cohort=cohort, email__iexact=email, accepted_at__isnull=True
        ).exists()
        if invited:
            return Outcome.INVITED, str(OUTCOME_LABELS[Outcome.INVITED])
        return Outcome.INVITE, str(OUTCOME_LABELS[Outcome.INVITE])
    user = users[0]
    if user.role != user.Role.LEARNER:
        return Outcome.ERROR, _("%(user)s is a %(role)s account, not a learner.") % {
            "user": user.username,
            "role": user.get_role_display().lower(),
        }
    if not user.is_active:
        return Outcome.ERROR, _("%(user)s's account is deactivated.") % {"user": user.username}
    enrolment = (
        Enrolment.objects.filter(learner=user, page_id=cohort.page_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .first()
    )
    if enrolment is None:
        return Outcome.ENROL, str(OUTCOME_LABELS[Outcome.ENROL])
    if enrolment.cohort_id == cohort.id:
        return Outcome.ALREADY, str(OUTCOME_LABELS[Outcome.ALREADY])
    return Outcome.JOIN, str(OUTCOME_LABELS[Outcome.JOIN])


def _checked_rows(cohort: Cohort, rows: list[dict]) -> list[dict]:
    seen: dict[str, int] = {}
    checked = []
    for row in rows:
        key = row["email"].lower()
        if key and key in seen:
            outcome, message = (
                Outcome.ERROR,
                _("Listed twice: this address is on line %(line)s too.") % {"line": seen[key]},
            )
        else:
            outcome, message = _row_outcome(cohort, row["email"])
            if key:
                seen[key] = row["line"]
        checked.append({**row, "outcome": outcome, "message": str(message)})
    return checked


def cohort_import_check(*, cohort: Cohort, upload, by) -> CohortImport:
    """Read an uploaded CSV of learners and record what applying each row would do: the
    preview. Nothing is enrolled yet. A file that cannot be read raises ValidationError; a bad
    row is reported on that row, and the other rows can still be applied."""
    _require_staff(by)
    rows = _checked_rows(cohort, _read_csv(upload))
    return CohortImport.objects.create(
        cohort=cohort,
        uploaded_by=by,
        filename=(getattr(upload, "name", "") or "learners.csv")[:255],
        rows=rows,
    )


@dataclass
class ImportResult:
    enrolled: int = 0
    joined: int = 0
    already: int = 0
    invited: int = 0
    errors: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def cohort_import_apply(*, cohort_import: CohortImport, by) -> ImportResult:
    """Apply a previewed import: enrol, move into the cohort or invite, row by row. Each row is
    checked again (things may have changed since the preview) and is idempotent, so applying
    twice, or uploading the same file again, changes nothing the second time."""
    _require_staff(by)
    cohort = cohort_import.cohort
    result = ImportResult()
    with transaction.atomic():
        rows = _checked_rows(cohort, cohort_import.rows)
        for row in rows:
            outcome = row["outcome"]
            if outcome in (Outcome.ENROL, Outcome.JOIN):
                learner = get_user_model().objects.get(email__iexact=row["email"])
                try:
                    _join(learner, cohort)
                except (ValidationError, PermissionDenied) as exc:
                    row["outcome"], row["message"] = Outcome.ERROR, _message(exc)
                    result.errors += 1
                    continue
                if outcome == Outcome.ENROL:
                    result.enrolled += 1
                else:
                    result.joined += 1
            elif outcome == Outcome.INVITE:
                cohort_invite(cohort=cohort, email=row["email"], by=by)
                result.invited += 1
            elif outcome in (Outcome.ALREADY, Outcome.INVITED):
                result.already += 1
            else:
                result.errors += 1
        cohort_import.rows = rows
        cohort_import.applied_at = timezone.now()
        cohort_import.save(update_fields=["rows", "applied_at"])
    return result


def _message(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _join(learner, cohort: Cohort) -> Enrolment:
    """Enrol the learner in the cohort's course or qualification, in this cohort; a learner
    enrolled already (in another cohort or none) moves into this one."""
    enrolment, created = enrolment_create(learner=learner, page=cohort.page.specific, cohort=cohort)
    if not created and enrolment.cohort_id != cohort.id:
        enrolment.cohort = cohort
        enrolment.save(update_fields=["cohort"])
    return enrolment


# --- invitations ------------------------------------------------------------------------------


def cohort_invite(*, cohort: Cohort, email: str, by) -> tuple[CohortInvitation, bool]:
    """Invite an address to the cohort; the e-mail goes out after commit. Inviting the same
    address again returns the first invitation and sends nothing more."""
    _require_staff(by)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from exc
    outcome, message = _row_outcome(cohort, email)
    if outcome in (Outcome.ERROR, Outcome.ALREADY):
        raise ValidationError({"email": [message]})
    existing = CohortInvitation.objects.filter(cohort=cohort, email__iexact=email).first()
    if existing is not None:
        return existing, False
    invitation = CohortInvitation.objects.create(cohort=cohort, email=email.lower(), invited_by=by)
    send_after_commit("courses.tasks.send_cohort_invitation", invitation.id)
    return invitation, True


def invitation_token(invitation: CohortInvitation) -> str:
    return signing.dumps({"i": invitation.id, "e": invitation.email}, salt=INVITATION_SALT)


def invitation_url(invitation: CohortInvitation) -> str:
    return settings.BASE_URL + reverse("cohort-invitation", args=[invitation_token(invitation)])


class InvalidInvitation(ValidationError):
    """The link is not one we signed, has expired, or names an invitation that is gone."""


def invitation_from_token(token: str) -> CohortInvitation:
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvalidInvitation(
            _("This invitation has expired; ask the academy for a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise InvalidInvitation(_("This invitation link is not valid.")) from exc
    invitation = (
        CohortInvitation.objects.select_related("cohort", "cohort__page")
        .filter(pk=data.get("i"), email__iexact=data.get("e", ""))
        .first()
    )
    if invitation is None:
        raise InvalidInvitation(_("This invitation has been withdrawn."))
    return invitation


def invitation_accept(*, invitation: CohortInvitation, user) -> Enrolment:
    """Enrol the invited learner in the cohort. Only the account with the invited address may
    accept; accepting again returns the same enrolment."""
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(
            _("This invitation is for %(email)s; log in with that account to accept it.")
            % {"email": invitation.email}
        )
    if user.role != user.Role.LEARNER:
        raise PermissionDenied(_("Only learner accounts join cohorts."))
    with transaction.atomic():
        invitation = CohortInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not user.email_confirmed:
            # The signed link reached this address: following it confirms the address, as the
            # confirmation e-mail's link would.
            user.email_confirmed = True
            user.save(update_fields=["email_confirmed"])
        enrolment = _join(user, invitation.cohort)
        if invitation.accepted_at is None:
            invitation.accepted_at = timezone.now()
            invitation.accepted_by = user
            invitation.save(update_fields=["accepted_at", "accepted_by"])
    return enrolment


def invitation_send(*, invitation_id: int) -> bool:
    """Send the invitation e-mail once (the worker's side). Someone with an account is asked to
    log in and accept; an unknown address is asked to register first."""
    with transaction.atomic():
        invitation = (
            CohortInvitation.objects.select_for_update()
            .select_related("cohort", "cohort__page")
            .filter(pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        user = get_user_model().objects.filter(email__iexact=invitation.email).first()
        language = user.preferred_language if user else settings.LANGUAGE_CODE
        with translation.override(language):
            text = render_to_string(
                "emails/cohort_invitation.txt",
                {
                    "cohort": invitation.cohort.name,
                    "title": invitation.cohort.page.title,
                    "starts_on": invitation.cohort.starts_on,
                    "url": invitation_url(invitation),
                    "has_account": user is not None,
                    "site_name": settings.WAGTAIL_SITE_NAME,
                },
            )
        subject, _sep, body = text.strip().partition("\n")
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
        # Sent inside the transaction: if sending fails, sent_at is not kept and a retry sends.
        send_mail(
            subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [invitation.email]
        )
    return True
