"""Verification under load, against a bare Django JSON view served by the same server in the same run.

    python bench/verify_load.py          # with DATABASE_URL=postgres://... and REDIS_URL=redis://...

Starts gunicorn with the production settings (PostgreSQL, Redis cache) and, in a separate
process, locust with 50 concurrent clients. Each target gets the same warm-up and the same
measured duration: the bare view, GET /api/v1/certificates/<id>/verification and the
verification page /verify/<id>/. The per-client rate limit is raised for the run (one load
generator is one IP address). Bars: API throughput >= 50% of the bare view's, API p95 <= 2x the
bare view's, zero errors. The last lines are `verify_throughput_ratio=`, `verify_p95_ratio=`,
`errors=`.
"""

from __future__ import annotations

import csv
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _setup import ROOT, load_small_curriculum, prepare

USERS = 50
WARMUP_SECONDS = 5
MEASURE_SECONDS = 20
GUNICORN_WORKERS = 3
GUNICORN_THREADS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def issue_one_certificate() -> str:
    from django.utils import timezone

    from certificates.issuance import certificate_issue
    from certificates.models import Award
    from courses.models import QualificationPage
    from lms.accounts.services import account_create

    user, _created = account_create(
        role="learner",
        username="bench",
        password=secrets.token_urlsafe(16),
        full_name="Bench Learner",
        email="bench@example.org",
    )
    qualification = QualificationPage.objects.get(
        slug="test-qualification", locale__language_code="en"
    )
    award = Award.objects.create(
        learner=user, qualification=qualification, achieved_at=timezone.now()
    )
    return certificate_issue(award_id=award.id).id


def run_locust(base_url: str, path: str, seconds: int, csv_prefix: Path) -> dict:
    env = {**os.environ, "BENCH_PATH": path}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{seconds}s",
            "--host",
            base_url,
            "--csv",
            str(csv_prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{csv_prefix}_stats.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "target")
    return {
        "rps": float(row["Requests/s"]),
        "p95": float(row["95%"]),
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
    }


def measure(base_url: str, path: str, workdir: Path, label: str) -> dict:
    run_locust(base_url, path, WARMUP_SECONDS, workdir / f"{label}-warmup")
    return run_locust(base_url, path, MEASURE_SECONDS, workdir / label)


def main() -> None:
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        print(
            "note: run with DATABASE_URL=postgres://... and REDIS_URL=redis://... as in production",
            file=sys.stderr,
        )
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    os.environ["LMS_BASE_URL"] = base_url
    env = prepare("verify", settings="lms.settings.dev")
    load_small_curriculum()
    certificate_id = issue_one_certificate()
    workdir = Path(tempfile.mkdtemp(prefix="cma-verify-load-"))
    server_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "LMS_VERIFY_RATE": "100000000/m",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=server_env,
        check=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--threads",
            str(GUNICORN_THREADS),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/bench/bare", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        bare = measure(base_url, "/bench/bare", workdir, "bare")
        api = measure(
            base_url, f"/api/v1/certificates/{certificate_id}/verification", workdir, "api"
        )
        page = measure(base_url, f"/verify/{certificate_id}/", workdir, "page")
    finally:
        server.terminate()
        server.wait(timeout=30)
    for label, result in (
        ("bare JSON view", bare),
        ("verification API", api),
        ("verification page", page),
    ):
        print(
            f"{label:<18} {result['rps']:8.1f} req/s  p95 {result['p95']:6.0f} ms  "
            f"{result['requests']} requests, {result['failures']} errors"
        )
    throughput_ratio = api["rps"] / bare["rps"]
    p95_ratio = api["p95"] / max(bare["p95"], 1)
    errors = bare["failures"] + api["failures"] + page["failures"]
    print(
        f"verification page: throughput ratio {page['rps'] / bare['rps']:.2f}, p95 ratio {page['p95'] / max(bare['p95'], 1):.2f}"
    )
    print(
        f"bars: throughput >= 0.5 {'PASS' if throughput_ratio >= 0.5 else 'FAIL'}; "
        f"p95 <= 2.0 {'PASS' if p95_ratio <= 2.0 else 'FAIL'}; errors == 0 {'PASS' if errors == 0 else 'FAIL'}"
    )
    print(f"verify_throughput_ratio={throughput_ratio:.2f}")
    print(f"verify_p95_ratio={p95_ratio:.2f}")
    print(f"errors={errors}")


if __name__ == "__main__":
    main()
