"""A certificate's state, decided in one place: the learner's list, the site's verifier and the
offline verifier say the same of the same certificate."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from certificates import states
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.keys import did_document
from certificates.offline_verifier import verify_offline
from certificates.selectors import certificate_status
from certificates.status import current_status_list
from certificates.verification import verify_by_id, verify_upload

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("revoked", "superseded", "valid_until", "state"),
    [
        (False, False, None, states.VALID),
        (False, False, NOW + timedelta(seconds=1), states.VALID),
        (False, False, NOW, states.EXPIRED),  # valid until, not through, that moment
        (False, False, NOW - timedelta(days=1), states.EXPIRED),
        (False, True, None, states.SUPERSEDED),
        (False, True, NOW - timedelta(days=1), states.SUPERSEDED),
        (True, False, None, states.REVOKED),
        (True, True, NOW - timedelta(days=1), states.REVOKED),
    ],
)
def test_revoked_outranks_superseded_which_outranks_expired(
    revoked, superseded, valid_until, state
):
    assert (
        states.certificate_state(
            revoked=revoked, superseded=superseded, valid_until=valid_until, now=NOW
        )
        == state
    )


@pytest.mark.parametrize("state", [states.VALID, states.REVOKED, states.SUPERSEDED, states.EXPIRED])
def test_the_list_and_both_verifiers_agree(state, issued, issued_pdf, staff, monkeypatch):
    now = timezone.now()
    if state == states.REVOKED:
        certificate_revoke(certificate=issued, by=staff, reason="Fraud")
    elif state == states.SUPERSEDED:
        certificate_reissue(certificate=issued, by=staff, reason="Name corrected")
    elif state == states.EXPIRED:
        now = issued.valid_until + timedelta(days=1)
    issued.refresh_from_db()
    status_list = current_status_list().credential
    monkeypatch.setattr(timezone, "now", lambda: now)  # the site's verifier reads the clock

    listed = certificate_status(issued, now)
    by_id = verify_by_id(issued.id).status
    by_pdf = verify_upload(issued_pdf).status
    offline = verify_offline(
        issued.credential, did_document=did_document(), status_list=status_list, now=now
    ).status

    assert listed == by_id == by_pdf == state
    # Only the issuer's registry knows a newer certificate exists: offline, it is still valid.
    assert offline == (states.VALID if state == states.SUPERSEDED else state).upper()
