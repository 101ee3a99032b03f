"""The client's IP address for throttling, also behind a load balancer."""

import ipaddress

from django.conf import settings

# A bucket for requests with no usable address, never a bind address.
UNKNOWN = "0.0.0.0"  # noqa: S104  # nosec B104


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of the client that sent the request.

    With LMS_TRUSTED_PROXIES = n (the proxies in front of the app that append to
    X-Forwarded-For), the n-th address from the right is the client as the first trusted proxy
    saw it; addresses further left are whatever the client claimed. Without proxies, REMOTE_ADDR.
    Requests without a usable address share one bucket.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        if len(hops) >= proxies and (address := _valid(hops[-proxies])):
            return address
    return _valid(request.META.get("REMOTE_ADDR") or "") or UNKNOWN
