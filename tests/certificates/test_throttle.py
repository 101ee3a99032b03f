"""The verification limit: one counter per client and window, shared by every way to verify.

The window tests pass the throttle a clock they move by hand, on a cache that keeps the window in
its entry; with Redis the window is the counter's expiry, which the Redis test checks directly.
Nothing here sleeps.
"""

import pytest
from django.core.cache import caches
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


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1_800_000_000.5):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(settings) -> Clock:
    """A clock for the throttle, on a cache that keeps the window in its entry (whatever cache
    the environment configures: with Redis, Redis keeps the time)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-tests",
        }
    }
    caches["default"].clear()
    return Clock()


def test_each_client_has_its_own_counter_and_window(settings, clock):
    settings.VERIFY_RATE = "2/1s"
    assert [throttle.throttled(_request(), clock=clock) for _ in range(3)] == [False, False, True]
    assert throttle.throttled(_request("198.51.100.1"), clock=clock) is False  # another client
    clock.advance(0.75)
    assert throttle.throttled(_request(), clock=clock) is True  # still in the window
    clock.advance(0.25)  # the client's window, opened by its first request, has closed
    assert throttle.throttled(_request(), clock=clock) is False


def test_the_window_opens_with_the_first_request_not_on_the_clock(settings, clock):
    # The first request comes half a second into the clock's two-second period: a window aligned
    # to the clock would close 1.5 s later and let the seventh request below through.
    settings.VERIFY_RATE = "3/2s"
    results = []
    for _ in range(8):
        results.append(throttle.throttled(_request(), clock=clock))
        clock.advance(0.25)
    assert results == [False, False, False, True, True, True, True, True]
    assert throttle.throttled(_request(), clock=clock) is False  # 2 s after the first request


def test_with_redis_the_window_is_the_counters_expiry(settings):
    """The first request sets the counter's expiry to the window; later ones count without
    moving it, and once Redis lets the counter expire the client starts afresh."""
    if not settings.REDIS_URL:
        pytest.skip("the configured cache is not Redis (set REDIS_URL); the window tests above run")
    settings.VERIFY_RATE = "2/1h"
    store = caches["default"]
    redis = store.client.get_client(write=True)
    counter = store.make_key("verify:rate:203.0.113.7")
    assert throttle.throttled(_request()) is False
    opened = redis.pttl(counter)
    assert 0 < opened <= 3_600_000
    assert [throttle.throttled(_request()) for _ in range(2)] == [False, True]
    assert 0 < redis.pttl(counter) <= opened  # the window was not extended
    assert throttle.throttled(_request("198.51.100.1")) is False  # another client
    redis.delete(counter)  # what Redis does when the window's time is up
    assert throttle.throttled(_request()) is False


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
