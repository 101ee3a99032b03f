"""The certificate PDF: WeasyPrint, two A4 landscape pages (the certificate and its transcript),
PDF/A-3b, the signed credential attached.

Rendering fetches nothing: the page is self-contained, the QR code is a data URI, the design's
graphics are handed over under cma-image:<digest> URLs by a fetcher that serves only them and
data: URLs, so learner-controlled text can never pull in a file or a network resource. The
graphics are parsed once and kept, by digest, for the next renders (a capped cache per thread).

The font configuration and the page's stylesheet are parsed once per process and reused, and the
colours' stylesheet once per pair of colours. Chinese
text is the exception that costs: Noto CJK holds some 65,000 glyphs, and WeasyPrint copies the
whole font and subsets it keeping every glyph id up to the highest one used, for each weight on
each render (most of a bilingual certificate's time and size). So a certificate with Chinese in
it is set in faces cut to exactly the characters it uses, made with HarfBuzz in a few
milliseconds and declared by @font-face in a font configuration of its own (the faces are handed
over by a fetcher that serves only them, under cma-font: URLs); the rest of the text is set in
the same system fonts as always.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
from collections import OrderedDict
from functools import cache, lru_cache, partial
from pathlib import Path
from urllib.parse import urlsplit

import qrcode
import uharfbuzz
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, DEFAULT_OPTIONS, HTML, Attachment
from weasyprint.images import SVGImage, get_image_from_uri
from weasyprint.matrix import Matrix
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from certificates.cff import identity_charset
from certificates.dates import date_in_words
from lms.accounts.holder_name import holder_name_size

TEMPLATE = "certificates/certificate_pdf.html"
STYLESHEET = "certificates/certificate_pdf.css"
# Recorded in every certificate's frozen data. Raise it whenever the template or its stylesheet
# changes what a certificate shows: certificates issued before keep their PDF as it was.
TEMPLATE_VERSION = "2026-12-1"

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts")
# The Chinese faces the stylesheet names ("CMA Serif CJK", "CMA Sans CJK", each regular and bold):
# the font collection each is cut from, and the family to pick inside it.
CJK_FACES = {
    ("CMA Serif CJK", "normal"): ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    ("CMA Serif CJK", "bold"): ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK SC"),
    ("CMA Sans CJK", "normal"): ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    ("CMA Sans CJK", "bold"): ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
}
FONT_SCHEME = "cma-font"
IMAGE_SCHEME = "cma-image"
# How many of the design's graphics stay parsed between renders (each logo, seal and signature of
# the designs in use; a re-design brings new digests, and the old ones age out).
IMAGE_CACHE_SIZE = 64
# CJK ideographs, symbols and punctuation, kana, Hangul and full-width forms.
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_TAG = re.compile(r"<[^>]*>")
_BETWEEN_TAGS = re.compile(r">[ \t]*\n\s*<")
# Pango may set the spaces, digits and punctuation between Chinese characters in the Chinese
# face: the cut faces keep them too.
CJK_COMPANIONS = " 0123456789.,:;!?()%/-\u2013\u2014\u00b7"


def safe_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


class _ImageFetcher(URLFetcher):
    """Serves the design's graphics (logo, seal, signatures) as cma-image:<digest> URLs, the
    digest of the data URI issuance froze; refuses everything else but data:."""

    def __init__(self, images: dict[str, str]):
        super().__init__(allowed_protocols=("data", IMAGE_SCHEME), allow_redirects=False, timeout=1)
        self.images = images

    def fetch(self, url, headers=None):
        if url.startswith(f"{IMAGE_SCHEME}:"):
            if url not in self.images:
                raise ValueError(f"No image {url!r}.")
            url = self.images[url]
        return super().fetch(url, headers)


class _FontFetcher(URLFetcher):
    """Serves the cut Chinese faces to @font-face as cma-font:<n> URLs (as a data: URL, a font
    costs the CSS tokenizer far longer than the font itself); refuses everything else but data:."""

    def __init__(self, fonts: list[bytes]):
        super().__init__(allowed_protocols=("data", FONT_SCHEME), allow_redirects=False, timeout=1)
        self.fonts = fonts

    def fetch(self, url, headers=None):
        if url.startswith(f"{FONT_SCHEME}:"):
            index = url.split(":", 1)[1]
            if not index.isdigit() or int(index) >= len(self.fonts):
                raise ValueError(f"No font {url!r}.")
            return URLFetcherResponse(
                url, body=self.fonts[int(index)], headers={"Content-Type": "font/otf"}
            )
        return super().fetch(url, headers)


# --- font subsetting -----------------------------------------------------------------------------
# WeasyPrint cuts every embedded font to the glyphs used with HarfBuzz's subsetter when the system
# has it (libharfbuzz-subset), and with fontTools when not. fontTools decompiles each font's
# layout tables to do so (DejaVu's GPOS and GSUB, 5,000 to 6,000 glyphs): 150 to 200 ms per face,
# some 75% of a certificate's render. Where the library is missing, the same HarfBuzz cut is made
# with the subsetter uharfbuzz carries (a millisecond or two per face).
_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT")
_DROPPED_TABLES += ("SVG ",)


def _tags(names) -> list[int]:
    return [int.from_bytes(name.encode("ascii"), "big") for name in names]


def _table_tags() -> list[int]:
    return _tags(_DROPPED_TABLES)


def harfbuzz_subset(font, to_unicode: dict, hinting: bool) -> None:
    """WeasyPrint's own HarfBuzz cut (`Font._harfbuzz_subset`), through uharfbuzz: the glyphs used
    are kept with their ids (the page's text refers to them by id), then the empty glyphs after
    the last one used are dropped; the layout tables go (the text is already shaped)."""
    if not to_unicode:
        return
    flags = uharfbuzz.SubsetFlags
    notdef = flags.NOTDEF_OUTLINE if font.missing else 0
    face = uharfbuzz.Face(uharfbuzz.Blob(font.file_content), font.index)
    retain = uharfbuzz.SubsetInput()
    retain.glyph_set.update(sorted(to_unicode))
    retain.drop_table_tag_set.update(_table_tags())
    retain.flags = (
        flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | notdef
    )
    trim = uharfbuzz.SubsetInput()
    trim.glyph_set.update(range(max(to_unicode) + 1))
    trim.drop_table_tag_set.update(_table_tags())
    trim.flags = (
        flags.PASSTHROUGH_UNRECOGNIZED
        | flags.DESUBROUTINIZE
        | notdef
        | (0 if hinting else flags.NO_HINTING)
    )
    try:
        content = uharfbuzz.subset(uharfbuzz.subset(face, retain), trim).blob.data
    except RuntimeError:  # HarfBuzz could not cut it: the whole font goes in, as WeasyPrint does
        return
    if content:
        font.file_content = content


def _system_subsetter() -> bool:
    return bool(weasyprint_fonts.harfbuzz_subset) and weasyprint_fonts.harfbuzz.hb_version_atleast(
        4, 1, 0
    )


if not _system_subsetter():  # depends on the system's libraries
    weasyprint_fonts.Font.subset = harfbuzz_subset


def _page_css() -> str:
    return (Path(settings.BASE_DIR) / "templates" / STYLESHEET).read_text(encoding="utf-8")


# --- Chinese faces, cut to the characters a certificate uses ------------------------------------


@cache
def _font_file(filename: str) -> Path | None:
    for folder in FONT_DIRS:
        found = next(Path(folder).expanduser().glob(f"**/{filename}"), None)
        if found is not None:
            return found
    return None


def _cjk_face(filename: str, family: str) -> uharfbuzz.Face | None:
    """The face of `family` in the font collection `filename`, if it is installed."""
    path = _font_file(filename)
    if path is None:
        return None
    blob = uharfbuzz.Blob.from_file_path(str(path))
    for index in range(uharfbuzz.Face(blob).count):
        face = uharfbuzz.Face(blob, index)
        if face.get_name(uharfbuzz.OTNameIdPredefined.FONT_FAMILY) == family:
            return face
    return None


# The OpenType features a horizontal line of Chinese is shaped with, the only ones the cut faces
# keep: with every feature, the subsetter also keeps each character's alternates (vertical,
# Japanese, Korean and traditional forms, full and half widths), which no certificate draws.
HORIZONTAL_FEATURES = ("ccmp", "kern", "mark", "mkmk", "liga", "clig", "calt", "rlig", "rclt")
VERTICAL_TABLES = ("vhea", "vmtx", "VORG")


def cjk_subset(face: uharfbuzz.Face, characters: str) -> bytes:
    """The face cut to `characters`, glyph ids renumbered from 0 (HarfBuzz), with only what a
    horizontal line needs: the layout features that shape it, no vertical metrics; each glyph's
    CID made its new glyph id, as the PDF's text names it (`certificates.cff`)."""
    subset_input = uharfbuzz.SubsetInput()
    for character in set(characters):
        subset_input.unicode_set.add(ord(character))
    subset_input.flags = uharfbuzz.SubsetFlags.DESUBROUTINIZE
    features = subset_input.layout_feature_tag_set
    features.clear()
    features.update(_tags(HORIZONTAL_FEATURES))
    subset_input.drop_table_tag_set.update(_tags(VERTICAL_TABLES))
    return identity_charset(uharfbuzz.subset(face, subset_input).blob.data)


@cache
def _cjk_faces() -> dict[tuple[str, str], uharfbuzz.Face]:
    """The installed Chinese faces the stylesheet names, opened once per process."""
    faces = {}
    for key, (filename, family) in CJK_FACES.items():
        face = _cjk_face(filename, family)
        if face is not None:
            faces[key] = face
    return faces


def chinese_fonts(text: str) -> tuple[FontConfiguration, CSS]:
    """A font configuration holding the Chinese faces cut to the CJK characters of `text` (and
    the spaces, digits and punctuation Pango may set between them), declared by @font-face."""
    characters = "".join(sorted(set(_CJK.findall(text)))) + CJK_COMPANIONS
    faces = _cjk_faces()
    fonts = [cjk_subset(face, characters) for face in faces.values()]
    rules = "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f"src: url({FONT_SCHEME}:{index}); }}"
        for index, (family, weight) in enumerate(faces)
    )
    config = FontConfiguration()
    return config, CSS(string=rules, font_config=config, url_fetcher=_FontFetcher(fonts))


@cache
def _styles() -> tuple[FontConfiguration, CSS]:
    """The font configuration and the page's stylesheet, parsed once per process (the stylesheet
    declares no font, so a certificate with Chinese uses it with a configuration of its own)."""
    config = FontConfiguration()
    return config, CSS(string=_page_css(), font_config=config, url_fetcher=safe_fetcher())


# --- the page ---------------------------------------------------------------------------------


def qr_data_uri(url: str) -> str:
    """The QR code as a PNG data URI. A fixed mask pattern skips trying all eight, which takes
    longer than the rest of the QR code; any mask is a valid code."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2, mask_pattern=2
    )
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def short_url(url: str) -> str:
    """The verification URL as a person types it: no scheme, no trailing slash."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


OUTCOMES = {"pass": ("Pass", "通过"), "distinction": ("Distinction", "优秀")}


def _percent(value: str) -> str:
    """A decimal as people write it: 82.50 -> 82.5, 80.00 -> 80."""
    return value.rstrip("0").rstrip(".") if "." in value else value


def _transcript(frozen: dict) -> dict:
    transcript = frozen.get("transcript") or {}
    courses = [
        {
            **course,
            "completed": date_in_words(course.get("completed_on")),
            "completed_zh": date_in_words(course.get("completed_on"), "zh-hans"),
        }
        for course in transcript.get("courses", [])
    ]
    project = transcript.get("project")
    if project:
        criteria = []
        for criterion in project["criteria"]:
            levels = criterion["levels"]
            rank, achieved = next(
                (
                    (i, level)
                    for i, level in enumerate(levels, start=1)
                    if level["id"] == criterion["achieved"]
                ),
                (0, None),
            )
            criteria.append(
                {
                    **criterion,
                    "weight": _percent(criterion["weight"]),
                    "level": achieved,
                    "rank": rank,
                    "of": len(levels),
                }
            )
        outcome, outcome_zh = OUTCOMES[project["outcome"]]
        project = {
            **project,
            "criteria": criteria,
            # The level scale, when every criterion has the same one (printed as a key).
            "scale": criteria[0]["levels"]
            if criteria
            and all(
                [lv["title"] for lv in c["levels"]] == [lv["title"] for lv in criteria[0]["levels"]]
                for c in criteria
            )
            else [],
            "score": _percent(project["percent"]),
            "outcome_words": outcome,
            "outcome_zh": outcome_zh,
        }
    return {
        "courses": courses,
        "project": project,
        "evidence_reviewed": transcript.get("evidence_reviewed", False),
    }


def image_urls(images: dict[str, str]) -> dict[str, str]:
    """The design's graphics (data URIs by their key in the frozen design) as the cma-image: URL
    each is drawn from: the digest of its data, so a graphic that changes gets a new URL and a
    key reused for new data (the drawn seal, after a re-design) never finds the old one."""
    return {
        key: f"{IMAGE_SCHEME}:{hashlib.sha256(data.encode()).hexdigest()}"
        for key, data in images.items()
    }


def _design(frozen: dict, urls: dict[str, str]) -> dict:
    design = frozen.get("design") or {}
    return {
        "logo": urls.get(design.get("logo") or ""),
        "seal": urls.get(design.get("seal") or ""),
        "human_code": design.get("human_code", ""),
        "signatories": [
            {**signatory, "image": urls.get(signatory.get("signature") or "")}
            for signatory in design.get("signatories", [])
        ],
    }


def _name_size(name: str) -> str:
    return holder_name_size(name).css_class


def render_html(
    *, frozen: dict, certificate_id: str, verify_url: str, images: dict[str, str] | None = None
) -> str:
    bilingual = frozen.get("language") == "zh-hans"
    with translation.override("en"):
        html = render_to_string(
            TEMPLATE,
            {
                "frozen": frozen,
                "certificate_id": certificate_id,
                "verify_url": verify_url,
                "short_url": short_url(verify_url),
                "qr": qr_data_uri(verify_url),
                "bilingual": bilingual,
                "name_size": _name_size(frozen["holder_name"]),
                "issued": date_in_words(frozen.get("issued_on")),
                "issued_zh": date_in_words(frozen.get("issued_on"), "zh-hans"),
                "valid_until": date_in_words(frozen.get("valid_until")),
                "valid_until_zh": date_in_words(frozen.get("valid_until"), "zh-hans"),
                "transcript": _transcript(frozen),
                "design": _design(frozen, image_urls(images or {})),
            },
        )
    # The whitespace between tags that the template's layout leaves: a text box each for
    # WeasyPrint to build, style and lay out, drawing nothing (a space between inline elements
    # on one line stays).
    return _BETWEEN_TAGS.sub("><", html)


@lru_cache(maxsize=64)
def _colours(accent: str, secondary: str) -> CSS:
    """The stylesheet setting a design's two colours, parsed once per pair."""
    return CSS(
        string=f":root {{ --accent: {accent}; --secondary: {secondary}; }}",
        url_fetcher=safe_fetcher(),
    )


def stylesheets_for(html: str, frozen: dict) -> tuple[FontConfiguration, list[CSS]]:
    """The fonts and stylesheets a certificate is rendered with: the process's own, with the
    Chinese faces cut to the certificate's own characters when it has any, and its colours."""
    font_config, page = _styles()
    design = frozen.get("design") or {}
    colours = _colours(
        design.get("accent") or "#0b3a66", design.get("accent_secondary") or "#9a7b2f"
    )
    text = _TAG.sub(" ", html)
    if not _CJK.search(text):
        return font_config, [page, colours]
    chinese_config, faces = chinese_fonts(text)
    return chinese_config, [faces, page, colours]


# --- the design's graphics, parsed once ------------------------------------------------------
# WeasyPrint keeps the images it has parsed in a cache it is handed, by URL (the parsed image) and
# by the image's id (a PNG's data). One per thread (drawing an SVG is not thread-safe) holds the
# design's graphics between renders, the least recently used dropped past IMAGE_CACHE_SIZE; the
# QR code, new on every certificate, lives only for its render.
_image_caches = threading.local()


def _shared_images() -> OrderedDict[str, dict]:
    if not hasattr(_image_caches, "images"):
        _image_caches.images = OrderedDict()
    return _image_caches.images


def _image_cache(urls) -> dict:
    """A render's image cache, holding what earlier renders parsed of the graphics at `urls`."""
    shared = _shared_images()
    cache = {}
    for url in urls:
        if url in shared:
            shared.move_to_end(url)
            cache.update(shared[url])
    return cache


class _Detached:
    """What a cached SVG image needs of the layout that first parsed it (images inside it, data:
    URLs only, and hyphenation dictionaries), without keeping that whole layout alive."""

    def __init__(self):
        self.dictionaries = {}
        self.get_image_from_uri = partial(
            get_image_from_uri,
            cache={},
            url_fetcher=safe_fetcher(),
            options=DEFAULT_OPTIONS,
            context=self,
        )


_TRACKED = (
    "_current_color",
    "_current_color_stroke",
    "_current_alpha",
    "_current_alpha_stroke",
    "_current_font",
    "_current_font_size",
    "_old_font",
    "_old_font_size",
)


def _stream_state(stream) -> tuple:
    """What WeasyPrint's page stream remembers that changes the operators it writes next: the
    colour, opacity and font set last (not written again), and the transformation matrices."""
    return (
        tuple(getattr(stream, name) for name in _TRACKED),
        [Matrix(matrix=[list(row) for row in matrix]) for matrix in stream._ctm_stack],
    )


def _stream_resources(stream) -> dict[str, set]:
    names = {kind: set(values) for kind, values in stream._resources.items()}
    return {**names, "fonts": set(stream._fonts), "images": set(stream._images)}


class _ReplayedSVG:
    """A cached SVG graphic (the drawn seal: a path of some 1,700 numbers) drawn for real once
    per size, page state and place, its PDF operators kept and appended again on the next
    certificates instead of parsing and transforming every point anew. Kept only when the
    drawing wrote no text and added nothing to the page's resources but opacity states (a
    replay would register no font, image, pattern or shading); otherwise drawn every time."""

    def __init__(self, image: SVGImage):
        self.image = image
        self.drawings: dict[str, tuple | None] = {}

    def get_intrinsic_size(self, resolution, font_size):
        return self.image.get_intrinsic_size(resolution, font_size)

    def draw(self, stream, concrete_width, concrete_height, style):
        key = repr((concrete_width, concrete_height, _stream_state(stream)))
        drawing = self.drawings.get(key)
        if drawing is not None:
            operators, states, (tracked, matrices) = drawing
            for name, state in states.items():
                stream._resources["ExtGState"].setdefault(name, state)
            stream.stream.extend(operators)
            for name, value in zip(_TRACKED, tracked, strict=True):
                setattr(stream, name, value)
            stream._ctm_stack = [Matrix(matrix=[list(row) for row in m]) for m in matrices]
            return
        before, start = _stream_resources(stream), len(stream.stream)
        self.image.draw(stream, concrete_width, concrete_height, style)
        if key in self.drawings:  # found not to replay before
            return
        added = {
            kind: names - before.get(kind, set())
            for kind, names in _stream_resources(stream).items()
        }
        states = added.pop("ExtGState", set())
        operators = stream.stream[start:]
        if any(added.values()) or b"BT" in operators or any(n[:1] not in "aA" for n in states):
            self.drawings[key] = None
            return
        self.drawings[key] = (
            operators,
            {name: stream._resources["ExtGState"][name] for name in states},
            _stream_state(stream),
        )


def _keep_images(cache: dict, urls) -> None:
    """After a render: keep what it parsed of the graphics at `urls` for the next ones."""
    shared = _shared_images()
    for url in urls:
        if url in shared or url not in cache or cache[url] is None:
            continue
        image = cache[url]
        if isinstance(image, SVGImage):
            image._context = _Detached()
            cache[url] = _ReplayedSVG(image)
        prefix = hashlib.md5(
            url.encode(), usedforsecurity=False
        ).hexdigest()  # the id of a PNG's data
        shared[url] = {
            key: value for key, value in cache.items() if key == url or key.startswith(prefix)
        }
        while len(shared) > IMAGE_CACHE_SIZE:
            shared.popitem(last=False)


def render_pdf(
    *,
    frozen: dict,
    certificate_id: str,
    verify_url: str,
    credential: dict,
    images: dict[str, str] | None = None,
) -> bytes:
    html = render_html(
        frozen=frozen, certificate_id=certificate_id, verify_url=verify_url, images=images
    )
    font_config, stylesheets = stylesheets_for(html, frozen)
    urls = {url: images[key] for key, url in image_urls(images or {}).items()}
    cache = _image_cache(urls)
    fetcher = _ImageFetcher(urls)
    attachment = Attachment(
        string=json.dumps(credential, ensure_ascii=False, indent=2),
        name="credential.json",
        description="Signed Open Badges 3.0 credential of this certificate",
        relationship="Data",
        url_fetcher=fetcher,
    )
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        stylesheets=stylesheets,
        font_config=font_config,
        custom_metadata=True,
        cache=cache,
    )
    _keep_images(cache, urls)
    return document
