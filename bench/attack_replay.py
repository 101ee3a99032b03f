"""Issue 17's attacks replayed against a running site, and the offline verifier on hostile files.

    python bench/attack_replay.py        # with DATABASE_URL=postgres://... and REDIS_URL=redis://...
    make attack-replay

Builds a throwaway site (bench/_setup.py: its own database, the test curriculum, genuine and
revoked certificates, learners, an instructor assigned to nothing), starts gunicorn with the
production settings and the production limits, as behind one load balancer
(LMS_TRUSTED_PROXIES=1: each attack comes from an X-Forwarded-For address of its own, except
where one address is the point), then sends the catalogue below and runs
`python -m certificates.offline_verifier` on hostile files. The forged credentials are made with
the builders of the regression tests in tests/ (imported, so the replay and the tests agree).

Each line is one attack: what a refusal looks like, and what came back. A 5xx, a dropped
connection or an accepted forgery is not refused. The last line is `refused=N/M`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _setup import ROOT, load_small_curriculum, prepare
from _site import free_port, os_environment_note, running_site

PASSWORD = "a-long-test-password-1"  # noqa: S105  # the test accounts' (tests.conftest.make_user)
FIFTY_MB = 50 * 1024 * 1024
# The offline cases of tests/certificates/test_attacks_offline_verifier.py, by item of issue 17.
OFFLINE_ITEMS = {"10000-evidence": "2", "duplicate-keys": "7"}


@dataclass
class Outcome:
    refused: bool
    got: str


@dataclass
class Attack:
    item: str  # the item of issue 17
    name: str
    expected: str
    run: Callable[[], Outcome]


def answered(answer, ok: Callable[[object], bool], what: str | None = None) -> Outcome:
    """An HTTP answer judged by `ok`; a 5xx or no answer is never a refusal."""
    if answer.status == 0:
        return Outcome(False, f"no answer ({answer.error})")
    if what is None and answer.headers.get("content-type", "").startswith("text/html"):
        what = page_said(answer)
    detail = what or _detail(answer)
    got = f"{answer.status} {detail}".strip()
    return Outcome(answer.status < 500 and bool(ok(answer)), got)


def _detail(answer) -> str:
    body = answer.json()
    if "status" in body and "checks" in body:
        return body["status"]
    text = body.get("detail") or body.get("errors") or ""
    return _short(text if isinstance(text, str) else json.dumps(text))


PAGE_WORDS = ("Tampered", "too large", "larger than 10 MB", "full_name", "text-direction")


def page_said(answer) -> str:
    """What an HTML answer says, in the words a refusal uses (or that it says none of them)."""
    found = [word for word in PAGE_WORDS if word in answer.text]
    return "page says " + ", ".join(repr(w) for w in found) if found else "page"


def _short(text: str, width: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


# --- the site's world ---------------------------------------------------------------------------


class World:
    """What the attacks need on the site, made through the site's own services."""

    def __init__(self) -> None:
        from certificates.issuance import certificate_revoke
        from courses.enrolment import enrolment_create
        from courses.models import TeamInvitation
        from courses.teams import invitation_accept, team_invite
        from tests.certificates.conftest import issue
        from tests.conftest import Curriculum, make_user

        curriculum = Curriculum()
        self.project = curriculum.project
        self.check = curriculum.checks()[0]
        self.holder = issue(make_user("learner", "holder", full_name="Zoë Ångström-Núñez"))
        self.other = issue(make_user("learner", "second-holder", full_name="Wang Xiaoming"))
        staff = make_user("staff", "sam")
        self.revoked = issue(make_user("learner", "revoked-holder"))
        self.revoked = certificate_revoke(certificate=self.revoked, by=staff, reason="Fraud")
        self.holder_pdf = self.holder.pdf.open("rb").read()
        self.other_pdf = self.other.pdf.open("rb").read()
        self.revoked_pdf = self.revoked.pdf.open("rb").read()
        people = {
            name: make_user("learner", name)
            for name in ("mallory", "victim", "mate-a", "mate-b", "brute", "resetme", "tokens")
        }
        for name in ("mallory", "victim", "mate-a", "mate-b"):
            enrolment_create(learner=people[name], page=curriculum.qualification)
        make_user("learner", "outsider")  # exists, enrolled in nothing
        team_invite(inviter=people["mate-a"], project=self.project, usernames=["mate-b"])
        invitation_accept(
            learner=people["mate-b"],
            invitation_id=TeamInvitation.objects.get(invitee=people["mate-b"]).id,
        )
        make_user("instructor", "idle-instructor")  # teaches nothing, leads no cohort
        self.did = self.holder.credential["issuer"]["id"]


def token(username: str) -> str:
    from lms.accounts.services import api_token_issue

    value = api_token_issue(username=username, password=PASSWORD)
    assert value, username
    return value


# --- the catalogue ------------------------------------------------------------------------------


class Replay:
    def __init__(self, base_url: str, world: World, workdir: Path) -> None:
        self.base, self.world, self.workdir = base_url, world, workdir
        self.addresses = 0

    def address(self) -> str:
        """A client address of its own for one attack."""
        self.addresses += 1
        return (
            f"203.0.113.{self.addresses % 250 + 1}"
            if self.addresses < 250
            else (f"198.18.{self.addresses // 250}.{self.addresses % 250 + 1}")
        )

    # requests

    def send(self, method, path, **kwargs):
        from _hostile import send

        kwargs.setdefault("client", self.address())
        return send(self.base, method, path, **kwargs)

    def post_json(self, path, payload, *, auth: str | None = None, client: str | None = None):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        return self.send(
            "POST", path, body=json.dumps(payload).encode(), headers=headers, client=client
        )

    def get(self, path, *, auth: str | None = None):
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        return self.send("GET", path, headers=headers)

    def api_upload(self, filename, content):
        from _hostile import upload

        return upload(self.base, "/api/v1/verifications", filename, content, client=self.address())

    def page_upload(self, filename, content):
        from _hostile import WebForm

        return WebForm(self.base, "/verify/", self.address()).post(
            {}, {"file": (filename, content)}
        )

    # the attacks

    def catalogue(self) -> list[Attack]:
        return [
            *self.forgeries(),
            *self.cpu_levers_and_500s(),
            *self.sign_in(),
            *self.bodies(),
            *self.teams(),
            *self.tokens(),
            *self.smaller(),
            *self.offline(),
        ]

    def forgeries(self) -> list[Attack]:
        from tests.certificates.conftest import OutsideKey, re_signed, with_value
        from tests.certificates.test_attacks_offline_verifier import attackers_credential
        from tests.certificates.test_verification import pdf_with

        world = self.world
        genuine = world.holder.credential
        renamed = with_value(genuine, ("credentialSubject", "name"), "Mallory")
        new_id = with_value(genuine, ("id",), genuine["id"].rsplit("/", 1)[0] + "/0000-0000-0000")
        forged = {
            "re-signed with the forger's key (name changed)": re_signed(renamed, OutsideKey()),
            "swapped key: forger's key under the published key's id": re_signed(
                renamed, OutsideKey(), method=genuine["proof"]["verificationMethod"]
            ),
            "a new certificate ID signed by an outsider": re_signed(new_id, OutsideKey()),
            "attacker's own did:web issuing as the academy": attackers_credential(
                OutsideKey(), "did:web:attacker.example"
            ),
            "painted name in the JSON, signature kept": renamed,
        }
        not_valid = "verdict TAMPERED (never VALID)"

        def verdict(expected: str):
            return lambda a: a.status == 200 and str(a.json().get("status")).upper() == expected

        attacks = [
            Attack(
                "web",
                f"{name} (API)",
                not_valid,
                lambda c=credential: answered(
                    self.api_upload("credential.json", json.dumps(c).encode()),
                    verdict("TAMPERED"),
                ),
            )
            for name, credential in forged.items()
        ]
        pdfs = {
            "swapped attachment: another genuine credential in these pages": pdf_with(
                world.holder_pdf, attachment=json.dumps(world.other.credential).encode()
            ),
            "painted name: another certificate's page drawn over the pages": pdf_with(
                world.holder_pdf, overlay=world.other_pdf
            ),
        }
        for name, pdf in pdfs.items():
            attacks.append(
                Attack(
                    "web",
                    f"{name} (API)",
                    not_valid,
                    lambda p=pdf: answered(
                        self.api_upload("certificate.pdf", p), verdict("TAMPERED")
                    ),
                )
            )
            attacks.append(
                Attack(
                    "web",
                    f"{name} (page)",
                    "200, the page says Tampered",
                    lambda p=pdf: answered(
                        self.page_upload("certificate.pdf", p),
                        lambda a: (
                            a.status == 200
                            and "verdict-bad" in a.text
                            and "VALID" not in a.text.replace("INVALID", "")
                        ),
                    ),
                )
            )
        attacks += [
            Attack(
                "web",
                "revoked certificate's PDF uploaded",
                "verdict REVOKED",
                lambda: answered(
                    self.api_upload("certificate.pdf", world.revoked_pdf), verdict("REVOKED")
                ),
            ),
            Attack(
                "web",
                "revoked certificate verified by ID",
                "verdict REVOKED",
                lambda: answered(
                    self.get(f"/api/v1/certificates/{world.revoked.id}/verification"),
                    verdict("REVOKED"),
                ),
            ),
        ]
        return attacks

    def cpu_levers_and_500s(self) -> list[Attack]:
        from _hostile import hostile_uploads

        from certificates.credential_limits import MAX_ARRAY_LENGTH
        from tests.certificates.conftest import with_value
        from tests.certificates.test_attacks_verifier_cpu import with_evidence

        world = self.world
        uploads = hostile_uploads(world.holder.credential, world.holder_pdf)
        too_large = {
            "10,000-evidence credential JSON",
            "10,000-evidence credential in a compressed PDF",
            "zip bomb: 50 MB of JSON deflated into the PDF",
            "upload over 10 MB",
        }
        attacks = []
        for name, (filename, content) in uploads.items():
            code = 413 if name in too_large else 400
            item = "2" if code == 413 else "7" if name == "duplicate JSON keys" else "4"
            word = "Tampered" if code == 400 else "too large"
            if name == "upload over 10 MB":
                word = "larger than 10 MB"
            attacks.append(
                Attack(
                    item,
                    f"{name} (API)",
                    f"{code} {word}",
                    lambda f=filename, c=content, code=code, word=word: answered(
                        self.api_upload(f, c),
                        lambda a: a.status == code and word.lower() in a.text.lower(),
                    ),
                )
            )
            attacks.append(
                Attack(
                    item,
                    f"{name} (page)",
                    f"{code}, the page says why",
                    lambda f=filename, c=content, code=code: answered(
                        self.page_upload(f, c), lambda a: a.status == code
                    ),
                )
            )
        long_list = with_evidence(world.holder.credential, MAX_ARRAY_LENGTH + 1)
        text_index = with_value(
            world.holder.credential, ("credentialStatus", "statusListIndex"), "9" * 4000
        )
        attacks += [
            Attack(
                "2",
                f"{MAX_ARRAY_LENGTH + 1} evidence entries, under the size cap",
                "400 Tampered",
                lambda: answered(
                    self.api_upload("credential.json", json.dumps(long_list).encode()),
                    lambda a: a.status == 400 and "Tampered" in a.text,
                ),
            ),
            Attack(
                "4",
                "4,000-digit statusListIndex as text",
                "verdict TAMPERED",
                lambda: answered(
                    self.api_upload("credential.json", json.dumps(text_index).encode()),
                    lambda a: a.status == 200 and a.json().get("status") == "tampered",
                ),
            ),
            Attack(
                "4",
                "verification by a 4,000-character ID",
                "404 NOT_FOUND",
                lambda: answered(
                    self.get(f"/api/v1/certificates/{'9' * 4000}/verification"),
                    lambda a: a.status == 404,
                ),
            ),
        ]
        return attacks

    def sign_in(self) -> list[Attack]:
        def brute_force_token() -> Outcome:
            address = self.address()
            for n in range(30):
                self.post_json(
                    "/api/v1/auth/token",
                    {"username": "brute", "password": f"guess-{n}"},
                    client=address,
                )
            right = self.post_json(
                "/api/v1/auth/token", {"username": "brute", "password": PASSWORD}, client=address
            )
            return answered(right, lambda a: a.status == 429)

        def brute_force_login() -> Outcome:
            from _hostile import WebForm

            address = self.address()
            form = WebForm(self.base, "/en/accounts/login/", address)
            for n in range(10):
                form.post({"username": "brute", "password": f"guess-{n}"})
            last = form.post({"username": "brute", "password": "guess-10"})
            return answered(last, lambda a: a.status == 429)

        def owner_elsewhere() -> Outcome:
            from _hostile import WebForm

            form = WebForm(self.base, "/en/accounts/login/", self.address())
            return answered(
                form.post({"username": "brute", "password": PASSWORD}),
                lambda a: a.status == 302,
            )

        return [
            Attack(
                "3",
                "token brute force: 30 wrong passwords, then the right one",
                "429",
                brute_force_token,
            ),
            Attack(
                "3", "web sign-in brute force: the 11th wrong password", "429", brute_force_login
            ),
            Attack(
                "3",
                "lock the owner out (owner signs in from another address)",
                "302: the owner still signs in",
                owner_elsewhere,
            ),
        ]

    def bodies(self) -> list[Attack]:
        body = b"x" * FIFTY_MB
        paths = [
            "/api/v1/auth/token",
            "/api/v1/auth/register",
            "/api/v1/auth/password/reset",
            "/en/accounts/login/",
            "/en/accounts/register/",
            "/en/accounts/password/reset/",
        ]
        attacks = [
            Attack(
                "4",
                f"50 MB body to {path}",
                "413 too large",
                lambda p=path: answered(
                    self.send("POST", p, body=body, headers={"Content-Type": "application/json"}),
                    lambda a: a.status == 413,
                ),
            )
            for path in paths
        ]
        attacks.append(
            Attack(
                "4",
                "50 MB chunked body (no Content-Length) to /api/v1/auth/token",
                "400 or 413",
                lambda: answered(
                    self.send(
                        "POST",
                        "/api/v1/auth/token",
                        body=body,
                        chunked=True,
                        headers={"Content-Type": "application/json"},
                    ),
                    lambda a: a.status in (400, 413),
                ),
            )
        )
        return attacks

    def teams(self) -> list[Attack]:
        from _hostile import multipart

        from tests.courses.helpers import pdf_bytes

        project = self.world.project.id
        state: dict = {}

        def submit(username, fields, files=None):
            body, content_type = multipart(fields, files or {})
            return self.send(
                "POST",
                f"/api/v1/field-projects/{project}/submissions",
                body=body,
                headers={
                    "Content-Type": content_type,
                    "Authorization": f"Bearer {token(username)}",
                },
            )

        def name_a_teammate() -> Outcome:
            mine = submit("mallory", {"report": "Our cluster.", "team": "victim"})
            theirs = submit(
                "victim",
                {"report": "My own confidential diagnosis."},
                {"files": ("mine.pdf", pdf_bytes())},
            )
            if mine.status != 201 or theirs.status != 201:
                return Outcome(False, f"{mine.status}/{theirs.status} {_detail(theirs)}")
            state["victim"] = theirs.json()["id"]
            separate = theirs.json()["id"] != mine.json()["id"] and theirs.json()["version"] == 1
            return Outcome(
                separate,
                "victim's submission is their own (version 1)"
                if separate
                else "joined the attacker's",
            )

        def read_the_victims_version() -> Outcome:
            victim = state.get("victim")
            if victim is None:
                return Outcome(False, "no victim submission")
            return answered(
                self.get(f"/api/v1/submissions/{victim}/versions/1/changes", auth=token("mallory")),
                lambda a: a.status in (403, 404),
            )

        probes = {}

        def probe(username: str) -> Outcome:
            answer = self.post_json(
                f"/api/v1/field-projects/{project}/invitations",
                {"usernames": [username]},
                auth=token("mallory"),
            )
            probes[username] = answer.json().get("detail", "").replace(username, "NAME")
            same = len(set(probes.values())) == 1
            return answered(answer, lambda a: a.status == 400 and same)

        return [
            Attack(
                "5",
                "name another learner as a teammate, then they submit",
                "separate submissions",
                name_a_teammate,
            ),
            Attack(
                "5",
                "the attacker reads the named learner's version",
                "404",
                read_the_victims_version,
            ),
            *[
                Attack(
                    "5", f"invite probe: {kind}", "400, one answer for all", lambda u=user: probe(u)
                )
                for kind, user in (
                    ("unknown username", "no-such-learner"),
                    ("existing, not enrolled", "outsider"),
                    ("already in a team", "mate-b"),
                )
            ],
        ]

    def tokens(self) -> list[Attack]:
        def after_password_change() -> Outcome:
            old = token("tokens")
            self.post_json(
                "/api/v1/auth/password/change",
                {"old_password": PASSWORD, "new_password": PASSWORD + "-x"},
                auth=token("tokens"),
            )
            self.post_json(  # back, so the next attacks can sign in
                "/api/v1/auth/password/change",
                {"old_password": PASSWORD + "-x", "new_password": PASSWORD},
                auth=self._token_with(PASSWORD + "-x"),
            )
            return answered(self.get("/api/v1/auth/profile", auth=old), lambda a: a.status == 401)

        def after_logout() -> Outcome:
            carried = token("tokens")
            self.post_json("/api/v1/auth/logout", {}, auth=carried)
            return answered(
                self.get("/api/v1/auth/profile", auth=carried), lambda a: a.status == 401
            )

        def revoke_someone_elses() -> Outcome:
            from lms.accounts.models import ApiToken

            token("victim")
            row = ApiToken.objects.filter(user__username="victim").latest("pk")
            return answered(
                self.post_json(
                    f"/api/v1/auth/tokens/{row.pk}/revocation", {}, auth=token("mallory")
                ),
                lambda a: a.status == 404,
            )

        return [
            Attack("6", "use a token after a password change", "401", after_password_change),
            Attack("6", "use a token after logout", "401", after_logout),
            Attack("6", "revoke another learner's token", "404", revoke_someone_elses),
        ]

    @staticmethod
    def _token_with(password: str) -> str:
        from lms.accounts.services import api_token_issue

        return api_token_issue(username="tokens", password=password) or ""

    def smaller(self) -> list[Attack]:
        from tests.courses.test_attacks_uploads import _docx, _lying_about
        from tests.lms.test_account_self_service import HIDDEN

        def register(full_name: str, username: str, email: str | None = None) -> Outcome:
            return answered(
                self.post_json(
                    "/api/v1/auth/register",
                    {
                        "username": username,
                        "email": email or f"{username}@example.org",
                        "password": "correct-horse-9x",
                        "full_name": full_name,
                    },
                ),
                lambda a: a.status == 400,
            )

        def web_register(full_name: str) -> Outcome:
            from _hostile import WebForm

            form = WebForm(self.base, "/en/accounts/register/", self.address())
            return answered(
                form.post(
                    {
                        "username": "spoof-web",
                        "email": "spoof-web@example.org",
                        "password": "correct-horse-9x",
                        "full_name": full_name,
                        "preferred_language": "en",
                    }
                ),
                lambda a: a.status == 400,
            )

        def reset_flood() -> Outcome:
            address = self.address()
            for n in range(10):
                self.post_json(
                    "/api/v1/auth/password/reset", {"email": f"r{n}@example.org"}, client=address
                )
            return answered(
                self.post_json(
                    "/api/v1/auth/password/reset", {"email": "resetme@example.org"}, client=address
                ),
                lambda a: a.status == 429,
            )

        def lying_zip() -> Outcome:
            from _hostile import multipart

            bomb = _lying_about(_docx(b"\0" * (60 * 1024 * 1024)), "word/media/padding.xml", 1_000)
            body, content_type = multipart(
                {"report": "See the file."}, {"files": ("report.docx", bomb)}
            )
            return answered(
                self.send(
                    "POST",
                    f"/api/v1/field-projects/{self.world.project.id}/submissions",
                    body=body,
                    headers={
                        "Content-Type": content_type,
                        "Authorization": f"Bearer {token('mate-a')}",
                    },
                ),
                lambda a: a.status == 400,
            )

        def email_in_credential() -> Outcome:
            answer = self.get(f"/certificates/{self.world.holder.id}/credential.json")
            text = answer.text.lower()
            leaked = [w for w in ("salt", "identityhash", "emailaddress", "holder@") if w in text]
            return answered(
                answer,
                lambda a: a.status == 200 and not leaked,
                "no e-mail, hash or salt" if not leaked else f"has {leaked}",
            )

        def csp() -> Outcome:
            answer = self.get("/en/")
            policy = answer.headers.get("content-security-policy", "")
            script = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
            return answered(
                answer,
                lambda a: bool(script) and "unsafe-inline" not in script,
                _short(script.strip() or "no script-src"),
            )

        def openapi() -> Outcome:
            answer = self.get("/api/v1/openapi.json")
            try:
                operation = answer.json()["paths"]["/api/v1/verifications"]["post"]
                codes = sorted(operation["responses"])
            except (KeyError, TypeError):
                codes = []
            return answered(
                answer,
                lambda a: {"400", "413", "429"} <= set(codes),
                "documents " + ",".join(codes),
            )

        attacks = [
            Attack(
                "7",
                "register API with a 10,240-character name",
                "400",
                lambda: register("N" * 10_240, "longname"),
            ),
            *[
                Attack(
                    "7",
                    f"register API, a name with a hidden {kind}",
                    "400",
                    lambda n=name, i=i: register(n, f"spoof{i}"),
                )
                for i, (kind, name) in enumerate(HIDDEN.items())
            ],
            Attack(
                "7",
                "web register with a right-to-left override",
                "400",
                lambda: web_register(HIDDEN["right-to-left override"]),
            ),
            Attack(
                "7",
                "register with an e-mail address already in use",
                "400",
                lambda: register("Copy Cat", "copycat", "victim@example.org"),
            ),
            Attack(
                "7",
                "instructor assigned to nothing reads an answer key",
                "403",
                lambda: answered(
                    self.get(
                        f"/api/v1/knowledge-checks/{self.world.check.id}/answer-key",
                        auth=token("idle-instructor"),
                    ),
                    lambda a: a.status == 403,
                ),
            ),
            Attack(
                "7",
                "password-reset flooding: the 11th request from one address",
                "429",
                reset_flood,
            ),
            Attack(
                "7", "a zip whose declared size lies, submitted as report.docx", "400", lying_zip
            ),
            Attack(
                "7",
                "the credential publishes the e-mail hash with its salt",
                "no e-mail identifier",
                email_in_credential,
            ),
            Attack("7", "CSP allows inline scripts", "script-src without 'unsafe-inline'", csp),
            Attack(
                "doc",
                "OpenAPI lists only 2xx for the upload API",
                "400, 413, 429 documented",
                openapi,
            ),
        ]
        return attacks

    # --- the offline verifier --------------------------------------------------------------------

    def offline(self) -> list[Attack]:
        from tests.certificates.conftest import OutsideKey, re_signed, with_value, write
        from tests.certificates.test_attacks_offline_verifier import (
            ATTACKS,
            HttpsSite,
            _hostile,
            _pdf_with_attachment,
            attackers_credential,
            did_document_of,
        )
        from tests.certificates.test_verification import pdf_with

        world, work = self.world, self.workdir
        site = HttpsSite(work)
        self.https_site = site
        key = OutsideKey()
        site.documents["/.well-known/did.json"] = did_document_of(key, site.did)
        did_json = write(work / "did.json", self.get("/.well-known/did.json").json())
        status_list = world.revoked.credential["credentialStatus"]["statusListCredential"]
        status_json = write(work / "status.json", self.get(urlsplit_path(status_list)).json())

        def file(name: str, content) -> Path:
            path = work / name
            if isinstance(content, dict):
                return write(path, content)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
            return path

        def run(path: Path, *args, trusted: str | None = world.did) -> tuple[int, dict, str]:
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            env.pop("SSL_CERT_FILE", None)
            if trusted:
                env["CMA_TRUSTED_ISSUERS"] = trusted
            else:
                env.pop("CMA_TRUSTED_ISSUERS", None)
            done = subprocess.run(
                [sys.executable, "-m", "certificates.offline_verifier", str(path), *map(str, args)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
            return done.returncode, lines, done.stderr.strip()

        def expect(path, args, code, status=None, extra=lambda lines: True, trusted=world.did):
            def go() -> Outcome:
                got_code, lines, err = run(path, *args, trusted=trusted)
                last = err.rsplit("\n", 1)[-1].replace(f"{work}/", "")
                shown = lines.get("status") or _short(last, 70)
                if "pages" in lines:
                    shown += f", pages: {_short(lines['pages'], 40)}"
                ok = got_code == code and (status is None or lines.get("status") == status)
                return Outcome(ok and extra(lines), f"exit {got_code} {shown}")

            return go

        own_did = file("attacker.json", attackers_credential(key, site.did))
        other_signer = file(
            "other-signer.json", attackers_credential(key, world.did, signer_did=site.did)
        )
        revoked = file("revoked.pdf", world.revoked_pdf)
        painted = file("painted.pdf", pdf_with(world.holder_pdf, overlay=world.other_pdf))
        resigned = file(
            "resigned.json",
            re_signed(
                with_value(world.holder.credential, ("credentialSubject", "name"), "Mallory"),
                OutsideKey(),
            ),
        )
        text_index = file(
            "text-index.json",
            with_value(
                world.holder.credential, ("credentialStatus", "statusListIndex"), "9" * 4000
            ),
        )
        ca = ("--online", "--ca-file", site.ca_file)
        attacks = [
            Attack(
                "1",
                "offline: attacker's own did:web (--online)",
                "exit 1 UNTRUSTED, nothing fetched",
                expect(own_did, ca, 1, "UNTRUSTED", lambda _l: site.requests == []),
            ),
            Attack(
                "1",
                "offline: proof made by another DID under the academy's",
                "exit 1 UNTRUSTED",
                expect(other_signer, ca, 1, "UNTRUSTED"),
            ),
            Attack(
                "1",
                "offline: no trusted issuer named",
                "exit 2, asks for --trust",
                expect(own_did, ca, 2, trusted=None),
            ),
            Attack(
                "1",
                "offline: revoked PDF without a status list",
                "exit 1 INCONCLUSIVE",
                expect(revoked, ("--did-document", did_json), 1, "INCONCLUSIVE"),
            ),
            Attack(
                "1",
                "offline: revoked PDF with the status list",
                "exit 1 REVOKED",
                expect(
                    revoked,
                    ("--did-document", did_json, "--status-list", status_json),
                    1,
                    "REVOKED",
                ),
            ),
            Attack(
                "1",
                "offline: painted pages over the genuine attachment",
                "says pages: not compared",
                expect(
                    painted,
                    ("--did-document", did_json, "--status-list", status_json),
                    0,
                    "VALID",
                    lambda lines: lines.get("pages", "").startswith("not compared"),
                ),
            ),
            Attack(
                "1",
                "offline: re-signed with the forger's key",
                "exit 1 TAMPERED",
                expect(resigned, ("--did-document", did_json), 1, "TAMPERED"),
            ),
            Attack(
                "4",
                "offline: 4,000-digit statusListIndex as text",
                "exit 1 TAMPERED",
                expect(text_index, ("--did-document", did_json), 1, "TAMPERED"),
            ),
        ]
        for attack in ATTACKS:
            content = _hostile(attackers_credential(OutsideKey(), world.did), attack)
            as_json = file(f"{attack}.json", content)
            attacks.append(
                Attack(
                    OFFLINE_ITEMS.get(attack, "4"),
                    f"offline: {attack} JSON",
                    "exit 2 Tampered / too large",
                    expect(as_json, ("--did-document", did_json), 2),
                )
            )
        for attack in ("700-deep-credential", "100000-deep-json", "10000-evidence"):
            content = _hostile(attackers_credential(OutsideKey(), world.did), attack)
            pdf = _pdf_with_attachment(
                world.holder_pdf, content if isinstance(content, bytes) else content.encode()
            )
            attacks.append(
                Attack(
                    OFFLINE_ITEMS.get(attack, "4"),
                    f"offline: {attack} in a PDF attachment",
                    "exit 2",
                    expect(file(f"{attack}.pdf", pdf), ("--did-document", did_json), 2),
                )
            )
        return attacks


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def genuine_controls(replay: Replay) -> list[str]:
    """Not attacks: the genuine certificate still verifies, on the site and offline."""
    world = replay.world
    lines = []
    answer = replay.api_upload("certificate.pdf", world.holder_pdf)
    lines.append(f"control: genuine PDF uploaded -> {answer.status} {_detail(answer)}")
    answer = replay.get(f"/api/v1/certificates/{world.holder.id}/verification")
    lines.append(f"control: genuine ID verified -> {answer.status} {_detail(answer)}")
    return lines


def main() -> None:
    os_environment_note()
    port = free_port()
    os.environ["LMS_BASE_URL"] = f"http://127.0.0.1:{port}"
    env = prepare("attack", settings="lms.settings.dev")
    load_small_curriculum()
    world = World()
    workdir = Path(tempfile.mkdtemp(prefix="cma-attack-replay-"))
    results: list[tuple[Attack, Outcome]] = []
    with running_site(env, port, LMS_TRUSTED_PROXIES="1") as base_url:
        replay = Replay(base_url, world, workdir)
        try:
            catalogue = replay.catalogue()
            for attack in catalogue:
                try:
                    outcome = attack.run()
                except Exception as exc:  # a crash in the replay is reported, not hidden
                    outcome = Outcome(False, f"replay error: {type(exc).__name__}: {exc}")
                results.append((attack, outcome))
                mark = "refused " if outcome.refused else "NOT REFUSED"
                print(
                    f"[{mark:<11}] item {attack.item:<4} {attack.name}\n"
                    f"{'':16}expected: {attack.expected}; got: {outcome.got}",
                    flush=True,
                )
            controls = genuine_controls(replay)
        finally:
            if getattr(replay, "https_site", None) is not None:
                replay.https_site.close()
    for line in controls:
        print(line)
    refused = sum(1 for _attack, outcome in results if outcome.refused)
    print(f"refused={refused}/{len(results)}")


if __name__ == "__main__":
    main()
