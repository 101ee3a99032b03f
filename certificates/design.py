"""What a qualification's certificate looks like: its colours, logo, seal and signatories, read
from the qualification as staff set them in Wagtail, with the academy's own defaults.

The graphics are embedded in the PDF as data (never fetched), cleaned first: an SVG goes through
`lms.graphics.clean_svg`, a PNG is decoded and written again at print size. With nothing set the
certificate still has a seal: one drawn here from the academy's name and the two colours, which
is also the badge image of the signed credential.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import uharfbuzz
from django.conf import settings
from fontTools.pens.recordingPen import RecordingPen
from PIL import Image

from courses.models import QualificationPage
from lms.graphics import Graphic, GraphicError, clean_svg, read_graphic

log = logging.getLogger(__name__)

DEFAULT_ACCENT = "#0b3a66"  # navy
DEFAULT_ACCENT_SECONDARY = "#9a7b2f"  # a gold dark enough to read on white paper
PRINT_PIXELS = 900  # the longest side of a PNG as printed: 300 dpi across 75 mm
BADGE_PIXELS = 256  # the longest side of a PNG badge inside the credential
DRAWN_SEAL = "drawn"  # the seal of a design that has none of its own


@dataclass
class Design:
    """The design as frozen (`frozen()`: colours, names, and a hash of each graphic) and the
    graphics themselves as data URIs (`images`, by hash), which only the PDF needs."""

    accent: str
    accent_secondary: str
    human_code: str = ""
    logo: str | None = None
    seal: str | None = None
    signatories: list[dict] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)
    badge: str = ""

    def frozen(self) -> dict:
        return {
            "accent": self.accent,
            "accent_secondary": self.accent_secondary,
            "human_code": self.human_code,
            "logo": self.logo,
            "seal": self.seal,
            "signatories": self.signatories,
        }


def data_uri(media_type: str, content: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


def _png_at(content: bytes, longest: int) -> bytes:
    """The PNG decoded and written again, no larger than `longest` pixels on its longest side:
    whatever else the file carried (text chunks, a huge canvas) stays behind."""
    with Image.open(io.BytesIO(content)) as image:
        image = image.convert("RGBA")
        image.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


@lru_cache(maxsize=64)
def _embedded(kind: str, content: bytes, longest: int) -> str:
    if kind == "svg":
        return data_uri("image/svg+xml", clean_svg(content))
    return data_uri("image/png", _png_at(content, longest))


def _read(file_field) -> Graphic | None:
    """The graphic in a file field, or None when it is empty, missing or no longer acceptable
    (a certificate is still issued, with the default in its place)."""
    if not file_field:
        return None
    try:
        with file_field.open("rb") as handle:
            return read_graphic(handle.read(), file_field.name)
    except (OSError, GraphicError) as exc:
        log.warning("Certificate graphic %s left out: %s", file_field.name, exc)
        return None


def _add(design: Design, graphic: Graphic | None) -> str | None:
    if graphic is None:
        return None
    digest = hashlib.sha256(graphic.content).hexdigest()
    design.images[digest] = _embedded(graphic.kind, graphic.content, PRINT_PIXELS)
    return digest


def monogram(name: str) -> str:
    """The initials of the significant words of a name: Cluster Manager Academy -> CMA."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    initials = "".join(w[0] for w in words if w.lower() not in {"of", "for", "and", "the", "de"})
    return (initials or name[:1] or "A").upper()[:4]


FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
SEAL_LETTERS_FONT = "DejaVuSans-Bold.ttf"
SEAL_MONOGRAM_FONT = "DejaVuSerif-Bold.ttf"


@lru_cache(maxsize=8)
def _font(filename: str) -> uharfbuzz.Font | None:
    for folder in FONT_DIRS:
        found = next(Path(folder).expanduser().glob(f"**/{filename}"), None)
        if found is not None:
            return uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(found))))
    return None


class _Outlines:
    """Letters drawn as outlines (HarfBuzz) into one path, placed and turned here: the seal then
    looks the same in any viewer, needs no font, and is one cheap shape to draw."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def place(self, filename: str, text: str, *, size: float, x: float, y: float, rotate=0.0):
        """`text` centred on (x, y) (its baseline), turned by `rotate` degrees about the centre
        of the seal. Nothing when the font is not installed."""
        font = _font(filename)
        if font is None:
            return
        buffer = uharfbuzz.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        uharfbuzz.shape(font, buffer)
        scale = size / font.face.upem
        width = sum(p.x_advance for p in buffer.glyph_positions) * scale
        cos, sin = math.cos(math.radians(rotate)), math.sin(math.radians(rotate))
        pen_x = x - width / 2

        def point(gx: float, gy: float, origin: float) -> str:
            px, py = origin + gx * scale - 120, y - gy * scale - 120
            return f"{120 + px * cos - py * sin:.1f} {120 + px * sin + py * cos:.1f}"

        for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
            recorder = RecordingPen()
            font.draw_glyph_with_pen(info.codepoint, recorder)
            for command, points in recorder.value:
                letter = {"moveTo": "M", "lineTo": "L", "qCurveTo": "Q", "curveTo": "C"}
                if command == "closePath":
                    self.parts.append("Z")
                elif command == "qCurveTo" and len(points) > 2:
                    # An implied on-curve point between each pair of off-curve points.
                    for (ax, ay), (bx, by) in itertools.pairwise(points[:-1]):
                        mid = ((ax + bx) / 2, (ay + by) / 2)
                        self.parts.append(f"Q{point(ax, ay, pen_x)} {point(*mid, pen_x)}")
                    (ax, ay), (bx, by) = points[-2], points[-1]
                    self.parts.append(f"Q{point(ax, ay, pen_x)} {point(bx, by, pen_x)}")
                elif command in letter:
                    self.parts.append(
                        letter[command] + " ".join(point(px, py, pen_x) for px, py in points)
                    )
            pen_x += position.x_advance * scale

    def path(self) -> str:
        return "".join(self.parts)


def _arc_letters(outlines: _Outlines, text: str, *, radius: float, size: float, top: bool):
    """`text` set letter by letter along the ring, read left to right, upright."""
    step = math.degrees(size * 0.8 / radius)
    span = step * (len(text) - 1)
    for i, letter in enumerate(text):
        if letter == " ":
            continue
        if top:
            angle, y = -span / 2 + i * step, 120 - radius
        else:
            angle, y = span / 2 - i * step, 120 + radius + size * 0.72
        outlines.place(SEAL_LETTERS_FONT, letter, size=size, x=120, y=y, rotate=angle)


@lru_cache(maxsize=32)
def drawn_seal(issuer_name: str, accent: str, secondary: str, code: str = "") -> bytes:
    """A rosette seal: a toothed disc in the main colour, rings, the academy's name around the
    top, the qualification code (or CERTIFIED) around the bottom, the monogram in the middle."""
    teeth = []
    for i in range(144):
        radius = 118 if i % 2 == 0 else 112
        angle = math.radians(i * 2.5)
        teeth.append(f"{120 + radius * math.sin(angle):.1f},{120 - radius * math.cos(angle):.1f}")
    name = issuer_name.upper()
    if len(name) > 30:
        name = monogram(issuer_name)
    bottom = (code or "CERTIFIED").upper()[:18]
    initials = monogram(issuer_name)
    initials_size = 46 if len(initials) <= 3 else 36
    outlines = _Outlines()
    _arc_letters(outlines, name, radius=80, size=13, top=True)
    _arc_letters(outlines, bottom, radius=80, size=13, top=False)
    outlines.place(
        SEAL_MONOGRAM_FONT, initials, size=initials_size, x=120, y=120 + initials_size * 0.36
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" width="240" height="240">'
        f'<polygon points="{" ".join(teeth)}" fill="{accent}"/>'
        f'<circle cx="120" cy="120" r="104" fill="none" stroke="{secondary}" stroke-width="3"/>'
        '<circle cx="120" cy="120" r="99" fill="none" stroke="#ffffff" stroke-width="1"/>'
        f'<circle cx="120" cy="120" r="66" fill="none" stroke="{secondary}" stroke-width="2"/>'
        '<circle cx="120" cy="120" r="61" fill="none" stroke="#ffffff" stroke-width="0.8"/>'
        f'<path fill="#ffffff" d="{outlines.path()}"/>'
        f'<g fill="{secondary}"><circle cx="26" cy="120" r="3"/><circle cx="214" cy="120" r="3"/>'
        "</g>"
        f'<path d="M92 {138 + initials_size * 0.1:.1f} H148" stroke="{secondary}" '
        'stroke-width="2"/>'
        "</svg>"
    )
    return svg.encode()


def design_of(qualification: QualificationPage, translation: QualificationPage | None = None):
    """The qualification's certificate design as set in Wagtail (signatories' titles also in the
    language of `translation`, where it translates them), with the academy's defaults."""
    design = Design(
        accent=(qualification.certificate_accent or DEFAULT_ACCENT).lower(),
        accent_secondary=(
            qualification.certificate_accent_secondary or DEFAULT_ACCENT_SECONDARY
        ).lower(),
        human_code=qualification.human_code.strip(),
    )
    design.logo = _add(design, _read(qualification.certificate_logo))
    seal = _read(qualification.certificate_seal)
    design.seal = _add(design, seal)
    if seal is not None:
        design.badge = _embedded(seal.kind, seal.content, BADGE_PIXELS)
    else:
        drawn = drawn_seal(
            settings.ISSUER_NAME, design.accent, design.accent_secondary, design.human_code
        )
        design.seal = DRAWN_SEAL
        design.images[DRAWN_SEAL] = design.badge = data_uri("image/svg+xml", drawn)
    translated_titles = []
    if translation is not None and translation.pk != qualification.pk:
        translated_titles = [s.title for s in translation.certificate_signatories.all()]
    for index, signatory in enumerate(qualification.certificate_signatories.all()[:3]):
        title_translated = translated_titles[index] if index < len(translated_titles) else ""
        design.signatories.append(
            {
                "name": signatory.name,
                "title": signatory.title,
                "title_zh": title_translated if title_translated != signatory.title else "",
                "signature": _add(design, _read(signatory.signature)),
            }
        )
    return design
