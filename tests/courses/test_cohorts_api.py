"""The cohort endpoints of the JSON API (staff; a learner accepting an invitation)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from courses.cohorts import invitation_token
from courses.models import Cohort, CohortInvitation, Enrolment
from tests.conftest import make_user
from tests.courses.helpers import ApiClient


def test_cohorts_by_api(client, curriculum, staff, instructor, learner):
    api = ApiClient(client)
    refused = api.post(
        "/cohorts",
        {"name": "X", "page": curriculum.lessons()[0].id, "starts_on": "2026-03-01"},
        user=staff,
    )
    assert refused.status_code == 400 and "course or a qualification" in refused.json()["detail"]
    huge = api.post("/cohorts", {"name": "X", "page": 2**63, "starts_on": "2026-03-01"}, user=staff)
    assert huge.status_code == 400 and "page" in huge.text  # not a 500 from the database
    not_instructor = api.post(
        "/cohorts",
        {
            "name": "X",
            "page": curriculum.qualification.id,
            "starts_on": "2026-03-01",
            "instructors": [learner.id],
        },
        user=staff,
    )
    assert not_instructor.status_code == 400
    created = api.post(
        "/cohorts",
        {
            "name": "Spring",
            "page": curriculum.qualification.id,
            "starts_on": "2026-03-01",
            "instructors": [instructor.id],
        },
        user=staff,
    )
    assert created.status_code == 201, created.content
    cohort_id = created.json()["id"]
    assert api.post("/cohorts", {}, user=learner).status_code in (400, 403)

    upload = SimpleUploadedFile(
        "l.csv", f"email\n{learner.email}\nbad\n".encode(), content_type="text/csv"
    )
    preview = api.post_multipart(f"/cohorts/{cohort_id}/imports", {"file": upload}, user=staff)
    assert preview.status_code == 201
    assert [r["outcome"] for r in preview.json()["rows"]] == ["enrol", "error"]
    applied = api.post(f"/cohorts/{cohort_id}/imports/{preview.json()['id']}/apply", user=staff)
    assert applied.json() == {"enrolled": 1, "joined": 0, "already": 0, "invited": 0, "errors": 1}
    assert Enrolment.objects.get(learner=learner, page=curriculum.qualification).cohort_id == (
        cohort_id
    )

    invited = api.post(
        f"/cohorts/{cohort_id}/invitations", {"email": "later@example.org"}, user=staff
    )
    assert invited.status_code == 201
    again = api.post(
        f"/cohorts/{cohort_id}/invitations", {"email": "later@example.org"}, user=staff
    )
    assert again.status_code == 200 and again.json()["created"] is False
    later = make_user("learner", "later", email="later@example.org")
    token = invitation_token(CohortInvitation.objects.get(email="later@example.org"))
    assert api.post("/cohort-invitations/accept", {"token": token}, user=learner).status_code == 403
    accepted = api.post("/cohort-invitations/accept", {"token": token}, user=later)
    assert accepted.status_code == 200
    assert Enrolment.objects.get(learner=later, page=curriculum.qualification).cohort == (
        Cohort.objects.get(pk=cohort_id)
    )
    bad = api.post("/cohort-invitations/accept", {"token": "forged"}, user=later)
    assert bad.status_code == 400
