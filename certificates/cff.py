"""Make a cut CID-keyed OpenType/CFF face's character ids equal its glyph ids.

WeasyPrint embeds an OpenType font with CFF outlines as a CIDFontType0 font with the Identity-H
encoding: the page's text names each glyph by its glyph id, which the PDF reader takes as a CID
and, for a CID-keyed CFF font, looks up in the font's charset (ISO 32000-2, 9.7.4.2). Noto CJK is
CID-keyed with CID = glyph id, but HarfBuzz's subsetter renumbers the glyphs it keeps and leaves
each one its original CID: glyph 3 of a cut face is CID 6, say. pdfium and poppler draw glyphs by
id and show the text; MuPDF, Ghostscript (so many printers) and Acrobat go by CID and show blanks
or empty boxes. `identity_charset` rewrites the charset in place, in its own format, so that
glyph n is CID n; the outlines, metrics and cmap are untouched.

fontTools could do the same by decompiling and compiling the whole CFF table again, but that
costs about 15 ms a face against 0.04 ms for the rewrite in place, and a Chinese certificate cuts
four faces on the render's hot path.
"""

from __future__ import annotations

import struct

_CHARSET = 15
_CHARSTRINGS = 17
_ESCAPE = 12
_ROS = (12, 30)


def _index_count(data: bytes, offset: int) -> int:
    return struct.unpack_from(">H", data, offset)[0]


def _index_end(data: bytes, offset: int) -> int:
    """The offset just past the CFF INDEX at `offset`."""
    count = _index_count(data, offset)
    if count == 0:
        return offset + 2
    size = data[offset + 2]
    last = offset + 3 + count * size
    end = int.from_bytes(data[last : last + size], "big")
    return offset + 2 + (count + 1) * size + end


def _index_item(data: bytes, offset: int, item: int) -> bytes:
    size = data[offset + 2]
    start = offset + 3 + item * size
    first = int.from_bytes(data[start : start + size], "big")
    second = int.from_bytes(data[start + size : start + 2 * size], "big")
    base = offset + 2 + (_index_count(data, offset) + 1) * size
    return data[base + first : base + second]


def _dict(data: bytes) -> dict:
    """A CFF DICT's operators and their integer operands (real numbers skipped as None)."""
    entries, operands, i = {}, [], 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            operator = (b0, data[i + 1]) if b0 == _ESCAPE else b0
            i += 2 if b0 == _ESCAPE else 1
            entries[operator] = operands
            operands = []
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b0 == 30:  # a real number: nibbles up to an 0xf nibble
            i += 1
            while data[i] & 0x0F != 0x0F and data[i] >> 4 != 0x0F:
                i += 1
            i += 1
            operands.append(None)
        elif b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError("Malformed CFF DICT.")
    return entries


def _identity(fmt: int, glyphs: int) -> bytes:
    """Charset of `fmt` mapping glyph n to CID n for glyphs 1..glyphs-1 (.notdef is implicit)."""
    if fmt == 0:
        return bytes([0]) + b"".join(struct.pack(">H", cid) for cid in range(1, glyphs))
    if fmt == 1:
        ranges, first = [], 1
        while first < glyphs:
            left = min(255, glyphs - 1 - first)
            ranges.append(struct.pack(">HB", first, left))
            first += left + 1
        return bytes([1]) + b"".join(ranges)
    return bytes([2]) + struct.pack(">HH", 1, glyphs - 2)


def _charset_length(data: bytes, offset: int, glyphs: int) -> int:
    fmt, covered, i = data[offset], 0, offset + 1
    if fmt == 0:
        return 1 + 2 * (glyphs - 1)
    if fmt not in (1, 2):
        raise ValueError(f"Unknown CFF charset format {fmt}.")
    step = 3 if fmt == 1 else 4
    while covered < glyphs - 1:
        left = data[i + 2] if fmt == 1 else struct.unpack_from(">H", data, i + 2)[0]
        covered += left + 1
        i += step
    return i - offset


def identity_cff(cff: bytes) -> bytes:
    """The CFF table with an identity charset, when it is CID-keyed; unchanged otherwise."""
    data = bytearray(cff)
    header_size = data[2]
    names_end = _index_end(data, header_size)
    top = _dict(_index_item(data, names_end, 0))
    if _ROS not in top or _CHARSET not in top or _CHARSTRINGS not in top:
        return cff
    offset = top[_CHARSET][0]
    glyphs = _index_count(data, top[_CHARSTRINGS][0])
    if offset <= 2 or glyphs < 2:  # a predefined charset, or only .notdef
        return cff
    fmt = data[offset]
    identity = _identity(fmt, glyphs)
    if len(identity) > _charset_length(data, offset, glyphs):
        identity = _identity(2, glyphs)  # five bytes: fits wherever a range did
    data[offset : offset + len(identity)] = identity
    return bytes(data)


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}L", padded)) & 0xFFFFFFFF


def identity_charset(font: bytes) -> bytes:
    """The OpenType font with its CFF table's charset made the identity (see the module's
    docstring), the table's and the font's checksums brought up to date; a font without a
    CID-keyed CFF table comes back unchanged."""
    if font[:4] != b"OTTO":
        return font
    data = bytearray(font)
    tables = struct.unpack_from(">H", data, 4)[0]
    records = {}
    for n in range(tables):
        tag, _, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * n)
        records[tag] = (12 + 16 * n, offset, length)
    if b"CFF " not in records:
        return font
    record, offset, length = records[b"CFF "]
    cff = identity_cff(bytes(data[offset : offset + length]))
    if cff == data[offset : offset + length]:
        return font
    data[offset : offset + length] = cff
    struct.pack_into(">L", data, record + 4, _checksum(cff))
    if b"head" in records:
        _, head, _ = records[b"head"]
        struct.pack_into(">L", data, head + 8, 0)
        struct.pack_into(">L", data, head + 8, (0xB1B0AFBA - _checksum(bytes(data))) & 0xFFFFFFFF)
    return bytes(data)
