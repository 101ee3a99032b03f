"""Hostile uploads and a small HTTP client, for bench/verify_load.py and bench/attack_replay.py.

The hostile documents are built from a genuine certificate (its credential and PDF) with the
builders of the regression tests (tests/certificates/), so the bench sends what the tests prove
is refused. Import this module after Django is set up (_setup.prepare): the test helpers import
the site's models.
"""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.certificates.conftest import with_value
from tests.certificates.test_attacks_verifier_cpu import (
    nested,
    pdf_attaching,
    with_deep_arrays,
    with_evidence,
)

UPLOAD_LIMIT = 10 * 1024 * 1024


def hostile_uploads(credential: dict, pdf: bytes) -> dict[str, tuple[str, bytes]]:
    """name -> (file name, content): the CPU levers and 500s of issue 17 (items 2 and 4) as
    verification uploads, each built from the genuine `credential` and `pdf`."""
    text = json.dumps(credential)
    ten_thousand = json.dumps(with_evidence(credential, 10_000)).encode()
    index = str(credential["credentialStatus"]["statusListIndex"])
    return {
        "10,000-evidence credential JSON": ("credential.json", ten_thousand),
        "10,000-evidence credential in a compressed PDF": (
            "certificate.pdf",
            pdf_attaching(pdf, ten_thousand),
        ),
        "zip bomb: 50 MB of JSON deflated into the PDF": (
            "certificate.pdf",
            pdf_attaching(pdf, b'{"a": "' + b" " * (50 * 1024 * 1024) + b'"}'),
        ),
        "4,000-digit statusListIndex": (
            "credential.json",
            text.replace(
                f'"statusListIndex": "{index}"', '"statusListIndex": ' + "9" * 4000
            ).encode(),
        ),
        "100,000-deep JSON": ("credential.json", b"[" * 100_000 + b"]" * 100_000),
        "700-deep credential": (
            "credential.json",
            json.dumps(with_value(credential, ("credentialSubject", "name"), nested(700))).encode(),
        ),
        "deep arrays in a PDF attachment": (
            "certificate.pdf",
            pdf_attaching(pdf, with_deep_arrays(credential, 100_000)),
        ),
        "duplicate JSON keys": (
            "credential.json",
            text.replace(
                '"credentialSubject": {', '"credentialSubject": {"name": "Mallory", ', 1
            ).encode(),
        ),
        "upload over 10 MB": ("credential.json", b"{" + b" " * UPLOAD_LIMIT + b"}"),
    }


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0 when the connection failed before an answer
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    def json(self) -> dict:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {"items": value}

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def send(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    client: str | None = None,
    timeout: float = 120,
    chunked: bool = False,
) -> Answer:
    """One request on a fresh connection. `client` is the address sent as X-Forwarded-For (the
    site runs with LMS_TRUSTED_PROXIES=1, as behind one load balancer). A body the server
    refuses before reading it all may break the pipe: the answer is read all the same."""
    parts = urlsplit(base_url)
    headers = {"Host": parts.netloc, **(headers or {})}
    if client:
        headers["X-Forwarded-For"] = client
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if body is not None and chunked:
            headers["Transfer-Encoding"] = "chunked"
        elif body is not None:
            headers["Content-Length"] = str(len(body))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        try:
            if body is not None:
                _write_body(connection.sock, body, chunked)
        except OSError:
            pass  # refused early; the answer is still there to read
        response = connection.getresponse()
        content = response.read()
        return Answer(
            response.status,
            content,
            {k.lower(): v for k, v in response.getheaders()},
            time.perf_counter() - started,
        )
    except (OSError, http.client.HTTPException) as exc:
        return Answer(
            0, seconds=time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}"
        )
    finally:
        connection.close()


def _write_body(sock: socket.socket, body: bytes, chunked: bool) -> None:
    view = memoryview(body)
    step = 256 * 1024
    for start in range(0, len(body), step):
        piece = view[start : start + step]
        if chunked:
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        else:
            sock.sendall(piece)
    if chunked:
        sock.sendall(b"0\r\n\r\n")


def upload(base_url: str, path: str, filename: str, content: bytes, **kwargs) -> Answer:
    body, content_type = multipart(kwargs.pop("fields", {}), {"file": (filename, content)})
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return send(base_url, "POST", path, body=body, headers=headers, **kwargs)


class WebForm:
    """A browser's visit to one of the site's forms: the CSRF cookie and token from a GET of
    `path`, sent back with each POST to it."""

    def __init__(self, base_url: str, path: str, client: str | None = None) -> None:
        self.base_url, self.path, self.client = base_url, path, client
        page = send(base_url, "GET", path, client=client)
        cookie = page.headers.get("set-cookie", "")
        self.cookie = cookie.split(";", 1)[0] if cookie.startswith("csrftoken=") else ""
        marker = 'name="csrfmiddlewaretoken" value="'
        start = page.text.find(marker)
        self.token = page.text[start + len(marker) :].split('"', 1)[0] if start >= 0 else ""

    def post(self, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        body, content_type = multipart({"csrfmiddlewaretoken": self.token, **fields}, files or {})
        return send(
            self.base_url,
            "POST",
            self.path,
            body=body,
            headers={"Content-Type": content_type, "Cookie": self.cookie},
            client=self.client,
        )
