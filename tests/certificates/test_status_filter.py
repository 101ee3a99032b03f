"""The status filter of the certificates admin agrees with the one state rule
(certificates.states.certificate_state through selectors.certificate_status)."""

from datetime import timedelta

from django.utils import timezone

from certificates import states
from certificates.models import Certificate
from certificates.selectors import certificate_status, certificates_in_status


def test_every_status_filter_agrees_with_the_state_rule(issued, staff):
    from certificates.issuance import certificate_reissue, certificate_revoke

    now = timezone.now()
    new = certificate_reissue(certificate=issued, by=staff, reason="Renewal", validity_months=12)
    # The same facts at several moments: before expiry, at it and after it.
    moments = [now, new.valid_until, new.valid_until + timedelta(days=1)]
    for moment in moments:
        for revoked in (False, True):
            if revoked:
                certificate_revoke(certificate=new, by=staff, reason="Fraud")
            rows = list(Certificate.objects.all())
            for status in (states.VALID, states.REVOKED, states.SUPERSEDED, states.EXPIRED):
                filtered = set(
                    certificates_in_status(
                        Certificate.objects.all(), status, now=moment
                    ).values_list("id", flat=True)
                )
                expected = {c.id for c in rows if certificate_status(c, moment) == status}
                assert filtered == expected, (status, moment, revoked)
        Certificate.objects.filter(pk=new.pk).update(revoked_at=None, revocation_reason="")


def test_an_unknown_status_is_refused():
    import pytest

    with pytest.raises(ValueError, match="Unknown certificate status"):
        certificates_in_status(Certificate.objects.none(), "lost")
