"""A qualification's certificate design as staff set it in Wagtail: graphics checked by content
and cleaned, signatories, colours, code and alignments, defaults that need nothing set, and the
rule that a new design never touches a certificate already issued."""

import base64
import hashlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from certificates import pdf
from certificates.design import DEFAULT_ACCENT, DRAWN_SEAL, drawn_seal
from certificates.jsonld import assert_fully_defined
from certificates.verification import Status, verify_by_id
from courses.models import QualificationAlignment, QualificationSignatory
from lms.graphics import (
    GraphicError,
    clean_svg,
    read_graphic,
    svg_problems,
    validate_certificate_graphic,
    validate_hex_colour,
)
from tests.certificates.conftest import issue
from tests.conftest import make_user

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
LOGO = f'<svg {SVG_NS} viewBox="0 0 200 40"><rect width="200" height="40" fill="#123456"/><text x="10" y="28" fill="#fff">ACME</text></svg>'.encode()
HOSTILE = (
    f'<svg {SVG_NS} onload="alert(1)" viewBox="0 0 10 10">'
    "<script>alert(document.cookie)</script>"
    '<foreignObject width="10" height="10"><body xmlns="http://www.w3.org/1999/xhtml">'
    '<iframe src="https://evil.example/"></iframe></body></foreignObject>'
    '<image xlink:href="https://evil.example/track.png" width="10" height="10"/>'
    '<use href="https://evil.example/sprite.svg#a"/>'
    '<a href="javascript:alert(1)"><circle r="4" onclick="steal()"/></a>'
    '<rect width="10" height="10" style="fill:url(https://evil.example/x)"/>'
    "<style>@import url(https://evil.example/x.css);</style>"
    '<circle cx="5" cy="5" r="3" fill="#0b3a66"/>'
    "</svg>"
).encode()


def png(width=120, height=60, colour=(11, 58, 102, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


# --- graphics: checked by content, SVG cleaned ---------------------------------------------------


def test_a_hostile_svg_is_refused_with_what_was_found():
    problems = " ".join(svg_problems(HOSTILE))
    for found in (
        "<script>",
        "<foreignObject>",
        "event handler (onload)",
        "event handler (onclick)",
        "https://evil.example/track.png",
        "https://evil.example/sprite.svg#a",
        "<a>",
        "styles import or link",
        "style sheet imports",
    ):
        assert found in problems, found
    with pytest.raises(GraphicError, match="cannot be used on a certificate"):
        read_graphic(HOSTILE, "seal.svg")
    upload = SimpleUploadedFile("seal.svg", HOSTILE, content_type="image/svg+xml")
    with pytest.raises(ValidationError):
        validate_certificate_graphic(upload)


def test_cleaning_keeps_the_drawing_and_drops_everything_active():
    cleaned = clean_svg(HOSTILE).decode()
    assert '<circle cx="5" cy="5" r="3" fill="#0b3a66" />' in cleaned
    for gone in (
        "script",
        "alert",
        "foreignObject",
        "iframe",
        "evil.example",
        "onload",
        "onclick",
        "javascript",
        "@import",
        "<a",
    ):
        assert gone not in cleaned, gone
    assert svg_problems(clean_svg(HOSTILE)) == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "logo.svg", "empty"),
        (b"x" * (1024 * 1024 + 1), "logo.png", "larger than 1 MB"),
        (b"GIF89a\x01\x00\x01\x00", "logo.gif", "PNG image or an SVG drawing"),
        (b"<html><script>alert(1)</script></html>", "logo.svg", "PNG image or an SVG drawing"),
        (png(), "logo.svg", "PNG image but its name ends in .svg"),
        (LOGO, "logo.png", "SVG drawing but its name ends in .png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "logo.png", "damaged"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
            "logo.svg",
            "declares entities",
        ),
        (
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>',
            "logo.svg",
            "not an SVG",
        ),
    ],
    ids=[
        "empty",
        "too-large",
        "gif",
        "html",
        "png-named-svg",
        "svg-named-png",
        "broken-png",
        "entities",
        "not-svg-root",
    ],
)
def test_uploads_are_checked_by_content_size_and_type(content, name, message):
    with pytest.raises(GraphicError, match=message):
        read_graphic(content, name)


def test_plain_svg_and_png_are_accepted():
    assert read_graphic(LOGO, "logo.svg").kind == "svg"
    assert read_graphic(png(), "signature.png").kind == "png"


@pytest.mark.parametrize("value", ["#0B4F8A", "#a64b00", ""])
def test_colours_in_hex_are_accepted(value):
    validate_hex_colour(value)


@pytest.mark.parametrize("value", ["0B4F8A", "#0B4F8", "red", "#0b4f8a; background: url(x)"])
def test_anything_else_is_not_a_colour(value):
    with pytest.raises(ValidationError):
        validate_hex_colour(value)


def test_the_page_model_refuses_a_hostile_seal(curriculum):
    qualification = curriculum.qualification
    qualification.certificate_seal = SimpleUploadedFile("seal.svg", HOSTILE)
    qualification.certificate_accent = "not-a-colour"
    with pytest.raises(ValidationError) as raised:
        qualification.full_clean()
    assert set(raised.value.message_dict) >= {"certificate_seal", "certificate_accent"}


# --- the design on the certificate ----------------------------------------------------------------


@pytest.fixture
def designed(curriculum):
    """The test qualification with a logo, a PNG seal, three signatories (one with a
    signature), its own colours, a code and two alignments."""
    qualification = curriculum.qualification
    qualification.certificate_logo.save("logo.svg", ContentFile(LOGO), save=False)
    qualification.certificate_seal.save("seal.png", ContentFile(png(800, 800)), save=False)
    qualification.certificate_accent = "#5A1E6E"
    qualification.certificate_accent_secondary = "#B08D2F"
    qualification.human_code = "CMA-TQ"
    qualification.save()
    signature = ContentFile(png(300, 90, (0, 0, 0, 255)), name="signature.png")
    for order, (name, title) in enumerate(
        [
            ("Dr. Helena Brandt", "Director of Studies"),
            ("Prof. Kenji Morita", "Chair of the Examination Board"),
            ("Amara Okafor", "Registrar"),
        ]
    ):
        signatory = QualificationSignatory(
            qualification=qualification, name=name, title=title, sort_order=order
        )
        if order == 0:
            signatory.signature.save("signature.png", signature, save=False)
        signatory.save()
    QualificationAlignment.objects.create(
        qualification=qualification,
        sort_order=0,
        target_name="Cluster management: strategy development",
        target_url="https://esco.example.org/skill/1234",
        target_framework="ESCO",
        target_code="S1.2.3",
        target_type="ceasn:Competency",
    )
    QualificationAlignment.objects.create(
        qualification=qualification,
        sort_order=1,
        target_name="Cluster Management Excellence",
        target_url="https://clustercollaboration.example.eu/quality",
    )
    return qualification


def test_the_design_goes_onto_the_certificate_and_into_the_credential(designed):
    certificate = issue(make_user("learner", "designed-holder"), designed)
    design = certificate.frozen["design"]
    assert design["accent"] == "#5a1e6e" and design["accent_secondary"] == "#b08d2f"
    assert design["human_code"] == "CMA-TQ"
    assert design["logo"] == hashlib.sha256(LOGO).hexdigest()
    assert [s["name"] for s in design["signatories"]] == [
        "Dr. Helena Brandt",
        "Prof. Kenji Morita",
        "Amara Okafor",
    ]
    assert design["signatories"][0]["signature"] and design["signatories"][1]["signature"] is None

    achievement = certificate.credential["credentialSubject"]["achievement"]
    assert achievement["humanCode"] == "CMA-TQ"
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "Cluster management: strategy development",
            "targetUrl": "https://esco.example.org/skill/1234",
            "targetFramework": "ESCO",
            "targetCode": "S1.2.3",
            "targetType": "ceasn:Competency",
        },
        {
            "type": ["Alignment"],
            "targetName": "Cluster Management Excellence",
            "targetUrl": "https://clustercollaboration.example.eu/quality",
        },
    ]
    # The uploaded seal is the badge: a PNG, made small for the credential.
    image = achievement["image"]["id"]
    assert image.startswith("data:image/png;base64,")
    badge = Image.open(io.BytesIO(base64.b64decode(image.split(",", 1)[1])))
    assert max(badge.size) == 256
    assert_fully_defined({k: v for k, v in certificate.credential.items() if k != "proof"})
    assert verify_by_id(certificate.id).status == Status.VALID

    reader = PdfReader(io.BytesIO(certificate.pdf.open("rb").read()))
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in (
        "Dr. Helena Brandt",
        "Director of Studies",
        "Prof. Kenji Morita",
        "Amara Okafor",
        "Registrar",
    ):
        assert expected in text, expected
    assert "CMA-TQ" in text.replace(" ", "")  # letter-spaced beside CERTIFICATE
    # The SVG logo is drawn as shapes and text on the page; the seal, the signature and the QR
    # code are the page's three images, all embedded (nothing to fetch).
    assert "ACME" in text
    images = reader.pages[0]["/Resources"]["/XObject"]
    assert len(images) == 3


def test_with_nothing_set_the_certificate_has_a_drawn_seal_and_the_academys_name(curriculum):
    certificate = issue(make_user("learner", "plain-design"))
    design = certificate.frozen["design"]
    assert design == {
        "accent": DEFAULT_ACCENT,
        "accent_secondary": "#9a7b2f",
        "human_code": "",
        "logo": None,
        "seal": DRAWN_SEAL,
        "signatories": [],
    }
    image = certificate.credential["credentialSubject"]["achievement"]["image"]["id"]
    seal = base64.b64decode(image.split(",", 1)[1])
    assert seal == drawn_seal("Cluster Manager Academy", DEFAULT_ACCENT, "#9a7b2f", "")
    assert svg_problems(seal) == []
    assert b"<text" not in seal  # letters drawn as outlines: the same in every viewer
    text = PdfReader(io.BytesIO(certificate.pdf.open("rb").read())).pages[0].extract_text()
    assert "Issued and digitally signed by the academy" in text


# --- render once and freeze ---------------------------------------------------------------------


def test_a_new_design_never_touches_a_certificate_already_issued(designed, monkeypatch):
    old = issue(make_user("learner", "before-redesign"), designed)
    old_pdf = old.pdf.open("rb").read()
    old_frozen = json.loads(json.dumps(old.frozen))
    assert old_frozen["template_version"] == pdf.TEMPLATE_VERSION

    # A redesign: new colours, no signatories, and a new template version.
    designed.certificate_accent = "#004D40"
    designed.save()
    designed.certificate_signatories.all().delete()
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", "2099-1")
    new = issue(make_user("learner", "after-redesign"), designed)

    old.refresh_from_db()
    assert old.frozen == old_frozen
    assert old.pdf.open("rb").read() == old_pdf
    assert hashlib.sha256(old_pdf).hexdigest() == old.pdf_sha256
    assert verify_by_id(old.id).status == Status.VALID
    assert new.frozen["template_version"] == "2099-1"
    assert new.frozen["design"]["accent"] == "#004d40"
    assert new.frozen["design"]["signatories"] == []
    assert "Dr. Helena Brandt" in PdfReader(io.BytesIO(old_pdf)).pages[0].extract_text()
    assert (
        "Dr. Helena Brandt"
        not in PdfReader(io.BytesIO(new.pdf.open("rb").read())).pages[0].extract_text()
    )
