"""What keeps a certificate's render fast (docs/performance.md, certificates): the fonts cut with
HarfBuzz and the graphics parsed once per process; each with the certificate it must still draw."""

import io
from pathlib import Path
from types import SimpleNamespace

import uharfbuzz
from pypdf import PdfReader
from weasyprint.pdf import fonts as weasyprint_fonts

from certificates import pdf
from tests.certificates.test_pdf import render, text_of

DEJAVU = next(Path("/usr/share/fonts").glob("**/DejaVuSans.ttf"))


def _glyph(text: str, face: uharfbuzz.Face) -> tuple[int, int]:
    """The glyph id and advance of `text`'s first letter in `face`."""
    font = uharfbuzz.Font(face)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    uharfbuzz.shape(font, buffer, {"kern": False, "liga": False})
    return buffer.glyph_infos[0].codepoint, buffer.glyph_positions[0].x_advance


def test_the_harfbuzz_cut_keeps_the_glyphs_used_under_their_ids():
    content = DEJAVU.read_bytes()
    full = uharfbuzz.Face(uharfbuzz.Blob(content))
    used = {_glyph(letter, full)[0]: letter for letter in "Zoë Müller"}
    font = SimpleNamespace(file_content=content, index=0, missing={})

    pdf.harfbuzz_subset(font, used, False)

    cut = uharfbuzz.Face(uharfbuzz.Blob(font.file_content))
    assert len(font.file_content) < len(content) / 10
    assert cut.glyph_count == max(used) + 1  # nothing kept after the last glyph used
    assert not {"GPOS", "GSUB"} & set(cut.table_tags)  # the text is shaped already
    for gid, letter in used.items():
        # Same id, same outline and advance: the page's glyph references still hold.
        assert _glyph(letter, cut) == _glyph(letter, full) == (gid, _glyph(letter, full)[1])
        assert uharfbuzz.Font(cut).get_glyph_extents(gid) == uharfbuzz.Font(full).get_glyph_extents(
            gid
        )


def test_weasyprint_cuts_fonts_with_harfbuzz_either_way():
    if pdf._system_subsetter():
        assert weasyprint_fonts.Font.subset is not pdf.harfbuzz_subset
    else:
        assert weasyprint_fonts.Font.subset is pdf.harfbuzz_subset


def test_the_embedded_fonts_are_cut_to_the_certificates_letters():
    document = render("Zoë Müller-Łukasiewicz")
    reader = PdfReader(io.BytesIO(document))
    sizes = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            sizes[font["/BaseFont"]] = len(descriptor["/FontFile2"].get_object().get_data())
    assert sizes and max(sizes.values()) < 60_000, sizes  # DejaVu Sans whole is 740 KB
    assert "Zoë Müller-Łukasiewicz" in text_of(document)
    assert len(document) < 100 * 1024
