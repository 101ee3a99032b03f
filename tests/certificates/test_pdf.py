"""The certificate PDF: two A4 landscape pages (the certificate and its transcript), PDF/A-3b with
the credential attached, a QR code that opens the verification page, names in any script, and
nothing fetched while rendering."""

import http.server
import io
import json
import re
import threading

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from weasyprint import HTML

from certificates.credentials import verify_url
from certificates.dates import date_in_words
from certificates.pdf import render_pdf, safe_fetcher
from tests.conftest import make_user

A4_LANDSCAPE = (841.89, 595.28)
STATEMENT = "has completed the test qualification."


def frozen_for(name: str, **extra) -> dict:
    """The frozen data a certificate is rendered from, as issuance.freeze captures it."""
    return {
        "holder_name": name,
        "language": "en",
        "issuer_name": "Cluster Manager Academy",
        "certificate_title": "Test Qualification",
        "certificate_statement": STATEMENT,
        "certificate_title_zh": "",
        "certificate_statement_zh": "",
        "project_result": "85% (pass with distinction)",
        "issued_on": "2026-11-27",
        "valid_until": "2029-11-27",
        "transcript": {"courses": [], "project": None, "evidence_reviewed": False},
        **extra,
    }


def render(name: str, **extra) -> bytes:
    certificate_id = "7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA"
    return render_pdf(
        frozen=frozen_for(name, **extra),
        certificate_id=certificate_id,
        verify_url=f"http://testserver/verify/{certificate_id}/",
        credential={"id": "urn:example", "name": name},
    )


def text_of(pdf: bytes, page: int | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    pages = reader.pages if page is None else [reader.pages[page]]
    return "\n".join(p.extract_text() for p in pages)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_box(pdf: bytes, text: str) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) around `text` on the first page, even when it wraps."""
    page = pypdfium2.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    # PDFium marks a hyphen it found at a line end as U+FFFE.
    full = textpage.get_text_range().replace("\ufffe", "-")
    positions = [i for i, ch in enumerate(full) if not ch.isspace()]
    compact = "".join(full[i] for i in positions)
    start = compact.index(_compact(text))
    boxes = [textpage.get_charbox(positions[i]) for i in range(start, start + len(_compact(text)))]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        (float(p.mediabox.width), float(p.mediabox.height))
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


# --- the issued PDF -------------------------------------------------------------------------


def test_the_qr_code_opens_the_verification_page(issued, issued_pdf):
    page = pypdfium2.PdfDocument(issued_pdf)[0]
    image = page.render(scale=2).to_pil()
    codes = zxingcpp.read_barcodes(image)
    assert [(c.format, c.text) for c in codes] == [
        (zxingcpp.BarcodeFormat.QRCode, f"http://testserver/verify/{issued.id}/")
    ]
    assert codes[0].text == verify_url(issued.id)


def test_two_a4_landscape_pages_with_what_the_certificate_says(issued, issued_pdf):
    assert page_sizes(issued_pdf) == [pytest.approx(A4_LANDSCAPE, abs=0.5)] * 2
    text = _compact(text_of(issued_pdf, 0))
    for expected in (
        issued.frozen["holder_name"],
        "Test Qualification",
        "CLUSTER MANAGER ACADEMY",
        # Dates in words, as the verification page says them.
        date_in_words(issued.issued_at.date()),
        date_in_words(issued.valid_until.date()),
        "Scan to verify",
        # The short verification URL beside the QR code: no scheme, no trailing slash.
        f"testserver/verify/{issued.id}",
    ):
        assert _compact(expected) in text, expected
    assert "2026-" not in text_of(issued_pdf, 0)  # no ISO dates on the certificate
    assert "OPEN BADGES" not in text_of(issued_pdf)


def test_the_certificate_id_is_printed_under_the_holders_name(issued, issued_pdf):
    name = text_box(issued_pdf, issued.frozen["holder_name"])
    identifier = text_box(issued_pdf, issued.id)
    statement = text_box(issued_pdf, issued.frozen["certificate_statement"])
    assert statement[3] < identifier[1] and identifier[3] < name[1]


def test_pdf_a_3b_with_the_signed_credential_as_associated_file(issued, issued_pdf):
    reader = PdfReader(io.BytesIO(issued_pdf))
    assert reader.pdf_header.startswith("%PDF-1.")
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    catalog = reader.trailer["/Root"]
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"

    filespecs = {spec.get_object()["/F"]: spec.get_object() for spec in catalog["/AF"]}
    assert set(filespecs) == {"credential.json"}
    spec = filespecs["credential.json"]
    assert spec["/UF"] == "credential.json"
    assert spec["/AFRelationship"] == "/Data"
    stream = spec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/json"
    assert json.loads(stream.get_data()) == issued.credential
    assert json.loads(reader.attachments["credential.json"][0]) == issued.credential


def test_every_font_is_embedded(issued_pdf):
    reader = PdfReader(io.BytesIO(issued_pdf))
    fonts = [f for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        font = font.get_object()
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        descriptor = target["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]


def test_metadata_names_the_certificate(issued, issued_pdf):
    metadata = PdfReader(io.BytesIO(issued_pdf)).metadata
    name = issued.frozen["holder_name"]
    assert metadata.title == f"Test Qualification — {name}"
    assert metadata.author == "Cluster Manager Academy"
    assert issued.id in metadata.subject and name in metadata.subject
    assert issued.id in metadata["/Keywords"]
    assert "Open Badges 3.0" in metadata["/Keywords"]


def test_a_learner_who_reads_chinese_gets_the_bilingual_wording(curriculum):
    from tests.certificates.conftest import issue

    certificate = issue(make_user("learner", "zh-learner", preferred_language="zh-hans"))
    assert certificate.language == "zh-hans"
    assert certificate.frozen["certificate_title_zh"] == "测试资格证书"
    pdf = certificate.pdf.open("rb").read()
    text = text_of(pdf)
    for expected in (
        "Test Qualification",
        "测试资格证书",
        "兹证明",
        "已完成",
        "颁发日期",
        "扫码验证",
        "成绩单",
    ):
        assert expected in text, expected
    assert len(page_sizes(pdf)) == 2
    assert "2026年" in text  # dates in words in Chinese too


def test_an_english_reader_gets_english_only(issued_pdf):
    text = text_of(issued_pdf)
    assert "兹证明" not in text
    assert "测试资格证书" not in text


# --- names in any script --------------------------------------------------------------------

LONG_NAME = " ".join(["Maximiliana-Wilhelmina von Hohenzollern-Sigmaringen"] * 6)[:300]
NAMES = {
    "latin-diacritics": "Zoë Ångström-Núñez Dvořák Łukasz Øyvind",
    "chinese": "王小明",
    "long-chinese": "欧阳" * 75,
    "arabic": "محمد بن راشد آل مكتوم",
    "emoji": "Ada 👩\u200d💻🎓🚀 Lovelace",
    "long-300": LONG_NAME,
    "long-unbroken": "Ẅ" * 150,
}
# Scripts the installed fonts draw and pypdf extracts as the same characters.
EXTRACTABLE = {"latin-diacritics", "chinese", "long-chinese", "long-300", "long-unbroken"}


@pytest.fixture(scope="module")
def rendered_names() -> dict[str, bytes]:
    return {key: render(name) for key, name in NAMES.items()}


@pytest.mark.parametrize("key", NAMES)
def test_names_in_any_script_fit_the_first_page(rendered_names, key):
    pdf = rendered_names[key]
    assert page_sizes(pdf) == [pytest.approx(A4_LANDSCAPE, abs=0.5)] * 2
    assert STATEMENT in text_of(pdf)
    if key in EXTRACTABLE:
        name = NAMES[key]
        assert _compact(name) in _compact(text_of(pdf))
        left, bottom, right, top = text_box(pdf, name)
        statement_top = text_box(pdf, STATEMENT)[3]
        # The whole name is drawn inside the page and above the statement: nothing overflows.
        assert left >= 0 and right <= A4_LANDSCAPE[0] and top <= A4_LANDSCAPE[1]
        assert bottom > statement_top, (bottom, statement_top)


def test_html_in_a_name_is_text_not_markup():
    name = '<script>alert(1)</script><b>Bold</b> <img src="file:///etc/passwd">'
    pdf = render(name)
    text = text_of(pdf)
    assert "<script>alert(1)</script><b>Bold</b>" in text
    assert '<img src="file:///etc/passwd">' in text
    assert b"root:x:0:0" not in pdf
    # The only image on the page is the QR code: the <img> in the name pulled nothing in.
    assert len(PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get("/XObject", {})) == 1


# --- nothing is fetched -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/x.css"]
)
def test_the_fetcher_refuses_files_and_the_network(url):
    with pytest.raises(ValueError, match="disallowed protocol"):
        safe_fetcher().fetch(url)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        _Recorder.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_rendering_with_the_fetcher_pulls_in_no_file_and_no_url(tmp_path):
    """Even markup that reached the renderer unescaped could not read a file or call out."""
    from PIL import Image

    image = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(image)
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        html = (
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
            f'<img src="{image.as_uri()}"><img src="http://127.0.0.1:{port}/pixel.png">'
            f'<img src="https://127.0.0.1:{port}/pixel.png"><p>Hello</p>'
        )
        pdf = HTML(string=html, url_fetcher=safe_fetcher(), base_url=None).write_pdf()
    finally:
        server.shutdown()
        thread.join()
    assert _Recorder.requests == []
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    assert not resources.get("/XObject")  # no image was embedded
    # data: URLs, which the template may use, still work.
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8Dw"
        "HwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )
    pdf = HTML(string=f'<img src="{pixel}">', url_fetcher=safe_fetcher(), base_url=None).write_pdf()
    assert PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"]
