"""Certificate benchmark: how long the real certificate takes to render next to a trivial page,
and how much a second worker process speeds up bulk issuance.

    python bench/certificates.py          # uses DATABASE_URL / REDIS_URL if set (CI: PostgreSQL, Redis)

1. Render ratio: in this process, the median time to render a real certificate (the shipped
   template, PDF/A-3b, the signed credential attached, the QR code) over the median time of a
   trivial one-page WeasyPrint render (one line of text), alternating the two. Measured for a
   Latin name with diacritics, a Chinese learner's bilingual certificate and a 300-character
   name; the reported ratio is the largest of the three. Bar: <= 2.5.
   For scale, the same run also times the certificate's words alone: every text of the page as
   a plain paragraph, default fonts, no stylesheet, image, PDF/A or attachment. No certificate
   that carries those words can render faster than that.
2. Bulk issuance: 200 awards are issued by real `celery worker` processes, once with one
   worker process and once with two, each on a clean slate (an empty queue). The clock stops
   when every certificate exists and every learner has been sent its email, so both runs do the
   same work. Bar: two are >= 1.6x faster.
3. Storage: the two-process run again, with the PDFs going to an S3-compatible server (moto's,
   started on 127.0.0.1 for the run) instead of the local disk; then the median time to stream
   one stored PDF through `private_file_response` from each. Bar: S3 issuance >= 0.8x the local
   disk's throughput.

The last lines are `render_ratio=<x>`, `bulk_speedup=<y>` and `s3_issuance_ratio=<z>`.
"""

from __future__ import annotations

import statistics
import time
from html import escape
from html.parser import HTMLParser

from _setup import ROOT, celery_worker, load_small_curriculum, prepare

from tests.support.stack import MotoS3Server

ROUNDS = 15
BULK = 200
READS = 30


class _Words(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_body, self.words = False, []

    def handle_starttag(self, tag, attrs):
        self.in_body = self.in_body or tag == "body"

    def handle_data(self, data):
        if self.in_body and data.strip():
            self.words.append(data.strip())


def words_alone_html(html: str) -> str:
    """Every text of the certificate's page as a plain paragraph, and nothing else."""
    parser = _Words()
    parser.feed(html)
    return "".join(f"<p>{escape(text)}</p>" for text in parser.words)


def render_ratio() -> tuple[float, dict]:
    from django.utils import timezone
    from weasyprint import HTML

    from certificates.credentials import build_credential, verify_url
    from certificates.dates import xsd_datetime
    from certificates.keys import signing_key, verification_method_id
    from certificates.pdf import render_html, render_pdf, render_trivial_pdf, safe_fetcher
    from certificates.signing import sign

    key, private_key = signing_key()
    now = timezone.now().replace(microsecond=0)
    base = {
        "email": "learner@example.org",
        "email_salt": "0" * 32,
        "issuer_name": "Cluster Manager Academy",
        "achievement_id": "http://localhost:8000/achievements/certified-cluster-manager",
        "qualification_title": "Certified Cluster Manager",
        "qualification_description": "The core qualification of the academy.",
        "criteria_narrative": "Completed six courses and a graded field project.",
        "certificate_title": "Certified Cluster Manager",
        "certificate_statement": "has completed the six courses and the graded field project of the Certified Cluster Manager qualification.",
        "certificate_title_zh": "认证集群经理",
        "certificate_statement_zh": "已完成认证集群经理资格的全部六门课程和实地项目。",
        "evidence": [{"name": "Courses completed", "narrative": "All six courses."}],
        "project_result": "82.50% (pass with distinction)",
        "issued_on": now.date().isoformat(),
        "valid_until": "2029-11-27",
        "template_version": "bench",
    }
    cases = {
        "latin": {**base, "holder_name": "Zoë Müller-Łukasiewicz", "language": "en"},
        "chinese": {**base, "holder_name": "王小明", "language": "zh-hans"},
        "very long": {**base, "holder_name": "Maximilian " * 27 + "Okonkwo", "language": "en"},
    }
    certificate_id = "7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0F8"
    ratios = {}
    for label, frozen in cases.items():
        credential = sign(
            build_credential(
                certificate_id=certificate_id,
                frozen=frozen,
                valid_from=now,
                valid_until=None,
                status_index=7,
            ),
            private_key,
            verification_method_id(key),
            xsd_datetime(now),
        )

        def real(frozen=frozen, credential=credential):
            render_pdf(
                frozen=frozen,
                certificate_id=certificate_id,
                verify_url=verify_url(certificate_id),
                credential=credential,
            )

        words = words_alone_html(
            render_html(
                frozen=frozen, certificate_id=certificate_id, verify_url=verify_url(certificate_id)
            )
        )

        def words_alone(words=words):
            HTML(string=words, url_fetcher=safe_fetcher(), base_url=None).write_pdf()

        runs = {"real": real, "trivial": render_trivial_pdf, "words": words_alone}
        times = {name: [] for name in runs}
        for run in runs.values():
            run()
        for _ in range(ROUNDS):
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
        ratios[label] = {name: statistics.median(values) for name, values in times.items()}
    return max(m["real"] / m["trivial"] for m in ratios.values()), ratios


def issue_all(env, concurrency: int, qualification, label: str = "disk") -> float:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certificates.models import Award, Certificate
    from certificates.tasks import issue_certificate
    from lms.celery import app
    from lms.notifications.models import Notification

    User = get_user_model()
    app.control.purge()
    Notification.objects.all().delete()
    Certificate.objects.all().delete()
    Award.objects.all().delete()
    User.objects.filter(username__startswith="bulk").delete()
    users = User.objects.bulk_create(
        [
            User(
                username=f"bulk{i}",
                email=f"bulk{i}@example.org",
                full_name=f"Learner {i}",
                role="learner",
            )
            for i in range(BULK)
        ]
    )
    users = list(User.objects.filter(username__startswith="bulk"))
    awards = Award.objects.bulk_create(
        [Award(learner=u, qualification=qualification, achieved_at=timezone.now()) for u in users]
    )
    with celery_worker(env, concurrency=concurrency, name=f"bench-certs-{concurrency}-{label}"):
        start = time.perf_counter()
        for award in Award.objects.filter(id__in=[a.id for a in awards]):
            issue_certificate.delay(award.id)
        while (
            Certificate.objects.count() < BULK
            or Notification.objects.filter(key__startswith="certificate-issued:").count() < BULK
        ):
            if time.perf_counter() - start > 1800:
                raise RuntimeError("bulk issuance did not finish within 30 minutes")
            time.sleep(0.2)
        return time.perf_counter() - start


def main() -> None:
    env = prepare("certificates")
    from lms.celery import app

    app.conf.task_always_eager = False
    load_small_curriculum()
    worst, ratios = render_ratio()
    for label, m in ratios.items():
        print(
            f"render {label:<10} {m['real'] * 1000:6.1f} ms vs trivial {m['trivial'] * 1000:5.1f} ms:"
            f" ratio {m['real'] / m['trivial']:.2f}"
            f" (its words alone, unstyled: {m['words'] * 1000:5.1f} ms, ratio"
            f" {m['words'] / m['trivial']:.2f})"
        )
    print(f"bar: render ratio <= 2.5 -> {'PASS' if worst <= 2.5 else 'FAIL'}")

    from courses.models import QualificationPage

    qualification = QualificationPage.objects.get(
        slug="test-qualification", locale__language_code="en"
    )
    one = issue_all(env, 1, qualification)
    two = issue_all(env, 2, qualification)
    speedup = one / two
    print(f"bulk issuance of {BULK}: 1 worker process {one:.1f} s, 2 processes {two:.1f} s")
    print(f"bar: speed-up >= 1.6 -> {'PASS' if speedup >= 1.6 else 'FAIL'}")

    s3_ratio = storage_comparison(env, qualification, two)
    print(f"render_ratio={worst:.2f}")
    print(f"bulk_speedup={speedup:.2f}")
    print(f"s3_issuance_ratio={s3_ratio:.2f}")


def stream_ms(storage, name: str) -> float:
    """Median time to stream one stored PDF to the end through the download helper."""
    from lms.storage import private_file_response

    class Stored:
        def __init__(self):
            self.storage, self.name = storage, name

    times = []
    for _ in range(READS + 1):
        start = time.perf_counter()
        response = private_file_response(Stored(), filename="c.pdf", content_type="application/pdf")
        for _chunk in response.streaming_content:
            pass
        response.file_to_stream.close()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1000


def storage_comparison(env: dict, qualification, disk_seconds: float) -> float:
    """The two-process bulk run with PDFs on the S3 server, beside the local disk's."""
    from django.core.files.storage import storages

    from certificates.models import Certificate
    from lms.storage import storages_from_environment

    with MotoS3Server(log_path=ROOT / "var" / "bench-moto.log") as s3:
        s3.create_bucket("bench-private")
        s3_env = {**env, **s3.environment(bucket="bench-private")}
        on_s3 = issue_all(s3_env, 2, qualification, label="s3")
        stored = len(s3.keys("bench-private", "certificates/"))
        assert stored == BULK, f"{stored} PDFs in the bucket, not {BULK}"
        sample = Certificate.objects.first().pdf
        s3_storage = storages.create_storage(
            storages_from_environment(s3_env, data_dir=ROOT)["private"]
        )
        s3_read = stream_ms(s3_storage, sample.name)
        local_storage = storages["private"]
        local_name = local_storage.save(sample.name, s3_storage.open(sample.name))
        disk_read = stream_ms(local_storage, local_name)
        pdf_bytes = s3_storage.size(sample.name)
    ratio = disk_seconds / on_s3
    print(
        f"bulk issuance of {BULK}, 2 processes: local disk {disk_seconds:.1f} s"
        f" ({BULK / disk_seconds:.1f}/s), S3 server {on_s3:.1f} s ({BULK / on_s3:.1f}/s):"
        f" ratio {ratio:.2f}"
    )
    print(
        f"streaming one {pdf_bytes / 1024:.0f} KiB certificate PDF: local disk {disk_read:.2f} ms,"
        f" S3 server {s3_read:.2f} ms"
    )
    print(f"bar: S3 issuance >= 0.8x the local disk's -> {'PASS' if ratio >= 0.8 else 'FAIL'}")
    return ratio


if __name__ == "__main__":
    main()
