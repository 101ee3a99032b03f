"""Field-project uploads (courses/uploads.py, views/learning.py): files are accepted by what
they contain, refused with a clear message (and nothing stored) otherwise, stored under a
random name, and served only to the team, its graders and staff as a download.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from courses.models import Submission, SubmissionFile, SubmissionVersion
from courses.uploads import MAX_FILE_BYTES, check_upload, check_uploads, safe_filename
from tests.conftest import make_user
from tests.courses.helpers import (
    image_bytes,
    ooxml_bytes,
    pdf_bytes,
    pdf_with_compressed_javascript,
    raw_pdf,
    submit,
    upload,
)

PRIVATE_ROOT = Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files() -> set[Path]:
    return {p for p in PRIVATE_ROOT.rglob("*") if p.is_file()} if PRIVATE_ROOT.exists() else set()


# --- accepted -------------------------------------------------------------------------------

ACCEPTED = [
    ("report.pdf", pdf_bytes, "pdf", "application/pdf"),
    (
        "report.docx",
        lambda: ooxml_bytes("docx"),
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "budget.xlsx",
        lambda: ooxml_bytes("xlsx"),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "slides.pptx",
        lambda: ooxml_bytes("pptx"),
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("map.png", lambda: image_bytes("PNG"), "png", "image/png"),
    ("photo.jpg", lambda: image_bytes("JPEG"), "jpg", "image/jpeg"),
    ("photo.JPEG", lambda: image_bytes("JPEG"), "jpg", "image/jpeg"),
]


@pytest.mark.parametrize(
    ("name", "make", "extension", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED]
)
def test_accepted_files(name, make, extension, content_type):
    content = make()
    checked = check_upload(name, content)
    assert (checked.extension, checked.content_type) == (extension, content_type)
    assert checked.size == len(content) and checked.content == content
    assert len(checked.sha256) == 64


# --- refused --------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
        archive.writestr("word/media/padding.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def _pdf_with_open_action(kind=b"/JavaScript", key=b"/JS") -> bytes:
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /S " + kind + b" " + key + b" (app.alert\\('hi'\\)) >>",
        ]
    )


def _pdf_with_escaped_names() -> bytes:
    # `/Java#53cript` and `/J#53` are /JavaScript and /JS spelt with name escapes.
    return _pdf_with_open_action(b"/Java#53cript", b"/J#53")


def _pdf_launching_a_program() -> bytes:
    return _pdf_with_open_action(b"/Laun#63h", b"/F")


REFUSED = [
    (
        "oversized",
        "big.pdf",
        lambda: b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES,
        "larger than the 10 MB",
    ),
    ("empty", "empty.pdf", lambda: b"", "is empty"),
    ("png named pdf", "scan.pdf", lambda: image_bytes("PNG"), "rename it to end in .png"),
    ("exe named docx", "report.docx", lambda: b"MZ\x90\x00\x03" + b"\0" * 200, "not an accepted"),
    ("zip bomb", "report.docx", _zip_bomb, "zip bomb"),
    ("pdf with javascript", "report.pdf", lambda: pdf_bytes("app.alert(1)"), "contains scripts"),
    ("pdf opening javascript", "report.pdf", _pdf_with_open_action, "contains scripts"),
    ("pdf with escaped names", "report.pdf", _pdf_with_escaped_names, "contains scripts"),
    ("pdf launching a program", "report.pdf", _pdf_launching_a_program, "contains scripts"),
    ("pdf hiding javascript", "report.pdf", pdf_with_compressed_javascript, "contains scripts"),
    (
        "svg with script",
        "map.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "not an accepted",
    ),
    (
        "svg named png",
        "map.png",
        lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "not an accepted",
    ),
    ("html", "page.html", lambda: b"<!doctype html><script>alert(1)</script>", "not an accepted"),
    ("html named pdf", "page.pdf", lambda: b"<html><body>hi</body></html>", "not an accepted"),
    (
        "macros",
        "report.docx",
        lambda: ooxml_bytes("docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
        "contains macros",
    ),
    (
        "macro-enabled renamed",
        "report.docx",
        lambda: ooxml_bytes("xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        "contains macros",
    ),
    (
        "plain zip",
        "archive.docx",
        lambda: _plain_zip(),
        "an archive, not an Office document",
    ),
    ("truncated pdf", "report.pdf", lambda: pdf_bytes()[:40], "not a readable PDF"),
    ("broken png", "map.png", lambda: image_bytes("PNG")[:30], "not a readable image"),
]


def _plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(("case", "name", "make", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files_say_why(case, name, make, message):
    with pytest.raises(ValidationError) as refused:
        check_upload(name, make())
    (text,) = refused.value.messages
    assert message in text
    assert text.startswith(name.split("/")[-1])


@pytest.mark.parametrize(("case", "name", "make", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_refused_file_stores_nothing(api, curriculum, enrolled, case, name, make, message):
    before = stored_files()
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"report": "Our report.", "files": [upload(name, make()), upload("ok.pdf", pdf_bytes())]},
        user=enrolled,
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Submission.objects.exists() and not SubmissionVersion.objects.exists()
    assert not SubmissionFile.objects.exists()
    assert stored_files() == before


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as refused:
        check_uploads(
            [upload("a.pdf", b""), upload("b.html", b"<html>"), upload("c.pdf", pdf_bytes())]
        )
    assert len(refused.value.messages) == 2


def test_at_most_ten_files():
    with pytest.raises(ValidationError, match="at most 10 files"):
        check_uploads([upload(f"{i}.pdf", pdf_bytes()) for i in range(11)])


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("/abs/path/plan.pdf", "plan.pdf"),
        ("plan\x00.pdf", "plan.pdf"),
        ("report\u202egnp.pdf", "reportgnp.pdf"),
        ("..", "file"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 137 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(name, safe):
    assert safe_filename(name) == safe


def test_a_file_is_stored_under_a_random_name(api, curriculum, enrolled):
    before = stored_files()
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"report": "R.", "files": [upload("../../../etc/cron.d/plan.pdf", pdf_bytes())]},
        user=enrolled,
    )
    assert response.status_code == 201
    assert response.json()["files"] == ["plan.pdf"]
    stored = SubmissionFile.objects.get()
    assert stored.original_name == "plan.pdf" and stored.content_type == "application/pdf"
    assert "plan" not in stored.file.name and ".." not in stored.file.name
    assert stored.file.name.startswith(f"submissions/{stored.version.submission_id}/")
    (new,) = stored_files() - before
    assert new.resolve().is_relative_to(PRIVATE_ROOT.resolve())
    assert new.read_bytes()[:5] == b"%PDF-"


# --- serving --------------------------------------------------------------------------------


@pytest.fixture
def stored(curriculum, enrolled):
    version = submit(
        enrolled, curriculum.project, files=[upload('Plan "final" 计划.pdf', pdf_bytes())]
    )
    return version.files.get()


@pytest.mark.parametrize("who", ["member", "grader", "staff"])
def test_a_file_is_served_as_an_attachment_to_those_who_may_see_it(
    client, stored, enrolled, instructor, staff, who
):
    client.force_login({"member": enrolled, "grader": instructor, "staff": staff}[who])
    response = client.get(f"/en/learn/files/{stored.id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "final" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_a_file_is_refused_to_everyone_else(client, stored, other_learner, other_instructor):
    assert client.get(f"/en/learn/files/{stored.id}/").status_code == 302  # to log in
    for user in (other_learner, other_instructor, make_user("instructor", "teaches-course-one")):
        client.force_login(user)
        assert client.get(f"/en/learn/files/{stored.id}/").status_code == 403
    assert client.get("/en/learn/files/999999/").status_code == 404
