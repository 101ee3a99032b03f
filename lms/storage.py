"""Where files go: the one place that says so.

Three kinds of file, two places each can live:

- **Private files** (field-project uploads, certificate PDFs, data archives): the `private`
  storage. On the local file system by default (`<LMS_DATA_DIR>/private`), or in the S3-compatible
  bucket `LMS_S3_BUCKET`. Neither backend ever gives a private file a URL: `url()` raises. Views
  check who is asking and stream the bytes through `private_file_response()`; a signed URL, once
  handed out, would outlive the check and could be forwarded, logged or replayed.
- **Media** (Wagtail images and documents staff upload): the `default` storage, in
  `<LMS_DATA_DIR>/media` or under `media/` in the public bucket `LMS_S3_PUBLIC_BUCKET`.
- **Static files**: collected by `collectstatic` into `<LMS_DATA_DIR>/static` and served by
  WhiteNoise, or into `static/` in the public bucket.

`storages_from_environment()` turns the environment into Django's STORAGES; the settings call it.
The names of the variables are in README.md's configuration table.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from botocore.config import Config
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

CHUNK_BYTES = 64 * 1024
NOT_A_URL = "Private files are never served by URL: stream them with private_file_response()."


def private_storage():
    """The `private` storage of settings.STORAGES (a callable, so tests and deployments can
    change the setting without models holding on to an old storage)."""
    return storages["private"]


# --- The two private backends -----------------------------------------------------------------


class PrivateFileSystemStorage(FileSystemStorage):
    """Private files in a local folder (the zero-setup default)."""

    def url(self, name):
        raise ValueError(NOT_A_URL)

    def open_stream(self, name: str) -> tuple[IO[bytes], int]:
        handle = self.open(name, "rb")
        return handle, handle.size

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        """`folder/<file>` and its modification time for each file directly in `folder`."""
        try:
            entries = list(os.scandir(self.path(folder)))
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.is_file():
                yield f"{folder}/{entry.name}", datetime.fromtimestamp(entry.stat().st_mtime, UTC)


class PrivateS3Storage(S3Storage):
    """Private files in an S3-compatible bucket that grants no public access.

    A save never replaces an existing object (as on the file system); objects get the bucket's
    default ACL, which must be private.
    """

    file_overwrite = False
    default_acl = None
    querystring_auth = True

    def url(self, name, *args, **kwargs):
        raise ValueError(NOT_A_URL)

    def open_stream(self, name: str) -> tuple[IO[bytes], int]:
        """The object's body as it arrives from the bucket, and its size: a download is relayed
        chunk by chunk, never held whole in memory or spooled to disk."""
        try:
            response = self.connection.meta.client.get_object(
                Bucket=self.bucket_name, Key=self._normalize_name(clean_name(name))
            )
        except self.connection.meta.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(name) from exc
        return response["Body"], response["ContentLength"]

    def listing(self, folder: str) -> Iterator[tuple[str, datetime]]:
        """`folder/<file>` and its last-modified time for each object directly in `folder`,
        from the listing itself (one request per thousand objects, none per object)."""
        prefix = self._normalize_name(clean_name(folder)).rstrip("/") + "/"
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix, Delimiter="/"):
            for entry in page.get("Contents", ()):
                yield f"{folder}/{entry['Key'][len(prefix) :]}", entry["LastModified"]


class PublicS3Storage(S3Storage):
    """Media in the public bucket: plain, unsigned URLs; a save never replaces an object."""

    file_overwrite = False
    querystring_auth = False


# --- Using private files ----------------------------------------------------------------------


def private_file_response(
    field_file, *, filename: str, content_type: str, sandbox: bool = False, inline: bool = False
) -> FileResponse:
    """A private file as a download, for a view that has already checked who is asking.

    The bytes pass through the web process on both backends (see the module docstring). Private:
    no shared cache keeps a copy, and the response varies with the credentials that allowed it.
    `sandbox` adds a CSP that stops an uploaded file from running anything if a browser renders
    it despite the attachment disposition. `inline` shows the file in the browser instead, in a
    frame of the site's own pages only (a checked PDF beside the grading rubric): a browser
    shows no PDF in a sandbox, so the policy allows nothing but same-origin framing instead.
    """
    stream, size = field_file.storage.open_stream(field_file.name)
    response = FileResponse(
        stream, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response.block_size = CHUNK_BYTES
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    elif sandbox:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


def private_files_listing(folder: str) -> Iterator[tuple[str, datetime]]:
    """Every private file directly in `folder`, with its modification time, on either backend."""
    return private_storage().listing(folder)


def private_storage_probe() -> None:
    """Write a small object to private storage, read it back and delete it; raise if any step
    fails or the bytes differ."""
    storage = private_storage()
    payload = uuid.uuid4().hex.encode()
    name = storage.save(f"healthz/{payload.decode()}.txt", ContentFile(payload))
    try:
        with storage.open(name, "rb") as handle:
            if handle.read() != payload:
                raise OSError("the object read back differs from the one written")
    finally:
        storage.delete(name)


def private_storage_backend() -> str:
    """`s3` or `filesystem`: which backend holds private files (shown to staff on /healthz)."""
    return "s3" if isinstance(private_storage(), S3Storage) else "filesystem"


# --- From the environment to STORAGES ---------------------------------------------------------

WHITENOISE = "whitenoise.storage.CompressedStaticFilesStorage"
WHITENOISE_MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
ADDRESSING_STYLES = ("path", "virtual")
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 30
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ObjectStorage:
    """The S3-compatible service the environment names (LMS_S3_*)."""

    bucket: str
    public_bucket: str
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str
    addressing_style: str
    public_url: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ObjectStorage:
        endpoint_url = environ.get("LMS_S3_ENDPOINT_URL", "").rstrip("/")
        # A named endpoint (MinIO, Ceph, a local server) usually wants path-style addresses;
        # AWS itself wants virtual-hosted ones.
        style = environ.get("LMS_S3_ADDRESSING_STYLE") or ("path" if endpoint_url else "virtual")
        if style not in ADDRESSING_STYLES:
            raise ValueError(f"LMS_S3_ADDRESSING_STYLE must be path or virtual, not {style!r}.")
        return cls(
            bucket=environ.get("LMS_S3_BUCKET", ""),
            public_bucket=environ.get("LMS_S3_PUBLIC_BUCKET", ""),
            endpoint_url=endpoint_url,
            region=environ.get("LMS_S3_REGION", ""),
            access_key=environ.get("LMS_S3_ACCESS_KEY_ID", ""),
            secret_key=environ.get("LMS_S3_SECRET_ACCESS_KEY", ""),
            addressing_style=style,
            public_url=environ.get("LMS_S3_PUBLIC_URL", "").rstrip("/"),
        )

    def options(self, bucket: str, location: str = "") -> dict:
        # Unset keys leave boto3 to its own chain (AWS_* variables, an instance role).
        options = {
            "bucket_name": bucket,
            "location": location,
            "endpoint_url": self.endpoint_url or None,
            "region_name": self.region or None,
            "access_key": self.access_key or None,
            "secret_key": self.secret_key or None,
            "client_config": Config(
                s3={"addressing_style": self.addressing_style},
                signature_version="s3v4",
                # An unreachable service fails a request (and /healthz) in seconds, not minutes.
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            ),
        }
        if self.public_url and bucket == self.public_bucket:
            parts = urlsplit(self.public_url)
            options["custom_domain"] = parts.netloc + parts.path
            options["url_protocol"] = f"{parts.scheme}:"
        return options

    @property
    def public_base_url(self) -> str:
        """Where browsers fetch the public bucket's objects (a CDN in front of it, or the bucket)."""
        if not self.public_bucket:
            return ""
        if self.public_url:
            return self.public_url
        endpoint = self.endpoint_url or (
            f"https://s3.{self.region}.amazonaws.com" if self.region else "https://s3.amazonaws.com"
        )
        parts = urlsplit(endpoint)
        if self.addressing_style == "virtual":
            return f"{parts.scheme}://{self.public_bucket}.{parts.netloc}"
        return f"{parts.scheme}://{parts.netloc}/{self.public_bucket}"


def storages_from_environment(
    environ: Mapping[str, str], *, data_dir: Path, static_manifest: bool = False
) -> dict:
    """Django's STORAGES for this environment: the local file system unless LMS_S3_BUCKET
    (private files) and LMS_S3_PUBLIC_BUCKET (media and static files) name buckets."""
    s3 = ObjectStorage.from_environment(environ)
    if s3.bucket:
        private = {"BACKEND": "lms.storage.PrivateS3Storage", "OPTIONS": s3.options(s3.bucket)}
    else:
        private = {
            "BACKEND": "lms.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(data_dir / "private"), "base_url": None},
        }
    if s3.public_bucket:
        media = {
            "BACKEND": "lms.storage.PublicS3Storage",
            "OPTIONS": s3.options(s3.public_bucket, "media"),
        }
        static = {
            "BACKEND": "storages.backends.s3.S3ManifestStaticStorage",
            "OPTIONS": s3.options(s3.public_bucket, "static"),
        }
    else:
        media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        static = {"BACKEND": WHITENOISE_MANIFEST if static_manifest else WHITENOISE}
    return {"default": media, "private": private, "staticfiles": static}
