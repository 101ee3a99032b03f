"""Issue 17, item 7: "a zip whose declared size lies is stored". An Office file is a zip; its
parts are now measured by inflating them with a streaming cap, not by the sizes it declares."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError

from courses.uploads import check_upload


def _docx(padding: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
        archive.writestr("word/media/padding.xml", padding)
    return out.getvalue()


def _lying_about(content: bytes, part: str, declared: int) -> bytes:
    """`content` with `part`'s uncompressed size rewritten to `declared`, in its local header
    and in the central directory (what zipfile and most tools read)."""
    data = bytearray(content)
    name = part.encode()
    offset = 0
    while (offset := data.find(b"PK\x03\x04", offset)) != -1:
        name_length = struct.unpack_from("<H", data, offset + 26)[0]
        if bytes(data[offset + 30 : offset + 30 + name_length]) == name:
            struct.pack_into("<I", data, offset + 22, declared)
        offset += 4
    offset = 0
    while (offset := data.find(b"PK\x01\x02", offset)) != -1:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if bytes(data[offset + 46 : offset + 46 + name_length]) == name:
            struct.pack_into("<I", data, offset + 24, declared)
        offset += 4
    return bytes(data)


def test_attack_zip_whose_declared_size_lies_is_refused():
    bomb = _lying_about(_docx(b"\0" * (60 * 1024 * 1024)), "word/media/padding.xml", 1_000)
    archive = zipfile.ZipFile(io.BytesIO(bomb))
    declared = sum(info.file_size for info in archive.infolist())
    assert declared < 2_000 and len(bomb) < 200 * 1024  # looks small by its own account
    with pytest.raises(ValidationError, match="damaged archive"):
        check_upload("report.docx", bomb)


def test_attack_zip_bomb_declaring_its_true_size_is_still_refused():
    with pytest.raises(ValidationError, match="zip bomb"):
        check_upload("report.docx", _docx(b"\0" * (60 * 1024 * 1024)))


def test_an_honest_docx_is_accepted_after_being_inflated():
    checked = check_upload("report.docx", _docx(b"<padding/>" * 1000))
    assert checked.extension == "docx"
