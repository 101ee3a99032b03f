"""Certificates issued before the Chinese faces' CIDs were made their glyph ids are repaired in
place (certificates/font_repair.py): the faces' charsets only, as an incremental update, with
the PDF as first issued still verifying."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from certificates import pdf
from certificates.font_repair import certificate_fonts_repair, repaired_pdf
from certificates.models import Certificate
from certificates.verification import Status, credential_from_pdf, verify_upload
from tests.certificates.conftest import issue
from tests.certificates.test_cff import embedded_charsets, is_identity
from tests.conftest import make_user


def stored(certificate: Certificate) -> bytes:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as file:
        return file.read()


def page_streams(document: bytes) -> list[bytes]:
    return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(document)).pages]


@pytest.fixture
def broken(curriculum, monkeypatch) -> Certificate:
    """A Chinese learner's certificate as issued before the fix: charsets left as HarfBuzz cut
    them."""
    learner = make_user("learner", "xiaoming", full_name="王小明", preferred_language="zh-hans")
    with monkeypatch.context() as before_the_fix:
        before_the_fix.setattr(pdf, "identity_charset", lambda font: font)
        return issue(learner)


def test_the_repair_makes_every_face_name_its_glyphs_by_cid(
    broken, django_capture_on_commit_callbacks
):
    original = stored(broken)
    assert not any(is_identity(charset) for charset in embedded_charsets(original))
    old_name = broken.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_fonts_repair(broken)
    repaired = stored(broken)
    charsets = embedded_charsets(repaired)
    assert len(charsets) >= 2 and all(is_identity(charset) for charset in charsets)
    # An incremental update: the issued bytes first, as they were; the pages' text unchanged.
    assert repaired.startswith(original)
    assert page_streams(repaired) == page_streams(original)
    assert credential_from_pdf(repaired) == broken.credential
    assert broken.earlier_pdf_sha256 and broken.pdf_sha256 not in broken.earlier_pdf_sha256
    assert not broken.pdf.storage.exists(old_name)


def test_a_copy_downloaded_before_the_repair_still_verifies(broken):
    original = stored(broken)
    certificate_fonts_repair(broken)
    for document in (original, stored(broken)):
        report = verify_upload(document)
        assert report.status == Status.VALID
        assert all(check.passed for check in report.checks)


def test_a_repaired_or_latin_certificate_is_left_alone(broken, learner):
    latin = issue(learner)
    digest = latin.pdf_sha256
    assert repaired_pdf(stored(latin)) is None
    certificate_fonts_repair(broken)
    repaired = stored(broken)
    assert repaired_pdf(repaired) is None
    assert not certificate_fonts_repair(broken)
    assert stored(broken) == repaired
    latin.refresh_from_db()
    assert latin.pdf_sha256 == digest and latin.earlier_pdf_sha256 == []


def test_a_dry_run_changes_nothing(broken):
    original = stored(broken)
    assert certificate_fonts_repair(broken, dry_run=True)
    assert stored(broken) == original
    assert broken.earlier_pdf_sha256 == []


def test_the_command_counts_and_repairs(broken, learner, capsys):
    issue(learner)
    call_command("repair_certificate_fonts", "--dry-run")
    assert "2 certificates checked, 1 need repair." in capsys.readouterr().out
    call_command("repair_certificate_fonts")
    out = capsys.readouterr().out
    assert f"  {broken.id} (zh-hans)" in out
    assert "2 certificates checked, 1 repaired." in out
    call_command("repair_certificate_fonts")
    assert "2 certificates checked, 0 repaired." in capsys.readouterr().out
