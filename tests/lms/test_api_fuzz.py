"""Property-based fuzzing of every API operation from the OpenAPI document: no input gives a 500.

Schemathesis generates requests (valid and invalid bodies, paths and query strings) for each
operation and sends them to the Django app in-process, with a learner's or an instructor's
bearer token so that authenticated code runs too, over the small test curriculum.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from lms.wsgi import application
from tests.conftest import load_test_curriculum, make_user

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def in_process_requests():
    """Keep the test's database connection open across WSGI calls, as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, in_process_requests):
    from courses.teaching import teaching_assign
    from lms.accounts.services import api_token_issue

    load_test_curriculum()
    make_user("learner", "fuzz-learner")
    instructor = make_user("instructor", "fuzz-instructor")
    teaching_assign(instructor=instructor, slugs=["test-qualification"])
    return {
        role: api_token_issue(username=f"fuzz-{role}", password="a-long-test-password-1")
        for role in ("learner", "instructor")
    }


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("role", ["learner", "instructor"])
def test_no_input_makes_the_api_fail(case, role, tokens, settings):
    settings.VERIFY_RATE = "100000/m"
    response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code}\n{response.text[:2000]}"
    )
