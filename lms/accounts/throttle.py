"""Throttles of the account endpoints: signing in, tokens, registering, password resets, links
by e-mail; and of the Open Badges API's client registration.

Sign-in attempts are counted per client address, and per address *and* username together: a
username alone would let anyone lock its owner out by failing on purpose from elsewhere.
Password-reset requests are counted per client address (refused past the rate) and per e-mail
address (past the rate no more messages go out, but the answer stays the same, so it says
nothing about whether an account has that address). Registration attempts (the web form and
the API count together, valid or not) and wallet registrations are counted per client address.
"""

import hashlib

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from lms.client_ip import client_ip

LOGIN_RATE = settings.LOGIN_RATE  # LMS_LOGIN_RATE
LOGIN_IP_RATE = settings.LOGIN_IP_RATE  # LMS_LOGIN_IP_RATE
RESET_IP_RATE = "10/h"
RESET_ADDRESS_RATE = "3/h"
EMAIL_LINK_RATE = "5/h"
REGISTER_IP_RATE = "20/h"
CLIENT_REGISTER_IP_RATE = "20/h"


def _digest(value: str) -> str:
    return hashlib.sha256((value or "").strip().casefold().encode()).hexdigest()[:32]


def ip_and_username(group, request) -> str:
    """The ratelimit key of a web sign-in: the client address with the username typed."""
    return f"{client_ip(request)}|{_digest(request.POST.get('username', ''))}"


def _hit(request, group: str, value: str, rate: str) -> bool:
    return is_ratelimited(request, group=group, key=lambda _g, _r: value, rate=rate, increment=True)


def sign_in_throttled(request, *, username: str, group: str = "accounts.token") -> bool:
    """Count one sign-in attempt (API token) and say whether it is over either rate."""
    ip = client_ip(request)
    over_ip = _hit(request, f"{group}.ip", ip, LOGIN_IP_RATE)
    over_pair = _hit(request, f"{group}.ip-user", f"{ip}|{_digest(username)}", LOGIN_RATE)
    return over_ip or over_pair


def reset_ip_throttled(request) -> bool:
    return _hit(request, "accounts.reset.ip", client_ip(request), RESET_IP_RATE)


def reset_address_throttled(request, email: str) -> bool:
    return _hit(request, "accounts.reset.address", _digest(email), RESET_ADDRESS_RATE)


def email_link_throttled(request, user_id: int) -> bool:
    """Resending a confirmation or asking for an address change: a few messages an hour."""
    return _hit(request, "accounts.email-link", str(user_id), EMAIL_LINK_RATE)


def register_ip_throttled(request) -> bool:
    """Count one attempt to create an account (web form or API) from the client's address."""
    return _hit(request, "accounts.register.ip", client_ip(request), REGISTER_IP_RATE)


def client_register_ip_throttled(request) -> bool:
    """Count one wallet (OAuth client) registration from the client's address."""
    return _hit(request, "obapi.register.ip", client_ip(request), CLIENT_REGISTER_IP_RATE)
