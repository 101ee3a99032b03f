"""Expiry reminders, 60 and 7 days ahead, each sent once; and expiry itself."""

from datetime import timedelta

import pytest

from certificates.expiry import expiry_reminders_send
from certificates.issuance import certificate_reissue, certificate_revoke
from certificates.models import Certificate
from certificates.tasks import send_expiry_reminders
from certificates.verification import Status, verify_by_id


@pytest.fixture
def send(django_capture_on_commit_callbacks, mailoutbox):
    """Run the reminders at `now` as beat would; returns the emails that run sent about
    `certificate` (the module has other certificates, issued at the same moment)."""

    def send(now, certificate):
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            expiry_reminders_send(now=now)
        return [e for e in mailoutbox[before:] if certificate.id in e.body]

    return send


def test_reminders_at_60_and_7_days_each_once(issued, send):
    expires = issued.valid_until
    assert send(expires - timedelta(days=90), issued) == []

    (sixty,) = send(expires - timedelta(days=59), issued)
    assert sixty.to == [issued.learner.email]
    assert sixty.subject == (
        f"Your Test Qualification certificate expires on {expires.date().isoformat()}"
    )
    assert "expires in 60 days" in sixty.body
    assert f"http://testserver/verify/{issued.id}/" in sixty.body
    # Beat runs daily: the next mornings send nothing new.
    assert send(expires - timedelta(days=58), issued) == []
    assert send(expires - timedelta(days=30), issued) == []

    (seven,) = send(expires - timedelta(days=6), issued)
    assert "expires in 7 days" in seven.body
    assert send(expires - timedelta(days=5), issued) == []
    assert send(expires + timedelta(days=1), issued) == []  # expired: no more reminders


def test_a_certificate_found_late_gets_only_the_nearer_reminder(issued, send):
    """Five days before expiry with nothing sent yet: one email, the 7-day one, not two."""
    (email,) = send(issued.valid_until - timedelta(days=5), issued)
    assert "expires in 7 days" in email.body


def test_no_reminders_for_revoked_or_superseded_certificates(issued, other_issued, staff, send):
    certificate_revoke(certificate=other_issued, by=staff, reason="Fraud")
    renewed = certificate_reissue(
        certificate=issued, by=staff, reason="Renewal", validity_months=48
    )
    day = issued.valid_until - timedelta(days=59)
    for certificate in (issued, other_issued, renewed):
        assert send(day, certificate) == []
    assert len(send(renewed.valid_until - timedelta(days=59), renewed)) == 1


def test_the_beat_task_sends_them(issued, django_capture_on_commit_callbacks, mailoutbox):
    Certificate.objects.filter(pk=issued.pk).update(
        valid_until=issued.issued_at + timedelta(days=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_expiry_reminders.delay()
    # Only this module's other certificate could be due too; this one is, at 30 days.
    assert [e for e in mailoutbox if issued.id in e.body]
    from lms.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "certificates.tasks.send_expiry_reminders" in tasks


def test_expiry_takes_effect_in_verification(issued):
    Certificate.objects.filter(pk=issued.pk).update(valid_until=issued.issued_at)
    report = verify_by_id(issued.id)
    assert report.status == Status.EXPIRED
    expiry = next(c for c in report.checks if c.name == "expiry")
    assert not expiry.passed
