"""Small graphics staff upload for certificates (logos, seals, signatures): PNG or SVG, checked by
what they contain, and SVG cleaned so that it can carry nothing active.

An SVG is an XML program as much as a picture: it can hold scripts, event handlers, HTML in a
`foreignObject`, links to other files or sites, and XML entities that expand without end. Uploads
that carry any of these are refused with a message that names what was found
(`validate_certificate_graphic`), and what is embedded in a certificate always goes through
`clean_svg`, which rebuilds the drawing from an allow-list of elements and attributes, so even a
file stored before these checks cannot bring anything active into a PDF or a credential.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

# Building only: parsing goes through defusedxml.
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_GRAPHIC_BYTES = 1024 * 1024
MAX_PIXELS = 4000 * 4000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Drawing elements only: no script, style sheet imports, links, HTML, animation or media.
ALLOWED_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse",
        "line", "polyline", "polygon", "text", "tspan", "textPath", "linearGradient",
        "radialGradient", "stop", "clipPath", "mask", "pattern", "marker", "image", "style",
    }
)  # fmt: skip
# Presentation and geometry attributes. Any other attribute (event handlers above all) is dropped.
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "d", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry",
        "fx", "fy", "width", "height", "viewBox", "preserveAspectRatio", "points", "transform",
        "version", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "color", "display", "visibility", "clip-path", "clip-rule",
        "mask", "font-family", "font-size", "font-weight", "font-style", "font-variant",
        "letter-spacing", "word-spacing", "text-anchor", "dominant-baseline", "alignment-baseline",
        "baseline-shift", "text-decoration", "writing-mode", "dx", "dy", "rotate", "textLength",
        "lengthAdjust", "startOffset", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "spreadMethod", "clipPathUnits", "maskUnits", "maskContentUnits",
        "patternUnits", "patternContentUnits", "patternTransform", "markerWidth", "markerHeight",
        "markerUnits", "refX", "refY", "orient", "marker-start", "marker-mid", "marker-end",
        "paint-order", "vector-effect", "shape-rendering", "image-rendering", "href",
    }
)  # fmt: skip
# Elements whose presence makes an upload refused (rather than silently dropped): they exist
# only to run code, show other documents or fetch things.
HOSTILE_ELEMENTS = frozenset(
    {
        "script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler",
        "listener", "animate", "animateMotion", "animateTransform", "set", "a", "feImage",
    }
)  # fmt: skip
_URL = re.compile(r"url\s*\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_ACTIVE = re.compile(r"@import|expression\s*\(|javascript:|\\", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)


class GraphicError(ValueError):
    """The file is not a graphic a certificate can carry; the message says why."""


@dataclass(frozen=True)
class Graphic:
    kind: str  # "svg" or "png"
    content: bytes

    @property
    def media_type(self) -> str:
        return "image/svg+xml" if self.kind == "svg" else "image/png"


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _namespace(name: str) -> str:
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def _css_is_safe(text: str) -> bool:
    if _CSS_ACTIVE.search(text):
        return False
    return all(target.startswith("#") for _quote, target in _URL.findall(text))


def _href_is_safe(element: str, value: str) -> bool:
    value = value.strip()
    if element == "image":
        return bool(_DATA_IMAGE.fullmatch(value))
    return value.startswith("#")


def _parse_svg(content: bytes):
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise GraphicError(
            _("This SVG cannot be read (it is not well-formed XML, or it declares entities).")
        ) from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise GraphicError(_("This file is not an SVG drawing."))
    return root


def svg_problems(content: bytes) -> list[str]:
    """Everything active in an SVG, one sentence each (empty when it is a plain drawing)."""
    problems: list[str] = []
    for node in _parse_svg(content).iter():
        if not isinstance(node.tag, str):
            continue
        name = _local(node.tag)
        if name in HOSTILE_ELEMENTS:
            problems.append(_("It contains a <%(element)s> element.") % {"element": name})
        for attribute, value in node.attrib.items():
            local = _local(attribute)
            if local.lower().startswith("on"):
                problems.append(
                    _("It contains an event handler (%(attribute)s).") % {"attribute": local}
                )
            elif local == "href" and not _href_is_safe(name, value):
                problems.append(
                    _("It refers to another file or site (%(value)s).") % {"value": value[:60]}
                )
            elif (local == "style" or "url(" in value.lower()) and not _css_is_safe(value):
                problems.append(_("Its styles import or link to something outside it."))
        if name == "style" and not _css_is_safe(node.text or ""):
            problems.append(_("Its style sheet imports or links to something outside it."))
    return list(dict.fromkeys(problems))


def _clean_attributes(name: str, node, out) -> None:
    for attribute, value in node.attrib.items():
        namespace, local = _namespace(attribute), _local(attribute)
        if local not in ALLOWED_ATTRIBUTES or namespace not in ("", XLINK_NS):
            continue
        if local == "href":
            if _href_is_safe(name, value):
                out.set("href", value.strip())
            continue
        if ("url(" in value.lower() or local == "style") and not _css_is_safe(value):
            continue
        out.set(local, value)


def _clean_into(node, parent: Element | None) -> Element | None:
    name = _local(node.tag) if isinstance(node.tag, str) else ""
    if _namespace(node.tag if isinstance(node.tag, str) else "") != SVG_NS:
        return None
    if name not in ALLOWED_ELEMENTS:
        return None
    if name == "style" and not _css_is_safe(node.text or ""):
        return None
    out = Element(name) if parent is None else SubElement(parent, name)
    _clean_attributes(name, node, out)
    if node.text and name in ("text", "tspan", "textPath", "title", "desc", "style"):
        out.text = node.text
    for child in node:
        kept = _clean_into(child, out)
        if kept is not None and child.tail and name in ("text", "tspan", "textPath"):
            kept.tail = child.tail
    return out


def clean_svg(content: bytes) -> bytes:
    """The drawing rebuilt from allowed elements and attributes only: no script, handler,
    external reference, entity, animation or foreign content can survive."""
    root = _clean_into(_parse_svg(content), None)
    root.set("xmlns", SVG_NS)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def _check_png(content: bytes) -> None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG":
                raise GraphicError(_("This file is not a PNG image."))
            if image.width * image.height > MAX_PIXELS:
                raise GraphicError(_("The image is too large: at most 4,000 by 4,000 pixels."))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise GraphicError(_("This PNG image is damaged or cannot be read.")) from exc


def read_graphic(content: bytes, filename: str = "") -> Graphic:
    """Check an upload: a PNG image or an SVG drawing, by its content (and its name agrees),
    at most 1 MB, an SVG with nothing active in it. Raises GraphicError."""
    if not content:
        raise GraphicError(_("The file is empty."))
    if len(content) > MAX_GRAPHIC_BYTES:
        raise GraphicError(_("The file is larger than 1 MB."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if content.startswith(PNG_MAGIC):
        if extension and extension != "png":
            raise GraphicError(
                _("The file is a PNG image but its name ends in .%(ext)s.") % {"ext": extension}
            )
        _check_png(content)
        return Graphic("png", content)
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in content[:4096].lower():
        if extension and extension != "svg":
            raise GraphicError(
                _("The file is an SVG drawing but its name ends in .%(ext)s.") % {"ext": extension}
            )
        problems = svg_problems(content)
        if problems:
            raise GraphicError(
                _("This SVG cannot be used on a certificate: %(problems)s")
                % {"problems": " ".join(problems)}
            )
        return Graphic("svg", content)
    raise GraphicError(_("Upload a PNG image or an SVG drawing."))


def validate_certificate_graphic(file) -> None:
    """Model-field validator: the uploaded logo, seal or signature is a safe PNG or SVG."""
    if file is None:
        return
    if getattr(file, "size", 0) > MAX_GRAPHIC_BYTES:
        raise ValidationError(_("The file is larger than 1 MB."), code="too_large")
    position = file.tell() if hasattr(file, "tell") else None
    file.seek(0)
    content = file.read(MAX_GRAPHIC_BYTES + 1)
    if position is not None:
        file.seek(position)
    try:
        read_graphic(content, getattr(file, "name", "") or "")
    except GraphicError as exc:
        raise ValidationError(str(exc), code="invalid_graphic") from exc


_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def validate_hex_colour(value: str) -> None:
    if value and not _HEX_COLOUR.fullmatch(value):
        raise ValidationError(
            _("Give a colour as # and six hexadecimal digits, e.g. #0B4F8A."), code="invalid_colour"
        )


# --- Charts drawn on the server ---------------------------------------------------------------
#
# Accessible SVG charts for pages and downloads: `<svg role="img">` named by its <title> and
# <desc>, text escaped by ElementTree, no script, no external reference. Each chart is drawn
# beside a table of the same numbers, so the picture is never the only way to read them.

CHART_WIDTH = 640
CHART_COLOURS = ("#0b4f8a", "#a64b00", "#1d6b35", "#6b3fa0", "#a11a1a", "#4a5564")
CHART_INK = "#1b2430"
CHART_GRID = "#c3cad4"
_LABEL_WIDTH = 230
_ROW = 30


def _chart_root(chart_id: str, title: str, desc: str, height: int, standalone: bool) -> Element:
    attributes = {
        "viewBox": f"0 0 {CHART_WIDTH} {height}",
        "width": str(CHART_WIDTH),
        "height": str(height),
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "font-family": "system-ui, sans-serif",
        "font-size": "13",
    }
    if standalone:
        attributes["xmlns"] = SVG_NS
    root = Element("svg", attributes)
    SubElement(root, "title", {"id": f"{chart_id}-title"}).text = title
    SubElement(root, "desc", {"id": f"{chart_id}-desc"}).text = desc
    SubElement(root, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    return root


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(parent, x, y, text, **attributes) -> None:
    SubElement(
        parent, "text", {"x": f"{x:g}", "y": f"{y:g}", "fill": CHART_INK, **attributes}
    ).text = text


def _serialise(root: Element, standalone: bool) -> str:
    body = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n" if standalone else body


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    bars: list[tuple[str, float | None, str]],
    maximum: float = 100,
    standalone: bool = False,
) -> str:
    """Horizontal bars: (label, value or None for no data, the value as shown)."""
    height = 20 + _ROW * max(len(bars), 1) + 24
    root = _chart_root(chart_id, title, desc, height, standalone)
    plot = CHART_WIDTH - _LABEL_WIDTH - 70
    for tick in range(0, 101, 25):
        x = _LABEL_WIDTH + plot * tick / 100
        SubElement(
            root,
            "line",
            {
                "x1": f"{x:g}",
                "x2": f"{x:g}",
                "y1": "12",
                "y2": str(height - 22),
                "stroke": CHART_GRID,
                "stroke-width": "1",
            },
        )
        _text(root, x, height - 6, f"{maximum * tick / 100:g}", **{"text-anchor": "middle"})
    for index, (label, value, shown) in enumerate(bars):
        y = 16 + index * _ROW
        _text(root, _LABEL_WIDTH - 8, y + 15, _short(label), **{"text-anchor": "end"})
        width = plot * min(max(value or 0, 0), maximum) / maximum if maximum else 0
        if value is not None:
            SubElement(
                root,
                "rect",
                {
                    "x": str(_LABEL_WIDTH),
                    "y": str(y + 2),
                    "width": f"{width:.1f}",
                    "height": str(_ROW - 10),
                    "fill": CHART_COLOURS[0],
                },
            )
        _text(root, _LABEL_WIDTH + width + 6, y + 15, shown)
    return _serialise(root, standalone)


def stacked_bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    series: list[str],
    rows: list[tuple[str, list[int]]],
    standalone: bool = False,
) -> str:
    """One bar per row split into its series (counts), as shares of the row's total, with a
    legend naming each series."""
    legend_rows = (len(series) + 2) // 3
    height = 16 + _ROW * max(len(rows), 1) + 22 * legend_rows + 12
    root = _chart_root(chart_id, title, desc, height, standalone)
    plot = CHART_WIDTH - _LABEL_WIDTH - 20
    for index, (label, counts) in enumerate(rows):
        y = 12 + index * _ROW
        _text(root, _LABEL_WIDTH - 8, y + 15, _short(label), **{"text-anchor": "end"})
        total = sum(counts)
        x = float(_LABEL_WIDTH)
        if not total:
            _text(root, x + 4, y + 15, "—")
        for part, count in enumerate(counts):
            if not count:
                continue
            width = plot * count / total
            SubElement(
                root,
                "rect",
                {
                    "x": f"{x:.1f}",
                    "y": str(y + 2),
                    "width": f"{width:.1f}",
                    "height": str(_ROW - 10),
                    "fill": CHART_COLOURS[part % len(CHART_COLOURS)],
                    "stroke": "#ffffff",
                    "stroke-width": "1",
                },
            )
            if width > 22:
                _text(
                    root,
                    x + width / 2,
                    y + 15,
                    str(count),
                    **{"text-anchor": "middle", "fill": "#ffffff"},
                )
            x += width
    top = 16 + _ROW * max(len(rows), 1)
    for part, name in enumerate(series):
        x = 12 + (part % 3) * (CHART_WIDTH // 3)
        y = top + (part // 3) * 22
        SubElement(
            root,
            "rect",
            {
                "x": str(x),
                "y": str(y),
                "width": "14",
                "height": "14",
                "fill": CHART_COLOURS[part % len(CHART_COLOURS)],
            },
        )
        _text(root, x + 20, y + 12, _short(name, 28))
    return _serialise(root, standalone)


def line_chart_svg(
    *,
    chart_id: str,
    title: str,
    desc: str,
    points: list[tuple[str, float]],
    maximum: float = 100,
    standalone: bool = False,
) -> str:
    """A line through (label, value) points, labels along the bottom, a 0..maximum scale."""
    height = 260
    left, right, top, bottom = 44, 16, 14, 40
    root = _chart_root(chart_id, title, desc, height, standalone)
    plot_w, plot_h = CHART_WIDTH - left - right, height - top - bottom
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        SubElement(
            root,
            "line",
            {
                "x1": str(left),
                "x2": str(CHART_WIDTH - right),
                "y1": f"{y:g}",
                "y2": f"{y:g}",
                "stroke": CHART_GRID,
                "stroke-width": "1",
            },
        )
        _text(root, left - 6, y + 4, f"{maximum * tick / 100:g}", **{"text-anchor": "end"})
    step = plot_w / max(len(points) - 1, 1)
    coordinates = []
    for index, (label, value) in enumerate(points):
        x = left + index * step
        y = top + plot_h * (1 - min(max(value, 0), maximum) / maximum) if maximum else top
        coordinates.append(f"{x:.1f},{y:.1f}")
        SubElement(
            root,
            "circle",
            {"cx": f"{x:.1f}", "cy": f"{y:.1f}", "r": "3.5", "fill": CHART_COLOURS[0]},
        )
        if index % 2 == 0 or index == len(points) - 1:
            _text(root, x, height - bottom + 18, label, **{"text-anchor": "middle"})
    if coordinates:
        SubElement(
            root,
            "polyline",
            {
                "points": " ".join(coordinates),
                "fill": "none",
                "stroke": CHART_COLOURS[0],
                "stroke-width": "2.5",
            },
        )
    return _serialise(root, standalone)
