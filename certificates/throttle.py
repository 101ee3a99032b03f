"""One verification limit per client address, shared by the verify pages, the API and uploads.

A counter per client in the cache (`LMS_VERIFY_RATE`, e.g. "60/m"), whose window opens with the
client's first request, not at the clock's minute: no client doubles its allowance across a
minute boundary. With Redis, the API's GET sends the counter and the read of the cached report
in one pipelined round trip: round trips to Redis are most of what a cached verification costs
(docs/performance.md).

If the cache cannot be reached the request is let through: verification stays available, and
certificate IDs carry 128 random bits, so a pause in counting gives no foothold for guessing.

Redis times the window itself (the counter's expiry). Other caches keep the window's start in the
entry, read from `clock` (time.time unless a test passes its own).
"""

from __future__ import annotations

import logging
import re
import time

from django.conf import settings
from django.core.cache import caches

from lms.client_ip import client_ip

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/m' -> (60, 60); '100/5m' -> (100, 300)."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r} (use e.g. '60/m')")
    count, multiple, unit = match.groups()
    return int(count), _UNITS[unit] * int(multiple or 1)


def _counter_key(request) -> str:
    return f"verify:rate:{client_ip(request)}"


def _redis_store():
    try:
        from django_redis.cache import RedisCache
    except ImportError:  # pragma: no cover - django-redis is a dependency
        return None
    store = caches["default"]
    return store if isinstance(store, RedisCache) else None


def count_and_get(request, cache_key: str | None = None, *, clock=time.time) -> tuple[bool, object]:
    """Count this request against the client's limit and read `cache_key` from the cache.

    Returns (over the limit, the cached value or None)."""
    limit, period = parse_rate(settings.VERIFY_RATE)
    counter = _counter_key(request)
    store = _redis_store()
    if store is not None:
        from redis.exceptions import RedisError

        try:
            pipe = store.client.get_client(write=True).pipeline(transaction=False)
            full_counter = store.make_key(counter)
            # The window opens with the client's first request: SET NX starts the count and its
            # expiry, INCR keeps the expiry. Any Redis version, one round trip.
            pipe.set(full_counter, 0, ex=period, nx=True)
            pipe.incr(full_counter)
            if cache_key is not None:
                pipe.get(store.make_key(cache_key))
            results = pipe.execute()
        except RedisError:
            logger.warning("verification throttle: the cache is unreachable; not counting")
            return False, None
        cached = None
        if cache_key is not None and results[2] is not None:
            cached = store.client.decode(results[2])
        return results[1] > limit, cached
    # Other caches (the zero-setup file cache): the window's start and count in one entry. Not
    # atomic, which one machine's development server can live with.
    store = caches["default"]
    now = clock()
    opened, count = store.get(counter) or (now, 0)
    if now - opened >= period:
        opened, count = now, 0
    count += 1
    store.set(counter, (opened, count), max(1, int(opened + period - now) + 1))
    cached = store.get(cache_key) if cache_key is not None else None
    return count > limit, cached


def throttled(request, *, clock=time.time) -> bool:
    """Count this request; True when the client is over the limit."""
    return count_and_get(request, clock=clock)[0]
