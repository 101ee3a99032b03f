"""What a render keeps for the next one (docs/performance.md, certificates): the colours'
stylesheet per pair of colours, and the design's graphics (logo, seal, signatures) parsed once,
by the digest of their data, in a capped cache; each with what the certificate must still show."""

import io
import zlib

import pytest
from pypdf import PdfReader
from weasyprint.images import SVGImage

from certificates import pdf
from certificates.design import DRAWN_SEAL, data_uri, drawn_seal
from tests.certificates.test_pdf import frozen_for, text_of

CERTIFICATE_ID = "7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA"


def seal(accent: str = "#0b3a66") -> str:
    return data_uri("image/svg+xml", drawn_seal("Cluster Manager Academy", accent, "#9a7b2f"))


def render_with(
    images: dict[str, str], name: str = "Zoë Müller", language: str = "en", **design
) -> bytes:
    frozen = frozen_for(
        name,
        language=language,
        design={"accent": "#0b3a66", "accent_secondary": "#9a7b2f", "seal": DRAWN_SEAL, **design},
    )
    return pdf.render_pdf(
        frozen=frozen,
        certificate_id=CERTIFICATE_ID,
        verify_url=f"http://testserver/verify/{CERTIFICATE_ID}/",
        credential={"id": "urn:example", "name": name},
        images=images,
    )


def page_content(document: bytes) -> bytes:
    page = PdfReader(io.BytesIO(document)).pages[0]
    return page.get_contents().get_data()


@pytest.fixture
def empty_cache():
    pdf._shared_images().clear()
    yield pdf._shared_images()
    pdf._shared_images().clear()


@pytest.fixture
def image_fetches(monkeypatch) -> list[str]:
    fetched = []
    fetch = pdf._ImageFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(pdf._ImageFetcher, "fetch", recording)
    return fetched


def test_the_colours_are_parsed_once_per_pair():
    assert pdf._colours("#0b3a66", "#9a7b2f") is pdf._colours("#0b3a66", "#9a7b2f")
    assert pdf._colours("#0b3a66", "#9a7b2f") is not pdf._colours("#aa0000", "#9a7b2f")


def test_the_seal_is_parsed_once_and_drawn_on_every_certificate(empty_cache, image_fetches):
    images = {DRAWN_SEAL: seal()}
    url = pdf.image_urls(images)[DRAWN_SEAL]

    first = render_with(images)
    second = render_with(images, name="Lena Fischer")

    assert [u for u in image_fetches if u.startswith("cma-image:")] == [url]  # the first only
    cached = empty_cache[url][url]
    assert isinstance(cached, pdf._ReplayedSVG) and isinstance(cached.image, SVGImage)
    # The cached drawing keeps nothing of the layout that first parsed it.
    assert isinstance(cached.image._context, pdf._Detached)
    # Both certificates draw the same seal, in the same place.
    assert page_content(first).count(b" c\n") == page_content(second).count(b" c\n") > 100
    assert "Lena Fischer" in text_of(second)


def test_a_new_seal_under_the_same_key_is_drawn_not_the_cached_one(empty_cache):
    blue, red = {DRAWN_SEAL: seal("#0b3a66")}, {DRAWN_SEAL: seal("#cc0000")}
    assert pdf.image_urls(blue)[DRAWN_SEAL] != pdf.image_urls(red)[DRAWN_SEAL]

    render_with(blue)
    redrawn = render_with(red)

    assert b"0.8 0 0 rg" in page_content(redrawn)  # the red teeth of the new seal
    assert len(empty_cache) == 2


def test_the_cache_keeps_the_most_recently_used_graphics(empty_cache, monkeypatch):
    monkeypatch.setattr(pdf, "IMAGE_CACHE_SIZE", 2)
    seals = [{DRAWN_SEAL: seal(accent)} for accent in ("#110000", "#220000", "#330000")]
    urls = [pdf.image_urls(images)[DRAWN_SEAL] for images in seals]

    render_with(seals[0])
    render_with(seals[1])
    render_with(seals[0])  # used again: now the most recent
    render_with(seals[2])

    assert list(empty_cache) == [urls[0], urls[2]]


def test_a_png_signature_is_kept_with_its_data(empty_cache, image_fetches):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), "navy").save(buffer, format="PNG")
    images = {DRAWN_SEAL: seal(), "sig": data_uri("image/png", buffer.getvalue())}
    signatory = {"name": "Amara Okafor", "title": "Registrar", "signature": "sig"}

    render_with(images, signatories=[signatory])
    document = render_with(images, signatories=[signatory])

    assert len([u for u in image_fetches if u.startswith("cma-image:")]) == 2  # first render
    xobjects = PdfReader(io.BytesIO(document)).pages[0]["/Resources"]["/XObject"]
    sizes = {(x.get_object()["/Width"], x.get_object()["/Height"]) for x in xobjects.values()}
    assert (60, 20) in sizes  # the signature is still embedded, from the cache


def test_the_fetcher_serves_only_the_certificates_graphics():
    fetcher = pdf._ImageFetcher({"cma-image:abc": "data:text/plain;base64,aGk="})
    assert fetcher.fetch("cma-image:abc").read() == b"hi"
    with pytest.raises(ValueError, match="No image"):
        fetcher.fetch("cma-image:other")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher.fetch("file:///etc/passwd")


def test_a_rare_chinese_character_is_drawn_from_its_own_cut_faces():
    name = "龘小明"  # 龘 is outside GB 2312
    document = render_with({DRAWN_SEAL: seal()}, name=name, language="zh-hans")
    assert name in text_of(document).replace(" ", "")


def test_the_cut_chinese_faces_hold_no_alternates():
    import uharfbuzz

    faces = pdf._cjk_faces()
    assert faces, "Noto Sans CJK must be installed (fonts-noto-cjk; .ci/run installs it)"
    face = next(iter(faces.values()))
    cut = uharfbuzz.Face(uharfbuzz.Blob(pdf.cjk_subset(face, "证书编号")))
    # The four characters and .notdef; no vertical, Japanese or traditional forms.
    assert cut.glyph_count <= 6
    assert "vmtx" not in set(cut.table_tags)


def test_whitespace_between_tags_goes_but_a_space_between_words_stays():
    html = pdf.render_html(
        frozen={**frozen_for("Zoë Müller"), "language": "zh-hans"},
        certificate_id=CERTIFICATE_ID,
        verify_url=f"http://testserver/verify/{CERTIFICATE_ID}/",
    )
    assert not pdf._BETWEEN_TAGS.search(html)
    assert "</span> <b>" in html  # "Certificate ID · 证书编号 7K3Q-…": the space before the ID


def test_the_page_is_unchanged_by_what_the_caches_keep(empty_cache):
    images = {DRAWN_SEAL: seal()}
    url = pdf.image_urls(images)[DRAWN_SEAL]
    # Parsed and drawn; drawn from the cache and its operators kept; the operators replayed.
    cold, recorded, replayed = (page_content(render_with(images)) for _ in range(3))
    assert [d for d in empty_cache[url][url].drawings.values() if d is not None]
    assert zlib.crc32(cold) == zlib.crc32(recorded) == zlib.crc32(replayed)


def test_an_svg_with_text_is_drawn_every_time_not_replayed(empty_cache):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" '
        b'height="100"><circle cx="50" cy="50" r="40" fill="#0b3a66"/>'
        b'<text x="20" y="55" font-size="14" fill="#ffffff">SEALTEXT</text></svg>'
    )
    images = {DRAWN_SEAL: data_uri("image/svg+xml", svg)}
    url = pdf.image_urls(images)[DRAWN_SEAL]
    pages = [render_with(images) for _ in range(3)]
    assert set(empty_cache[url][url].drawings.values()) == {None}  # its glyphs need registering
    assert all("SEALTEXT" in text_of(page) for page in pages)
