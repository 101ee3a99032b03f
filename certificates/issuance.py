"""Issuing, re-issuing and revoking certificates.

An award (certificates.awards) asks a worker to issue. `certificate_issue` runs under a lock on
that award and does nothing if a current certificate exists, so retries, duplicate tasks and a
worker killed half-way all end with exactly one certificate. A database constraint backs that up.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from certificates import pdf
from certificates.credentials import build_credential, canonical_json, verify_url
from certificates.dates import xsd_datetime
from certificates.design import design_of
from certificates.ids import new_certificate_id
from certificates.keys import signing_key, verification_method_id
from certificates.models import Award, Certificate, StatusList
from certificates.signals import certificate_issued, certificate_revoked
from certificates.signing import sign
from certificates.status import status_list_refresh
from certificates.transcript import DISTINCTION, transcript_of
from courses.models import QualificationPage
from lms.notifications.services import notify


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


# --- what is frozen into a certificate ----------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _signable(text: str) -> str:
    """Text as it is signed: on one line, without control characters, which cannot be signed
    (a line break typed into a qualification's summary in the admin must not stop issuance)."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def _signable_tree(node):
    """Every text in a JSON tree made signable (see `_signable`)."""
    if isinstance(node, str):
        return _signable(node)
    if isinstance(node, list):
        return [_signable_tree(item) for item in node]
    if isinstance(node, dict):
        return {key: _signable_tree(value) for key, value in node.items()}
    return node


def _evidence_and_result(transcript: dict) -> tuple[list[dict], str]:
    evidence = []
    if transcript["courses"]:
        evidence.append(
            {
                "name": "Courses completed",
                "narrative": "Completed every lesson and passed every knowledge check of: "
                + "; ".join(course["title"] for course in transcript["courses"])
                + ".",
            }
        )
    project_result = ""
    project = transcript["project"]
    if project is not None:
        outcome = "pass with distinction" if project["outcome"] == DISTINCTION else "pass"
        project_result = f"{project['percent']}% ({outcome})"
        criteria = "; ".join(
            f"{criterion['title']}: {level['title']}"
            for criterion in project["criteria"]
            for level in criterion["levels"]
            if level["id"] == criterion["achieved"]
        )
        moderation = " and moderated by a second marker" if project["moderated"] else ""
        evidence.append(
            {
                "name": f"Field project: {project['title']}",
                "narrative": f"Graded against the project rubric{moderation}: {project_result}. {criteria}.",
            }
        )
    if transcript["evidence_reviewed"]:
        evidence.append(
            {
                "name": "Evidence reviewed by staff",
                "narrative": "Staff reviewed and approved the evidence the qualification requires.",
            }
        )
    return evidence, project_result


def _translations(qualification: QualificationPage) -> dict[str, QualificationPage]:
    """The qualification's live translations by language code (the default language left out)."""
    return {
        page.locale.language_code: page.specific
        for page in qualification.get_translations().live().select_related("locale")
    }


def _criteria_url(qualification: QualificationPage) -> str:
    url = qualification.get_url(None) or ""
    return settings.BASE_URL + url if url.startswith("/") else url


def freeze(
    award: Award, *, issued_at: datetime, valid_until: datetime | None
) -> tuple[dict, dict[str, str]]:
    """Everything printed and signed, captured once so later edits cannot change it, and the
    certificate's graphics (data URIs by hash, which the frozen design names)."""
    learner = award.learner
    qualification = award.qualification
    language = learner.preferred_language
    translations = _translations(qualification)
    # The Chinese title and wording are frozen whenever the qualification has them, so Chinese
    # pages can show them; the PDF prints them (and the design and transcript use Chinese) only
    # for a learner who reads Chinese.
    chinese = translations.get("zh-hans")
    zh = chinese if language == "zh-hans" else None
    transcript = _signable_tree(
        transcript_of(
            learner_id=award.learner_id,
            qualification=qualification,
            translation_locale=zh.locale if zh else None,
        )
    )
    evidence, project_result = _evidence_and_result(transcript)
    design = design_of(qualification, zh)
    frozen = {
        "holder_name": _signable(learner.display_name),
        "language": language,
        "issuer_name": settings.ISSUER_NAME,
        "achievement_id": f"{settings.BASE_URL}/achievements/{qualification.slug}",
        "achievement_language": qualification.locale.language_code,
        "achievement_image": design.badge,
        "criteria_url": _criteria_url(qualification),
        "qualification_title": _signable(qualification.title),
        "qualification_titles": {
            code: _signable(page.title) for code, page in translations.items()
        },
        "qualification_description": _signable(qualification.summary),
        "criteria_narrative": _signable(qualification.criteria_narrative),
        "human_code": _signable(qualification.human_code),
        "alignments": [
            {
                key: _signable(getattr(alignment, key))
                for key in (
                    "target_name",
                    "target_url",
                    "target_framework",
                    "target_code",
                    "target_type",
                    "target_description",
                )
            }
            for alignment in qualification.alignments.all()
        ],
        "certificate_title": qualification.certificate_title,
        "certificate_statement": qualification.certificate_statement,
        "certificate_title_zh": chinese.certificate_title if chinese else "",
        "certificate_statement_zh": chinese.certificate_statement if chinese else "",
        "evidence": [
            {"name": _signable(item["name"]), "narrative": _signable(item["narrative"])}
            for item in evidence
        ],
        "project_result": project_result,
        "transcript": transcript,
        "design": design.frozen(),
        "issued_on": issued_at.date().isoformat(),
        "valid_until": valid_until.date().isoformat() if valid_until else "",
        "template_version": pdf.TEMPLATE_VERSION,
    }
    return frozen, design.images


# --- issuing ------------------------------------------------------------------------------


def _free_status_index() -> int:
    used = set(Certificate.objects.values_list("status_index", flat=True))
    if len(used) >= StatusList.SIZE:
        raise RuntimeError("The status list is full.")
    while True:
        index = secrets.randbelow(StatusList.SIZE)
        if index not in used:
            return index


def _create(
    award: Award,
    *,
    supersedes: Certificate | None = None,
    reissued_by=None,
    reason: str = "",
    validity_months: int | None = None,
) -> Certificate:
    qualification = award.qualification
    # The key first, then the date: the credential's date must fall in the key's period.
    key, private_key = signing_key()
    issued_at = timezone.now().replace(microsecond=0)
    months = validity_months or qualification.validity_months
    valid_until = add_months(issued_at, months) if months else None
    frozen, images = freeze(award, issued_at=issued_at, valid_until=valid_until)
    certificate_id = new_certificate_id()
    status_index = _free_status_index()
    unsigned = build_credential(
        certificate_id=certificate_id,
        frozen=frozen,
        valid_from=issued_at,
        valid_until=valid_until,
        status_index=status_index,
    )
    credential = sign(unsigned, private_key, verification_method_id(key), xsd_datetime(issued_at))
    pdf_bytes = pdf.render_pdf(
        frozen=frozen,
        certificate_id=certificate_id,
        verify_url=verify_url(certificate_id),
        credential=credential,
        images=images,
    )
    certificate = Certificate(
        id=certificate_id,
        learner=award.learner,
        qualification=qualification,
        award=award,
        issued_at=issued_at,
        valid_from=issued_at,
        valid_until=valid_until,
        language=frozen["language"],
        frozen=frozen,
        credential=credential,
        credential_sha256=hashlib.sha256(canonical_json(credential)).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(),
        issuer_key=key,
        status_index=status_index,
        supersedes=supersedes,
        reissued_by=reissued_by,
        reissue_reason=reason,
    )
    certificate.pdf.save(f"{certificate_id}.pdf", ContentFile(pdf_bytes), save=False)
    try:
        certificate.save(force_insert=True)
    except IntegrityError:
        certificate.pdf.delete(save=False)  # the row was refused: keep no orphan file
        raise
    return certificate


def _current(award: Award) -> Certificate | None:
    return Certificate.objects.filter(
        learner_id=award.learner_id, qualification_id=award.qualification_id, is_current=True
    ).first()


ISSUE_ATTEMPTS = 3


def _locked_award(award_id: int) -> Award | None:
    """The award, locked until the transaction ends: its row only. A plain FOR UPDATE would also
    lock the joined learner and qualification rows, so every issuance of one qualification would
    wait for the one before it (a bulk issuance on many workers ran one at a time), and the
    learner's own progress updates would wait for the certificate's render."""
    return (
        Award.objects.select_for_update(of=("self",))
        .select_related("learner", "qualification")
        .filter(pk=award_id)
        .first()
    )


def certificate_issue(*, award_id: int) -> Certificate | None:
    """Issue the award's certificate unless a current one exists. Safe to run any number of times."""
    with transaction.atomic():
        award = _locked_award(award_id)
        if award is None:
            return None
        existing = _current(award)
        if existing is not None:
            return existing
        for _attempt in range(ISSUE_ATTEMPTS):
            try:
                with transaction.atomic():
                    certificate = _create(award)
            except IntegrityError:
                # Another path created it between our check and insert (the constraint decided),
                # or a concurrent issuance drew the same status index: then draw again.
                existing = _current(award)
                if existing is not None:
                    return existing
                continue
            certificate_issued.send(sender=Certificate, certificate=certificate)
            _notify_issued(certificate)
            return certificate
        raise RuntimeError(f"Could not issue award {award_id}: the insert kept being refused.")


def _notify_issued(certificate: Certificate) -> None:
    notify(
        certificate.learner,
        key=f"certificate-issued:{certificate.id}",
        template="certificate_issued",
        context={
            "title": certificate.frozen["certificate_title"],
            "certificate_id": certificate.id,
            "pdf_url": f"{settings.BASE_URL}/certificates/{certificate.id}.pdf",
            "verify_url": verify_url(certificate.id),
        },
    )


def _staff_reason(by, reason: str, *, only_staff: str, say_why: str) -> str:
    """The reason a staff member gives for changing a certificate; anyone else, or no reason, is
    refused with the message given."""
    if not by.is_staff_member:
        raise PermissionDenied(only_staff)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [say_why]})
    return reason


@transaction.atomic
def certificate_reissue(
    *, certificate: Certificate, by, reason: str, validity_months: int | None = None
) -> Certificate:
    """A new certificate with today's data (a corrected name, a new template, a renewed validity)
    that names the one it supersedes. The old one verifies as SUPERSEDED from now on."""
    reason = _staff_reason(
        by,
        reason,
        only_staff=_("Only staff re-issue certificates."),
        say_why=_("Say why the certificate is re-issued."),
    )
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    award = Award.objects.select_for_update().get(pk=old.award_id)
    if not old.is_current:
        raise ValidationError(_("Only the current certificate can be re-issued."))
    if old.revoked_at:
        raise ValidationError(_("A revoked certificate cannot be re-issued."))
    old.is_current = False
    old.save(update_fields=["is_current"])
    new = _create(
        award, supersedes=old, reissued_by=by, reason=reason, validity_months=validity_months
    )
    # The certificate's history in the admin: who re-issued it, when and why, on both rows.
    log(old, "certificates.reissue", user=by, data={"reason": reason, "new": new.id})
    log(new, "certificates.reissued_from", user=by, data={"reason": reason, "old": old.id})
    certificate_issued.send(sender=Certificate, certificate=new)
    transaction.on_commit(lambda: _notify_issued(new))
    return new


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = _staff_reason(
        by,
        reason,
        only_staff=_("Only staff revoke certificates."),
        say_why=_("Say why the certificate is revoked."),
    )
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at:
        raise ValidationError(_("This certificate is already revoked."))
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by
    certificate.revocation_reason = reason[:2000]
    certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    log(certificate, "certificates.revoke", user=by, data={"reason": certificate.revocation_reason})
    certificate_revoked.send(sender=Certificate, certificate=certificate)
    status_list_refresh()
    return certificate
