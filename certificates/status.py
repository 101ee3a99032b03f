"""The signed revocation status list every credential points at (W3C Bitstring Status List).

Re-signed whenever a certificate is revoked and by beat before it expires, so anyone holding a
credential can check revocation without telling us which certificate they are checking.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from certificates.credentials import build_status_list
from certificates.dates import xsd_datetime
from certificates.keys import signing_key, verification_method_id
from certificates.models import Certificate, StatusList
from certificates.signing import sign

STATUS_LIST_LIFETIME = timedelta(hours=24)


@transaction.atomic
def status_list_refresh() -> StatusList:
    now = timezone.now().replace(microsecond=0)
    revoked = list(
        Certificate.objects.filter(revoked_at__isnull=False).values_list("status_index", flat=True)
    )
    unsigned = build_status_list(
        revoked_indexes=revoked,
        size=StatusList.SIZE,
        valid_from=now,
        valid_until=now + STATUS_LIST_LIFETIME,
    )
    key, private_key = signing_key()
    signed = sign(unsigned, private_key, verification_method_id(key), xsd_datetime(now))
    status_list, _ = StatusList.objects.update_or_create(
        id=1, defaults={"credential": signed, "valid_until": now + STATUS_LIST_LIFETIME}
    )
    return status_list


def current_status_list() -> StatusList:
    status_list = StatusList.objects.filter(id=1).first()
    if status_list is None or status_list.valid_until <= timezone.now() + timedelta(minutes=5):
        status_list = status_list_refresh()
    return status_list
