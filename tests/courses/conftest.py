"""Fixtures for the courses tests.

Loading the test curriculum takes seconds, so the real loader builds it once per session and
the result is dumped; each test module loads that dump inside an outer transaction that is
rolled back when the module ends, and every test runs in a savepoint inside it (pytest-django's
`db`), so tests still never see each other's writes. Modules that need committed data
(threads, a real worker) must not use `curriculum` from here.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from tests.conftest import Curriculum, load_test_curriculum
from tests.courses.helpers import ApiClient


@pytest.fixture(scope="session")
def _curriculum_dump(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test curriculum as the real loader builds it, dumped once for the whole session."""
    dump = tmp_path_factory.mktemp("curriculum") / "curriculum.json"
    with django_db_blocker.unblock(), transaction.atomic():
        load_test_curriculum()
        call_command(
            "dumpdata",
            *DUMPED_MODELS,
            natural_foreign=True,
            output=str(dump),
            stdout=io.StringIO(),
        )
        transaction.set_rollback(True)
    return dump


DUMPED_MODELS = (
    "wagtailcore.locale",
    "wagtailcore.page",
    "wagtailcore.revision",
    "wagtailcore.site",
    "home",
    "courses",
)


@pytest.fixture(scope="module")
def _module_curriculum(_curriculum_dump, django_db_blocker):
    from wagtail.models import Locale, Page

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Whatever tree the database holds (Wagtail's placeholder, or nothing after a
            # transactional test flushed it) makes way for the loaded one.
            Page.objects.all().delete()
            Locale.objects.all().delete()
            call_command("loaddata", str(_curriculum_dump), stdout=io.StringIO())
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def curriculum(_module_curriculum, db):
    """The small two-course test curriculum, loaded once per module (see the docstring)."""
    return Curriculum()


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
