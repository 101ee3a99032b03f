"""Private files on both backends: the local file system and an S3-compatible bucket (moto's
server, started for this module on 127.0.0.1). Neither gives a private file a URL; both stream a
download, list a folder with modification times and pass the health probe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from lms.storage import (
    private_file_response,
    private_files_listing,
    private_storage,
    private_storage_backend,
    private_storage_probe,
    storages_from_environment,
)
from tests.support.stack import MotoS3Server


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    server = MotoS3Server(log_path=tmp_path_factory.mktemp("s3") / "moto.log")
    with server:
        server.create_bucket("unit-private")
        yield server


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, settings, tmp_path):
    """The private storage on each backend in turn, empty."""
    environ = {}
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        environ = server.environment(bucket="unit-private")
    private = storages_from_environment(environ, data_dir=tmp_path)["private"]
    if request.param == "s3":
        private["OPTIONS"]["location"] = f"unit/{tmp_path.name}"
    settings.STORAGES = {**settings.STORAGES, "private": private}
    assert private_storage_backend() == request.param
    return private_storage()


class _Field:
    """What the views pass: a stored file's name and its storage (a FieldFile's two halves)."""

    def __init__(self, storage, name):
        self.storage, self.name = storage, name


def test_a_private_file_has_no_url(backend):
    name = backend.save("certificates/ABC.pdf", ContentFile(b"%PDF-1.7 x"))
    with pytest.raises(ValueError, match="never served by URL"):
        backend.url(name)


def test_a_download_streams_the_bytes_with_their_length(backend):
    content = b"%PDF-1.7 " + bytes(range(256)) * 400
    name = backend.save("certificates/STREAM.pdf", ContentFile(content))
    response = private_file_response(
        _Field(backend, name), filename="certificate.pdf", content_type="application/pdf"
    )
    assert response.streaming
    assert b"".join(response.streaming_content) == content
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response


def test_an_upload_downloads_in_a_sandbox(backend):
    name = backend.save("submissions/1/abc", ContentFile(b"<script>alert(1)</script>"))
    response = private_file_response(
        _Field(backend, name), filename="notes.html", content_type="text/html", sandbox=True
    )
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_a_missing_file_is_file_not_found(backend):
    with pytest.raises(FileNotFoundError):
        backend.open_stream("certificates/NOT-THERE.pdf")


def test_the_listing_names_each_file_with_its_age(backend):
    before = datetime.now(UTC) - timedelta(seconds=5)
    names = [backend.save(f"certificates/{i}.pdf", ContentFile(b"%PDF")) for i in range(3)]
    backend.save("certificates/nested/deeper.pdf", ContentFile(b"%PDF"))  # not directly in it
    backend.save("submissions/1/other", ContentFile(b"x"))
    listing = dict(private_files_listing("certificates"))
    assert sorted(listing) == sorted(names)
    for modified in listing.values():
        assert modified.tzinfo is not None
        assert before <= modified <= datetime.now(UTC) + timedelta(seconds=5)
    assert list(private_files_listing("archives")) == []  # a folder never written


def test_a_save_never_replaces_an_existing_file(backend):
    first = backend.save("certificates/SAME.pdf", ContentFile(b"first"))
    second = backend.save("certificates/SAME.pdf", ContentFile(b"second"))
    assert first != second
    assert backend.open(first).read() == b"first"


def test_the_health_probe_leaves_nothing_behind(backend):
    private_storage_probe()
    assert list(private_files_listing("healthz")) == []


def test_the_settings_handler_is_reset_between_backends(backend):
    assert storages["private"] is backend
