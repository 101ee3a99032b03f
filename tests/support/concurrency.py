"""Running the same call many times at once, as concurrent requests or workers would."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, connections


def all_at_once(call: Callable[[], object], times: int, *, timeout: float = 120) -> list:
    """The results of `call` made `times` times. On PostgreSQL the calls run in threads, each on
    its own connection, released together by a barrier; SQLite serialises writers, so there they
    run one after another (the same code path, without the race). An exception in any call fails
    the caller with every exception raised."""
    if connection.vendor != "postgresql":
        return [call() for _ in range(times)]
    start = threading.Barrier(times)
    results: list = []
    errors: list[BaseException] = []

    def run():
        try:
            start.wait(timeout=30)
            results.append(call())
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return results
