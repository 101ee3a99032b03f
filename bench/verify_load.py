"""Verification under load, against a bare Django JSON view served by the same server in the same run.

    python bench/verify_load.py          # with DATABASE_URL=postgres://... and REDIS_URL=redis://...

Starts gunicorn with the production settings (PostgreSQL, Redis cache) and, in a separate
process, locust with 50 concurrent clients. Each target gets the same warm-up and the same
measured duration: the bare view, GET /api/v1/certificates/<id>/verification and the
verification page /verify/<id>/. The per-client rate limit is raised for the run (one load
generator is one IP address). Bars: API throughput >= 50% of the bare view's, API p95 <= 2x the
bare view's, zero errors.

Then the run under attack (issue 17): the site is restarted as behind one load balancer
(LMS_TRUSTED_PROXIES=1) with the production limit of 60 verifications a minute per address.
The honest clients are many visitors (each request from an address of its own); the API's p95 is
measured quiet, then again while ATTACKERS other addresses each send hostile uploads (the CPU
levers and 500s of issue 17: 10,000-evidence credentials, zip bombs, deep JSON, ...) to the
upload API and the upload page at that limit. Two honest uploaders verify the genuine PDF
throughout, each from its own address, under the limit. Bar: the honest p95 under attack <= 2x the quiet p95.

The last lines are `verify_throughput_ratio=`, `verify_p95_ratio=`, `errors=`,
`attack_p95_ratio=`.
"""

from __future__ import annotations

import csv
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import ROOT, load_small_curriculum, prepare
from _site import GUNICORN_THREADS, GUNICORN_WORKERS, os_environment_note, running_site

USERS = 50
WARMUP_SECONDS = 5
MEASURE_SECONDS = 20
ATTACKERS = int(os.environ.get("BENCH_ATTACKERS", "20"))
PRODUCTION_VERIFY_RATE = "60/m"
HONEST_UPLOADERS = 2
HONEST_UPLOAD_INTERVAL = 1.5  # seconds: 40 a minute each, under the limit


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


def run_locust(
    base_url: str, path: str, seconds: int, csv_prefix: Path, *, spread: bool = False
) -> dict:
    env = {**os.environ, "BENCH_PATH": path, "BENCH_SPREAD": "1" if spread else "0"}
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


def measure(base_url: str, path: str, workdir: Path, label: str, *, spread: bool = False) -> dict:
    run_locust(base_url, path, WARMUP_SECONDS, workdir / f"{label}-warmup", spread=spread)
    return run_locust(base_url, path, MEASURE_SECONDS, workdir / label, spread=spread)


class Senders:
    """Threads sending uploads on a schedule until stopped, each recording (status, seconds)."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.results: list[tuple[int, float]] = []
        self.lock = threading.Lock()

    def every(self, interval: float, send_one) -> None:
        """Call send_one(n) for n = 0, 1, ... every `interval` seconds (right after the last
        answer when one takes longer)."""

        def loop():
            started = time.monotonic()
            n = 0
            while not self.stopping.is_set():
                answer = send_one(n)
                with self.lock:
                    self.results.append((answer.status, answer.seconds))
                n += 1
                self.stopping.wait(max(0.0, started + n * interval - time.monotonic()))

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self) -> list[tuple[int, float]]:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=180)
        return self.results


def honest_uploaders(base_url: str, pdf: bytes) -> Senders:
    """HONEST_UPLOADERS addresses verifying the genuine PDF, under the limit."""
    from _hostile import upload

    senders = Senders()
    for index in range(HONEST_UPLOADERS):
        senders.every(
            HONEST_UPLOAD_INTERVAL,
            lambda _n, address=f"192.0.2.{index + 1}": upload(
                base_url, "/api/v1/verifications", "certificate.pdf", pdf, client=address
            ),
        )
    return senders


def warm_up_uploads(base_url: str, pdf: bytes) -> None:
    """The first verification in each gunicorn thread loads what later ones reuse (each thread
    has its own JSON-LD context cache): enough concurrent uploads to reach every thread, twice,
    before anything is measured."""
    from concurrent.futures import ThreadPoolExecutor

    from _hostile import upload

    threads = GUNICORN_WORKERS * GUNICORN_THREADS
    with ThreadPoolExecutor(threads) as pool:
        list(
            pool.map(
                lambda index: upload(
                    base_url,
                    "/api/v1/verifications",
                    "certificate.pdf",
                    pdf,
                    client=f"192.0.2.{100 + index}",
                ),
                range(2 * threads),
            )
        )


def attackers(base_url: str, uploads: dict, interval: float) -> Senders:
    """ATTACKERS addresses, each sending the hostile uploads in turn at one per `interval`,
    alternately to the API and to the page (with the CSRF token a browser would have)."""
    from _hostile import WebForm, upload

    kinds = list(uploads.values())
    senders = Senders()
    for index in range(ATTACKERS):
        address = f"198.51.100.{index + 1}"
        form = WebForm(base_url, "/verify/", client=address)  # one request of its allowance

        def send_one(n, index=index, address=address, form=form):
            filename, content = kinds[(index + n) % len(kinds)]
            if n % 2:
                return form.post({}, {"file": (filename, content)})
            return upload(base_url, "/api/v1/verifications", filename, content, client=address)

        senders.every(interval, send_one)
    return senders


def p95(seconds: list[float]) -> float:
    if len(seconds) < 2:
        return seconds[0] * 1000 if seconds else 0.0
    return statistics.quantiles(seconds, n=20)[-1] * 1000


def under_attack(env: dict, port: int, path: str, workdir: Path, certificate_id: str) -> dict:
    from _hostile import hostile_uploads

    from certificates.models import Certificate
    from certificates.throttle import parse_rate

    certificate = Certificate.objects.get(pk=certificate_id)
    pdf = certificate.pdf.open("rb").read()
    uploads = hostile_uploads(certificate.credential, pdf)
    limit, period = parse_rate(PRODUCTION_VERIFY_RATE)
    with running_site(
        env, port, LMS_VERIFY_RATE=PRODUCTION_VERIFY_RATE, LMS_TRUSTED_PROXIES="1"
    ) as base_url:
        warm_up_uploads(base_url, pdf)
        honest = honest_uploaders(base_url, pdf)
        quiet = measure(base_url, path, workdir, "quiet", spread=True)
        quiet_uploads = honest.stop()
        honest = honest_uploaders(base_url, pdf)
        started = time.monotonic()
        hostile = attackers(base_url, uploads, period / limit)
        attacked = measure(base_url, path, workdir, "attack", spread=True)
        hostile_results = hostile.stop()
        attack_seconds = time.monotonic() - started
        attacked_uploads = honest.stop()
    statuses: dict[int, int] = {}
    for status, _seconds in hostile_results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "quiet": quiet,
        "attack": attacked,
        "kinds": len(uploads),
        "hostile": len(hostile_results),
        "hostile_rate": len(hostile_results) / attack_seconds,
        "hostile_p95": p95([s for _status, s in hostile_results]),
        "hostile_statuses": statuses,
        "limit": f"{limit} per {period} s",
        "quiet_upload": (p95([s for _st, s in quiet_uploads]), quiet_uploads),
        "attack_upload": (p95([s for _st, s in attacked_uploads]), attacked_uploads),
    }


def report_attack(run: dict) -> float:
    quiet, attack = run["quiet"], run["attack"]
    for label, result in (("API, quiet", quiet), ("API, under attack", attack)):
        print(
            f"{label:<18} {result['rps']:8.1f} req/s  p95 {result['p95']:6.0f} ms  "
            f"{result['requests']} requests, {result['failures']} errors"
        )
    statuses = ", ".join(
        f"{n} x {s or 'no answer'}" for s, n in sorted(run["hostile_statuses"].items())
    )
    print(
        f"hostile uploads: {ATTACKERS} addresses at {run['limit']} each, {run['kinds']} kinds, "
        f"{run['hostile']} sent ({run['hostile_rate']:.1f}/s), p95 {run['hostile_p95']:.0f} ms: "
        f"{statuses}"
    )
    for label, (upload_p95, results) in (
        ("quiet", run["quiet_upload"]),
        ("under attack", run["attack_upload"]),
    ):
        valid = sum(1 for status, _s in results if status == 200)
        print(
            f"honest PDF upload, {label}: p95 {upload_p95:.0f} ms, {valid}/{len(results)} answered 200"
        )
    ratio = attack["p95"] / max(quiet["p95"], 1)
    print(f"bar: honest p95 under attack <= 2x quiet -> {'PASS' if ratio <= 2.0 else 'FAIL'}")
    return ratio


def main() -> None:
    os_environment_note()
    from _site import free_port

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    os.environ["LMS_BASE_URL"] = base_url
    env = prepare("verify", settings="lms.settings.dev")
    load_small_curriculum()
    certificate_id = issue_one_certificate()
    workdir = Path(tempfile.mkdtemp(prefix="cma-verify-load-"))
    api_path = f"/api/v1/certificates/{certificate_id}/verification"
    with running_site(env, port, LMS_VERIFY_RATE="100000000/m") as base_url:
        bare = measure(base_url, "/bench/bare", workdir, "bare")
        api = measure(base_url, api_path, workdir, "api")
        page = measure(base_url, f"/verify/{certificate_id}/", workdir, "page")
    attack_run = under_attack(env, port, api_path, workdir, certificate_id)
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
    attack_ratio = report_attack(attack_run)
    print(f"verify_throughput_ratio={throughput_ratio:.2f}")
    print(f"verify_p95_ratio={p95_ratio:.2f}")
    print(f"errors={errors}")
    print(f"attack_p95_ratio={attack_ratio:.2f}")


if __name__ == "__main__":
    main()
