"""Throttling keys on the real client address, also behind proxies, and never fails."""

import pytest
from django.test import RequestFactory

from lms.client_ip import UNKNOWN, client_ip


@pytest.mark.parametrize(
    ("proxies", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.9"}, "203.0.113.9"),
        (0, {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "203.0.113.9"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"},
            "198.51.100.7",
        ),
        (
            2,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.1"},
            "198.51.100.7",
        ),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (0, {"REMOTE_ADDR": ""}, UNKNOWN),
        (0, {}, UNKNOWN),
        (0, {"REMOTE_ADDR": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, meta, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected
