"""The cut Chinese faces name each glyph by a CID equal to its glyph id, as the PDF's text does
(certificates/cff.py): readers that go by CID (MuPDF, Ghostscript, Acrobat) showed blanks or
boxes where pdfium and poppler showed the characters."""

import io

import pytest
import uharfbuzz
from fontTools.cffLib import parseCharset, parseCharset0
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from certificates import cff, pdf
from certificates.design import DRAWN_SEAL
from tests.certificates.test_pdf_caches import render_with, seal

CHARACTERS = "证书编号王小明龘"


@pytest.fixture(scope="module")
def face() -> uharfbuzz.Face:
    faces = pdf._cjk_faces()
    assert faces, "Noto CJK must be installed (fonts-noto-cjk; .ci/run installs it)"
    return faces[("CMA Sans CJK", "normal")]


def cids(font: bytes) -> list[str]:
    """Each glyph's CID in glyph order, as fontTools reads the CFF charset (cidNNNNN)."""
    return TTFont(io.BytesIO(font))["CFF "].cff.topDictIndex[0].charset


def glyph_ids(font: TTFont) -> dict[int, int]:
    return {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}


def test_the_cut_face_maps_each_glyph_id_to_the_same_cid(face):
    font = pdf.cjk_subset(face, CHARACTERS)
    charset = cids(font)
    assert len(charset) > len(CHARACTERS)
    assert charset[1:] == [f"cid{gid:05d}" for gid in range(1, len(charset))]


def test_only_the_charset_changes(face):
    subset_input = uharfbuzz.SubsetInput()
    subset_input.unicode_set.update(ord(c) for c in CHARACTERS)
    subset_input.flags = uharfbuzz.SubsetFlags.DESUBROUTINIZE
    raw = uharfbuzz.subset(face, subset_input).blob.data
    # What HarfBuzz leaves: glyphs renumbered, each keeping Noto's CID (the bug).
    assert cids(raw)[1:] != [f"cid{gid:05d}" for gid in range(1, len(cids(raw)))]
    fixed = cff.identity_charset(raw)
    assert len(fixed) == len(raw)
    before, after = TTFont(io.BytesIO(raw)), TTFont(io.BytesIO(fixed))
    # Each character still maps to the same glyph id, each glyph id to the same outline.
    assert glyph_ids(before) == glyph_ids(after)
    outlines = before["CFF "].cff.topDictIndex[0].CharStrings
    fixed_outlines = after["CFF "].cff.topDictIndex[0].CharStrings
    for old, new in zip(before.getGlyphOrder(), after.getGlyphOrder(), strict=True):
        assert outlines[old].bytecode == fixed_outlines[new].bytecode


def test_the_checksums_stay_right(face):
    font = pdf.cjk_subset(face, CHARACTERS)
    checked = TTFont(io.BytesIO(font), checkChecksums=2)  # reading a table checks its sum
    assert checked["CFF "].cff.topDictIndex[0].CharStrings and checked["head"].unitsPerEm
    total = sum(int.from_bytes(font[i : i + 4], "big") for i in range(0, len(font), 4))
    assert total & 0xFFFFFFFF == 0xB1B0AFBA


@pytest.mark.parametrize("fmt", [0, 1, 2])
@pytest.mark.parametrize("glyphs", [2, 3, 257, 600])
def test_an_identity_charset_in_each_format_reads_back(fmt, glyphs):
    data = cff._identity(fmt, glyphs)
    assert cff._charset_length(data, 0, glyphs) == len(data)
    body = io.BytesIO(data[1:])
    charset = (
        parseCharset0(glyphs, body, None, True)
        if fmt == 0
        else parseCharset(glyphs, body, None, True, fmt)
    )
    assert charset == [".notdef"] + [f"cid{gid:05d}" for gid in range(1, glyphs)]


def test_a_truetype_font_is_left_as_it_is():
    path = pdf._font_file("DejaVuSans.ttf")
    assert path is not None, "DejaVu must be installed (fonts-dejavu-core)"
    font = path.read_bytes()
    assert cff.identity_charset(font) is font


def embedded_charsets(document: bytes) -> list[list[str]]:
    """The charset of every OpenType/CFF face embedded in a PDF."""
    charsets = []
    for page in PdfReader(io.BytesIO(document)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            program = descendant["/FontDescriptor"].get_object().get("/FontFile3")
            if program is not None:
                charsets.append(cids(program.get_object().get_data()))
    return charsets


def is_identity(charset: list[str]) -> bool:
    return charset[1:] == [f"cid{gid:05d}" for gid in range(1, len(charset))]


def test_every_chinese_glyph_of_a_certificate_is_named_by_its_cid():
    document = render_with({DRAWN_SEAL: seal()}, name="王小明", language="zh-hans")
    charsets = embedded_charsets(document)
    assert len(charsets) >= 2  # the serif and the sans, at least
    assert all(is_identity(charset) for charset in charsets)
