"""The state of a certificate, decided in one place: valid, revoked, superseded or expired.

The learner's list and the API (certificates.selectors), the site's verifier
(certificates.verification) and the offline verifier (certificates.offline_verifier) each know
the facts in their own way (the registry's row, or a signed credential and a status list); all of
them turn the facts into a state here. The verifiers add the verdicts only they can reach around
it: TAMPERED and NOT_FOUND on the site, TAMPERED and INCONCLUSIVE offline (which prints the names
in capitals). Pure Python, no Django.
"""

from __future__ import annotations

from datetime import datetime

VALID = "valid"
REVOKED = "revoked"
SUPERSEDED = "superseded"
EXPIRED = "expired"

# Verdicts of a verifier, not states of a certificate: the credential cannot be trusted, no such
# certificate is registered, or the status list could not be trusted (offline only).
TAMPERED = "tampered"
NOT_FOUND = "not_found"
INCONCLUSIVE = "inconclusive"


def has_expired(valid_until: datetime | None, now: datetime) -> bool:
    """Whether a certificate valid until `valid_until` (None: no expiry) has expired at `now`."""
    return valid_until is not None and valid_until <= now


def certificate_state(
    *, revoked: bool, superseded: bool, valid_until: datetime | None, now: datetime
) -> str:
    """The state of a genuine certificate. Revocation outranks supersession, which outranks
    expiry: a revoked certificate says so even once a newer one exists or it has expired."""
    if revoked:
        return REVOKED
    if superseded:
        return SUPERSEDED
    if has_expired(valid_until, now):
        return EXPIRED
    return VALID
