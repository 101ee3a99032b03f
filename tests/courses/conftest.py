"""Fixtures for the courses tests (the curriculum itself is tests/conftest.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.courses.helpers import ApiClient


@pytest.fixture(autouse=True)
def _default_language():
    """A request leaves its language active in the thread; start each test in English."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _remove_stored_submission_files():
    """Submission files go to the private storage folder; remove what a test stored."""
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    before = set(root.rglob("*")) if root.exists() else set()
    yield
    if root.exists():
        for path in sorted(set(root.rglob("*")) - before, reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


@pytest.fixture
def enrolled(curriculum, learner):
    """`learner` enrolled in the test qualification (and so in both of its courses)."""
    from courses.enrolment import enrolment_create

    enrolment_create(learner=learner, page=curriculum.qualification)
    return learner


EVIDENCE_STATEMENT = "I delivered the cluster-manager training to 14 managers in March 2026. " * 2


@pytest.fixture
def holder(curriculum, enrolled):
    """`enrolled`, holding the test qualification (its requirements are met) and enrolled in the
    second-tier qualification that needs it plus evidence."""
    from django.utils import timezone

    from courses.enrolment import enrolment_create
    from courses.models import Enrolment, Milestone

    Milestone.objects.create(
        enrolment=Enrolment.objects.get(learner=enrolled, page=curriculum.qualification),
        kind=Milestone.Kind.REQUIREMENTS_MET,
        page=curriculum.qualification,
        achieved_at=timezone.now(),
    )
    enrolment_create(learner=enrolled, page=curriculum.trainer)
    return enrolled


@pytest.fixture
def api():
    """A JSON client for /api/v1 that authenticates with a bearer token per user."""
    from django.test import Client

    return ApiClient(Client())
