"""Reads of certificates for the learner's dashboard and the API."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import states
from certificates.credentials import verify_url
from certificates.models import Certificate

STATUS_LABELS = {
    states.VALID: _("Valid"),
    states.REVOKED: _("Revoked"),
    states.EXPIRED: _("Expired"),
    states.SUPERSEDED: _("Superseded"),
}


def certificate_status(certificate: Certificate, now=None) -> str:
    """The certificate's state (certificates.states) as the registry records it."""
    return states.certificate_state(
        revoked=certificate.revoked_at is not None,
        superseded=not certificate.is_current,
        valid_until=certificate.valid_until,
        now=now or timezone.now(),
    )


def certificates_for(learner) -> list[dict]:
    rows = []
    now = timezone.now()
    for certificate in Certificate.objects.filter(learner=learner).order_by("-issued_at"):
        status = certificate_status(certificate, now)
        rows.append(
            {
                "id": certificate.id,
                "qualification": certificate.qualification_id,
                "qualification_title": certificate.frozen.get("certificate_title")
                or certificate.frozen.get("qualification_title"),
                # Frozen too: the title in Chinese, where the qualification has a translation.
                "qualification_title_zh": certificate.frozen.get("certificate_title_zh", ""),
                "status": status,
                "status_label": STATUS_LABELS[status],
                "issued_on": certificate.issued_at.date(),
                "expires_on": certificate.valid_until.date() if certificate.valid_until else None,
                "pdf_url": f"{settings.BASE_URL}/certificates/{certificate.id}.pdf",
                "credential_url": f"{settings.BASE_URL}/certificates/{certificate.id}/credential.json",
                "verify_url": verify_url(certificate.id),
            }
        )
    return rows
