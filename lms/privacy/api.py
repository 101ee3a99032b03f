"""API routes of privacy: ask for the archive of one's data, download it, delete one's account."""

from datetime import datetime

from django.urls import reverse
from ninja import Router, Schema, Status

from lms.auth import AUTH
from lms.privacy.models import DataExport
from lms.privacy.services import account_erase, data_export_for_download, data_export_request
from lms.storage import private_file_response

router = Router(tags=["privacy"])


class ErrorOut(Schema):
    detail: str


class ExportOut(Schema):
    id: int
    status: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime
    size: int
    download_url: str | None


class DeleteIn(Schema):
    password: str


def _export(export: DataExport) -> dict:
    return {
        "id": export.id,
        "status": export.status,
        "requested_at": export.requested_at,
        "ready_at": export.ready_at,
        "expires_at": export.expires_at,
        "size": export.size,
        "download_url": (
            reverse("api-v1:privacy_export_file", args=[export.id]) if export.downloadable else None
        ),
    }


@router.post("/exports", response={202: ExportOut, 401: ErrorOut}, auth=AUTH)
def export_create(request):
    """Ask for a zip of everything held about you; a worker builds it and e-mails a link."""
    return Status(202, _export(data_export_request(user=request.auth)))


@router.get("/exports", response={200: list[ExportOut], 401: ErrorOut}, auth=AUTH)
def export_list(request):
    return [_export(e) for e in DataExport.objects.filter(user=request.auth)]


@router.get(
    "/exports/{export_id}/file",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    url_name="privacy_export_file",
)
def export_file(request, export_id: int):
    """The archive (application/zip), to its owner only, until it expires."""
    export = data_export_for_download(user=request.auth, export_id=export_id)
    return private_file_response(
        export.archive, filename=f"data-{export.pk}.zip", content_type="application/zip"
    )


@router.post(
    "/account/delete", response={204: None, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut}, auth=AUTH
)
def account_delete(request, payload: DeleteIn):
    """Delete your account (confirm with your password). Issued certificates stay verifiable."""
    account_erase(user=request.auth, password=payload.password)
    return Status(204, None)
