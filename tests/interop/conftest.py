"""Interoperability tests: the site against a real LRS (Ralph) and a real LTI 1.3 platform, each
started by the tests in a process of its own. `make test-interop` runs them (marker `interop`);
the counterparts are installed by `make interop-counterparts`."""

from __future__ import annotations

import pytest

from tests.integration.conftest import real_celery, start_worker  # noqa: F401  (fixtures)
from tests.interop.lrs import Ralph


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/interop/" in str(item.fspath):
            item.add_marker(pytest.mark.interop)


@pytest.fixture
def ralph(tmp_path):
    server = Ralph(tmp_path / "ralph").start()
    yield server
    server.stop()


@pytest.fixture
def lrs_settings(settings, ralph):
    """This test process sends to Ralph (the workers get the same through their environment)."""
    settings.LRS_URL = ralph.xapi_url
    settings.LRS_USERNAME, settings.LRS_PASSWORD = (
        ralph.settings()["LMS_LRS_USERNAME"],
        ralph.settings()["LMS_LRS_PASSWORD"],
    )
    return settings
