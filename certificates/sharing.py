"""A certificate that travels: its public page (which the holder may make private), the picture
shown when the page is shared, and LinkedIn's add-to-profile link.

A private page is hidden from everyone but its holder and staff; the certificate itself stays
verifiable by its ID, through the verification page and API, whatever the holder chooses.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pypdfium2
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from certificates.credentials import certificate_url
from certificates.models import Certificate
from lms.storage import private_storage

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
OG_SIZE = (1200, 630)  # the size Open Graph and Twitter cards show a large picture at
OG_MARGIN = 36


def page_visible_to(certificate: Certificate, user) -> bool:
    """Whether `user` (anonymous, or anyone) may see the certificate's page."""
    if certificate.public:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.id == certificate.learner_id or user.is_staff_member


def certificate_visibility_set(*, certificate: Certificate, by, public: bool) -> Certificate:
    """Make the certificate's page public or private. Only its holder decides."""
    if by is None or by.id != certificate.learner_id:
        raise PermissionDenied(_("Only the holder of a certificate decides who sees its page."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.public != public:
            certificate.public = public
            certificate.save(update_fields=["public"])
    return certificate


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's add-to-profile link, filled in: the certification's name, the issuing
    organisation, the month and year of issue (and of expiry), its page and its ID."""
    frozen = certificate.frozen
    parameters = {
        "startTask": "CERTIFICATION_NAME",
        "name": frozen.get("certificate_title") or frozen.get("qualification_title", ""),
        "organizationName": frozen.get("issuer_name", ""),
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
    }
    if certificate.valid_until:
        parameters["expirationYear"] = certificate.valid_until.year
        parameters["expirationMonth"] = certificate.valid_until.month
    parameters["certUrl"] = certificate_url(certificate.id)
    parameters["certId"] = certificate.id
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(parameters)}"


def _og_name(certificate_id: str) -> str:
    return f"certificates/share/{certificate_id}.png"


def _card(pdf: bytes, background: str) -> bytes:
    """The certificate's first page, drawn on a card of the size link previews use."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = (OG_SIZE[1] - 2 * OG_MARGIN) / page.get_height()
        picture = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    card = Image.new("RGB", OG_SIZE, background)
    card.paste(picture, ((OG_SIZE[0] - picture.width) // 2, (OG_SIZE[1] - picture.height) // 2))
    out = io.BytesIO()
    card.save(out, format="PNG", optimize=True)
    return out.getvalue()


def share_image(certificate: Certificate) -> bytes:
    """The picture shown when the certificate's page is shared (Open Graph, Twitter cards):
    made from its PDF once, then kept beside it."""
    name = _og_name(certificate.id)
    storage = private_storage()
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            return handle.read()
    with certificate.pdf.open("rb") as handle:
        pdf = handle.read()
    accent = (certificate.frozen.get("design") or {}).get("accent") or "#0b3a66"
    image = _card(pdf, accent)
    if not storage.exists(name):
        storage.save(name, ContentFile(image))
    return image
