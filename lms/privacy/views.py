"""Pages: download my data, delete my account, and the privacy notice and terms of use."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from lms.accounts.forms import ConfirmPasswordForm
from lms.accounts.services import API_TOKEN_LIFETIME, EMAIL_LINK_MAX_AGE
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


# --- the privacy notice and the terms of use ------------------------------------------------

# The languages each page is written in (templates/privacy/<page>_<language>.html); any other
# shows the English text.
LEGAL_LANGUAGES = ("en", "zh-hans")
LEGAL_TITLES = {"privacy": gettext_lazy("Privacy notice"), "terms": gettext_lazy("Terms of use")}


def _legal_page(request, page: str):
    """A page written as a whole in each language (legal prose reads better written than
    assembled from translated sentences), with the figures it states taken from the settings
    that enforce them."""
    language = get_language() if get_language() in LEGAL_LANGUAGES else "en"
    oauth = settings.OAUTH2_PROVIDER
    context = {
        "page_title": LEGAL_TITLES[page],
        "content_template": f"privacy/{page}_{language.replace('-', '_')}.html",
        "contact_email": settings.CONTACT_EMAIL,
        "log_retention_days": settings.LOG_RETENTION_DAYS,
        "export_days": EXPORT_LIFETIME.days,
        "email_link_days": EMAIL_LINK_MAX_AGE.days,
        "reset_link_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "api_token_days": API_TOKEN_LIFETIME.days,
        "wallet_access_minutes": oauth["ACCESS_TOKEN_EXPIRE_SECONDS"] // 60,
        "wallet_refresh_days": oauth["REFRESH_TOKEN_EXPIRE_SECONDS"] // 86400,
    }
    return render(request, "privacy/legal.html", context)


def privacy_notice(request):
    return _legal_page(request, "privacy")


def terms_of_use(request):
    return _legal_page(request, "terms")
