"""Checking uploaded files by what they contain, not by what they are called.

Accepted: PDF (without JavaScript or launch actions), Office Open XML documents (DOCX, XLSX,
PPTX, without macros), PNG, JPEG, GIF and WebP images. Everything else, including SVG, HTML
and archives, is refused with a message that says why.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
# Office files are zip archives: refuse ones that would expand far beyond their size.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 5000

OOXML_TYPES = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
IMAGE_TYPES = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
ACCEPTED_EXTENSIONS = ("pdf", "docx", "xlsx", "pptx", "png", "jpg", "jpeg", "gif", "webp")
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def safe_filename(name: str) -> str:
    """The last path component, without control characters, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 140 - len(ext)] + dot + ext) if dot else name[:150]
    return name or "file"


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    return EXTENSION_ALIASES.get(ext, ext)


_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/RichMedia", "/XFA"}
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"}


def _pdf_objects(reader):
    from pypdf.generic import IndirectObject

    for generation, table in reader.xref.items():
        for idnum in table:
            yield reader.get_object(IndirectObject(idnum, generation, reader))
    for idnum in reader.xref_objStm:
        yield reader.get_object(IndirectObject(idnum, 0, reader))


def _pdf_is_active(reader) -> bool:
    from pypdf.generic import DictionaryObject

    for obj in _pdf_objects(reader):
        if not isinstance(obj, DictionaryObject):
            continue
        if _PDF_ACTIVE_KEYS & set(obj.keys()):
            return True
        if obj.get("/S") in _PDF_ACTIVE_ACTIONS or obj.get("/Type") == "/EmbeddedFile":
            return True
    return False


def _check_pdf(content: bytes, name: str) -> tuple[str, str]:
    from pypdf import PdfReader

    active_message = _(
        "%(name)s contains scripts, actions or embedded files, which are not accepted. "
        "Export it again as a plain PDF."
    ) % {"name": name}
    # Uncompressed active content is visible in the bytes even when the file does not parse.
    if _PDF_ACTIVE.search(content):
        raise ValidationError(active_message)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        pages = len(reader.pages)
        active = _pdf_is_active(reader)
    except Exception as exc:
        raise ValidationError(_("%(name)s is not a readable PDF.") % {"name": name}) from exc
    if pages == 0:
        raise ValidationError(_("%(name)s has no pages.") % {"name": name})
    if active:
        raise ValidationError(active_message)
    return "pdf", "application/pdf"


def _check_ooxml(content: bytes, name: str) -> tuple[str, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ValidationError(_("%(name)s is a damaged archive.") % {"name": name}) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ValidationError(_("%(name)s has too many parts to be a document.") % {"name": name})
    unzipped = sum(info.file_size for info in infos)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_COMPRESSION_RATIO * max(len(content), 1):
        raise ValidationError(
            _("%(name)s expands to far more than its size (a 'zip bomb'); it is refused.")
            % {"name": name}
        )
    _inflate_within(
        archive, infos, min(MAX_UNZIPPED_BYTES, MAX_COMPRESSION_RATIO * len(content)), name
    )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        raise ValidationError(_("%(name)s is an archive, not an Office document.") % {"name": name})
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(
            _("%(name)s contains macros, which are not accepted.") % {"name": name}
        )
    for extension, (main_part, content_type) in OOXML_TYPES.items():
        if main_part in names:
            return extension, content_type
    raise ValidationError(_("%(name)s is not a Word, Excel or PowerPoint file.") % {"name": name})


INFLATE_CHUNK = 64 * 1024


def _inflate_within(archive: zipfile.ZipFile, infos, limit: int, name: str) -> None:
    """Inflate every part, counting what comes out, and stop past `limit`: the sizes an archive
    declares are the attacker's word (issue 17: a zip whose declared size lies was stored).
    zipfile stops a part at its declared size and then fails its CRC, so a part that inflates to
    more than it declares is refused as damaged; one that declares the truth is measured."""
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            with archive.open(info) as part:
                while chunk := part.read(INFLATE_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise ValidationError(
                            _(
                                "%(name)s expands to far more than its size (a 'zip bomb'); "
                                "it is refused."
                            )
                            % {"name": name}
                        )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        ValueError,
        OSError,
        EOFError,
    ) as exc:
        raise ValidationError(
            _("%(name)s is a damaged archive: its parts do not match what it declares.")
            % {"name": name}
        ) from exc
    except NotImplementedError as exc:
        raise ValidationError(
            _("%(name)s is compressed in a way Office documents never are.") % {"name": name}
        ) from exc


def _check_image(content: bytes, name: str) -> tuple[str, str]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("%(name)s is an image too large to open.") % {"name": name}
        ) from exc
    except Exception as exc:
        raise ValidationError(_("%(name)s is not a readable image.") % {"name": name}) from exc
    if image_format not in IMAGE_TYPES:
        raise ValidationError(_("%(name)s is an image type we do not accept.") % {"name": name})
    return IMAGE_TYPES[image_format]


def check_upload(name: str, content: bytes) -> CheckedFile:
    """Validate one file; raises ValidationError with a message a learner can act on."""
    name = safe_filename(name)
    size = len(content)
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            _("%(name)s is larger than the %(limit)s MB limit.")
            % {"name": name, "limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    head = content[:16]
    if head.startswith(b"%PDF-"):
        extension, content_type = _check_pdf(content, name)
    elif head.startswith(b"PK\x03\x04"):
        extension, content_type = _check_ooxml(content, name)
    elif head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    ):
        extension, content_type = _check_image(content, name)
    else:
        raise ValidationError(
            _(
                "%(name)s is not an accepted file type. Upload PDF, Word, Excel, PowerPoint, "
                "PNG, JPEG, GIF or WebP files."
            )
            % {"name": name}
        )
    claimed = _extension(name)
    if claimed != extension:
        raise ValidationError(
            _(
                "%(name)s contains a %(kind)s file but its name says otherwise; rename it to end "
                "in .%(kind)s."
            )
            % {"name": name, "kind": extension}
        )
    return CheckedFile(
        name=name,
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def check_uploads(files) -> list[CheckedFile]:
    """Validate a list of Django UploadedFiles; collects every file's problem in one error."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError(_("Attach at most %(count)s files.") % {"count": MAX_FILES})
    checked, errors = [], []
    for upload in files:
        if upload.size is not None and upload.size > MAX_FILE_BYTES:
            errors.append(
                _("%(name)s is larger than the %(limit)s MB limit.")
                % {"name": safe_filename(upload.name), "limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
            continue
        content = upload.read(MAX_FILE_BYTES + 1)
        try:
            checked.append(check_upload(upload.name, content))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked
