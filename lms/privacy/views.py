"""Pages: download my data, delete my account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lms.accounts.forms import ConfirmPasswordForm
from lms.privacy.models import DataExport
from lms.privacy.services import (
    EXPORT_LIFETIME,
    account_erase,
    data_export_for_download,
    data_export_request,
)
from lms.storage import private_file_response


@login_required
def export(request):
    if request.method == "POST":
        data_export_request(user=request.user)
        messages.success(
            request,
            _("We are preparing your archive. We will email you a link when it is ready."),
        )
        return redirect("privacy_export")
    exports = DataExport.objects.filter(user=request.user)
    return render(
        request,
        "privacy/export.html",
        {"exports": exports, "days": EXPORT_LIFETIME.days},
    )


@login_required
def export_download(request, export_id: int):
    archive = data_export_for_download(user=request.user, export_id=export_id)
    return private_file_response(
        archive.archive,
        filename=f"cluster-manager-academy-data-{archive.requested_at:%Y%m%d}.zip",
        content_type="application/zip",
    )


@login_required
def delete(request):
    form = ConfirmPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account_erase(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            for error in exc.message_dict.get("password", exc.messages):
                form.add_error("password", error)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Thank you for learning with us."))
            return redirect("/")
    if request.method == "POST" and status == 200:
        status = 400
    return render(request, "privacy/delete.html", {"form": form}, status=status)
