"""The OAuth 2.0 side of the Open Badges API, on django-oauth-toolkit: the learner's consent page
(the authorization endpoint), and the token and revocation endpoints as the toolkit serves them;
and the profile page's button that takes a wallet's access away."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from oauth2_provider.views import AuthorizationView

from lms.obapi import scopes
from lms.obapi.models import WalletClient
from lms.obapi.services import wallet_access_revoke


class ConsentView(AuthorizationView):
    """Who asks (the client's registered name and the host its answer goes to) and what for (each
    scope in the learner's words); allow or deny. Login first: the toolkit's LoginRequiredMixin
    sends the learner to the login page and back."""

    template_name = "obapi/consent.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        redirect_uri = getattr(self, "oauth2_data", {}).get("redirect_uri")
        if redirect_uri and response.status_code == 200:
            # The form posts here and is answered with a redirect to the wallet; browsers hold
            # that redirect to the page's form-action, so the (registered, validated) redirect
            # URI's origin is added to it for this page alone.
            parts = urlsplit(redirect_uri)
            response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is not None:
            context["wallet_client"] = WalletClient.objects.filter(application=application).first()
            context["redirect_host"] = urlsplit(context.get("redirect_uri") or "").netloc
            context["scope_labels"] = [
                scopes.LABELS.get(scope, scope) for scope in context.get("scopes", [])
            ]
        return context


@login_required
@require_POST
def wallet_revoke(request, application_id: int):
    """The learner's "Revoke access" on the profile page. A wallet without access to this
    learner (or another learner's) is 404."""
    if not wallet_access_revoke(user=request.user, application_id=application_id):
        raise Http404
    messages.success(
        request,
        _("Access revoked: the wallet can no longer read or change anything on your account."),
    )
    return redirect("profile")
