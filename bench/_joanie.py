"""The yardstick: openfun/joanie's degree certificate, rendered the way joanie renders it.

The template, its stylesheet and its images are kept, unchanged and with their licence, in
`../shared/peers/joanie-degree/` (JOANIE_DEGREE_DIR overrides). As joanie's
`core/utils/issuers.generate_document` does: the template rendered by Django with joanie's
`extra_tags` library (`base64_static` turns each image into a base64 data URI), the stylesheet
rendered as a Django template too, a new FontConfiguration for every document, then
`HTML(string=..., base_url=...)` and `write_pdf(stylesheets=[css], zoom=1, font_config=...)`.
The stylesheet's remote web-font @import is dropped: nothing remote is fetched.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from datetime import date
from pathlib import Path

from django.template import Context, Engine, Library
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("JOANIE_DEGREE_DIR", ROOT.parent / "shared" / "peers" / "joanie-degree"))

register = Library()


@register.simple_tag
def base64_static(path: str) -> str:
    """joanie's tag: a static image as a data URI."""
    data = (PEER / path).read_bytes()
    return f"data:{mimetypes.guess_type(path)[0]};base64,{base64.b64encode(data).decode()}"


def _engine() -> Engine:
    return Engine(
        dirs=[str(PEER)],
        libraries={
            "extra_tags": "_joanie",
            "i18n": "django.templatetags.i18n",
            "static": "django.templatetags.static",
        },
    )


def _stylesheet() -> str:
    lines = (PEER / "degree.css").read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("@import"))


def context(student_name: str, signature_uri: str) -> dict:
    return {
        "creation_date": date(2026, 12, 4),
        "student": {"name": student_name},
        "course": {"name": "Certified Cluster Manager"},
        "verification_link": "http://localhost:8000/verify/7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0F8/",
        "organizations": [
            {
                "name": "Cluster Manager Academy",
                "logo": None,
                "signature": signature_uri,
                "representative": "Dr. Helena Brandt",
                "representative_profession": "Director of Studies",
            }
        ],
    }


def available() -> bool:
    return (PEER / "degree.html").exists()


def render(values: dict) -> bytes:
    """One degree certificate, rendered joanie's way."""
    engine = _engine()
    html = engine.get_template("degree.html").render(Context(values))
    font_config = FontConfiguration()
    css = CSS(
        string=engine.from_string(_stylesheet()).render(Context(values)), font_config=font_config
    )
    return HTML(string=html, base_url=str(PEER)).write_pdf(
        stylesheets=[css], zoom=1, font_config=font_config
    )
