"""A learner's data: the archive of everything held about them, and erasing their account.

The archive is a zip: `data.json` (the account, its tokens' metadata, and one list per kind of
record: enrolments, progress, check attempts, submissions with their versions, released grades,
awards and certificates, notifications, ...) and `files/` (the files of the learner's
submissions and the PDFs of their certificates). It is stored in private storage, offered for
download behind login to its owner only, and deleted when it expires.

Erasing an account keeps the row (grades, certificates and team submissions point at it) but
takes away everything that identifies the person: see docs/security.md, "Privacy".
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.serializers import serialize
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.accounts.emails import account_email
from lms.celery import send_after_commit
from lms.privacy.models import DataExport

EXPORT_LIFETIME = timedelta(days=7)
FORMAT_VERSION = 1
# (section, model, field naming the learner): records that are the learner's own.
LEARNER_RECORDS = (
    ("enrolments", "courses.Enrolment", "learner"),
    ("lesson_completions", "courses.LessonCompletion", "learner"),
    ("knowledge_check_attempts", "courses.KnowledgeCheckAttempt", "learner"),
    ("attempt_allowances", "courses.AttemptAllowance", "learner"),
    ("progress_events", "courses.ProgressEvent", "learner"),
    ("report_drafts", "courses.ReportDraft", "learner"),
    ("team_invitations_sent", "courses.TeamInvitation", "inviter"),
    ("team_invitations_received", "courses.TeamInvitation", "invitee"),
    ("evidence_submissions", "courses.EvidenceSubmission", "learner"),
    ("calendar_feed", "courses.CalendarFeed", "learner"),
    ("awards", "certificates.Award", "learner"),
    ("certificates", "certificates.Certificate", "learner"),
    ("notifications", "notifications.Notification", "user"),
    ("lti_accounts", "lti.PlatformAccount", "user"),
    ("xapi_account", "xapi.LearnerAccount", "learner"),
)
ACCOUNT_FIELDS = (
    "id",
    "username",
    "full_name",
    "first_name",
    "last_name",
    "email",
    "email_confirmed",
    "preferred_language",
    "role",
    "is_active",
    "date_joined",
    "last_login",
)


def _rows(queryset) -> list[dict]:
    """Records as plain dicts (Django's serialiser: every field, relations as ids)."""
    return [
        {"id": item["pk"], **item["fields"]} for item in json.loads(serialize("json", queryset))
    ]


# --- The archive ---------------------------------------------------------------------------------


def data_export_request(*, user) -> DataExport:
    """Ask for an archive; a worker builds it and e-mails the link."""
    pending = DataExport.objects.filter(user=user, status=DataExport.Status.PENDING).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user, expires_at=timezone.now() + EXPORT_LIFETIME)
    send_after_commit("privacy.tasks.build_data_export", export.pk)
    return export


def data_export_contents(user) -> tuple[dict, list[tuple[str, object]]]:
    """What the archive holds: the JSON document and the files (archive path, field file)."""
    from certificates.models import Certificate
    from courses.models import Grade, Submission, SubmissionFile, SubmissionVersion

    data: dict = {
        "format": FORMAT_VERSION,
        "generated_at": timezone.now(),
        "site": settings.BASE_URL,
        "account": {name: getattr(user, name) for name in ACCOUNT_FIELDS},
        "api_tokens": [
            {
                "id": t.id,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "expires_at": t.expires_at,
            }
            for t in apps.get_model("accounts", "ApiToken").objects.filter(user=user)
        ],
    }
    for section, label, field in LEARNER_RECORDS:
        model = apps.get_model(label)
        data[section] = _rows(model.objects.filter(**{field: user}).order_by("pk"))
    submissions = Submission.objects.filter(members__learner=user).distinct().order_by("pk")
    versions = SubmissionVersion.objects.filter(submission__in=submissions).order_by("pk")
    files = SubmissionFile.objects.filter(version__in=versions).order_by("pk")
    data["submissions"] = _rows(submissions)
    data["submission_versions"] = _rows(versions)
    data["submission_files"] = [{**row, "archive_path": _file_path(row)} for row in _rows(files)]
    # Grades the learner can see: released ones (drafts are still the grader's).
    data["grades"] = _rows(
        Grade.objects.filter(learner=user, status=Grade.Status.RELEASED).order_by("pk")
    )
    attached: list[tuple[str, object]] = [
        (_file_path(row), f.file) for row, f in zip(data["submission_files"], files, strict=True)
    ]
    for certificate in Certificate.objects.filter(learner=user).order_by("issued_at"):
        if certificate.pdf:
            attached.append((f"files/certificates/{certificate.pk}.pdf", certificate.pdf))
    return data, attached


def _file_path(row: dict) -> str:
    name = row["original_name"].replace("/", "_").replace("\\", "_") or "file"
    return f"files/submissions/{row['version']}/{row['id']}-{name}"


def data_export_build(*, export_id: int) -> bool:
    """Build the archive, store it privately and e-mail its link. Returns whether it was built."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.PENDING:
        return False
    user = export.user
    data, attached = data_export_contents(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for path, field_file in attached:
            with field_file.open("rb") as handle:
                archive.writestr(path, handle.read())
    name = f"{user.pk}-{secrets.token_hex(16)}.zip"
    export.archive.save(name, ContentFile(buffer.getvalue()), save=False)
    export.size = buffer.tell()
    export.status = DataExport.Status.READY
    export.ready_at = timezone.now()
    export.save(update_fields=["archive", "size", "status", "ready_at"])
    if user.email:
        with translation.override(user.preferred_language):
            path = reverse("privacy_export")
        account_email(
            user=user,
            to=user.email,
            template="data_export_ready",
            context={"url": f"{settings.BASE_URL}{path}", "days": EXPORT_LIFETIME.days},
        )
    return True


def data_export_for_download(*, user, export_id: int) -> DataExport:
    """The owner's ready archive; anyone else's, or an expired one, is not found."""
    export = DataExport.objects.filter(pk=export_id, user=user).first()
    if export is None or not export.downloadable:
        from django.http import Http404

        raise Http404(_("There is no such archive, or it has expired."))
    return export


def data_exports_sweep() -> int:
    """Delete expired archives (files and rows). Returns how many."""
    expired = list(DataExport.objects.filter(expires_at__lte=timezone.now()))
    for export in expired:
        _delete_export(export)
    return len(expired)


def _delete_export(export: DataExport) -> None:
    if export.archive:
        export.archive.delete(save=False)
    export.delete()


# --- Erasing an account ---------------------------------------------------------------------


@transaction.atomic
def account_erase(*, user, password: str) -> None:
    """Delete the learner's account: everything that identifies them is erased.

    Raises ValidationError for a wrong password and PermissionDenied for a superuser (whose
    account only another superuser may remove, in the admin).
    """
    if not user.check_password(password or ""):
        raise ValidationError({"password": [_("Your password was entered incorrectly.")]})
    if user.is_superuser:
        raise PermissionDenied(_("A superuser's account is removed by another superuser."))
    from certificates.models import Certificate
    from courses.models import (
        CalendarFeed,
        ReportDraft,
        Submission,
        SubmissionFile,
        SubmissionVersion,
        TeamInvitation,
    )

    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    for export in DataExport.objects.filter(user=user):
        _delete_export(export)
    apps.get_model("accounts", "ApiToken").objects.filter(user=user).delete()
    apps.get_model("notifications", "Notification").objects.filter(user=user).delete()
    apps.get_model("lti", "PlatformAccount").objects.filter(user=user).delete()
    ReportDraft.objects.filter(learner=user).delete()
    CalendarFeed.objects.filter(learner=user).delete()
    TeamInvitation.objects.filter(inviter=user).delete()
    TeamInvitation.objects.filter(invitee=user).delete()
    # Work the learner submitted alone: the report text and files go; the versions' dates and
    # grades stay as anonymous records. A team's work stays with the team.
    solo = [
        s.pk
        for s in Submission.objects.filter(members__learner=user).distinct()
        if s.members.count() == 1
    ]
    for stored in SubmissionFile.objects.filter(version__submission__in=solo):
        stored.file.delete(save=False)
        stored.delete()
    SubmissionVersion.objects.filter(submission__in=solo).update(
        report=_("(erased at the learner's request)"), sections=[]
    )
    # Certificates stay verifiable (their signed credential holds the name they were issued
    # with and only a salted hash of the address); their public page is taken down.
    Certificate.objects.filter(learner=user).update(public=False)
    user.username = f"erased-{secrets.token_hex(8)}"
    user.email = ""
    user.full_name = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.email_confirmed = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
