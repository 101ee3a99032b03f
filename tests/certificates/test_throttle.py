"""The verification limit: one counter per client and window, shared by every way to verify."""

import time

import pytest
from django.test import RequestFactory

from certificates import throttle


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("60/m", (60, 60)), ("5/s", (5, 1)), ("100/5m", (100, 300)), ("1000/h", (1000, 3600))],
)
def test_rates(rate, expected):
    assert throttle.parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["60", "60/x", "/m", "many/m"])
def test_a_bad_rate_is_refused(rate):
    with pytest.raises(ValueError, match="not a rate"):
        throttle.parse_rate(rate)


def _request(address="203.0.113.7"):
    return RequestFactory().get("/verify/", REMOTE_ADDR=address)


def test_each_client_has_its_own_counter_and_window(settings):
    settings.VERIFY_RATE = "2/1s"
    assert [throttle.throttled(_request()) for _ in range(3)] == [False, False, True]
    assert throttle.throttled(_request("198.51.100.1")) is False  # another client
    time.sleep(1.2)  # the client's window, opened by its first request, has closed
    assert throttle.throttled(_request()) is False


def test_the_window_opens_with_the_first_request_not_on_the_clock(settings):
    # A window aligned to the clock would reset within the test whenever it straddles a second.
    settings.VERIFY_RATE = "3/2s"
    results = []
    for _ in range(6):
        results.append(throttle.throttled(_request()))
        time.sleep(0.25)
    assert results == [False, False, False, True, True, True]


def test_the_cached_value_comes_back_with_the_count(settings):
    from django.core.cache import cache

    settings.VERIFY_RATE = "5/m"
    cache.set("verify:test-key", ("body", "valid", None), 60)
    assert throttle.count_and_get(_request(), "verify:test-key") == (
        False,
        ("body", "valid", None),
    )
    assert throttle.count_and_get(_request(), "verify:missing") == (False, None)


def test_an_unreachable_redis_lets_verification_through(settings):
    settings.VERIFY_RATE = "1/m"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    assert [throttle.count_and_get(_request(), "verify:x") for _ in range(3)] == [(False, None)] * 3
