"""An LTI 1.3 platform for the interoperability tests, built on the lti1p3platform library (its
Django integration), run by the counterparts' Python in a process of its own. Never imported by
the site or its tests: they talk to it over HTTP.

lti1p3platform does the protocol: the OIDC login initiation and the signed launch (with the
Names and Role Provisioning, Assignment and Grade Services and deep-linking claims), the OAuth 2
client-credentials token for the tool's service calls, the checks of the tool's bearer tokens
on those services, and the check of the tool's signed deep-linking response against the tool's
published JWKS. This file wires it to URLs and keeps what the tool sends (scores, line items,
placed links) in memory for the tests to read at /test/state.

A launch can be spoilt on purpose (`tamper`): another issuer, another audience, a signature by a
key the platform does not publish, or a token that has already expired.

Usage: python lti_platform.py CONFIG.json  (port, client_id, deployment_id, tool URLs, members)
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import uuid
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIServer, make_server

import django
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

CONFIG = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}

settings.configure(
    DEBUG=False,
    SECRET_KEY="lti-test-platform",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)
django.setup()

from django.http import HttpResponseBadRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from lti1p3platform.framework.django.message_launch import DjangoLTI1P3MessageLaunch  # noqa: E402
from lti1p3platform.framework.django.oidc_login import DjangoAPIOIDCLogin  # noqa: E402
from lti1p3platform.framework.django.request import DjangoRequest  # noqa: E402
from lti1p3platform.framework.django.response import wrap_json_resp  # noqa: E402
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract  # noqa: E402
from lti1p3platform.membership import Context  # noqa: E402
from lti1p3platform.registration import Registration  # noqa: E402
from lti1p3platform.score import UpdateScoreStatus  # noqa: E402
from lti1p3platform.service_connector import (  # noqa: E402
    AssignmentsGradesService,
    NamesRoleProvisioningService,
)


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


PRIVATE, PUBLIC = _pem_pair()
ROGUE_PRIVATE, _ROGUE_PUBLIC = _pem_pair()  # signs launches the tool must refuse
BASE = f"http://127.0.0.1:{CONFIG.get('port', 0)}"
LOCK = threading.Lock()
STATE: dict = {"lineitems": {}, "scores": [], "deep_links": [], "token_requests": 0}


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs):
        self.tamper = kwargs.get("tamper", "")

    def get_registration_by_params(self, **kwargs):
        registration = (
            Registration()
            .set_iss(BASE)
            .set_client_id(CONFIG["client_id"])
            .set_deployment_id(CONFIG["deployment_id"])
            .set_oidc_login_url(CONFIG["tool_login_url"])
            .set_launch_url(CONFIG["tool_launch_url"])
            .set_deeplink_launch_url(CONFIG["tool_launch_url"])
            .set_tool_key_set_url(CONFIG["tool_jwks_url"])
            .set_platform_public_key(PUBLIC)
            .set_platform_private_key(PRIVATE)
        )
        if self.tamper == "signature":
            # Signed by a key the platform does not publish, named as its published key.
            registration.get_kid = lambda: Registration.get_jwk(PRIVATE)["kid"]
            registration.set_platform_private_key(ROGUE_PRIVATE)
        return registration


def _hint(params: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(params).encode()).decode()


def _unhint(value: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(value.encode()))


class Login(DjangoAPIOIDCLogin):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = _hint(kwargs)


class Launch(DjangoLTI1P3MessageLaunch):
    def __init__(self, request, config, hint: dict):
        super().__init__(request, config)
        self.hint = hint

    def get_preflight_response(self):
        return self._request.get_data

    def get_launch_message(self, include_extra_claims=True):
        message = super().get_launch_message(include_extra_claims)
        if self.hint.get("tamper") == "audience":
            message["aud"] = message["azp"] = "a-client-of-another-tool"
        if self.hint.get("tamper") == "issuer":
            message["iss"] = "https://unknown-platform.example"
        return message


def launch_start(request):
    """The user opens a link in the LMS: start the OIDC login at the tool."""
    hint = {
        key: request.GET.get(key, "")
        for key in ("user", "role", "link", "page", "context", "deep", "tamper", "name", "email")
    }
    config = PlatformConf(tamper=hint["tamper"])
    login = Login(DjangoRequest(request), config)
    login.set_lti_message_hint(**hint)
    return login.initiate_login(hint["user"])


ROLES = {
    "learner": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    "instructor": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
}


def authorize(request):
    """The tool sends the browser here (OIDC authentication request): answer with the signed
    launch, as a form that posts itself to the tool."""
    hint = _unhint(request.GET["lti_message_hint"])
    if request.GET.get("login_hint") != hint["user"]:
        return HttpResponseBadRequest("login_hint does not match")
    config = PlatformConf(tamper=hint["tamper"])
    config.get_registration()
    launch = Launch(DjangoRequest(request), config, hint)
    launch.set_user_data(
        hint["user"],
        ROLES[hint["role"] or "learner"],
        full_name=hint["name"] or None,
        email_address=hint["email"] or None,
    )
    context = hint["context"] or "course-101"
    launch.set_launch_context_claim(context, context_title=f"Platform course {context}")
    launch.set_nrps(f"{BASE}/contexts/{context}/memberships")
    if hint["deep"]:
        launch.set_dl(
            f"{BASE}/deep-link-return", title="Place a link", accept_types={"ltiResourceLink"}
        )
    else:
        launch.set_resource_link_claim(hint["link"] or "link-1")
        if hint["page"]:
            launch.set_custom_parameters_claim({"page": hint["page"]})
        launch.set_ags(
            lineitems_url=f"{BASE}/contexts/{context}/lineitems",
            lineitem_url=STATE["lineitems"].get(hint["link"], {}).get("id"),
        )
    if hint["tamper"] == "expired":
        launch.set_id_token_expiration(-120)
    return launch.lti_launch()


@csrf_exempt
def token(request):
    config = PlatformConf()
    config.get_registration()
    try:
        answer = config.get_access_token(request.POST.dict())
    except Exception as exc:  # the tool's assertion was refused
        return JsonResponse({"error": "invalid_client", "detail": str(exc)}, status=400)
    with LOCK:
        STATE["token_requests"] += 1
    return JsonResponse(answer)


def jwks(request):
    config = PlatformConf()
    config.get_registration()
    return JsonResponse(config.get_jwks())


class Members(NamesRoleProvisioningService):
    def __init__(self, request, config, context_id):
        super().__init__(request, config, f"{BASE}/contexts/{context_id}/memberships")
        self.context_id = context_id

    def get_context_by_id(self):
        return Context(
            id=self.context_id, label=self.context_id, title=f"Platform course {self.context_id}"
        )

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **kwargs):
        return {
            "content": [dict(m) for m in CONFIG.get("members", [])],
            "has_next": False,
            "next": None,
        }

    def is_resource_link_valid(self, context_id, resource_link_id):
        return True


def memberships(request, context_id):
    config = PlatformConf()
    config.get_registration()
    service = Members(DjangoRequest(request), config, context_id)
    return wrap_json_resp(service.handle_resp(service.handle_get_members))


class Grades(AssignmentsGradesService):
    def find_lineitems(
        self,
        page=1,
        limit=None,
        line_item_id=None,
        resource_link_id=None,
        resource_id=None,
        tag=None,
        **kwargs,
    ):
        items = [
            i
            for i in STATE["lineitems"].values()
            if not resource_id or i.get("resourceId") == resource_id
        ]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        return next(i for i in STATE["lineitems"].values() if i["id"].endswith(f"/{line_item_id}"))

    def create_lineitem(self, creation_data):
        item_id = uuid.uuid4().hex[:8]
        item = {**creation_data, "id": f"{self.ags.lineitems_url}/{item_id}"}
        with LOCK:
            STATE["lineitems"][item.get("resourceLinkId") or item_id] = item
        return item

    def update_lineitem(self, update_data):
        return update_data

    def delete_lineitem(self, line_item_id):
        return None

    def update_score(self, line_item_id, score):
        with LOCK:
            STATE["scores"].append({"lineitem": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        return {"content": [], "has_next": False, "next": None}


def _grades(request, context_id):
    config = PlatformConf()
    config.get_registration()
    return Grades(DjangoRequest(request), config, f"{BASE}/contexts/{context_id}/lineitems")


@csrf_exempt
def lineitems(request, context_id):
    service = _grades(request, context_id)
    handler = (
        service.handle_create_lineitem if request.method == "POST" else service.handle_get_lineitems
    )
    return wrap_json_resp(service.handle_resp(handler))


@csrf_exempt
def scores(request, context_id, item_id):
    service = _grades(request, context_id)
    return wrap_json_resp(service.handle_resp(service.handle_update_score, line_item_id=item_id))


@csrf_exempt
def deep_link_return(request):
    """The tool's signed answer: lti1p3platform checks it against the tool's JWKS."""
    config = PlatformConf()
    config.get_registration()
    try:
        items = config.validate_deeplinking_resp(request.POST.dict())
    except Exception as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    with LOCK:
        STATE["deep_links"].extend(items)
        for item in items:
            if item.get("lineItem"):
                link_id = f"placed-{len(STATE['deep_links'])}"
                item_id = uuid.uuid4().hex[:8]
                STATE["lineitems"][link_id] = {
                    **item["lineItem"],
                    "id": f"{BASE}/contexts/course-101/lineitems/{item_id}",
                    "resourceLinkId": link_id,
                }
    return JsonResponse({"placed": items})


def state(request):
    with LOCK:
        return JsonResponse(STATE)


urlpatterns = [
    path("launch", launch_start),
    path("authorize", authorize),
    path("token", token),
    path("jwks", jwks),
    path("contexts/<str:context_id>/memberships", memberships),
    path("contexts/<str:context_id>/lineitems", lineitems),
    path("contexts/<str:context_id>/lineitems/<str:item_id>/scores", scores),
    path("deep-link-return", deep_link_return),
    path("test/state", state),
]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


if __name__ == "__main__":
    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", CONFIG["port"], get_wsgi_application(), server_class=ThreadingServer
    )
    print(f"LTI platform on {BASE}", flush=True)
    server.serve_forever()
