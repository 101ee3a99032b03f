"""A certificate issued and revoked: earned and lost (revoked), in the certificate's transaction."""

from __future__ import annotations

import pytest

from certificates.issuance import certificate_revoke
from lms.xapi.models import Statement
from lms.xapi.recording import page_url
from tests.certificates.conftest import issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _issuer_keys(settings, tmp_path):
    settings.ISSUER_KEY_DIR = tmp_path
    settings.ISSUER_KEY_FILE = None


def test_issue_and_revoke(lrs_on, curriculum, enrolled, staff):
    certificate = issue(enrolled)

    [earned] = [r.statement for r in Statement.objects.filter(learner=enrolled, verb="earned")]
    assert earned["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert earned["object"]["id"] == f"http://testserver/verify/{certificate.id}/"
    assert earned["object"]["definition"]["type"] == "http://activitystrea.ms/schema/1.0/badge"
    assert [p["id"] for p in earned["context"]["contextActivities"]["parent"]] == [
        page_url(curriculum.qualification)
    ]

    certificate_revoke(certificate=certificate, by=staff, reason="Issued in error.")

    [revoked] = [r.statement for r in Statement.objects.filter(learner=enrolled, verb="revoked")]
    assert revoked["object"]["id"] == earned["object"]["id"]
    assert revoked["id"] != earned["id"]
