"""Names and text that learners type are shown as text, never run as markup: on the site's pages,
in the Django and Wagtail admin, in the grading pages, in emails and on certificates."""

import pytest
from django.core import mail

from tests.conftest import make_user

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def hostile(curriculum, django_capture_on_commit_callbacks):
    from courses.enrolment import enrolment_create
    from courses.submissions import submission_make

    learner = make_user("learner", "mallory", full_name=f"Mallory {SCRIPT}")
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(learner=learner, page=curriculum.qualification)
        submission_make(learner=learner, project=curriculum.project, report=f"My report {SCRIPT}")
    return learner


def _assert_inert(response):
    body = response.content.decode()
    assert response.status_code == 200
    assert SCRIPT not in body
    assert "<script>alert(" not in body
    assert "onerror=alert(1)>" not in body or "&lt;img" in body


def test_learner_pages_show_names_as_text(client, hostile):
    client.force_login(hostile)
    for url in (
        "/en/dashboard/",
        "/en/accounts/profile/",
        "/en/catalog/test-qualification/field-project/",
    ):
        response = client.get(url)
        _assert_inert(response)
    assert ESCAPED in client.get("/en/catalog/test-qualification/field-project/").content.decode()


def test_grading_pages_show_names_and_reports_as_text(client, hostile, instructor):
    from courses.models import Submission

    client.force_login(instructor)
    _assert_inert(client.get("/en/grading/"))
    submission = Submission.objects.get(members__learner=hostile)
    page = client.get(f"/en/grading/submissions/{submission.id}/")
    _assert_inert(page)
    assert ESCAPED in page.content.decode()


def test_admin_lists_show_names_as_text(client, hostile, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for url in (
        "/django-admin/accounts/user/",
        "/admin/users/",
        "/admin/enrolment/",
        "/admin/evidencesubmission/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert(" not in response.content.decode(), url


def test_emails_carry_names_as_plain_text(hostile):
    assert mail.outbox, "the enrolment email was sent"
    message = mail.outbox[-1]
    assert message.content_subtype == "plain"
    assert "Mallory" in message.body
