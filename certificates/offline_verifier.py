"""The offline verifier: check a certificate with no website, no database, no Django settings.

The site's own verifier (the verify pages and the API) is certificates.verification; the checks
both run are in certificates.credential_checks, and the rule that names a certificate's state in
certificates.states.

Usage:

    python -m certificates.offline_verifier FILE.pdf|FILE.json --trust did:web:<site>
        [--did-document did.json] [--status-list status.json] [--online] [--ca-file ca.pem]

FILE is a certificate PDF (the signed credential.json attached to it is checked) or the
credential JSON itself (from GET /certificates/<id>/credential.json).

--trust DID
    The issuer you trust: the academy's DID, did:web:<its host> (academy.example.org's is
    did:web:academy.example.org). Repeat it to trust several. Without it, the DIDs listed in the
    environment variable CMA_TRUSTED_ISSUERS (separated by spaces or commas) are trusted; with
    neither, nothing is checked (exit 2). A credential from any other issuer is refused as
    UNTRUSTED, whatever its signature, and nothing is fetched for it: anybody can publish a
    did:web and sign with it, so a signature alone proves nothing about who issued it. The DID
    that was checked is always printed (issuer_did).
--did-document did.json
    The issuer's DID document, saved from https://<site>/.well-known/did.json. The public key
    named by the proof's verificationMethod is taken from it, with the period it was in use.
--status-list status.json
    The revocation list, saved from the URL in the credential's
    credentialStatus.statusListCredential (https://<site>/status/1). Its own signature is checked
    against the same DID document and the certificate's bit is read. Without it, revocation is
    not checked and the output says so.
--online
    Fetch what was not given over HTTPS: the did:web document and the status list. Nothing is
    fetched without this flag, and never over plain HTTP.
--ca-file ca.pem
    Trust these certificate authorities for HTTPS (instead of the system's; SSL_CERT_FILE works
    too), e.g. for a site behind a private CA.

It prints the issuer DID it checked, one line per check (format, signature, issuer_key, expiry,
revocation), what the verified credential says, and a final status line: VALID, REVOKED, EXPIRED,
TAMPERED, UNTRUSTED (not an issuer you trust) or INCONCLUSIVE (revocation could not be checked:
no status list was given, or it could not be trusted; a revoked certificate is never VALID for
want of a list). The exit code is 0 only for VALID, 1 for any other status, and 2 when an input
cannot be read or is refused unchecked (larger, deeper or longer than any credential we issue,
or with a key repeated in one object: certificates.credential_limits).

For a PDF it checks the attached credential, not the printed pages: the output says so (pages:
not compared). Compare the name and qualification printed with what the pages show, or upload
the PDF to the site's verify page, which compares the whole file with the one issued.

Example:

    curl -sO https://academy.example.org/.well-known/did.json
    curl -s https://academy.example.org/status/1 -o status.json
    python -m certificates.offline_verifier certificate.pdf --trust did:web:academy.example.org \
        --did-document did.json --status-list status.json

What it cannot check offline is the issuer's registry: that this file is the very one issued
(the website compares the whole PDF), or that a certificate was superseded by a newer one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import ssl
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from certificates import states
from certificates.bitstring import bit_is_set, decode_bitstring
from certificates.credential_checks import (
    attached_credential,
    format_problems,
    issuer_id,
    verification_method,
)
from certificates.credential_limits import (
    NOT_JSON,
    NOT_OBJECT,
    CredentialRefused,
    load_credential_bytes,
)
from certificates.dates import parse_time, period_covers
from certificates.signing import CredentialError, public_key_from_multibase, verify

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 15
TRUST_VARIABLE = "CMA_TRUSTED_ISSUERS"
UNTRUSTED = "UNTRUSTED"


class InputError(Exception):
    """An input file or URL cannot be read; the message says which and why."""


@dataclass
class Check:
    name: str
    passed: bool | None  # None: not checked
    detail: str

    def line(self) -> str:
        if self.passed is None:
            return f"{self.name}: {self.detail}"
        return f"{self.name}: {'passed' if self.passed else 'FAILED'} ({self.detail})"


@dataclass
class Result:
    status: str
    checks: list[Check] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.status == states.VALID.upper()


# --- reading the inputs -------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path} is larger than 10 MB")
    return content


def _json_object(content: bytes, what: str) -> dict:
    try:
        document = json.loads(content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} is not JSON") from exc
    if not isinstance(document, dict):
        raise InputError(f"{what} is not a JSON object")
    return document


def _credential_from(content: bytes, what: str) -> dict:
    """The credential in `content`, within the limits every verifier applies."""
    try:
        return load_credential_bytes(content)
    except CredentialRefused as exc:
        if exc.message == NOT_JSON:
            raise InputError(f"{what} is not JSON") from exc
        if exc.message == NOT_OBJECT:
            raise InputError(f"{what} is not a JSON object") from exc
        raise InputError(f"{what}: {exc}") from exc


def load_credential(path: Path) -> dict:
    """The credential in a certificate PDF (its credential.json) or in a JSON file."""
    content = _read(path)
    if content.lstrip()[:5] == b"%PDF-":
        try:
            attachment = attached_credential(content)
        except CredentialRefused as exc:
            raise InputError(f"the credential.json attached to {path}: {exc}") from exc
        except ValueError as exc:
            raise InputError(f"{path} cannot be read as a PDF") from exc
        if attachment is None:
            raise InputError(f"{path} has no credential.json attached: not one of our certificates")
        return _credential_from(attachment, f"the credential.json attached to {path}")
    return _credential_from(content, str(path))


def is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(1024).lstrip()[:5] == b"%PDF-"
    except OSError:
        return False


def load_json(path: Path) -> dict:
    return _json_object(_read(path), str(path))


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID's document (W3C did:web method)."""
    if not did.startswith("did:web:") or len(did) == len("did:web:"):
        raise InputError(f"{did!r} is not a did:web DID, so its document cannot be fetched")
    host, *path = did.removeprefix("did:web:").split(":")
    host = urllib.parse.unquote(host)
    segments = [urllib.parse.unquote(part) for part in path]
    if not host or any("/" in part or not part for part in [host, *segments]):
        raise InputError(f"{did!r} is not a valid did:web DID")
    if segments:
        return f"https://{host}/{'/'.join(segments)}/did.json"
    return f"https://{host}/.well-known/did.json"


def fetch_json(url: str, ca_file: Path | None = None) -> dict:
    """GET a JSON document over HTTPS (never plain HTTP), trusting `ca_file`'s authorities if
    given (else the system's, or SSL_CERT_FILE's)."""
    if urllib.parse.urlsplit(url).scheme != "https":
        raise InputError(f"refusing to fetch {url}: only HTTPS is used")
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot use {ca_file} as certificate authorities: {exc}") from exc
    # The scheme was checked just above, so neither call can open a file: or ftp: URL.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310  # nosec B310
    try:
        opened = urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS, context=context)  # noqa: S310  # nosec B310
        with opened as response:
            content = response.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot fetch {url}: {exc}") from exc
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError(f"{url} is larger than 10 MB")
    return _json_object(content, url)


def _same_host(url: str, other: str) -> bool:
    return urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(other).netloc


_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]+")


def trusted_issuers(named: list[str] | None, environ=os.environ) -> list[str]:
    """The DIDs trusted: those named with --trust, else those in CMA_TRUSTED_ISSUERS."""
    values = named or re.split(r"[\s,]+", environ.get(TRUST_VARIABLE, "").strip())
    dids = [value for value in values if value]
    for did in dids:
        if not _DID.fullmatch(did):
            raise InputError(f"{did!r} is not a DID (e.g. did:web:academy.example.org)")
    if not dids:
        raise InputError(
            "name the issuer you trust: --trust did:web:<the academy's host> "
            f"(or list DIDs in the environment variable {TRUST_VARIABLE})"
        )
    return dids


def claimed_issuer(credential: dict) -> tuple[str, str]:
    """The issuer DID the credential claims, and the problem if its proof names another."""
    issuer = issuer_id(credential) or ""
    signer = verification_method(credential).split("#", 1)[0]
    if signer != issuer:
        return issuer, f"The proof was made by {signer or 'nobody'!r}, not by the issuer."
    return issuer, ""


# --- the checks ---------------------------------------------------------------------------


def _method_in(did_document: dict, method_id: str) -> dict | None:
    """The verification method `method_id` if the DID document lists it for assertions."""
    did = did_document.get("id")

    def absolute(value):
        return f"{did}{value}" if isinstance(value, str) and value.startswith("#") else value

    methods = [m for m in did_document.get("verificationMethod") or [] if isinstance(m, dict)]
    assertion = did_document.get("assertionMethod") or []
    asserted = {absolute(a) for a in assertion if isinstance(a, str)}
    methods += [a for a in assertion if isinstance(a, dict)]  # embedded methods are asserted
    asserted |= {absolute(a.get("id")) for a in assertion if isinstance(a, dict)}
    for method in methods:
        if absolute(method.get("id")) == method_id and method_id in asserted:
            return method
    return None


def resolve_key(document: dict, did_document: dict) -> tuple[bytes | None, dict | None, str]:
    """The public key that signed `document`, its method in the DID document, and what went
    wrong if there is none."""
    method_id = verification_method(document)
    did = method_id.split("#", 1)[0]
    if not method_id or "#" not in method_id:
        return None, None, "The proof names no verification method."
    if did_document.get("id") != did:
        return None, None, f"The DID document is not {did}'s: it is {did_document.get('id')!r}."
    method = _method_in(did_document, method_id)
    if method is None:
        return None, None, "The key is not published in the issuer's DID document."
    if method.get("type") != "Multikey" or method.get("controller") != did:
        return None, method, "The key is not a Multikey controlled by the issuer."
    try:
        return public_key_from_multibase(method.get("publicKeyMultibase")), method, ""
    except CredentialError as exc:
        return None, method, str(exc)


def _key_period_check(name: str, document: dict, method: dict | None, problem: str) -> Check:
    if method is None or problem:
        return Check(name, False, problem)
    issued = parse_time(document.get("validFrom"))
    starts, ends = parse_time(method.get("validFrom")), parse_time(method.get("validUntil"))
    if (method.get("validFrom") and starts is None) or (method.get("validUntil") and ends is None):
        return Check(name, False, "The DID document gives the key's period in an unreadable form.")
    if issued is None or not period_covers(issued, starts, ends):
        return Check(name, False, "The key was not the issuer's signing key on the issue date.")
    period = f"in use from {method.get('validFrom', 'the start')}"
    period += f" until {method['validUntil']}" if method.get("validUntil") else ", still current"
    return Check(name, True, f"Published by {method['controller']}; {period}.")


def _signature_check(document: dict, public_key: bytes | None, problem: str) -> Check:
    if public_key is None:
        return Check("signature", False, problem)
    result = verify(document, public_key)
    if result.valid:
        return Check("signature", True, "Ed25519 Data Integrity proof (eddsa-rdfc-2022) verifies.")
    return Check("signature", False, result.reason)


def _expiry_check(credential: dict, now: datetime) -> Check:
    until = parse_time(credential.get("validUntil"))
    if until is None:
        return Check("expiry", True, "No expiry date.")
    if states.has_expired(until, now):
        return Check("expiry", False, f"Expired on {until.date().isoformat()}.")
    return Check("expiry", True, f"Valid until {until.date().isoformat()}.")


def _revocation_check(
    credential: dict, status_list: dict | None, did_document: dict, now: datetime
) -> tuple[Check, bool]:
    """The revocation check, and whether the certificate is known to be revoked."""
    if status_list is None:
        return Check("revocation", None, "not checked (offline)"), False
    entry = credential.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return Check("revocation", False, "The credential has no status list entry."), False
    if status_list.get("id") != entry.get("statusListCredential"):
        return Check(
            "revocation",
            False,
            f"This status list is {status_list.get('id')!r}; the credential points at "
            f"{entry.get('statusListCredential')!r}.",
        ), False
    if "BitstringStatusListCredential" not in (status_list.get("type") or []):
        return Check("revocation", False, "The status list file is not a status list."), False
    public_key, method, problem = resolve_key(status_list, did_document)
    signature = _signature_check(status_list, public_key, problem)
    key = _key_period_check("status list key", status_list, method, problem)
    if not signature.passed or not key.passed or issuer_id(status_list) != issuer_id(credential):
        reason = signature.detail if not signature.passed else key.detail
        if signature.passed and key.passed:
            reason = "The status list was issued by someone else."
        return Check("revocation", False, f"The status list cannot be trusted: {reason}"), False
    until = parse_time(status_list.get("validUntil"))
    if until is None or until <= now:
        return Check(
            "revocation",
            False,
            f"The status list expired at {status_list.get('validUntil')}; fetch a current one.",
        ), False
    subject = status_list.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    purpose = entry.get("statusPurpose")
    if purpose != "revocation" or subject.get("statusPurpose") != purpose:
        return Check("revocation", False, "The status list is not a revocation list."), False
    try:
        bits = decode_bitstring(subject.get("encodedList"))
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError) as exc:
        return Check("revocation", False, f"The status entry cannot be read: {exc}"), False
    if not 0 <= index < len(bits) * 8:
        return Check("revocation", False, "The status list index is out of range."), False
    if bit_is_set(bits, index):
        return Check("revocation", False, f"Revoked (status list entry {index})."), True
    return Check("revocation", True, f"Not revoked (status list entry {index})."), False


def untrusted(credential: dict, trusted: list[str]) -> Result | None:
    """The UNTRUSTED result when the credential's issuer is not one of `trusted` (or its proof
    was made by another DID); None when it is trusted. Needs no network and no key."""
    issuer, problem = claimed_issuer(credential)
    if not problem and issuer in trusted:
        return None
    detail = problem or (
        f"{issuer or 'No issuer'} is not an issuer you trust (trusted: {', '.join(trusted)})."
    )
    return Result(
        status=UNTRUSTED,
        checks=[Check("issuer", False, detail)],
        facts={"issuer_did": issuer or "none"},
    )


def verify_offline(
    credential: dict,
    *,
    did_document: dict,
    status_list: dict | None = None,
    now: datetime | None = None,
    trusted: list[str] | None = None,
) -> Result:
    """Run every check that needs only the files; see the module docstring. With `trusted`, a
    credential from any other issuer is UNTRUSTED before anything else is checked."""
    if trusted is not None:
        refused = untrusted(credential, trusted)
        if refused is not None:
            return refused
    now = now or datetime.now(UTC)
    problems = format_problems(credential)
    checks = [
        Check(
            "format",
            not problems,
            "; ".join(problems) or "Open Badges 3.0 credential, W3C VC 2.0 data model.",
        )
    ]
    public_key, method, problem = resolve_key(credential, did_document)
    if not problem and issuer_id(credential) != did_document.get("id"):
        public_key, problem = None, "The credential's issuer is not the DID that signed it."
    checks.append(_signature_check(credential, public_key, problem))
    checks.append(_key_period_check("issuer_key", credential, method, problem))
    checks.append(_expiry_check(credential, now))
    revocation, revoked = _revocation_check(credential, status_list, did_document, now)
    checks.append(revocation)

    if not all(check.passed for check in checks[:3]):
        return Result(status=states.TAMPERED.upper(), checks=checks)
    state = states.certificate_state(
        revoked=revoked,
        superseded=False,  # only the issuer's registry knows of a newer certificate
        valid_until=parse_time(credential.get("validUntil")),
        now=now,
    )
    if state == states.VALID and revocation.passed is not True:
        # Valid, unless the list we could not trust, or did not have, says otherwise: without a
        # status list a revoked certificate would look valid, so this is never VALID.
        state = states.INCONCLUSIVE
    result = Result(status=state.upper(), checks=checks)
    subject = credential["credentialSubject"]
    issuer = credential.get("issuer")
    result.facts = {
        "issuer_did": str(issuer_id(credential)),
        "certificate": str(credential.get("id")),
        "holder": str(subject.get("name", "")),
        "qualification": str(subject["achievement"].get("name", "")),
        "issued": str(credential.get("validFrom")),
        "expires": str(credential.get("validUntil", "never")),
        "issuer": str(issuer.get("name", "") if isinstance(issuer, dict) else issuer),
    }
    return result


# --- the command --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m certificates.offline_verifier",
        description="Verify a Cluster Manager Academy certificate (PDF or credential JSON) offline.",
    )
    parser.add_argument("file", type=Path, help="the certificate PDF or its credential.json")
    parser.add_argument(
        "--trust",
        action="append",
        metavar="DID",
        help=f"an issuer DID you trust, e.g. did:web:academy.example.org (repeatable; default: "
        f"the DIDs in ${TRUST_VARIABLE})",
    )
    parser.add_argument("--did-document", type=Path, help="the issuer's did.json")
    parser.add_argument("--status-list", type=Path, help="the status list credential (JSON)")
    parser.add_argument(
        "--online", action="store_true", help="fetch what was not given, over HTTPS only"
    )
    parser.add_argument(
        "--ca-file", type=Path, help="certificate authorities to trust for HTTPS (PEM)"
    )
    return parser


def _print(result: Result, pdf: bool) -> None:
    print(f"issuer_did: {result.facts.get('issuer_did', 'none')}")
    for check in result.checks:
        print(check.line())
    if pdf:
        print(
            "pages: not compared (only the attached credential was checked: compare the printed "
            "name and qualification with the lines below, or upload the PDF to the academy's "
            "verify page)"
        )
    for name, value in result.facts.items():
        if name != "issuer_did":
            print(f"{name}: {value}")
    print(f"status: {result.status}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        trusted = trusted_issuers(args.trust)
        credential = load_credential(args.file)
        refused = untrusted(credential, trusted)
        if refused is not None:  # nothing is fetched for an issuer nobody trusts
            _print(refused, is_pdf(args.file))
            return 1
        if args.did_document is not None:
            did_document = load_json(args.did_document)
        elif args.online:
            did_document = fetch_json(did_web_url(issuer_id(credential)), args.ca_file)
        else:
            raise InputError(
                "give the issuer's DID document with --did-document did.json "
                "(from https://<site>/.well-known/did.json), or allow fetching it with --online"
            )
        status_list = None
        if args.status_list is not None:
            status_list = load_json(args.status_list)
        elif args.online:
            entry = credential.get("credentialStatus")
            url = entry.get("statusListCredential") if isinstance(entry, dict) else None
            # Only from the issuer's own host: the credential is not trusted yet.
            if isinstance(url, str) and _same_host(url, did_web_url(issuer_id(credential))):
                status_list = fetch_json(url, args.ca_file)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = verify_offline(
        credential, did_document=did_document, status_list=status_list, trusted=trusted
    )
    _print(result, is_pdf(args.file))
    return 0 if result.valid else 1


if __name__ == "__main__":
    sys.exit(main())
