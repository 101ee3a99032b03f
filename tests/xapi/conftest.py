"""Fixtures for the xAPI tests: an LRS configured (or not), and a learner in a cohort."""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _default_language():
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def lrs_on(settings):
    """An LRS is configured (at an address nothing listens on: sending fails and waits)."""
    settings.LRS_URL = "http://127.0.0.1:9/xAPI/"
    settings.LRS_USERNAME = "academy"
    settings.LRS_PASSWORD = "lrs-test-password"
    return settings


@pytest.fixture
def cohort(curriculum):
    from django.utils import timezone

    from courses.models import Cohort

    return Cohort.objects.create(
        name="Spring cohort", page=curriculum.qualification, starts_on=timezone.now().date()
    )


@pytest.fixture
def enrolled(curriculum, learner, cohort):
    """`learner` enrolled in the test qualification, in a cohort (and so in both its courses)."""
    from courses.enrolment import enrolment_create

    enrolment_create(learner=learner, page=curriculum.qualification, cohort=cohort)
    return learner
