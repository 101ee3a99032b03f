"""Locust users for bench/verify_load.py; BENCH_PATH says which URL they hit.

With BENCH_SPREAD=1 every request comes from an address of its own (X-Forwarded-For, for a site
run with LMS_TRUSTED_PROXIES=1): many honest visitors, none near the per-address limit."""

import os
import random

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]
SPREAD = os.environ.get("BENCH_SPREAD") == "1"


def visitor() -> dict:
    if not SPREAD:
        return {}
    return {
        "X-Forwarded-For": f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    }


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        with self.client.get(
            PATH, name="target", headers=visitor(), catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
