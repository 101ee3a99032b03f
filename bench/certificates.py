"""Certificate benchmark: our certificate next to the nearest peer's, and bulk issuance.

    python bench/certificates.py          # uses DATABASE_URL / REDIS_URL if set (CI: PostgreSQL, Redis)
    python bench/certificates.py --images docs/images/certificates   # also writes the PNGs

1. Side by side with openfun/joanie's degree certificate (Django + WeasyPrint, kept with its
   licence in ../shared/peers/joanie-degree/ and rendered its own way, bench/_joanie.py), in
   this process, alternating: the median time of our full certificate (two pages, PDF/A-3b, the
   signed credential attached, the QR code, the seal, a signature) for a Latin name with
   diacritics, a Chinese learner's bilingual certificate, a 300-character name and a
   qualification with three signatories, against the median time of joanie's degree.
   Bars: ours at least 25x faster than joanie's (every variant); the Latin PDF at most 100 KB,
   the Chinese at most 150 KB; the Chinese at most 2.5x the Latin's time.
   Floors, beside joanie's in the same way: an empty two-page PDF/A-3b with the credential
   attached, and the per-learner text of our certificate alone, absolutely placed, for a Latin
   and a Chinese learner: what a design rendering everything else once per qualification, and
   laying only that text over it, would still pay per certificate. joanie's time over the
   per-learner floor bounds the ratio such a design could reach (before merging the layers).
2. Bulk issuance: 200 awards are issued by real `celery worker` processes, once with one
   worker process and once with two, each on a clean slate (an empty queue). The clock stops
   when every certificate exists and every learner has been sent its email, so both runs do the
   same work. Bar: two are >= 1.6x faster.
3. Storage: the two-process run again, with the PDFs going to an S3-compatible server (moto's,
   started on 127.0.0.1 for the run) instead of the local disk; then the median time to stream
   one stored PDF through `private_file_response` from each. Bar: S3 issuance >= 0.8x the local
   disk's throughput.

The last lines are `joanie_ratio=<x>` (the smallest), `floor_ratio_empty_latin=`,
`floor_ratio_per-learner_latin=`, `floor_ratio_per-learner_chinese=`, `latin_kb=`, `chinese_kb=`,
`chinese_over_latin=`, `bulk_speedup=<y>` and `s3_issuance_ratio=<z>`.
"""

from __future__ import annotations

import argparse
import copy
import io
import statistics
import time
from pathlib import Path

from _setup import ROOT, celery_worker, load_small_curriculum, prepare

from tests.support.stack import MotoS3Server

ROUNDS = 9
BULK = 200
READS = 30
CERTIFICATE_ID = "7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0F8"
COURSES = [
    (
        "Cluster foundations: what clusters are and why they matter",
        "集群基础：集群是什么，为何重要",
    ),
    ("EU cluster excellence", "欧盟的集群卓越实践"),
    ("Germany's cluster policy", "德国的集群政策"),
    ("US cluster policy", "美国的集群政策"),
    ("Japan's cluster programmes", "日本的集群计划"),
    ("Cluster strategy and roadmapping", "集群战略与路线图"),
    ("Running a cluster organisation", "集群组织的运营"),
    ("Managing cluster organisations", "管理集群组织"),
]
CRITERIA = [
    ("Structure and members", "结构与成员", "1", 3),
    ("Management and governance", "管理与治理", "1", 4),
    ("Strategy", "战略", "1.5", 3),
    ("Financing", "融资", "1", 2),
    ("Services", "服务", "1", 3),
    ("Cooperation and internationalisation", "合作与国际化", "1", 3),
    ("Stakeholder engagement", "利益相关方参与", "1", 4),
    ("Statement of own contribution", "个人贡献说明", "0.5", 3),
]
LEVELS = [
    ("Emerging", "初级"),
    ("Developing", "发展"),
    ("Proficient", "熟练"),
    ("Excellent", "优秀"),
]
SIGNATORIES = [
    ("Dr. Helena Brandt", "Director of Studies", "教务主任"),
    ("Prof. Kenji Morita", "Chair of the Examination Board", "考试委员会主席"),
    ("Amara Okafor", "Registrar", "注册主任"),
]


def signature_png() -> bytes:
    """A hand-drawn-looking signature, as staff would upload one."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + i * 9, 110 + ((i * 37) % 60) - 30 + (i % 5) * 6) for i in range(62)]
    draw.line(points, fill=(20, 30, 60, 255), width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sample(name: str, *, language: str = "en", signatories: int = 2) -> tuple[dict, dict]:
    """Frozen data and graphics as issuance makes them, for the real curriculum's size: eight
    courses, an eight-criterion rubric, the qualification's own wording."""
    import hashlib

    from certificates.design import DRAWN_SEAL, data_uri, drawn_seal

    zh = language == "zh-hans"
    signature = signature_png()
    digest = hashlib.sha256(signature).hexdigest()
    images = {
        DRAWN_SEAL: data_uri(
            "image/svg+xml", drawn_seal("Cluster Manager Academy", "#0b3a66", "#9a7b2f", "CMA-CCM")
        ),
        digest: data_uri("image/png", signature),
    }
    levels = [
        {"id": f"l{i}", "title": t, "title_zh": tz if zh else "", "points": i, "descriptor": t}
        for i, (t, tz) in enumerate(LEVELS, start=1)
    ]
    frozen = {
        "holder_name": name,
        "email": "learner@example.org",
        "email_salt": "0" * 32,
        "language": language,
        "issuer_name": "Cluster Manager Academy",
        "achievement_id": "http://localhost:8000/achievements/certified-cluster-manager",
        "achievement_language": "en",
        "achievement_image": images[DRAWN_SEAL],
        "criteria_url": "http://localhost:8000/en/catalog/certified-cluster-manager/",
        "qualification_title": "Certified Cluster Manager",
        "qualification_titles": {"zh-hans": "认证集群经理"},
        "qualification_description": "The core qualification of the academy.",
        "criteria_narrative": "Completed eight courses and a graded, defended field project.",
        "human_code": "CMA-CCM",
        "alignments": [],
        "certificate_title": "Certified Cluster Manager",
        "certificate_statement": "has completed the eight courses and the graded and defended "
        "field project of the Cluster Manager Academy and is certified as a Cluster Manager, "
        "able to diagnose a cluster, benchmark its management and plan its development with "
        "its members.",
        "certificate_title_zh": "认证集群经理" if zh else "",
        "certificate_statement_zh": "已完成集群经理学院全部八门课程及经评分并通过答辩的实地项目，"
        "能够诊断集群现状、对标评估集群管理，并与成员共同规划集群发展，特此认证为集群经理。"
        if zh
        else "",
        "evidence": [{"name": "Courses completed", "narrative": "All eight courses."}],
        "project_result": "82.50% (pass with distinction)",
        "transcript": {
            "courses": [
                {"title": t, "title_zh": tz if zh else "", "completed_on": f"2026-{3 + i:02d}-1{i}"}
                for i, (t, tz) in enumerate(COURSES)
            ],
            "project": {
                "title": "Field project: diagnose a cluster and plan its next steps",
                "title_zh": "实地项目：诊断一个集群并规划其下一步发展" if zh else "",
                "percent": "82.50",
                "outcome": "distinction",
                "pass_mark": 70,
                "distinction_mark": 80,
                "minimum_level": 2,
                "moderated": True,
                "criteria": [
                    {
                        "id": f"c{i}",
                        "title": t,
                        "title_zh": tz if zh else "",
                        "weight": w,
                        "achieved": f"l{rank}",
                        "levels": copy.deepcopy(levels),
                    }
                    for i, (t, tz, w, rank) in enumerate(CRITERIA)
                ],
            },
            "evidence_reviewed": False,
        },
        "design": {
            "accent": "#0b3a66",
            "accent_secondary": "#9a7b2f",
            "human_code": "CMA-CCM",
            "logo": None,
            "seal": DRAWN_SEAL,
            "signatories": [
                {
                    "name": n,
                    "title": t,
                    "title_zh": tz if zh else "",
                    "signature": digest if i == 0 else None,
                }
                for i, (n, t, tz) in enumerate(SIGNATORIES[:signatories])
            ],
        },
        "issued_on": "2026-12-04",
        "valid_until": "2029-12-04",
        "template_version": "bench",
    }
    return frozen, images


VARIANTS = {
    "latin": lambda: sample("Zoë Müller-Łukasiewicz"),
    "chinese": lambda: sample("王小明", language="zh-hans"),
    "very long": lambda: sample(("Maximiliana-Wilhelmina von Hohenzollern " * 8)[:300]),
    "three signatories": lambda: sample("Émilie Durand-Lefèvre", signatories=3),
}


def _signed(frozen: dict) -> dict:
    from django.utils import timezone

    from certificates.credentials import build_credential
    from certificates.dates import xsd_datetime
    from certificates.keys import signing_key, verification_method_id
    from certificates.signing import sign

    key, private_key = signing_key()
    now = timezone.now().replace(microsecond=0)
    unsigned = build_credential(
        certificate_id=CERTIFICATE_ID,
        frozen=frozen,
        valid_from=now,
        valid_until=None,
        status_index=7,
    )
    return sign(unsigned, private_key, verification_method_id(key), xsd_datetime(now))


def nothing_set() -> tuple[dict, dict]:
    """A qualification with nothing of the design set: no code, logo, seal or signatory."""
    from certificates.design import DRAWN_SEAL, data_uri, drawn_seal

    frozen, images = sample("Lena Fischer", signatories=0)
    frozen["design"]["human_code"] = ""
    images[DRAWN_SEAL] = data_uri(
        "image/svg+xml", drawn_seal("Cluster Manager Academy", "#0b3a66", "#9a7b2f", "")
    )
    return frozen, images


def render_variant(make) -> bytes:
    from certificates.credentials import verify_url
    from certificates.pdf import render_pdf

    frozen, images = make()
    return render_pdf(
        frozen=frozen,
        certificate_id=CERTIFICATE_ID,
        verify_url=verify_url(CERTIFICATE_ID),
        credential=_signed(frozen),
        images=images,
    )


def side_by_side() -> dict:
    """For each variant: our median, joanie's median (alternating), and our PDF's size."""
    import _joanie

    from certificates.credentials import verify_url
    from certificates.design import data_uri
    from certificates.pdf import render_pdf

    joanie_values = _joanie.context(
        "Zoë Müller-Łukasiewicz", data_uri("image/png", signature_png())
    )
    results = {}
    for label, make in VARIANTS.items():
        frozen, images = make()
        credential = _signed(frozen)

        def ours(frozen=frozen, images=images, credential=credential):
            return render_pdf(
                frozen=frozen,
                certificate_id=CERTIFICATE_ID,
                verify_url=verify_url(CERTIFICATE_ID),
                credential=credential,
                images=images,
            )

        def joanie():
            return _joanie.render(joanie_values)

        size, joanie_size = len(ours()), len(joanie())
        results[label] = {
            **alternated({"ours": ours, "joanie": joanie}),
            "size": size,
            "joanie_size": joanie_size,
        }
    return results


def alternated(renders: dict) -> dict:
    """Each render's median time over ROUNDS rounds, the renders taking turns in each round, so
    that a change in the machine's load falls on all of them alike."""
    times = {name: [] for name in renders}
    for _ in range(ROUNDS):
        for name, run in renders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _floor_pages(frozen: dict, credential: dict, chinese: bool = False) -> dict:
    """Documents that bound what any WeasyPrint certificate of ours can cost, rendered as ours
    is (A4 landscape, two pages, PDF/A-3b, the signed credential attached):

    - "empty": a character on each page, nothing else;
    - "per-learner": only what changes from one learner to the next on our certificate (name,
      ID twice, the two dates in words, result and score, the QR code and short URL, eight
      completion dates and eight achieved levels), each placed absolutely, as an overlay on a
      frame rendered once per design would have to be. A design that cached all the rest would
      still pay this. For a Chinese learner the dates and levels are in both languages, and the
      Chinese faces are cut to the certificate's characters, as ours are: the name's characters
      differ from one learner to the next."""
    import json

    from weasyprint import HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    from certificates.credentials import verify_url
    from certificates.pdf import chinese_fonts, qr_data_uri, short_url

    url = verify_url(CERTIFICATE_ID)
    project = frozen["transcript"]["project"]
    zh = (
        (lambda english, chinese_text: f"{english} · {chinese_text}")
        if chinese
        else (lambda english, _chinese: english)
    )
    first = [
        frozen["holder_name"],
        CERTIFICATE_ID,
        zh("4 December 2026", "2026年12月4日"),
        zh("4 December 2029", "2029年12月4日"),
        zh("Distinction, weighted score 82.5%", "优秀"),
        short_url(url),
    ]
    second = [CERTIFICATE_ID, zh("4 December 2026", "2026年12月4日")]
    second += [zh(f"1{i} March 2026", f"2026年3月1{i}日") for i in range(8)]
    second += [
        zh(f"Proficient, level {c['achieved'][1:]} of 4", "熟练") for c in project["criteria"]
    ]

    def page(texts: list[str], extra: str = "") -> str:
        items = "".join(
            f'<p style="position:absolute;left:{20 + (i % 2) * 120}mm;top:{15 + i * 9}mm">{t}</p>'
            for i, t in enumerate(texts)
        )
        return f'<section style="position:relative;height:210mm;break-after:page">{items}{extra}</section>'

    family = "'DejaVu Sans', 'CMA Sans CJK'" if chinese else "'DejaVu Sans'"
    style = (
        f"<style>@page{{size:A4 landscape;margin:0}} body{{margin:0;font:9pt {family}}}"
        " p{margin:0}</style>"
    )
    qr = f'<img src="{qr_data_uri(url)}" style="position:absolute;right:20mm;bottom:20mm;width:28mm">'
    documents = {"per-learner": f"<html>{style}<body>{page(first, qr)}{page(second)}</body></html>"}
    if not chinese:
        documents = {
            "empty": f"<html>{style}<body>{page(['1'])}{page(['2'])}</body></html>",
            **documents,
        }
    body = json.dumps(credential, ensure_ascii=False, indent=2)
    shared = FontConfiguration()

    def render(html: str) -> bytes:
        attachment = Attachment(string=body, name="credential.json", relationship="Data")
        config, stylesheets = shared, []
        if chinese:
            config, faces = chinese_fonts(html)
            stylesheets = [faces]
        return HTML(string=html).write_pdf(
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
            font_config=config,
            stylesheets=stylesheets,
        )

    return {label: (lambda html=html: render(html)) for label, html in documents.items()}


def floors() -> dict:
    """joanie's degree over each floor document, alternating in this process."""
    import _joanie

    from certificates.design import data_uri

    joanie_values = _joanie.context(
        "Zoë Müller-Łukasiewicz", data_uri("image/png", signature_png())
    )
    results = {}
    pages = {}
    for variant in ("latin", "chinese"):
        frozen, _images = VARIANTS[variant]()
        for label, run in _floor_pages(
            frozen, _signed(frozen), chinese=variant == "chinese"
        ).items():
            pages[f"{label} {variant}"] = run
    for label, run in pages.items():
        run()
        results[label] = alternated({"floor": run, "joanie": lambda: _joanie.render(joanie_values)})
    return results


def write_images(folder: Path) -> list[Path]:
    """Each variant's pages as PNG at 150 dpi, for the docs."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for label, make in {**VARIANTS, "nothing set": nothing_set}.items():
        document = pypdfium2.PdfDocument(render_variant(make))
        for number, page in enumerate(document, start=1):
            path = folder / f"{label.replace(' ', '-')}-page{number}.png"
            page.render(scale=150 / 72).to_pil().convert("RGB").save(path, optimize=True)
            written.append(path)
        document.close()
    return written


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
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=Path, help="also write each variant's pages as PNG here")
    parser.add_argument("--no-bulk", action="store_true", help="skip the bulk-issuance run")
    args = parser.parse_args()
    env = prepare("certificates")
    from lms.celery import app

    app.conf.task_always_eager = False
    load_small_curriculum()
    if args.images:
        for path in write_images(args.images):
            print(f"wrote {path}")

    results = side_by_side()
    for label, m in results.items():
        print(
            f"render {label:<18} ours {m['ours'] * 1000:6.1f} ms, {m['size'] / 1024:5.0f} KB;"
            f" joanie's degree {m['joanie'] * 1000:7.1f} ms, {m['joanie_size'] / 1024:5.0f} KB:"
            f" ours {m['joanie'] / m['ours']:.1f}x faster"
        )
    worst = min(m["joanie"] / m["ours"] for m in results.values())
    latin_kb = results["latin"]["size"] / 1024
    chinese_kb = results["chinese"]["size"] / 1024
    chinese_over_latin = results["chinese"]["ours"] / results["latin"]["ours"]
    print(
        f"bar: ours >= 25x faster than joanie's (every variant) -> {'PASS' if worst >= 25 else 'FAIL'}"
    )
    print(f"bar: Latin PDF <= 100 KB -> {'PASS' if latin_kb <= 100 else 'FAIL'}")
    print(f"bar: Chinese PDF <= 150 KB -> {'PASS' if chinese_kb <= 150 else 'FAIL'}")
    print(f"bar: Chinese <= 2.5x Latin -> {'PASS' if chinese_over_latin <= 2.5 else 'FAIL'}")
    floor_results = floors()
    for label, m in floor_results.items():
        print(
            f"floor {label:<24} {m['floor'] * 1000:6.1f} ms; joanie's degree"
            f" {m['joanie'] * 1000:7.1f} ms: {m['joanie'] / m['floor']:.1f}x"
        )

    speedup = None
    if not args.no_bulk:
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
    print(f"joanie_ratio={worst:.1f}")
    for label, m in floor_results.items():
        print(f"floor_ratio_{label.replace(' ', '_')}={m['joanie'] / m['floor']:.1f}")
    print(f"latin_kb={latin_kb:.0f}")
    print(f"chinese_kb={chinese_kb:.0f}")
    print(f"chinese_over_latin={chinese_over_latin:.2f}")
    if speedup is not None:
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
