"""Cohorts for staff (issue 12): the target is a course or a qualification, the instructors are
instructors, learners come by CSV (preview, errors per row, idempotent) or e-mail invitation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput, AdminPageChooser

from courses.cohorts import (
    MAX_CSV_BYTES,
    Outcome,
    cohort_import_apply,
    cohort_import_check,
    cohort_invite,
    invitation_accept,
    invitation_token,
)
from courses.models import Cohort, CohortImport, CohortInvitation, Enrolment
from courses.wagtail_hooks import CohortForm
from tests.conftest import make_user


@pytest.fixture
def cohort(curriculum):
    return Cohort.objects.create(
        name="Spring", page=curriculum.qualification, starts_on="2026-03-01"
    )


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def csv_file(text: str, name="learners.csv", content_type="text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type=content_type)


# --- the target and the instructors -----------------------------------------------------------


def test_a_cohort_is_for_a_course_or_a_qualification(curriculum):
    for page in (curriculum.course(), curriculum.qualification):
        cohort = Cohort(name="Ok", page=page, starts_on="2026-03-01")
        cohort.full_clean()
        cohort.save()
    lesson = curriculum.lessons()[0]
    refused = Cohort(name="Lesson", page=lesson, starts_on="2026-03-01")
    with pytest.raises(ValidationError) as exc:
        refused.full_clean()
    assert "page" in exc.value.message_dict
    # Even written around the forms (a script, the shell), the model refuses it.
    with pytest.raises(ValidationError, match="course or a qualification"):
        Cohort.objects.create(name="Lesson", page=lesson, starts_on="2026-03-01")
    assert not Cohort.objects.filter(name="Lesson").exists()


def test_a_cohort_cannot_end_before_it_starts(curriculum):
    cohort = Cohort(
        name="Back", page=curriculum.course(), starts_on="2026-03-01", ends_on="2026-02-01"
    )
    with pytest.raises(ValidationError) as exc:
        cohort.full_clean()
    assert "ends_on" in exc.value.message_dict


def test_the_form_offers_only_courses_qualifications_and_instructors(curriculum, instructor):
    learner = make_user("learner", "not-an-instructor")
    staff = make_user("staff", "not-an-instructor-either")
    form = CohortForm()
    chooser = form.fields["page"].widget
    assert isinstance(chooser, AdminPageChooser)
    assert {m.__name__ for m in chooser.target_models} == {"CoursePage", "QualificationPage"}
    choices = set(form.fields["page"].queryset.values_list("id", flat=True))
    assert curriculum.course().id in choices and curriculum.qualification.id in choices
    assert curriculum.lessons()[0].id not in choices
    instructors = set(form.fields["instructors"].queryset)
    assert instructor in instructors and learner not in instructors and staff not in instructors
    assert isinstance(form.fields["starts_on"].widget, AdminDateInput)
    assert isinstance(form.fields["ends_on"].widget, AdminDateInput)
    assert isinstance(form.fields["submission_deadline"].widget, AdminDateTimeInput)


def test_the_admin_refuses_a_lesson_or_a_learner_as_instructor(
    staff_client, curriculum, instructor
):
    learner = make_user("learner", "sneaky")
    data = {
        "name": "Wrong",
        "page": curriculum.lessons()[0].id,
        "starts_on": "2026-03-01",
        "instructors": [learner.id],
    }
    response = staff_client.post("/admin/cohort/new/", data)
    assert response.status_code in (200, 400)
    assert not Cohort.objects.filter(name="Wrong").exists()
    form = response.context["form"]
    assert "page" in form.errors and "instructors" in form.errors

    data.update(name="Right", page=curriculum.qualification.id, instructors=[instructor.id])
    response = staff_client.post("/admin/cohort/new/", data)
    assert response.status_code == 302
    assert list(Cohort.objects.get(name="Right").instructors.all()) == [instructor]


def test_the_cohort_form_has_date_pickers(staff_client, curriculum):
    content = staff_client.get("/admin/cohort/new/").content.decode()
    assert 'initDateChooser("id_starts_on"' in content
    assert 'initDateChooser("id_ends_on"' in content
    assert 'initDateTimeChooser("id_submission_deadline"' in content


# --- CSV import -------------------------------------------------------------------------------


def test_a_csv_is_previewed_row_by_row_then_applied_once(
    staff_client, cohort, staff, django_capture_on_commit_callbacks
):
    known = make_user("learner", "known", email="known@example.org")
    moved = make_user("learner", "moved", email="moved@example.org")
    Enrolment.objects.create(learner=moved, page=cohort.page, kind=Enrolment.Kind.QUALIFICATION)
    make_user("instructor", "teacher", email="teacher@example.org")
    text = (
        "email,full_name\n"
        "Known@Example.org,Known Learner\n"
        "moved@example.org,Moved\n"
        "new@example.org,New Person\n"
        "not-an-address,Bad\n"
        "teacher@example.org,Teacher\n"
        "known@example.org,Twice\n"
        "\n"
    )
    response = staff_client.post(
        f"/admin/cohorts/{cohort.id}/learners/import/", {"file": csv_file(text)}
    )
    assert response.status_code == 302
    checked = CohortImport.objects.get()
    assert response["Location"] == f"/admin/cohorts/imports/{checked.id}/"
    outcomes = [(row["line"], row["outcome"]) for row in checked.rows]
    assert outcomes == [
        (2, Outcome.ENROL),
        (3, Outcome.JOIN),
        (4, Outcome.INVITE),
        (5, Outcome.ERROR),
        (6, Outcome.ERROR),
        (7, Outcome.ERROR),
    ]
    assert not Enrolment.objects.filter(cohort=cohort).exists()  # a preview changes nothing

    preview = staff_client.get(response["Location"]).content.decode()
    assert "“not-an-address” is not an e-mail address." in preview
    assert "teacher is a instructor account, not a learner." in preview
    assert "Listed twice: this address is on line 2 too." in preview
    assert 'data-import-errors="3"' in preview

    with django_capture_on_commit_callbacks(execute=True):
        applied = staff_client.post(response["Location"])
    assert applied.status_code == 302
    assert set(Enrolment.objects.filter(cohort=cohort).values_list("learner", flat=True)) == {
        known.id,
        moved.id,
    }
    invitation = CohortInvitation.objects.get(cohort=cohort)
    assert invitation.email == "new@example.org" and invitation.sent_at is not None
    invitations_sent = [m for m in mail.outbox if m.to == ["new@example.org"]]
    assert len(invitations_sent) == 1 and "/cohorts/join/" in invitations_sent[0].body
    sent_before = len(mail.outbox)

    # The same file again: everything is already done; applying it changes nothing.
    staff_client.post(f"/admin/cohorts/{cohort.id}/learners/import/", {"file": csv_file(text)})
    again = CohortImport.objects.exclude(pk=checked.pk).get()
    assert [row["outcome"] for row in again.rows][:3] == [
        Outcome.ALREADY,
        Outcome.ALREADY,
        Outcome.INVITED,
    ]
    result = cohort_import_apply(cohort_import=again, by=staff)
    assert (result.enrolled, result.joined, result.invited, result.already) == (0, 0, 0, 3)
    assert Enrolment.objects.filter(cohort=cohort).count() == 2
    assert CohortInvitation.objects.count() == 1 and len(mail.outbox) == sent_before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (csv_file("email\na@example.org\n", name="learners.xlsx"), "Upload a .csv file."),
        (
            csv_file("email\na@example.org\n", content_type="application/pdf"),
            "not a CSV file",
        ),
        (SimpleUploadedFile("l.csv", b"email\n\x00\x01\x02", "text/csv"), "not text"),
        (SimpleUploadedFile("l.csv", "email\né\n".encode("latin-1"), "text/csv"), "UTF-8"),
        (csv_file("name,phone\nAnn,123\n"), "one called email"),
        (csv_file("email\n"), "lists no learners"),
        (csv_file(""), "The file is empty."),
        (
            SimpleUploadedFile(
                "l.csv", b"email\n" + b"a@example.org\n" * (MAX_CSV_BYTES // 14 + 1)
            ),
            "larger than 1 MB",
        ),
    ],
    ids=["extension", "type", "binary", "encoding", "no-email-column", "no-rows", "empty", "size"],
)
def test_a_file_that_is_not_a_csv_of_learners_is_refused(staff_client, cohort, upload, message):
    response = staff_client.post(f"/admin/cohorts/{cohort.id}/learners/import/", {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CohortImport.objects.exists()


def test_only_staff_import_and_invite(client, cohort, instructor, learner):
    for user in (instructor, learner):
        client.force_login(user)
        response = client.post(
            f"/admin/cohorts/{cohort.id}/learners/import/",
            {"file": csv_file("email\na@example.org\n")},
        )
        assert response.status_code in (302, 403)
        assert client.post(
            f"/admin/cohorts/{cohort.id}/learners/invite/", {"email": "a@example.org"}
        ).status_code in (302, 403)
    assert not CohortImport.objects.exists() and not CohortInvitation.objects.exists()
    with pytest.raises(Exception, match="Only staff"):
        cohort_import_check(cohort=cohort, upload=csv_file("email\na@example.org\n"), by=learner)


# --- invitations ------------------------------------------------------------------------------


def invitation_link(message) -> str:
    return re.search(r"http://testserver(/\S+/cohorts/join/\S+/)", message.body).group(1)


def test_an_unknown_address_is_invited_to_register_then_enrolled(
    staff_client, client, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/admin/cohorts/{cohort.id}/learners/invite/", {"email": "Newcomer@Example.org"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.org"] and "register" in message.body
    link = invitation_link(message)

    staff_client.logout()
    page = client.get(link)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Register to accept" in content and "Spring" in content
    register_url = re.search(r'href="(/en/accounts/register/\?[^"]+)"', content).group(1)
    register_url = register_url.replace("&amp;", "&")
    form = client.get(register_url).content.decode()
    assert 'value="newcomer@example.org"' in form
    registered = client.post(
        register_url,
        {
            "full_name": "New Comer",
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password": "a-long-test-password-1",
            "preferred_language": "en",
            "next": link,
        },
    )
    assert registered.status_code == 302 and registered["Location"] == link
    assert "Accept and enrol" in client.get(link).content.decode()
    accepted = client.post(link)
    assert accepted.status_code == 302
    enrolment = Enrolment.objects.get(learner__username="newcomer", page=cohort.page)
    assert enrolment.cohort == cohort
    invitation = CohortInvitation.objects.get()
    assert invitation.accepted_by == enrolment.learner
    # Opening or accepting again changes nothing.
    assert client.post(link).status_code == 302
    assert Enrolment.objects.filter(learner__username="newcomer", page=cohort.page).count() == 1
    assert "You are in this cohort." in client.get(link).content.decode()


def test_an_invitation_is_only_for_its_address(client, cohort, staff, learner, other_learner):
    invitation, created = cohort_invite(cohort=cohort, email=learner.email, by=staff)
    assert created
    assert cohort_invite(cohort=cohort, email=learner.email.upper(), by=staff) == (
        invitation,
        False,
    )
    link = f"/en/cohorts/join/{invitation_token(invitation)}/"
    client.force_login(other_learner)
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    assert not Enrolment.objects.filter(learner=other_learner, page=cohort.page).exists()

    client.force_login(learner)
    assert client.post(link).status_code == 302
    assert Enrolment.objects.get(learner=learner, page=cohort.page).cohort == cohort
    assert invitation_accept(invitation=invitation, user=learner).cohort == cohort


@pytest.mark.parametrize("token", ["nonsense", "eyJpIjoxfQ:1tX:forged"])
def test_a_bad_link_is_a_clear_400(client, cohort, token):
    response = client.get(f"/en/cohorts/join/{token}/")
    assert response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()


def test_a_bad_address_is_refused_and_kept(staff_client, cohort):
    response = staff_client.post(
        f"/admin/cohorts/{cohort.id}/learners/invite/", {"email": "not an address"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter a valid e-mail address." in content and 'value="not an address"' in content
    assert not CohortInvitation.objects.exists()


def test_the_learners_page(staff_client, cohort, learner, staff):
    cohort_invite(cohort=cohort, email="pending@example.org", by=staff)
    Enrolment.objects.create(
        learner=learner, page=cohort.page, kind=Enrolment.Kind.QUALIFICATION, cohort=cohort
    )
    page = staff_client.get(f"/admin/cohorts/{cohort.id}/learners/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "pending@example.org" in content and learner.email in content
    assert "1 learner in the cohort" in content
    listing = staff_client.get("/admin/cohort/").content.decode()
    assert f"/admin/cohorts/{cohort.id}/learners/" in listing
