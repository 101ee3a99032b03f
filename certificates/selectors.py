"""Reads of certificates for the learner's dashboard, the admin and the API."""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import states
from certificates.credentials import certificate_url, verify_url
from certificates.models import Certificate
from certificates.sharing import linkedin_url

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


def certificates_in_status(queryset, status: str, now=None):
    """The certificates of `queryset` whose state (certificate_status above) is `status`: the
    state rule of certificates.states written as a query, in the same order of precedence
    (revoked, then superseded, then expired, else valid); tests hold the two to agreement."""
    now = now or timezone.now()
    not_revoked = Q(revoked_at__isnull=True)
    current = not_revoked & Q(is_current=True)
    expired = current & Q(valid_until__isnull=False, valid_until__lte=now)
    conditions = {
        states.REVOKED: Q(revoked_at__isnull=False),
        states.SUPERSEDED: not_revoked & Q(is_current=False),
        states.EXPIRED: expired,
        states.VALID: current & (Q(valid_until__isnull=True) | Q(valid_until__gt=now)),
    }
    if status not in conditions:
        raise ValueError(f"Unknown certificate status {status!r}.")
    return queryset.filter(conditions[status])


def certificates_issued_since(since):
    """Certificates issued (first issues and re-issues) since `since`, newest first."""
    return (
        Certificate.objects.filter(issued_at__gte=since)
        .select_related("learner")
        .order_by("-issued_at")
    )


def certificate_row(certificate: Certificate, now=None) -> dict:
    """What the learner's dashboard and the API say about one of the learner's certificates."""
    status = certificate_status(certificate, now)
    return {
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
        "page_url": certificate_url(certificate.id),
        "public": certificate.public,
        # Only a certificate that certifies something is offered for a profile.
        "linkedin_url": linkedin_url(certificate) if status == states.VALID else None,
    }


def certificates_for(learner) -> list[dict]:
    now = timezone.now()
    return [
        certificate_row(certificate, now)
        for certificate in Certificate.objects.filter(learner=learner).order_by("-issued_at")
    ]


def certificate_of(learner, certificate_id: str) -> Certificate | None:
    """The learner's own certificate with this ID, or None (someone else's is None too)."""
    if learner is None or not learner.is_authenticated:
        return None
    return Certificate.objects.filter(pk=certificate_id, learner_id=learner.id).first()
