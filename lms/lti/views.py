"""LTI 1.3 endpoints: OIDC login initiation, the launch, deep linking, and the tool's JWKS.

Thin: pylti1p3 runs the protocol (lms.lti.config tells it the registered platforms), the rules
in lms.lti.launch decide what a launch changes here.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.contrib.auth import login
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException, OIDCException

from lms.lti import deep_linking, endpoints
from lms.lti.config import ToolConf, platform_for
from lms.lti.keys import tool_jwks
from lms.lti.launch import LaunchRefused, launch_accept

logger = logging.getLogger(__name__)
SESSION_DEEP_LINK = "lti_deep_link_launch"
BACKEND = "django.contrib.auth.backends.ModelBackend"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def _storage() -> DjangoCacheDataStorage:
    return DjangoCacheDataStorage(cache_name="default")


def _refused(request, reason: str, status: int):
    logger.info("LTI request refused (%s): %s", status, reason)
    return render(request, "lti/refused.html", {"reason": reason}, status=status)


@require_GET
def jwks(request):
    return JsonResponse(tool_jwks())


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def oidc_login(request):
    """Step one of a launch: the platform names itself and the link; we send the browser back to
    the platform's authorisation endpoint with a state and a nonce."""
    params = request.POST if request.method == "POST" else request.GET
    target = params.get("target_link_uri", "")
    if not params.get("iss") or not params.get("login_hint"):
        return HttpResponseBadRequest(_("This is where an LMS starts a launch."))
    if not target.startswith(deep_linking.launch_url()):
        return _refused(request, _("The launch asks for an address outside this tool."), 400)
    try:
        return DjangoOIDCLogin(request, ToolConf(), launch_data_storage=_storage()).redirect(target)
    except (LtiException, OIDCException) as exc:
        return _refused(request, str(exc), 400)


@csrf_exempt
@never_cache
@require_POST
def launch(request):
    """Step two: the platform posts the signed launch (id_token). pylti1p3 checks it against the
    platform's keys; then the launching user is signed in and sent to the page."""
    if not request.POST.get("id_token") or not request.POST.get("state"):
        return HttpResponseBadRequest(_("A launch needs an id_token and a state."))
    message_launch = DjangoMessageLaunch(request, ToolConf(), launch_data_storage=_storage())
    try:
        claims = message_launch.get_launch_data()
    except LtiException as exc:
        return _refused(request, str(exc), 401)
    platform = platform_for(claims["iss"], message_launch.get_client_id())
    if platform is None:
        return _refused(request, _("This platform is not registered."), 401)
    try:
        outcome = launch_accept(platform=platform, claims=claims)
    except LaunchRefused as exc:
        return _refused(request, str(exc), 401)
    login(request, outcome.user, backend=BACKEND)
    if message_launch.is_deep_link_launch():
        if not outcome.instructor:
            return _refused(request, _("Only instructors place links to this tool."), 403)
        request.session[SESSION_DEEP_LINK] = message_launch.get_launch_id()
        return redirect("lti-deep-link")
    if outcome.page is not None:
        return redirect(outcome.page.url)
    return redirect("dashboard")


def _deep_link_launch(request):
    launch_id = request.session.get(SESSION_DEEP_LINK)
    if not launch_id or not request.user.is_authenticated:
        return None
    try:
        return DjangoMessageLaunch.from_cache(
            launch_id, request, ToolConf(), launch_data_storage=_storage()
        )
    except LtiException:
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def deep_link(request):
    """The instructor picks what to place; the answer goes back to the platform, signed."""
    message_launch = _deep_link_launch(request)
    if message_launch is None or not message_launch.is_deep_link_launch():
        return _refused(request, _("Start from your LMS: this page answers its request."), 403)
    error = None
    if request.method == "POST":
        resource = deep_linking.resource_for(request.POST.get("page"))
        if resource is None:
            error = _("Choose a course, qualification or lesson.")
        else:
            link = message_launch.get_deep_link()
            return_url = message_launch.get_launch_data()[DEEP_LINKING_SETTINGS][
                "deep_link_return_url"
            ]
            response = render(
                request,
                "lti/deep_link_return.html",
                {"return_url": return_url, "jwt": link.get_response_jwt([resource])},
            )
            request.session.pop(SESSION_DEEP_LINK, None)
            # The form posts to the platform: django-csp widens form-action for this page only.
            response._csp_update = {
                "form-action": ["{0.scheme}://{0.netloc}".format(urlsplit(return_url))]
            }
            return response
    return render(
        request,
        "lti/deep_link.html",
        {"choices": deep_linking.choices(), "error": error, "action": reverse("lti-deep-link")},
        status=400 if error else 200,
    )


@require_GET
def tool_configuration(request):
    """The URLs a platform's administrator enters when registering this tool."""
    launch_url = endpoints.absolute(endpoints.LAUNCH)
    return JsonResponse(
        {
            "oidc_initiation_url": endpoints.absolute(endpoints.LOGIN),
            "target_link_uri": launch_url,
            "redirect_uris": [launch_url],
            "deep_linking_url": launch_url,
            "jwks_uri": endpoints.absolute(endpoints.JWKS),
        }
    )
