"""Locust users for bench/verify_load.py; BENCH_PATH says which URL they hit."""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ["BENCH_PATH"]


class Client(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        with self.client.get(PATH, name="target", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
