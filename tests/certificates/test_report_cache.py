"""Verification reports are cached, but a change to a certificate shows at once."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.verification import Status, verify_by_id
from tests.certificates.conftest import issue
from tests.conftest import make_user


def test_a_cached_report_needs_no_query(curriculum):
    certificate = issue(make_user("learner", "cached"))
    assert verify_by_id(certificate.id).status == Status.VALID
    with CaptureQueriesContext(connection) as queries:
        assert verify_by_id(certificate.id).status == Status.VALID
    assert len(queries) == 0


def test_revocation_shows_at_once_despite_the_cache(curriculum, staff):
    certificate = issue(make_user("learner", "to-revoke"))
    assert verify_by_id(certificate.id).status == Status.VALID
    certificate_revoke(certificate=certificate, by=staff, reason="Issued in error")
    assert verify_by_id(certificate.id).status == Status.REVOKED


def test_supersession_shows_at_once_despite_the_cache(curriculum, staff):
    certificate = issue(make_user("learner", "to-reissue"))
    assert verify_by_id(certificate.id).status == Status.VALID
    new = certificate_reissue(certificate=certificate, by=staff, reason="Name corrected")
    report = verify_by_id(certificate.id)
    assert report.status == Status.SUPERSEDED
    assert report.superseded_by == new.id


def test_a_report_is_never_served_past_expiry(curriculum):
    certificate = issue(make_user("learner", "expiring"))
    certificate.valid_until = timezone.now() + timedelta(seconds=30)
    certificate.save()
    assert verify_by_id(certificate.id).status == Status.VALID
    certificate.valid_until = timezone.now() - timedelta(seconds=1)
    certificate.save()
    assert verify_by_id(certificate.id).status == Status.EXPIRED


def test_reports_are_cached_per_language(curriculum):
    from django.utils import translation

    certificate = issue(make_user("learner", "bilingual-reader"))
    with translation.override("en"):
        english = verify_by_id(certificate.id)
    with translation.override("zh-hans"):
        chinese = verify_by_id(certificate.id)
    assert english.checks[0].detail != chinese.checks[0].detail
