"""Repair the Chinese faces of certificates issued before their CIDs were made their glyph ids
(certificates/cff.py): such a PDF shows its Chinese in pdfium and poppler but as blanks or boxes
in MuPDF, Ghostscript and Acrobat.

The repair touches nothing but the charset inside each embedded CID-keyed face, written as an
incremental update: the original bytes stay as they were, first in the file, and the pages, the
attached credential and the PDF/A metadata are not rewritten. The digest of the PDF as first
issued is kept, so a copy downloaded before the repair still verifies as the PDF issued.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from pypdf import PdfWriter

from certificates.cff import identity_charset
from certificates.models import Certificate


def _font_programs(pages):
    """Each embedded OpenType program (FontFile3) of the pages' Type 0 fonts, once."""
    seen = set()
    for page in pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            for descendant in font["/DescendantFonts"]:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile3")
                if program is None or program.idnum in seen:
                    continue
                seen.add(program.idnum)
                yield program.get_object()


def repaired_pdf(content: bytes) -> bytes | None:
    """The PDF with each embedded CID-keyed face's charset made the identity, appended as an
    incremental update; None when no face needed it."""
    writer = PdfWriter(io.BytesIO(content), incremental=True)
    changed = False
    for program in _font_programs(writer.pages):
        data = program.get_data()
        fixed = identity_charset(data)
        if fixed != data:
            program.set_data(fixed)
            changed = True
    if not changed:
        return None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class Repair:
    checked: int = 0
    repaired: int = 0


def certificate_fonts_repair(certificate: Certificate, *, dry_run: bool = False) -> bool:
    """Repair one certificate's stored PDF; True when it needed it."""
    with certificate.pdf.open("rb") as stored:
        content = stored.read()
    fixed = repaired_pdf(content)
    if fixed is None:
        return False
    if dry_run:
        return True
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.pdf_sha256 != hashlib.sha256(content).hexdigest():
            return False  # changed since it was read: the next run looks again
        old = locked.pdf.name
        # A new file first; the old one goes only once the row points at the new one.
        locked.pdf.save(f"{locked.pk}.pdf", ContentFile(fixed), save=False)
        transaction.on_commit(lambda: locked.pdf.storage.delete(old))
        locked.earlier_pdf_sha256 = [*locked.earlier_pdf_sha256, locked.pdf_sha256]
        locked.pdf_sha256 = hashlib.sha256(fixed).hexdigest()
        locked.save(update_fields=["pdf", "pdf_sha256", "earlier_pdf_sha256"])
    return True


def certificates_fonts_repair(*, dry_run: bool = False, progress=None) -> Repair:
    """Every certificate's PDF checked, oldest first, and repaired where its faces need it
    (only a PDF with Chinese in it has such faces)."""
    result = Repair()
    for certificate in Certificate.objects.order_by("issued_at").iterator():
        result.checked += 1
        if certificate_fonts_repair(certificate, dry_run=dry_run):
            result.repaired += 1
            if progress:
                progress(certificate)
    return result
