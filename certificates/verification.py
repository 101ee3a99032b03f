"""Verifying a certificate: by ID (the QR code opens this), or from an uploaded PDF or JSON.

Each way runs the same checks and returns the same report. What the report shows about the
holder comes from the signed credential once its signature verifies, never from a PDF's text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from certificates import states
from certificates.credential_checks import attached_credential, format_problems, verification_method
from certificates.credential_limits import (
    NOT_JSON,
    NOT_OBJECT,
    CredentialRefused,
    check_document,
    load_credential_bytes,
)
from certificates.credentials import canonical_json
from certificates.dates import date_in_words, parse_time
from certificates.ids import normalize_id
from certificates.models import Certificate, IssuerKey
from certificates.signing import public_key_from_multibase, verify
from lms.localization import localized_in_language

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SIGNATURE_CACHE_SECONDS = 24 * 60 * 60


class Status:
    """What a report says: the certificate's state (certificates.states), or a verdict that the
    credential cannot be trusted or is not registered."""

    VALID = states.VALID
    REVOKED = states.REVOKED
    EXPIRED = states.EXPIRED
    SUPERSEDED = states.SUPERSEDED
    NOT_FOUND = states.NOT_FOUND
    TAMPERED = states.TAMPERED


class UnreadableUpload(ValueError):
    """The upload is not a certificate PDF or credential JSON we can read (HTTP 400), or is too
    large once decompressed (HTTP 413): `status` says which."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _refused(exc: CredentialRefused) -> UnreadableUpload:
    """A credential refused by the limits, in the request's language."""
    message = _(exc.message) % exc.params if exc.params else _(exc.message)
    return UnreadableUpload(message, status=413 if exc.too_large else 400)


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Report:
    status: str
    certificate_id: str | None = None
    holder_name: str | None = None
    qualification: str | None = None
    issued_on: str | None = None
    expires_on: str | None = None
    issuer: str | None = None
    superseded_by: str | None = None
    revocation_reason: str | None = None
    checks: list[Check] = field(default_factory=list)
    # In plain words, in the language of the request: the verdict first, then what to do, and
    # the names and dates as a reader of that language reads them.
    headline: str | None = None
    advice: str | None = None
    qualification_localized: str | None = None
    issuer_localized: str | None = None
    issued_on_words: str | None = None
    expires_on_words: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Report:
        data = json.loads(text)
        data["checks"] = [Check(**check) for check in data["checks"]]
        return cls(**data)


# --- the checks ---------------------------------------------------------------------------


def _content_checks(credential, key: IssuerKey | None, digest: str) -> list[Check]:
    """Format and signature: both depend only on the credential's content and the key, so their
    outcome is cached by the content's hash (revocation and expiry never are)."""
    cache_key = f"verify:content:{digest}:{key.public_key_multibase if key else '-'}"
    cached = cache.get(cache_key)
    if cached is None:
        problems = format_problems(credential)
        if key is None:
            signature = (False, "")
        else:
            result = verify(credential, public_key_from_multibase(key.public_key_multibase))
            signature = (result.valid, result.reason)
        cached = (problems, signature)
        cache.set(cache_key, cached, SIGNATURE_CACHE_SECONDS)
    problems, signature = cached
    return [_format_check_from(problems), _signature_check_from(key, *signature)]


def _format_check_from(problems: list[str]) -> Check:
    if problems:
        return Check("format", False, "; ".join(_(problem) for problem in problems))
    return Check("format", True, _("Open Badges 3.0 credential, W3C VC 2.0 data model."))


def _signature_check_from(key: IssuerKey | None, valid: bool, reason: str) -> Check:
    if key is None:
        return Check("signature", False, _("Signed with a key this issuer never published."))
    if valid:
        return Check(
            "signature", True, _("Ed25519 Data Integrity proof (eddsa-rdfc-2022) verifies.")
        )
    return Check("signature", False, reason or _("The signature does not match the content."))


def _key_check(credential: dict, key: IssuerKey | None) -> Check:
    if key is None:
        return Check(
            "issuer_key", False, _("The verification method is not in the issuer's DID document.")
        )
    issued = parse_time(credential.get("validFrom"))
    if issued is None or not key.valid_at(issued):
        return Check(
            "issuer_key", False, _("The key was not the issuer's signing key on the issue date.")
        )
    return Check("issuer_key", True, _("Published by the issuer and in use on the issue date."))


def _key_for(credential: dict, keys: list[IssuerKey] | None = None) -> IssuerKey | None:
    method = verification_method(credential)
    multibase = method.rsplit("#", 1)[-1] if "#" in method else ""
    if not multibase:
        return None
    if keys is not None:
        return next((k for k in keys if k.public_key_multibase == multibase), None)
    return IssuerKey.objects.filter(public_key_multibase=multibase).first()


def _status_checks(certificate: Certificate, now: datetime) -> list[Check]:
    checks = []
    if certificate.revoked_at:
        checks.append(
            Check(
                "revocation",
                False,
                _("Revoked on %(date)s.") % {"date": certificate.revoked_at.date().isoformat()},
            )
        )
    else:
        checks.append(
            Check(
                "revocation",
                True,
                _("Not revoked (status list entry %(i)s).") % {"i": certificate.status_index},
            )
        )
    if states.has_expired(certificate.valid_until, now):
        checks.append(
            Check(
                "expiry",
                False,
                _("Expired on %(date)s.") % {"date": certificate.valid_until.date().isoformat()},
            )
        )
    else:
        until = (
            certificate.valid_until.date().isoformat()
            if certificate.valid_until
            else _("no expiry")
        )
        checks.append(Check("expiry", True, _("Valid until %(date)s.") % {"date": until}))
    return checks


def _report(
    certificate: Certificate | None, credential: dict, checks: list[Check], now: datetime
) -> Report:
    trusted = all(
        c.passed for c in checks if c.name in ("format", "signature", "issuer_key", "integrity")
    )
    report = Report(status=Status.TAMPERED, checks=checks)
    if certificate is None:
        report.status = Status.NOT_FOUND if trusted else Status.TAMPERED
        return report
    report.certificate_id = certificate.id
    if trusted:
        subject = credential.get("credentialSubject", {})
        report.holder_name = subject.get("name")
        report.qualification = subject.get("achievement", {}).get("name")
        report.issued_on = (parse_time(credential.get("validFrom")) or now).date().isoformat()
        until = parse_time(credential.get("validUntil"))
        report.expires_on = until.date().isoformat() if until else None
        issuer = credential.get("issuer")
        report.issuer = issuer.get("name") if isinstance(issuer, dict) else None
    if not trusted:
        return report
    superseded_by = getattr(certificate, "superseded_by", None)
    report.status = states.certificate_state(
        revoked=certificate.revoked_at is not None,
        superseded=superseded_by is not None,
        valid_until=certificate.valid_until,
        now=now,
    )
    if report.status == Status.REVOKED:
        report.revocation_reason = certificate.revocation_reason
    elif report.status == Status.SUPERSEDED:
        report.superseded_by = superseded_by.id
    return report


def _localized_title(certificate: Certificate | None, report: Report, language: str) -> str:
    """The qualification's title in `language`: as frozen at issue, or (for a certificate
    issued before titles were frozen) from the qualification's live translation."""
    if certificate is None or not report.qualification:
        return report.qualification or ""
    if language == settings.LANGUAGE_CODE:
        return report.qualification
    titles = (certificate.frozen or {}).get("qualification_titles")
    if titles is not None:
        return titles.get(language) or report.qualification
    translated = localized_in_language(certificate.qualification_id, language)
    return translated.title if translated is not None else report.qualification


def _in_plain_words(report: Report, certificate: Certificate | None) -> Report:
    """The verdict as a sentence a reader acts on, and what to do next."""
    language = get_language() or settings.LANGUAGE_CODE
    report.qualification_localized = _localized_title(certificate, report, language) or None
    report.issuer_localized = _(report.issuer) if report.issuer else None
    report.issued_on_words = date_in_words(report.issued_on, language) or None
    report.expires_on_words = date_in_words(report.expires_on, language) or None
    facts = {
        "holder": report.holder_name or "",
        "qualification": report.qualification_localized or "",
        "issuer": report.issuer_localized or "",
        "issued": report.issued_on_words or "",
        "expires": report.expires_on_words or "",
        "id": report.superseded_by or "",
    }
    if report.status == Status.VALID:
        report.headline = (
            _("Valid. %(qualification)s, issued to %(holder)s by %(issuer)s on %(issued)s.") % facts
        )
        report.advice = (
            _("You can rely on it until %(expires)s. Check that the name matches the person.")
            % facts
            if report.expires_on
            else _("You can rely on it. Check that the name matches the person.")
        )
    elif report.status == Status.REVOKED:
        report.headline = _("Revoked. %(issuer)s withdrew this certificate of %(holder)s.") % facts
        report.advice = _(
            "Do not rely on it. It no longer certifies anything; ask the holder or the academy why."
        )
    elif report.status == Status.EXPIRED:
        report.headline = (
            _("Expired. Issued to %(holder)s on %(issued)s, it was valid until %(expires)s.")
            % facts
        )
        report.advice = _(
            "It was genuine, but it no longer certifies current competence: ask the holder for "
            "a renewed certificate."
        )
    elif report.status == Status.SUPERSEDED:
        report.headline = (
            _("Superseded. A newer certificate of %(holder)s replaced this one.") % facts
        )
        report.advice = (
            _("Verify the current certificate, %(id)s, instead.") % facts
            if report.superseded_by
            else _("Ask the holder for the current certificate.")
        )
    elif report.status == Status.TAMPERED:
        report.headline = _("Tampered. This document does not match what the academy issued.")
        report.advice = _(
            "Do not rely on it. Ask the holder for the certificate's ID and verify that, or for "
            "the original PDF."
        )
    else:
        report.headline = _("Not found. No certificate with this ID was issued by the academy.")
        report.advice = _(
            "Check the ID for typing mistakes (dashes and case do not matter), or upload the PDF "
            "instead."
        )
    return report


# --- entry points -------------------------------------------------------------------------


REPORT_CACHE_SECONDS = 60


def _report_cache_key(certificate_id: str, language: str) -> str:
    return f"verify:report:{language}:{certificate_id}"


def forget_reports(certificate_ids) -> None:
    """Drop cached reports (every language) of these certificates: called when one changes."""
    cache.delete_many(
        [
            _report_cache_key(cid, code)
            for cid in certificate_ids
            if cid
            for code, _name in settings.LANGUAGES
        ]
    )


def verify_by_id(raw_id: str) -> Report:
    """Verify the registered certificate with this ID: one database query at most, none when the
    report is cached (see `verification_json`)."""
    return Report.from_json(verification_json(raw_id)[0])


_UNREAD = object()


def report_cache_key(raw_id: str) -> str:
    """Where the report of this ID, in the active language, is cached."""
    return _report_cache_key(_lookup_id(raw_id), get_language() or settings.LANGUAGE_CODE)


def _lookup_id(raw_id: str) -> str:
    """The ID as registered, or the input cut short when it is not a well-formed ID."""
    return normalize_id(raw_id) or (raw_id or "")[:64]


def verification_json(raw_id: str, cached=_UNREAD) -> tuple[str, str]:
    """The report of a registered certificate as JSON, cached.

    A report is cached for a minute, never past the certificate's expiry, and dropped the moment
    the certificate changes (revoked, superseded, edited): revocation shows at once. It is kept
    as JSON so that the API can answer with it as it is. Returns (JSON, status). A caller that
    has already read `report_cache_key(raw_id)` passes what it found as `cached`.
    """
    now = timezone.now()
    certificate_id = _lookup_id(raw_id)
    cache_key = report_cache_key(raw_id)
    if cached is _UNREAD:
        cached = cache.get(cache_key)
    if cached is not None and (cached[2] is None or cached[2] > now):
        return cached[0], cached[1]
    report, valid_until = _verify_registered(certificate_id, now)
    text = report.as_json()
    if report.status != Status.NOT_FOUND:
        timeout = REPORT_CACHE_SECONDS
        if valid_until is not None:
            timeout = max(0, min(timeout, int((valid_until - now).total_seconds())))
        if timeout:
            cache.set(cache_key, (text, report.status, valid_until), timeout)
    return text, report.status


def _verify_registered(certificate_id: str, now) -> tuple[Report, object]:
    certificate = (
        Certificate.objects.select_related("issuer_key", "superseded_by")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        return _in_plain_words(Report(status=Status.NOT_FOUND), None), None
    credential = certificate.credential
    key = certificate.issuer_key if _key_for(credential, [certificate.issuer_key]) else None
    digest = hashlib.sha256(canonical_json(credential)).hexdigest()
    intact = digest == certificate.credential_sha256
    checks = [
        *_content_checks(credential, key, digest),
        _key_check(credential, key),
        Check(
            "integrity",
            intact,
            _("The registered credential is unchanged since issue.")
            if intact
            else _("The registered credential differs from what was issued."),
        ),
        *_status_checks(certificate, now),
    ]
    return (
        _in_plain_words(_report(certificate, credential, checks, now), certificate),
        certificate.valid_until,
    )


def _certificate_id_from(credential: dict) -> str | None:
    value = credential.get("id", "") if isinstance(credential, dict) else ""
    return (
        normalize_id(value.rstrip("/").rsplit("/", 1)[-1])
        if isinstance(value, str) and value
        else None
    )


def _differs_from_registered(
    certificate: Certificate, credential: dict, key: IssuerKey | None, now: datetime
) -> Report:
    """A credential that claims a registered ID but is not the registered credential: it is not
    what was issued, whatever its signature. Decided by comparing the JSON, without spending any
    canonicalisation (the signature check) on what the holder sent; the format check still says
    what is wrong with it."""
    checks = [
        _format_check_from(format_problems(credential)),
        Check(
            "signature",
            False,
            _("Not checked: the credential is not the one registered under its ID."),
        )
        if key is not None
        else _signature_check_from(None, False, ""),
        _key_check(credential, key),
        Check("integrity", False, _("The credential differs from the one registered at issue.")),
        *_status_checks(certificate, now),
    ]
    return _in_plain_words(_report(certificate, credential, checks, now), certificate)


def verify_credential(credential: dict, *, pdf_bytes: bytes | None = None) -> Report:
    """Verify a credential someone holds (from a PDF or a JSON file) against our registry.

    Raises CredentialRefused when the credential is larger or deeper than ours ever are
    (certificates.credential_limits): checked before any JSON-LD work.
    """
    check_document(credential)
    now = timezone.now()
    certificate_id = _certificate_id_from(credential)
    certificate = (
        Certificate.objects.select_related("issuer_key", "superseded_by")
        .filter(pk=certificate_id)
        .first()
        if certificate_id
        else None
    )
    key = _key_for(credential)
    if certificate is not None:
        # The registered credential was signed and checked at issue: compare the JSON first.
        same = canonical_json(credential) == canonical_json(certificate.credential)
        if not same:
            return _differs_from_registered(certificate, credential, key, now)
    digest = hashlib.sha256(canonical_json(credential)).hexdigest()
    checks = [*_content_checks(credential, key, digest), _key_check(credential, key)]
    if certificate is None:
        checks.append(
            Check("integrity", False, _("No certificate with this credential's ID is registered."))
        )
        report = _report(None, credential, checks, now)
        if all(c.passed for c in checks[:3]):
            report.status = Status.NOT_FOUND
        return _in_plain_words(report, None)
    detail = _("The credential is the one registered at issue.")
    integrity_ok = True
    if pdf_bytes is not None:
        pdf_digest = hashlib.sha256(pdf_bytes).hexdigest()
        same_pdf = pdf_digest in (certificate.pdf_sha256, *certificate.earlier_pdf_sha256)
        if not same_pdf:
            integrity_ok = False
            detail = _(
                "The attached credential is genuine, but the PDF file is not the one issued: its pages may have been altered."
            )
        else:
            detail = _("The PDF and its attached credential are the ones issued.")
    checks.append(Check("integrity", integrity_ok, detail))
    checks += _status_checks(certificate, now)
    return _in_plain_words(_report(certificate, credential, checks, now), certificate)


def credential_from_pdf(content: bytes) -> dict:
    """The credential attached to a PDF, inflated with a cap and read within the limits."""
    try:
        data = attached_credential(content)
    except CredentialRefused as exc:
        raise _refused(exc) from exc
    except ValueError as exc:
        raise UnreadableUpload(_("This PDF cannot be read.")) from exc
    if not data:
        raise UnreadableUpload(
            _("This PDF has no credential.json attached, so it is not a certificate we issued.")
        )
    try:
        return load_credential_bytes(data)
    except CredentialRefused as exc:
        if exc.message in (NOT_JSON, NOT_OBJECT):
            raise UnreadableUpload(
                _("The credential attached to this PDF is not valid JSON.")
                if exc.message == NOT_JSON
                else _("The credential attached to this PDF is not a JSON object.")
            ) from exc
        raise _refused(exc) from exc


def verify_upload(content: bytes) -> Report:
    """A PDF certificate or a credential JSON file. Raises UnreadableUpload for anything else,
    including a credential refused by the limits (certificates.credential_limits)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise UnreadableUpload(_("The file is larger than 10 MB."), status=413)
    if not content:
        raise UnreadableUpload(_("The file is empty."))
    if content.lstrip()[:5] == b"%PDF-":
        credential = credential_from_pdf(content)
        pdf_bytes = content
    else:
        try:
            credential = load_credential_bytes(content)
        except CredentialRefused as exc:
            if exc.message == NOT_JSON:
                raise UnreadableUpload(
                    _("Upload the certificate PDF or its credential.json file.")
                ) from exc
            if exc.message == NOT_OBJECT:
                raise UnreadableUpload(_("The JSON file is not a credential.")) from exc
            raise _refused(exc) from exc
        pdf_bytes = None
    try:
        return verify_credential(credential, pdf_bytes=pdf_bytes)
    except CredentialRefused as exc:
        raise _refused(exc) from exc
