"""Issuance locks only what it must: one learner's award.

A certificate takes a render and a signature to make, all inside the award's locked transaction.
Were that transaction to lock the qualification (a joined row) or the issuer key, every issuance
of the qualification would wait for the one before it, and a bulk issuance on many workers would
run one certificate at a time. Were it to lock the learner, their progress updates would wait.

On PostgreSQL one issuance is held half-way (inside its render) while another learner's runs to
the end on its own connection, and the held learner's and the qualification's rows are locked
with NOWAIT. SQLite has one writer at a time, so there the two issuances run in turn.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction

from certificates import issuance
from certificates.models import Certificate
from courses.models import QualificationPage
from tests.certificates.conftest import award_for, pem_key_file
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["generated key", "key file"])
def key_source(request, settings, tmp_path):
    """Both ways a site holds its key: generated into the data dir, or LMS_ISSUER_KEY_FILE."""
    if request.param == "key file":
        path = tmp_path / "issuer.pem"
        pem_key_file(path)
        settings.ISSUER_KEY_FILE = str(path)
    return request.param


def test_one_issuance_does_not_hold_up_another_learners(committed_curriculum, key_source):
    qualification = committed_curriculum.qualification
    # The first certificate creates and registers the key, which takes the locks rotation needs.
    issuance.certificate_issue(award_id=award_for(make_user("learner", "first"), qualification).id)
    held_award = award_for(make_user("learner", "held"), qualification)
    other_award = award_for(make_user("learner", "other"), qualification)

    if connection.vendor != "postgresql":
        assert issuance.certificate_issue(award_id=held_award.id) is not None
        assert issuance.certificate_issue(award_id=other_award.id) is not None
        assert Certificate.objects.filter(is_current=True).count() == 3
        return

    render = issuance.pdf.render_pdf
    rendering, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def held_render(**kwargs):
        rendering.set()
        release.wait(timeout=60)
        return render(**kwargs)

    def issue_held():
        try:
            outcome["held"] = issuance.certificate_issue(award_id=held_award.id)
        except BaseException as exc:  # reported below
            outcome["held"] = exc
        finally:
            connections.close_all()

    issuance.pdf.render_pdf = held_render
    held = threading.Thread(target=issue_held)
    try:
        held.start()
        assert rendering.wait(timeout=60), "the held issuance never reached its render"
        issuance.pdf.render_pdf = render

        def issue_other():
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")
                outcome["other"] = issuance.certificate_issue(award_id=other_award.id)
                with transaction.atomic():
                    get_user_model().objects.select_for_update(nowait=True).get(
                        pk=held_award.learner_id
                    )
                    QualificationPage.objects.select_for_update(nowait=True).get(
                        pk=qualification.pk
                    )
                    outcome["rows free"] = True
            except BaseException as exc:  # reported below
                outcome["other"] = exc
            finally:
                connections.close_all()

        other = threading.Thread(target=issue_other)
        other.start()
        other.join(timeout=60)
        assert not other.is_alive(), "the other learner's issuance waited for the held one"
    finally:
        issuance.pdf.render_pdf = render
        release.set()
        held.join(timeout=60)

    assert isinstance(outcome["other"], Certificate), outcome["other"]
    assert outcome.get("rows free") is True
    assert isinstance(outcome["held"], Certificate), outcome["held"]
    assert Certificate.objects.filter(is_current=True).count() == 3
