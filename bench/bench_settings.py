"""Production settings plus one bare JSON view, the yardstick bench/verify_load.py compares to."""

from lms.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
