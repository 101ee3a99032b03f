"""The certificate PDF: WeasyPrint, one A4 landscape page, PDF/A-3b, the credential attached.

Rendering fetches nothing: the page is self-contained, the QR code is an inline PNG, and the URL
fetcher accepts only data: URLs, so learner-controlled text can never pull in a file or a network
resource.

The font configuration and the page's stylesheet are parsed once per process and reused.
"""

from __future__ import annotations

import base64
import io
import json
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

TEMPLATE = "certificates/certificate_pdf.html"
STYLESHEET = "certificates/certificate_pdf.css"
TEMPLATE_VERSION = "2026-11-3"


def safe_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


@cache
def _styles() -> tuple[FontConfiguration, tuple[CSS, ...]]:
    """The font configuration and the page's stylesheets, parsed once per process."""
    config = FontConfiguration()
    page_css = (Path(settings.BASE_DIR) / "templates" / STYLESHEET).read_text(encoding="utf-8")
    return config, (CSS(string=page_css, font_config=config, url_fetcher=safe_fetcher()),)


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


def render_html(*, frozen: dict, certificate_id: str, verify_url: str) -> str:
    with translation.override("en"):
        return render_to_string(
            TEMPLATE,
            {
                "frozen": frozen,
                "certificate_id": certificate_id,
                "verify_url": verify_url,
                "qr": qr_data_uri(verify_url),
                "bilingual": frozen.get("language") == "zh-hans",
            },
        )


def render_pdf(*, frozen: dict, certificate_id: str, verify_url: str, credential: dict) -> bytes:
    html = render_html(frozen=frozen, certificate_id=certificate_id, verify_url=verify_url)
    font_config, stylesheets = _styles()
    fetcher = safe_fetcher()
    attachment = Attachment(
        string=json.dumps(credential, ensure_ascii=False, indent=2),
        name="credential.json",
        description="Signed Open Badges 3.0 credential of this certificate",
        relationship="Data",
        url_fetcher=fetcher,
    )
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        stylesheets=list(stylesheets),
        font_config=font_config,
        custom_metadata=True,
    )


def render_trivial_pdf() -> bytes:
    """A one-page PDF with one line of text: the yardstick bench/certificates.py compares against."""
    return HTML(string="<p>Hello</p>", url_fetcher=safe_fetcher(), base_url=None).write_pdf()
