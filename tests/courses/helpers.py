"""Helpers for the courses tests: building state through the real rules, files, API calls."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

# --- people and their state -----------------------------------------------------------------


def enrol(user, page):
    from courses.enrolment import enrolment_create

    return enrolment_create(learner=user, page=page)[0]


def complete_course(user, curriculum, slug):
    """Complete every lesson and pass every check of a course, module by module."""
    for index in range(len(curriculum.checks(slug))):
        complete_module(user, curriculum, slug, index)


def complete_module(user, curriculum, slug, index):
    from courses.lessons import lesson_complete
    from courses.models import LessonPage
    from tests.conftest import answers_for, submit_check

    check = curriculum.checks(slug)[index]
    module = check.get_parent()
    for lesson in LessonPage.objects.child_of(module).order_by("path"):
        lesson_complete(learner=user, lesson=lesson)
    submit_check(learner=user, check=check, answers=answers_for(check))


def submit(user, project, report="Our cluster profile and action plan.", files=(), team=()):
    from courses.submissions import submission_make

    return submission_make(learner=user, project=project, report=report, files=files, team=team)


def levels_for(project, *ranks):
    """Level ids for each criterion, by rank (1 = lowest); one rank for all or one each."""
    from courses.grading import rubric_of

    criteria = rubric_of(project)
    if len(ranks) == 1:
        ranks = ranks * len(criteria)
    return {c["id"]: c["levels"][rank - 1]["id"] for c, rank in zip(criteria, ranks, strict=True)}


def request_as(user, path="/"):
    """A GET request made by `user`, for functions that take the request (page contexts)."""
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user = user
    return request


def release(grader, submission, rank: int, **options):
    """Grade every criterion of the submission's project at `rank` (1 = lowest) and release it
    (`options`: the rest of grade_save's, e.g. expected_revision and reason)."""
    from courses.grading import grade_save

    levels = levels_for(submission.field_project.specific, rank)
    return grade_save(grader=grader, submission=submission, levels=levels, release=True, **options)


def post_grade(client, submission, rank: int, **fields):
    """Post the grading page's form with every criterion at `rank`."""
    form = {f"level-{c}": level for c, level in levels_for(submission.field_project, rank).items()}
    return client.post(f"/en/grading/submissions/{submission.id}/grade/", {**form, **fields})


def set_moderation(qualification, required: bool):
    """Change whether a qualification needs a second marker, as an author would (publish)."""
    qualification.requires_moderation = required
    qualification.save_revision().publish()


def token_for(user) -> str:
    from lms.accounts.services import api_token_issue

    return api_token_issue(username=user.username, password="a-long-test-password-1")


class ApiClient:
    def __init__(self, client):
        self.client = client
        self.tokens: dict[int, str] = {}

    def _headers(self, user):
        if user is None:
            return {}
        if user.id not in self.tokens:
            self.tokens[user.id] = token_for(user)
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[user.id]}"}

    def get(self, path, user=None, **params):
        return self.client.get(f"/api/v1{path}", params, **self._headers(user))

    def post(self, path, data=None, user=None, raw=None):
        headers = self._headers(user)
        if raw is not None:
            return self.client.post(
                f"/api/v1{path}", raw, content_type="application/json", **headers
            )
        return self.client.post(
            f"/api/v1{path}",
            data if data is not None else {},
            content_type="application/json",
            **headers,
        )

    def put(self, path, data=None, user=None):
        return self.client.put(
            f"/api/v1{path}",
            data if data is not None else {},
            content_type="application/json",
            **self._headers(user),
        )

    def post_multipart(self, path, data, user=None):
        return self.client.post(f"/api/v1{path}", data, **self._headers(user))


# --- files ------------------------------------------------------------------------------------


def pdf_bytes(javascript: str | None = None) -> bytes:
    """A one-page PDF written by pypdf; with `javascript`, an /OpenAction that runs it."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if javascript:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_objects(version: bytes, objects: list[bytes]) -> tuple[bytearray, list[int]]:
    """A PDF's header and its objects (numbered from 1), and where each object starts."""
    out = bytearray(b"%PDF-" + version + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    return out, offsets


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from hand-written objects (numbered from 1), with a correct xref table."""
    out, offsets = _pdf_objects(b"1.4", objects)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def pdf_with_compressed_javascript() -> bytes:
    """JavaScript hidden in a compressed object stream, where no byte pattern can see it."""
    import struct
    import zlib

    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"5 0 "
    packed = zlib.compress(header + action)
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    ]
    out, offsets = _pdf_objects(b"1.5", bodies)
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offset, 0) for offset in offsets]
    rows += [struct.pack(">BIH", 2, 4, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    table = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    )
    return bytes(out)


def image_bytes(kind: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def ooxml_bytes(kind: str = "docx", extra: dict[str, bytes] | None = None) -> bytes:
    main = {
        "docx": "word/document.xml",
        "xlsx": "xl/workbook.xml",
        "pptx": "ppt/presentation.xml",
    }[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(main, '<?xml version="1.0"?><document>Our cluster</document>')
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def days_ago(days: float):
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)
