"""Two hosts on one machine: what docs/deploy.md promises, shown with real processes.

A learner does everything on web A, two instructors grade on A and B, a worker issues the
certificate, and the PDF downloads and verifies from web B. Then a cohort's certificates are
queued, one worker is killed with SIGKILL while it issues, and the other finishes its work.
Through it all no web, worker or release step writes a file to its own disk: uploads, PDFs,
media and static files are in the S3 server's buckets.

Slow (a minute or two): `make test-scale` and CI run it (marker `scale`), `make test` does not.
It needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL) and fails, never skips, without them.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.courses.helpers import pdf_bytes
from tests.integration.conftest import wait_for
from tests.scale.conftest import PASSWORD, PRIVATE_BUCKET, PUBLIC_BUCKET, Site

pytestmark = pytest.mark.scale

COHORT = 16
ISSUE = "certificates.tasks.issue_certificate"


def complete_the_qualification(site: Site, token: str, marker_token: str) -> dict:
    """Enrol, complete every lesson and pass every check of the test qualification, and submit
    its field project with a file; returns the qualification."""
    qualification = next(
        q for q in site.api("GET", "/qualifications") if q["slug"] == "test-qualification"
    )
    site.api("POST", f"/qualifications/{qualification['id']}/enrolment", token=token)
    for course_id in qualification["courses"]:
        for module in site.api("GET", f"/courses/{course_id}")["modules"]:
            for lesson in module["lessons"]:
                site.api("POST", f"/lessons/{lesson['id']}/completion", token=token)
            check = module["knowledge_check"]
            if check:
                key = site.api(
                    "GET", f"/knowledge-checks/{check['id']}/answer-key", token=marker_token
                )
                # Opening the check draws this attempt's questions from its bank.
                opened = site.api("GET", f"/knowledge-checks/{check['id']}", token=token)
                answers = {
                    q["id"]: key[q["id"]] if q["multiple"] else key[q["id"]][0]
                    for q in opened["attempt"]["questions"]
                }
                result = site.api(
                    "POST",
                    f"/knowledge-checks/{check['id']}/attempts",
                    {"answers": answers},
                    token=token,
                )
                assert result["passed"], result
        # A later course opens once a worker has folded this one's events (its prerequisite).
        wait_for(
            lambda course_id=course_id: any(
                row["page"] == course_id and row["percent"] == 100
                for row in site.api("GET", "/me/progress", token=token)
            ),
            timeout=120,
            message=f"course {course_id} to be complete",
        )
    response = site.request(
        "POST",
        f"/api/v1/field-projects/{qualification['field_project']}/submissions",
        token=token,
        fields={
            "report": "How our cluster organisation matches firms with the university.",
            "files": ("diagnosis.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status == 201, response.data
    return qualification


def grade_and_moderate(marker: Site, moderator: Site, qualification: dict, tokens: dict) -> None:
    """The marker grades on one web process, the moderator agrees on the other: released."""
    project = marker.api("GET", f"/field-projects/{qualification['field_project']}")
    best = {c["id"]: c["levels"][-1]["id"] for c in project["rubric"]["criteria"]}
    [item] = marker.api("GET", "/grading/submissions", token=tokens["marker"])
    graded = marker.api(
        "POST",
        f"/grading/submissions/{item['id']}/grade",
        {"levels": best, "feedback": "A sharp diagnosis.", "release": True},
        token=tokens["marker"],
    )
    assert graded["awaits_moderation"], graded
    moderated = moderator.api(
        "POST",
        f"/grading/submissions/{item['id']}/moderation",
        {"agree": True},
        token=tokens["moderator"],
    )
    assert moderated["status"] == "released", moderated


def task_ids(log: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, log))


def in_flight(worker) -> set[str]:
    """Issuance tasks this worker has taken and not finished, read from its log."""
    log = worker.log_text()
    received = task_ids(log, rf"Task {re.escape(ISSUE)}\[([0-9a-f-]+)\] received")
    done = task_ids(log, rf"Task {re.escape(ISSUE)}\[([0-9a-f-]+)\] (?:succeeded|raised|retry)")
    return received - done


CONFIRM_AMARA = """
from lms.accounts.models import User
User.objects.filter(username="amara").update(email_confirmed=True)
"""

QUEUE_A_COHORT = f"""
from django.db import transaction
from django.utils import timezone
from certificates.awards import award_record
from courses.models import QualificationPage
from lms.accounts.services import account_create

qualification = QualificationPage.objects.get(slug="test-qualification", locale__language_code="en")
with transaction.atomic():
    for i in range({COHORT}):
        user, _ = account_create(
            role="learner", username=f"cohort{{i}}", password="{PASSWORD}",
            full_name=f"Cohort Learner {{i}}", email=f"cohort{{i}}@example.org",
        )
        award_record(learner_id=user.id, qualification_id=qualification.id, achieved_at=timezone.now())
"""


def test_two_hosts_share_everything_but_their_disks(deployment):
    started = time.monotonic()
    deployment.release()
    print(f"release steps: {time.monotonic() - started:.0f} s")
    web_a, web_b = deployment.web("a"), deployment.web("b")
    worker_a, worker_b = deployment.worker("a"), deployment.worker("b")
    beat = deployment.beat()
    deployment.start(web_a, web_b, worker_a, worker_b, beat)
    a, b = Site(web_a.url), Site(web_b.url)
    print(f"release and start: {time.monotonic() - started:.0f} s")

    # Both web processes are healthy, storage included (one process's probe object is written
    # and read back through the shared bucket).
    for site in (a, b):
        response = site.request("GET", "/healthz")
        health = json.loads(response.data)
        assert response.status == 200, health
        assert health["storage"] == {"ok": True} and health["database"] == {"ok": True}, health

    # --- A learner completes on web A; the grade is moderated on web B ------------------------
    a.api(
        "POST",
        "/auth/register",
        {
            "username": "amara",
            "email": "amara@example.org",
            "password": PASSWORD,
            "full_name": "Amara Okafor",
        },
        expect=(201,),
    )
    # A self-registered learner confirms the address before enrolling; following the e-mailed
    # link is the e2e journey's subject (tests/e2e/test_accounts.py), here it is done directly.
    deployment.manage("shell", "-c", CONFIRM_AMARA)
    tokens = {name: a.token(name) for name in ("amara", "marker", "moderator")}
    journey = time.monotonic()
    qualification = complete_the_qualification(a, tokens["amara"], tokens["marker"])
    grade_and_moderate(a, b, qualification, tokens)

    # --- A worker issues; the PDF downloads and verifies from web B ---------------------------
    [certificate] = wait_for(
        lambda: b.api("GET", "/me/certificates", token=tokens["amara"]),
        timeout=120,
        message="the learner's certificate",
    )
    print(f"learner's journey to a certificate: {time.monotonic() - journey:.0f} s")
    pdf_path = certificate["pdf_url"].removeprefix(deployment.base_url)
    download = b.request("GET", pdf_path, token=tokens["amara"])
    assert download.status == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Type"] == "application/pdf"
    assert int(download.headers["Content-Length"]) == len(download.data)
    assert "private" in download.headers["Cache-Control"]
    assert b.request("GET", pdf_path, token=tokens["marker"]).status == 403  # not the holder's
    verified = b.request(
        "POST",
        "/api/v1/verifications",
        fields={"file": ("certificate.pdf", download.data, "application/pdf")},
    )
    assert verified.status == 200, verified.data
    report = json.loads(verified.data)
    assert report["status"] == "valid", report
    assert a.api("GET", f"/certificates/{certificate['id']}/verification")["status"] == "valid"
    private_keys = deployment.s3.keys(PRIVATE_BUCKET)
    assert f"certificates/{certificate['id']}.pdf" in private_keys
    assert any(key.startswith("submissions/") for key in private_keys)

    # Pages take their static files from the public bucket.
    page = b.request("GET", "/en/")
    assert page.status == 200, page.data[:500]
    static = re.search(
        rb'href="(http://127\.0\.0\.1:\d+/%s/static/[^"]+\.css)"' % PUBLIC_BUCKET.encode(),
        page.data,
    )
    assert static, "no stylesheet from the public bucket on the home page"
    assert Site.http.request("GET", static.group(1).decode()).status == 200
    # The private bucket answers no one without our credentials.
    pdf_object = (
        f"{deployment.s3.endpoint_url}/{PRIVATE_BUCKET}/certificates/{certificate['id']}.pdf"
    )
    assert Site.http.request("GET", pdf_object).status == 403

    # --- A cohort: worker A is killed with SIGKILL mid-issuance; worker B finishes ------------
    # Watched while the cohort is queued: its first issuances start before the shell exits.
    queueing = deployment.manage("shell", "-c", QUEUE_A_COHORT, background=True)
    taken = wait_for(
        lambda: in_flight(worker_a),
        timeout=120,
        interval=0.05,
        message="worker A to take an issuance",
    )
    worker_a.kill()
    assert queueing.wait(timeout=120) == 0, queueing.stdout.read()
    print(f"worker A killed holding {len(taken)} issuance task(s)")
    cohort_awards = deployment.sql(
        "select a.id from certificates_award a join accounts_user u on u.id = a.learner_id "
        "where u.username like 'cohort%%'"
    )
    assert len(cohort_awards) == COHORT

    def all_issued():
        rows = deployment.sql(
            "select award_id, count(*) from certificates_certificate group by award_id"
        )
        return len(rows) == COHORT + 1 and rows

    cohort = time.monotonic()
    # What A held comes back to the queue after the visibility timeout (10 s here). Once, one
    # more award's message did not come back that way; beat's pending-awards sweep (every 2
    # minutes, awards a minute old) queued it again, which is what the sweep is for.
    rows = wait_for(all_issued, timeout=300, interval=1, message="every cohort certificate")
    print(f"cohort issued after the kill: {time.monotonic() - cohort:.0f} s")
    assert all(count == 1 for _award, count in rows)
    log_b = worker_b.log_text()
    finished_by_b = task_ids(log_b, rf"Task {re.escape(ISSUE)}\[([0-9a-f-]+)\] succeeded")
    assert taken <= finished_by_b, "worker B did not finish what worker A was killed holding"
    current = deployment.sql("select pdf from certificates_certificate where is_current")
    assert len(current) == COHORT + 1
    stored = set(deployment.s3.keys(PRIVATE_BUCKET, "certificates/"))
    assert {pdf for (pdf,) in current} <= stored

    # --- Beat drives the workers of both hosts ------------------------------------------------
    wait_for(
        lambda: "Sending due task" in beat.log_text(),
        timeout=90,
        interval=1,
        message="beat to send its first periodic task",
    )

    # --- Nothing on any host's disk -----------------------------------------------------------
    for host in ("web-a", "web-b", "worker-a", "worker-b", "release"):
        assert deployment.local_files(host) == [], f"{host} wrote to its local disk"
    # Beat keeps its schedule (when each periodic task last ran) on its own host, by design.
    assert all(name.startswith("celerybeat-schedule") for name in deployment.local_files("beat"))
    assert deployment.s3.keys(PUBLIC_BUCKET, "static/")
    print(f"the whole test: {time.monotonic() - started:.0f} s")
