"""manage.py issue_certificates: bulk issuance for a qualification or one cohort, with progress."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certificates.models import Certificate
from courses.models import Cohort
from tests.certificates.conftest import requirements_met, spring_cohort_and_outsider
from tests.conftest import make_user


def issue_certificates(*args) -> str:
    out = StringIO()
    call_command("issue_certificates", *args, stdout=out)
    return out.getvalue()


def test_issue_here_for_a_cohort_then_for_everyone(curriculum):
    cohort, in_cohort, alone = spring_cohort_and_outsider(curriculum.qualification, members=2)

    out = issue_certificates(
        "--qualification", "test-qualification", "--cohort", str(cohort.id), "--here"
    )
    assert out.splitlines() == [
        "2 certificates to issue for Test Qualification.",
        "  1/2",
        "  2/2",
    ]
    assert Certificate.objects.filter(learner__in=in_cohort, is_current=True).count() == 2
    assert not Certificate.objects.filter(learner=alone).exists()

    out = issue_certificates("--qualification", "test-qualification", "--here")
    assert out.splitlines()[0] == "1 certificates to issue for Test Qualification."
    assert Certificate.objects.filter(learner=alone, is_current=True).count() == 1

    # Run again: everyone holds one, nothing is issued twice.
    assert issue_certificates("--qualification", "test-qualification", "--here") == (
        "0 certificates to issue for Test Qualification.\n"
    )
    assert Certificate.objects.filter(learner__in=[*in_cohort, alone]).count() == 3


def test_without_here_the_workers_issue_and_the_command_waits(
    curriculum, django_capture_on_commit_callbacks
):
    learner = make_user("learner", "queued")
    requirements_met(learner, curriculum.qualification)
    # Inside a test the queued tasks run only when the capture ends: the command times out
    # first, exactly as it would with no worker running.
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(CommandError, match="Only 0 of 1 issued before the timeout"),
    ):
        issue_certificates("--qualification", "test-qualification", "--timeout", "0")
    assert Certificate.objects.filter(learner=learner, is_current=True).count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--qualification", "no-such-thing"], "No qualification with the slug 'no-such-thing'."),
        (
            ["--qualification", "test-qualification", "--cohort", "999999"],
            "Cohort 999999 is not a cohort of Test Qualification.",
        ),
    ],
    ids=["slug", "cohort"],
)
def test_bad_arguments_are_explained(curriculum, args, message):
    with pytest.raises(CommandError) as error:
        issue_certificates(*args)
    assert str(error.value) == message


def test_a_cohort_of_another_qualification_is_refused(curriculum):
    cohort = Cohort.objects.create(name="Trainers", page=curriculum.trainer, starts_on="2026-03-01")
    with pytest.raises(CommandError, match="is not a cohort of Test Qualification"):
        issue_certificates("--qualification", "test-qualification", "--cohort", str(cohort.id))


def test_the_qualification_is_required(db):
    with pytest.raises(CommandError, match="--qualification"):
        issue_certificates()
