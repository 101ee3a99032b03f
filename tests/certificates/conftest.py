"""Fixtures for the certificates tests.

Loading the test curriculum takes seconds, and so does issuing a certificate (a WeasyPrint
render), so most tests share both: `curriculum` is loaded once per test module and `issued` is
one certificate issued once per module, both inside a transaction that is rolled back when the
module is done. Each test still runs in a savepoint of its own, so what a test changes (a
revocation, a renamed learner) is undone before the next one.

Tests that need committed data (threads here, real workers in tests/integration) use
`committed_curriculum` with `transactional_db` instead, in modules of their own, never beside the
shared transaction.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from certificates import offline_verifier as offline
from certificates.issuance import certificate_issue
from certificates.models import Award, Certificate
from courses.enrolment import enrolment_create
from courses.grading import grade_moderate, grade_save, rubric_of
from courses.lessons import lesson_complete
from courses.models import Cohort, Enrolment, Milestone
from courses.submissions import submission_make
from tests.conftest import Curriculum, answers_for, make_user, submit_check

HOLDER_NAME = "Zoë Ångström-Núñez"


def pem_key_file(path, private_key=None) -> Ed25519PrivateKey:
    """Write an Ed25519 private key (a new one unless given) to `path` as an unencrypted PEM, the
    form LMS_ISSUER_KEY_FILE takes."""
    private_key = private_key or Ed25519PrivateKey.generate()
    path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return private_key


@pytest.fixture(scope="session")
def _key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("issuer-keys")


@pytest.fixture(autouse=True)
def _issuer_keys(settings, _key_dir):
    """Keys are generated into a temporary folder: nothing is left in, or read from, the data
    dir. One folder for the session, as keys made in the module transaction serve its tests."""
    settings.ISSUER_KEY_DIR = _key_dir
    settings.ISSUER_KEY_FILE = None


@pytest.fixture(scope="module")
def _module_keys(_key_dir):
    """The temporary key folder for what a module issues once, in its curriculum's transaction."""
    from django.conf import settings

    key_dir, settings.ISSUER_KEY_DIR = settings.ISSUER_KEY_DIR, _key_dir
    yield
    settings.ISSUER_KEY_DIR = key_dir


def award_for(learner, qualification=None) -> Award:
    """The learner's award of the qualification (the test curriculum's by default), as the
    requirements-met signal records it, without queueing its issuance."""
    return Award.objects.create(
        learner=learner,
        qualification=qualification or Curriculum().qualification,
        achieved_at=timezone.now(),
    )


def issue(learner, qualification=None) -> Certificate:
    """Record the learner's award and issue its certificate, as the Celery task does."""
    return certificate_issue(award_id=award_for(learner, qualification).id)


def requirements_met(learner, qualification, cohort=None):
    """What the progress pipeline records when a learner meets a qualification's requirements."""
    enrolment = Enrolment.objects.create(
        learner=learner, page=qualification, kind=Enrolment.Kind.QUALIFICATION, cohort=cohort
    )
    return Milestone.objects.create(
        enrolment=enrolment,
        kind=Milestone.Kind.REQUIREMENTS_MET,
        page=qualification,
        achieved_at=timezone.now(),
    )


def spring_cohort_and_outsider(qualification, *, members: int):
    """What bulk issuance chooses from: a cohort of `members` learners and one learner in no
    cohort, all of whom met the qualification's requirements. Returns (cohort, members, outsider)."""
    cohort = Cohort.objects.create(name="Spring", page=qualification, starts_on="2026-03-01")
    in_cohort = [make_user("learner", f"spring-{i}") for i in range(members)]
    for learner in in_cohort:
        requirements_met(learner, qualification, cohort)
    outsider = make_user("learner", "outside-cohort")
    requirements_met(outsider, qualification)
    return cohort, in_cohort, outsider


def learn_and_pass(
    *, learner, curriculum, instructor, second_instructor, capture, levels=None
) -> Certificate:
    """The real way to a certificate: enrol, complete every lesson and check, submit the field
    project, grade it (`levels`: criterion title -> level title; Excellent and Proficient by
    default) and have a second marker agree. The progress task records the milestones, meets the
    requirements, and the certificate is issued."""

    def step(action, **kwargs):
        with capture(execute=True):
            return action(**kwargs)

    step(enrolment_create, learner=learner, page=curriculum.qualification)
    for course in ("course-one", "course-two"):
        pages = sorted(curriculum.lessons(course) + curriculum.checks(course), key=lambda p: p.path)
        for page in pages:
            if hasattr(page, "max_attempts"):
                step(submit_check, learner=learner, check=page, answers=answers_for(page))
            else:
                step(lesson_complete, learner=learner, lesson=page)
    assert not Certificate.objects.filter(learner=learner).exists()  # the project is missing
    version = step(
        submission_make, learner=learner, project=curriculum.project, report="Our cluster."
    )
    wanted = levels or {"Strategy": "Excellent", "Governance": "Proficient"}
    chosen = {
        criterion["id"]: next(
            level["id"]
            for level in criterion["levels"]
            if level["title"] == wanted[criterion["title"]]
        )
        for criterion in rubric_of(curriculum.project)
    }
    step(grade_save, grader=instructor, submission=version.submission, levels=chosen, release=True)
    step(grade_moderate, moderator=second_instructor, submission=version.submission, agree=True)
    return Certificate.objects.get(learner=learner)


@pytest.fixture(scope="module")
def _holder(_module_curriculum, _module_keys, django_db_blocker) -> tuple[str, bytes]:
    """A certificate issued once for the module: its ID and PDF."""
    with django_db_blocker.unblock():
        holder = make_user("learner", "holder", full_name=HOLDER_NAME, email="holder@example.org")
        certificate = issue(holder)
        return certificate.pk, certificate.pdf.open("rb").read()


@pytest.fixture(scope="module")
def _other(_module_curriculum, _module_keys, django_db_blocker) -> tuple[str, bytes]:
    """A second genuine certificate, of another learner, issued once for the module."""
    with django_db_blocker.unblock():
        certificate = issue(make_user("learner", "second-holder", full_name="Wang Xiaoming"))
        return certificate.pk, certificate.pdf.open("rb").read()


@pytest.fixture
def issued(_holder, curriculum) -> Certificate:
    """A certificate issued to HOLDER_NAME (a fresh instance for each test)."""
    return Certificate.objects.select_related("learner").get(pk=_holder[0])


@pytest.fixture
def other_issued(_other, curriculum) -> Certificate:
    return Certificate.objects.select_related("learner").get(pk=_other[0])


@pytest.fixture
def issued_pdf(_holder, issued) -> bytes:
    return _holder[1]


@pytest.fixture
def other_pdf(_other, other_issued) -> bytes:
    return _other[1]


# --- documents for tests without a database ------------------------------------------------


def plain_pdf() -> bytes:
    """A one-page PDF with one line of text: a PDF that is not a certificate."""
    from weasyprint import HTML

    from certificates.pdf import safe_fetcher

    return HTML(string="<p>Hello</p>", url_fetcher=safe_fetcher(), base_url=None).write_pdf()


class OutsideKey:
    """An Ed25519 key pair the site never published (or one a test publishes by hand)."""

    def __init__(self) -> None:
        from certificates.signing import public_key_multibase

        self.private = Ed25519PrivateKey.generate()
        self.public = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.multibase = public_key_multibase(self.public)

    def method(self, did: str) -> str:
        return f"{did}#{self.multibase}"


def re_signed(credential: dict, key: OutsideKey, method: str | None = None) -> dict:
    """`credential` signed again with `key` (by default under the credential's own DID)."""
    from certificates.signing import sign

    did = credential["issuer"]["id"] if isinstance(credential["issuer"], dict) else None
    return sign(
        copy.deepcopy(credential),
        key.private,
        method or key.method(did or credential["issuer"]),
        credential["validFrom"],
    )


def leaves(node, path=()):
    """(path, value) of every scalar in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path, node


def changed_value(value):
    """A different value of the same JSON type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return value[:-1] + chr(ord(value[-1]) ^ 1) if value else "x"


def _parent(document: dict, path: tuple):
    for step in path[:-1]:
        document = document[step]
    return document


def with_value(document: dict, path: tuple, value) -> dict:
    """A copy of `document` with `value` at `path`."""
    changed = copy.deepcopy(document)
    _parent(changed, path)[path[-1]] = value
    return changed


def without(document: dict, path: tuple) -> dict:
    """A copy of `document` without what is at `path`."""
    changed = copy.deepcopy(document)
    del _parent(changed, path)[path[-1]]
    return changed


def write(path: Path, document) -> Path:
    """`document` as JSON in the file at `path`."""
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run(capsys, *args) -> tuple[int, dict[str, str], str]:
    """The offline verifier run with `args`: exit code, {first word: rest of line} of the
    output, and stderr."""
    code = offline.main([str(a) for a in args])
    captured = capsys.readouterr()
    lines = dict(line.split(": ", 1) for line in captured.out.splitlines())
    return code, lines, captured.err
