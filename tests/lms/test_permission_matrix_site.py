"""Who may do what on every route that is not the courses app's (tests/courses/test_permissions.py
has those): the project's pages and API (home, accounts, dashboard, health, language, the API's
root, documents and auth routes), the certificates app's pages and API, the Wagtail and Django
admin roots and the certificates admin views, for each of anonymous, a learner who holds a
certificate, another learner who holds a different one, an instructor of the test qualification,
an instructor who teaches nothing, and staff.

One world is built for the module (the test curriculum, both certificates issued, a document,
password restrictions) inside a transaction rolled back at the end; every row then sends the
same request as each person inside a savepoint that is rolled back, so that every person meets
the same state (a revocation, a registration or a new token by one is undone before the next).

The last tests walk Django's URL resolver (the Ninja API's patterns included) and the API's
declared operations: a new lms or certificates URL, or a new API operation, fails them until
it has a row here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, path, re_path, resolve
from django.urls.exceptions import Resolver404
from django.utils import translation

from lms.notifications.models import Notification
from tests.certificates.conftest import HOLDER_NAME, issue
from tests.conftest import load_test_curriculum, make_user
from tests.courses.helpers import ApiClient, upload

ROLES = ("anonymous", "learner", "other_learner", "instructor", "other_instructor", "staff")
PASSWORD = "a-long-test-password-1"
# Where "login" redirects may point: the site's, Wagtail admin's and Django admin's login pages.
LOGIN_PATHS = {"/en/accounts/login/", "/admin/login/", "/django-admin/login/"}


@dataclass
class Route:
    name: str
    method: str
    path: str  # formatted with the world's ids; under /api/v1 when `api`
    expected: str  # one status per role in ROLES order; "login" is a redirect to a login page
    data: Callable[[dict, object], dict] | None = None  # (world, user) -> request data
    api: bool = False  # sent with the person's bearer token
    multipart: bool = False
    # (world, role, response) -> None or a bool: asserts (or returns False when it is not so)
    # what the person got or changed; it runs inside the person's savepoint, before the rollback.
    check: Callable[[dict, str, HttpResponse], bool | None] | None = None


# --- per-role checks ------------------------------------------------------------------------


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _own_certificates_only(w, role, response):
    """The list shows the person's own certificates, never the other holder's."""
    if response.status_code == 200:
        ids = [row["id"] for row in response.json()]
        assert ids == w["certificates_of"][role], (role, ids)


def _dashboard_shows_own_certificate_only(w, role, response):
    if response.status_code == 200:
        page = response.content.decode()
        for certificate in (w["cert"], w["other_cert"]):
            mine = certificate in w["certificates_of"][role]
            assert (certificate in page) is mine, (role, certificate)


def _is_pdf_of(key):
    def check(w, role, response):
        if response.status_code == 200:
            assert response["Content-Type"] == "application/pdf"
            assert _body(response) == w["pdfs"][key]

    return check


def _verdict(status):
    def check(w, role, response):
        assert response.json()["status"] == status

    return check


def _verdict_page(word):
    def check(w, role, response):
        assert word in response.content.decode()

    return check


def _certificate(w):
    from certificates.models import Certificate

    return Certificate.objects.filter(pk=w["cert"]).first()


def _revoked_by_staff_only(w, role, response):
    revoked = _certificate(w).revoked_at is not None
    assert revoked is (role == "staff"), role


def _registered_by_anonymous_only(w, role, response):
    from lms.accounts.models import User

    assert User.objects.filter(username="newcomer").exists() is (role == "anonymous"), role


def _registered(w, role, response):
    from lms.accounts.models import User

    assert response.json()["username"] == "newcomer"
    assert User.objects.get(username="newcomer").role == "learner"


def _renamed_self_only(w, role, response):
    from lms.accounts.models import User

    renamed = list(User.objects.filter(full_name="Renamed Person").values_list("pk", flat=True))
    user = w["people"][role]
    assert renamed == ([] if user is None else [user.pk]), role


def _language_saved_on_own_account_only(w, role, response):
    from lms.accounts.models import User

    chosen = list(User.objects.filter(preferred_language="zh-hans").values_list("pk", flat=True))
    user = w["people"][role]
    assert chosen == ([] if user is None else [user.pk]), role
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


def _token_works(w, role, response):
    from lms.accounts.services import api_token_user

    assert api_token_user(response.json()["token"]).pk == w["people"]["learner"].pk


def _logged_in_as_learner(w, role, response):
    """Anonymous signs in; whoever is signed in already is just sent to their dashboard."""
    signed_in = response.wsgi_request.user
    assert signed_in.pk == (
        w["people"]["learner"].pk if role == "anonymous" else w["people"][role].pk
    )
    assert urlsplit(response["Location"]).path == "/en/dashboard/"


def _redirects_to(target):
    def check(w, role, response):
        assert urlsplit(response["Location"]).path == target, response["Location"]

    return check


# --- request data ---------------------------------------------------------------------------


def _pdf_upload(w, user):
    return {"file": upload("certificate.pdf", w["pdfs"]["learner"], "application/pdf")}


def _registration(w, user):
    return {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password": "correct-horse-battery-9",
        "full_name": "New Comer",
        "preferred_language": "en",
    }


def _profile(w, user):
    return {
        "full_name": "Renamed Person",
        "email": user.email if user else "anonymous@example.org",
        "preferred_language": "en",
    }


def _wrong_password(w, user):
    return {"password": "not-the-password"}


def _learner_token_kept_unless_learner(w, role, response):
    from lms.accounts.models import ApiToken

    assert ApiToken.objects.filter(pk=w["learner_token"]).exists() is (role != "learner"), role


def _learner_wallet_kept_unless_learner(w, role, response):
    from oauth2_provider.models import get_access_token_model

    tokens = get_access_token_model().objects.filter(application_id=w["learner_wallet"])
    assert tokens.exists() is (role != "learner"), role


def _learner_credentials(w, user):
    return {"username": w["people"]["learner"].username, "password": PASSWORD}


ALL_200 = "200 200 200 200 200 200"
STAFF_ONLY_ADMIN = "login login login login login 200"

ROUTES = [
    # --- lms: pages ---------------------------------------------------------------------------
    Route("site root", "get", "/", "302 302 302 302 302 302", check=_redirects_to("/en/")),
    Route("home", "get", "/en/", ALL_200),
    Route("privacy notice", "get", "/en/privacy/", ALL_200),
    Route("terms of use", "get", "/en/terms/", ALL_200),
    Route(
        "login form",
        "get",
        "/en/accounts/login/",
        "200 302 302 302 302 302",
        check=lambda w, role, r: (
            role == "anonymous" or urlsplit(r["Location"]).path == "/en/dashboard/"
        ),
    ),
    Route(
        "log in",
        "post",
        "/en/accounts/login/",
        "302 302 302 302 302 302",
        data=_learner_credentials,
        check=_logged_in_as_learner,
    ),
    Route("log out by GET (refused)", "get", "/en/accounts/logout/", "405 405 405 405 405 405"),
    Route(
        "log out",
        "post",
        "/en/accounts/logout/",
        "302 302 302 302 302 302",
        check=lambda w, role, r: not r.wsgi_request.user.is_authenticated,
    ),
    Route("registration form", "get", "/en/accounts/register/", "200 302 302 302 302 302"),
    Route(
        "register",
        "post",
        "/en/accounts/register/",
        "302 302 302 302 302 302",
        data=_registration,
        check=_registered_by_anonymous_only,
    ),
    Route("profile", "get", "/en/accounts/profile/", "login 200 200 200 200 200"),
    Route(
        "save the profile",
        "post",
        "/en/accounts/profile/",
        "login 302 302 302 302 302",
        data=_profile,
        check=_renamed_self_only,
    ),
    Route(
        "dashboard",
        "get",
        "/en/dashboard/",
        # Instructors enrolled in nothing land on their grading queue.
        "login 200 200 302 302 200",
        check=_dashboard_shows_own_certificate_only,
    ),
    Route(
        "health",
        "get",
        "/healthz",
        ALL_200,
        check=lambda w, role, r: r.json()["database"]["ok"] is True,
    ),
    Route(
        "switch language",
        "post",
        "/i18n/setlang/",
        "302 302 302 302 302 302",
        data=lambda w, user: {"language": "zh-hans", "next": "/zh-hans/"},
        check=_language_saved_on_own_account_only,
    ),
    Route("switch language by GET (refused)", "get", "/i18n/setlang/", "405 405 405 405 405 405"),
    Route("Wagtail's front-end login form", "get", "/en/_util/login/", ALL_200),
    Route(
        "password form of a restricted page",
        "get",
        "/en/_util/authenticate_with_password/{page_restriction}/{restricted_page}/",
        ALL_200,
    ),
    Route(
        "public document",
        "get",
        "/documents/{document}/{document_file}",
        ALL_200,
        check=lambda w, role, r: _body(r) == w["document_bytes"],
    ),
    Route(
        "password form of a restricted collection",
        "get",
        "/documents/authenticate_with_password/{collection_restriction}/",
        ALL_200,
    ),
    # --- lms: account self-service and privacy pages --------------------------------------------
    Route("password change form", "get", "/en/accounts/password/", "login 200 200 200 200 200"),
    Route(
        "change the password, wrong old one",
        "post",
        "/en/accounts/password/",
        "login 200 200 200 200 200",
        data=lambda w, user: {
            "old_password": "wrong",
            "new_password1": "x-Very-long-pass-42",
            "new_password2": "x-Very-long-pass-42",
        },
    ),
    Route("password reset form", "get", "/en/accounts/password/reset/", ALL_200),
    Route(
        "ask for a password reset",
        "post",
        "/en/accounts/password/reset/",
        "302 302 302 302 302 302",
        data=lambda w, user: {"email": "lena@example.org"},
        check=_redirects_to("/en/accounts/password/reset/sent/"),
    ),
    Route("password reset sent", "get", "/en/accounts/password/reset/sent/", ALL_200),
    Route(
        "password reset link, not valid",
        "get",
        "/en/accounts/password/reset/MQ/bad-token/",
        ALL_200,
        check=lambda w, role, r: "not valid" in r.content.decode(),
    ),
    Route("password reset done", "get", "/en/accounts/password/reset/done/", ALL_200),
    Route(
        "resend the confirmation link",
        "post",
        "/en/accounts/confirm-email/resend/",
        "login 302 302 302 302 302",
    ),
    Route(
        "confirm an address, bad link",
        "get",
        "/en/accounts/confirm-email/bad-link/",
        "400 400 400 400 400 400",
    ),
    Route(
        "change the address, bad link",
        "get",
        "/en/accounts/change-email/bad-link/",
        "400 400 400 400 400 400",
    ),
    Route(
        "revoke the learner's API token",
        "post",
        "/en/accounts/tokens/{learner_token}/revoke/",
        "login 302 302 302 302 302",
        check=_learner_token_kept_unless_learner,
    ),
    Route(
        "revoke the learner's wallet access",
        "post",
        "/en/accounts/wallets/{learner_wallet}/revoke/",
        "login 302 404 404 404 404",
        check=_learner_wallet_kept_unless_learner,
    ),
    Route("download my data", "get", "/en/accounts/privacy/data/", "login 200 200 200 200 200"),
    Route("prepare my data", "post", "/en/accounts/privacy/data/", "login 302 302 302 302 302"),
    Route(
        "download the learner's archive",
        "get",
        "/en/accounts/privacy/data/{learner_export}/download/",
        "login 200 404 404 404 404",
        check=lambda w, role, r: role != "learner" or _body(r) == b"PK",
    ),
    Route("delete my account", "get", "/en/accounts/privacy/delete/", "login 200 200 200 200 200"),
    Route(
        "delete my account, wrong password",
        "post",
        "/en/accounts/privacy/delete/",
        "login 400 400 400 400 400",
        data=_wrong_password,
    ),
    # --- lms: API -----------------------------------------------------------------------------
    Route("API log out", "post", "/auth/logout", "401 204 204 204 204 204", api=True),
    Route("API tokens", "get", "/auth/tokens", "401 200 200 200 200 200", api=True),
    Route(
        "API revoke the learner's token",
        "post",
        "/auth/tokens/{learner_token}/revocation",
        "401 204 404 404 404 404",
        api=True,
        check=_learner_token_kept_unless_learner,
    ),
    Route(
        "API confirm an address, bad token",
        "post",
        "/auth/confirm-email",
        "400 400 400 400 400 400",
        api=True,
        data=lambda w, user: {"token": "bad"},
    ),
    Route(
        "API resend the confirmation",
        "post",
        "/auth/confirm-email/resend",
        "401 202 202 202 202 202",
        api=True,
    ),
    Route(
        "API ask for a password reset",
        "post",
        "/auth/password/reset",
        "202 202 202 202 202 202",
        api=True,
        data=lambda w, user: {"email": "lena@example.org"},
    ),
    Route(
        "API reset a password, bad token",
        "post",
        "/auth/password/reset/confirm",
        "400 400 400 400 400 400",
        api=True,
        data=lambda w, user: {"uid": "MQ", "token": "bad", "new_password": "x-Very-long-42"},
    ),
    Route(
        "API change the password, wrong old one",
        "post",
        "/auth/password/change",
        "401 400 400 400 400 400",
        api=True,
        data=lambda w, user: {"old_password": "wrong", "new_password": "x-Very-long-42"},
    ),
    Route("API profile", "get", "/auth/profile", "401 200 200 200 200 200", api=True),
    Route(
        "API save the profile",
        "post",
        "/auth/profile",
        "401 200 200 200 200 200",
        api=True,
        data=_profile,
        check=_renamed_self_only,
    ),
    Route(
        "API change the address, bad token",
        "post",
        "/auth/change-email",
        "400 400 400 400 400 400",
        api=True,
        data=lambda w, user: {"token": "bad"},
    ),
    Route("API ask for my data", "post", "/privacy/exports", "401 202 202 202 202 202", api=True),
    Route("API my archives", "get", "/privacy/exports", "401 200 200 200 200 200", api=True),
    Route(
        "API download the learner's archive",
        "get",
        "/privacy/exports/{learner_export}/file",
        "401 200 404 404 404 404",
        api=True,
    ),
    Route(
        "API delete my account, wrong password",
        "post",
        "/privacy/account/delete",
        "401 400 400 400 400 400",
        api=True,
        data=_wrong_password,
    ),
    # --- lms: notifications (in the site and their e-mail settings) -----------------------------
    Route("notifications", "get", "/en/notifications/", "login 200 200 200 200 200"),
    Route("mark all read", "post", "/en/notifications/read-all/", "login 302 302 302 302 302"),
    Route(
        "open the learner's notification",
        "get",
        "/en/notifications/{learner_notification}/open/",
        "login 302 404 404 404 404",
    ),
    Route(
        "mark the learner's notification read",
        "post",
        "/en/notifications/{learner_notification}/read/",
        "login 302 404 404 404 404",
    ),
    Route(
        "unsubscribe, forged token",
        "get",
        "/en/notifications/unsubscribe/forged/",
        "400 400 400 400 400 400",
    ),
    Route(
        "notification settings",
        "get",
        "/en/accounts/notifications/settings/",
        "login 200 200 200 200 200",
    ),
    Route("API notifications", "get", "/notifications", "401 200 200 200 200 200", api=True),
    Route(
        "API unread count",
        "get",
        "/notifications/unread-count",
        "401 200 200 200 200 200",
        api=True,
    ),
    Route(
        "API mark the learner's notification read",
        "post",
        "/notifications/{learner_notification}/read",
        "401 200 404 404 404 404",
        api=True,
    ),
    Route(
        "API mark all read", "post", "/notifications/read-all", "401 200 200 200 200 200", api=True
    ),
    Route(
        "API notification preferences",
        "get",
        "/notifications/preferences",
        "401 200 200 200 200 200",
        api=True,
    ),
    Route(
        "API set notification preferences",
        "put",
        "/notifications/preferences",
        "401 200 200 200 200 200",
        api=True,
        data=lambda w, user: {"email": {"enrolled": "off"}},
    ),
    # Ninja's root route only names the API's base path for reverse(); it answers 404.
    Route("API root", "get", "/", "404 404 404 404 404 404", api=True),
    Route("API OpenAPI document", "get", "/openapi.json", ALL_200, api=True),
    Route("API docs", "get", "/docs", ALL_200, api=True),
    Route(
        "API token",
        "post",
        "/auth/token",
        ALL_200,
        api=True,
        data=_learner_credentials,
        check=_token_works,
    ),
    Route(
        "API token, wrong password",
        "post",
        "/auth/token",
        "401 401 401 401 401 401",
        api=True,
        data=lambda w, user: {"username": w["people"]["learner"].username, "password": "wrong"},
    ),
    Route(
        "API register",
        "post",
        "/auth/register",
        "201 201 201 201 201 201",
        api=True,
        data=_registration,
        check=_registered,
    ),
    # --- certificates: pages --------------------------------------------------------------------
    Route("verify form", "get", "/verify/", ALL_200),
    Route(
        "verify by ID from the form",
        "get",
        "/verify/?id={cert}",
        ALL_200,
        check=_verdict_page(HOLDER_NAME),
    ),
    Route(
        "verify an uploaded PDF",
        "post",
        "/verify/",
        ALL_200,
        data=_pdf_upload,
        multipart=True,
        check=_verdict_page(HOLDER_NAME),
    ),
    Route(
        "verification page",
        "get",
        "/verify/{cert}/",
        ALL_200,
        check=lambda w, role, r: w["cert"] in r.content.decode(),
    ),
    Route(
        "verification page, unknown ID",
        "get",
        "/verify/CMA-0000-0000-0000/",
        "404 404 404 404 404 404",
    ),
    Route(
        "the learner's certificate PDF",
        "get",
        "/certificates/{cert}.pdf",
        "login 200 403 403 403 200",
        check=_is_pdf_of("learner"),
    ),
    Route(
        "the other learner's certificate PDF",
        "get",
        "/certificates/{other_cert}.pdf",
        "login 403 200 403 403 200",
        check=_is_pdf_of("other_learner"),
    ),
    Route(
        "certificate PDF, unknown ID",
        "get",
        "/certificates/CMA-0000-0000-0000.pdf",
        "login 404 404 404 404 404",
    ),
    Route(
        "credential JSON",
        "get",
        "/certificates/{cert}/credential.json",
        ALL_200,
        check=lambda w, role, r: r.json()["id"].endswith(w["cert"]),
    ),
    Route(
        "certificate page",
        "get",
        "/certificates/{cert}",
        ALL_200,
        check=lambda w, role, r: HOLDER_NAME in r.content.decode(),
    ),
    Route("certificate share picture", "get", "/certificates/{cert}/share.png", ALL_200),
    Route(
        "certificate page visibility (only its holder)",
        "post",
        "/certificates/{cert}/visibility",
        "login 302 404 404 404 404",
        data=lambda w, user: {"public": "0"},
    ),
    Route("issuer DID document", "get", "/.well-known/did.json", ALL_200),
    Route("issuer profile", "get", "/issuer", ALL_200),
    Route("status list", "get", "/status/1", ALL_200),
    Route("status list, unknown", "get", "/status/2", "404 404 404 404 404 404"),
    # --- certificates: API ----------------------------------------------------------------------
    Route(
        "API verification",
        "get",
        "/certificates/{cert}/verification",
        ALL_200,
        api=True,
        check=_verdict("valid"),
    ),
    Route(
        "API verification, unknown ID",
        "get",
        "/certificates/CMA-0000-0000-0000/verification",
        "404 404 404 404 404 404",
        api=True,
        check=_verdict("not_found"),
    ),
    Route(
        "API verify an uploaded file",
        "post",
        "/verifications",
        ALL_200,
        api=True,
        multipart=True,
        data=_pdf_upload,
        check=_verdict("valid"),
    ),
    Route(
        "API revoke",
        "post",
        "/certificates/{cert}/revocation",
        "401 403 403 403 403 200",
        api=True,
        data=lambda w, user: {"reason": "Issued in error."},
        check=_revoked_by_staff_only,
    ),
    Route(
        "API my certificates",
        "get",
        "/me/certificates",
        "401 200 200 200 200 200",
        api=True,
        check=_own_certificates_only,
    ),
    Route(
        "API my certificate",
        "get",
        "/me/certificates/{cert}",
        "401 200 404 404 404 404",
        api=True,
    ),
    Route(
        "API my certificate's page visibility",
        "post",
        "/me/certificates/{cert}/visibility",
        "401 200 404 404 404 404",
        api=True,
        data=lambda w, user: {"public": False},
    ),
    # --- admin ------------------------------------------------------------------------------------
    Route("Wagtail admin", "get", "/admin/", STAFF_ONLY_ADMIN),
    Route("Django admin", "get", "/django-admin/", STAFF_ONLY_ADMIN),
    Route("Django admin: accounts", "get", "/django-admin/accounts/user/", STAFF_ONLY_ADMIN),
    Route("admin: certificates", "get", "/admin/certificate/", STAFF_ONLY_ADMIN),
    Route("admin: a certificate", "get", "/admin/certificate/inspect/{cert}/", STAFF_ONLY_ADMIN),
    # Certificates change only through issue, re-issue and revoke (RestrictedPolicy): the
    # generic add, edit and delete views refuse staff too (Wagtail sends them to the admin home).
    Route(
        "admin: add a certificate by hand (refused)",
        "get",
        "/admin/certificate/new/",
        "login login login login login 302",
        check=lambda w, role, r: role != "staff" or urlsplit(r["Location"]).path == "/admin/",
    ),
    Route(
        "admin: edit a certificate by hand (refused)",
        "post",
        "/admin/certificate/edit/{cert}/",
        "login login login login login 302",
        data=lambda w, user: {"revocation_reason": "Edited by hand."},
        check=lambda w, role, r: (
            (role != "staff" or urlsplit(r["Location"]).path == "/admin/")
            and _certificate(w).revocation_reason == ""
        ),
    ),
    Route(
        "admin: delete a certificate (refused)",
        "post",
        "/admin/certificate/delete/{cert}/",
        "login login login login login 302",
        check=lambda w, role, r: (
            (role != "staff" or urlsplit(r["Location"]).path == "/admin/")
            and _certificate(w) is not None
        ),
    ),
    Route("admin: awards", "get", "/admin/award/", STAFF_ONLY_ADMIN),
    Route("admin: issuer keys", "get", "/admin/issuerkey/", STAFF_ONLY_ADMIN),
    Route(
        "admin: revoke or re-issue form",
        "get",
        "/admin/certificates/action/{cert}/",
        STAFF_ONLY_ADMIN,
    ),
    Route(
        "admin: revoke",
        "post",
        "/admin/certificates/action/{cert}/",
        "login login login login login 302",
        data=lambda w, user: {"action": "revoke", "reason": "Issued in error."},
        check=_revoked_by_staff_only,
    ),
    Route("admin: bulk issue form", "get", "/admin/certificates/bulk/", STAFF_ONLY_ADMIN),
    Route(
        "admin: bulk issue (nothing owed)",
        "post",
        "/admin/certificates/bulk/",
        "login login login login login 302",
        data=lambda w, user: {"qualification": str(w["qualification"]), "cohort": ""},
    ),
    Route(
        "admin: bulk issue progress, no such batch",
        "get",
        "/admin/certificates/bulk/999999/",
        "login login login login login 404",
    ),
    Route(
        "admin: bulk issue status, no such batch",
        "get",
        "/admin/certificates/bulk/999999/status/",
        "login login login login login 404",
    ),
    Route("API certificates", "get", "/certificates", "401 403 403 403 403 200", api=True),
    Route(
        "API re-issue",
        "post",
        "/certificates/{cert}/reissue",
        "401 403 403 403 403 201",
        api=True,
        data=lambda w, user: {"reason": "The holder's name was misspelt."},
    ),
    Route(
        "API bulk issue",
        "post",
        "/certificate-batches",
        "401 403 403 403 403 202",
        api=True,
        data=lambda w, user: {"qualification": w["qualification"]},
    ),
    Route(
        "API bulk issue progress, no such batch",
        "get",
        "/certificate-batches/{missing_batch}",
        "401 403 403 403 403 404",
        api=True,
    ),
    # --- the Open Badges 3.0 API (tests/lms/obapi tests the OAuth flow and the wallet's calls) --
    Route("OB API: discovery", "get", "/ims/ob/v3p0/discovery", ALL_200),
    Route("OB API: register, empty", "post", "/ims/ob/v3p0/register", "400 400 400 400 400 400"),
    Route(
        "OB API: authorize, no client", "get", "/ims/ob/v3p0/authorize", "login 400 400 400 400 400"
    ),
    Route("OB API: token, no client", "post", "/ims/ob/v3p0/token", "400 400 400 400 400 400"),
    Route("OB API: revoke, no client", "post", "/ims/ob/v3p0/revoke", "400 400 400 400 400 400"),
    # A session is not a wallet's token: the resource endpoints answer only to an OAuth token.
    Route("OB API: credentials", "get", "/ims/ob/v3p0/credentials", "401 401 401 401 401 401"),
    Route("OB API: profile", "get", "/ims/ob/v3p0/profile", "401 401 401 401 401 401"),
    Route("OB API: root", "get", "/ims/ob/v3p0/", "404 404 404 404 404 404"),
    # --- LTI 1.3 (tests/lti and tests/interop test the protocol) --------------------------------
    Route("LTI: the tool's public keys", "get", "/lti/jwks.json", ALL_200),
    Route("LTI: the tool's URLs", "get", "/lti/configuration.json", ALL_200),
    Route("LTI: login with no platform", "get", "/lti/login/", "400 400 400 400 400 400"),
    Route("LTI: launch with no token", "post", "/lti/launch/", "400 400 400 400 400 400"),
    Route("LTI: deep linking with no launch", "get", "/lti/deep-link/", "403 403 403 403 403 403"),
    Route(
        "admin: bring an LTI course's members in (none such)",
        "post",
        "/admin/lti/contexts/999999/sync/",
        "login login login login login 404",
    ),
]


# --- the world ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-issuer-keys")


@pytest.fixture(autouse=True)
def _isolated(settings, _key_dir):
    """Keys in a temporary folder (as in tests/certificates/conftest.py), the verification
    limit out of the way (each row verifies six times; tests/certificates test the limit), and
    every test and request starting in English."""
    settings.ISSUER_KEY_DIR = _key_dir
    settings.ISSUER_KEY_FILE = None
    settings.VERIFY_RATE = "100000/m"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(scope="module")
def _site(django_db_setup, django_db_blocker, _key_dir):
    """The module's world, built once inside a transaction that is rolled back at the end."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

    from courses.models import CoursePage
    from courses.teaching import teaching_assign

    key_dir, django_settings.ISSUER_KEY_DIR = django_settings.ISSUER_KEY_DIR, _key_dir
    files: list[Path] = []
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            load_test_curriculum()
            learner = make_user("learner", "lena", full_name=HOLDER_NAME)
            other_learner = make_user("learner", "omar", full_name="Wang Xiaoming")
            instructor = make_user("instructor", "ingrid")
            teaching_assign(instructor=instructor, slugs=["test-qualification"])
            make_user("instructor", "olga")
            make_user("staff", "sam")
            certificate = issue(learner)
            other_certificate = issue(other_learner)

            root = Collection.get_first_root_node() or Collection.add_root(name="Root")
            document = get_document_model()(
                title="Reading list",
                file=ContentFile(b"Reading list for module one.\n", name="reading-list.txt"),
                collection=root,
            )
            document.save()
            restricted = root.add_child(name="Restricted")
            collection_restriction = CollectionViewRestriction.objects.create(
                collection=restricted, restriction_type="password", password="letmein"
            )
            course_two = CoursePage.objects.get(slug="course-two", locale__language_code="en")
            page_restriction = PageViewRestriction.objects.create(
                page=course_two, restriction_type="password", password="letmein"
            )
            files += [Path(certificate.pdf.path), Path(other_certificate.pdf.path)]
            files.append(Path(document.file.path))
            learner_token, learner_export = _learner_token_and_export(learner)
            files.append(Path(learner_export.archive.path))
            learner_wallet = _learner_wallet(learner)
            learner_notification = Notification.objects.create(
                user=learner, key="matrix-notification", subject="Welcome", link="/en/"
            )
            yield {
                "usernames": {
                    "learner": "lena",
                    "other_learner": "omar",
                    "instructor": "ingrid",
                    "other_instructor": "olga",
                    "staff": "sam",
                },
                "cert": certificate.pk,
                "other_cert": other_certificate.pk,
                "award": certificate.award_id,
                "qualification": certificate.qualification_id,
                "pdfs": {
                    "learner": certificate.pdf.open("rb").read(),
                    "other_learner": other_certificate.pdf.open("rb").read(),
                },
                "document": document.id,
                "document_file": document.filename,
                "document_bytes": b"Reading list for module one.\n",
                "collection_restriction": collection_restriction.id,
                "page_restriction": page_restriction.id,
                "restricted_page": course_two.id,
                "learner_token": learner_token,
                "learner_export": learner_export.pk,
                "learner_wallet": learner_wallet,
                "learner_notification": learner_notification.pk,
                "missing_batch": 999999,
            }
            transaction.set_rollback(True)
    finally:
        django_settings.ISSUER_KEY_DIR = key_dir
        for file in files:
            file.unlink(missing_ok=True)


def _learner_wallet(learner):
    """A wallet (OAuth client) holding a live access token for the learner (by application id)."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model

    from lms.obapi import scopes
    from lms.obapi.models import WalletClient

    Application = get_application_model()
    application = Application.objects.create(
        name="Matrix Wallet",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://wallet.example.org/callback",
    )
    WalletClient.objects.create(
        application=application,
        scope=scopes.CREDENTIAL_READ,
        client_uri="https://wallet.example.org/",
    )
    get_access_token_model().objects.create(
        user=learner,
        application=application,
        token="matrix-wallet-access-token",
        scope=scopes.CREDENTIAL_READ,
        expires=timezone.now() + timedelta(hours=1),
    )
    return application.pk


def _learner_token_and_export(learner):
    """An API token of the learner (by id) and a ready archive of the learner's data."""
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from lms.accounts.models import ApiToken
    from lms.privacy.models import DataExport

    token = ApiToken.objects.create(
        user=learner, key_hash="0" * 64, expires_at=timezone.now() + timedelta(days=1)
    )
    export = DataExport(
        user=learner,
        status=DataExport.Status.READY,
        ready_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
        size=2,
    )
    export.archive.save("matrix-export.zip", ContentFile(b"PK"), save=False)
    export.save()
    return token.pk, export


@pytest.fixture
def world(_site, db):
    """The module's world, with fresh instances of the people for this test."""
    from lms.accounts.models import User

    people = {"anonymous": None}
    people.update({role: User.objects.get(username=u) for role, u in _site["usernames"].items()})
    certificates_of = {role: [] for role in ROLES}
    certificates_of["learner"] = [_site["cert"]]
    certificates_of["other_learner"] = [_site["other_cert"]]
    return {**_site, "people": people, "certificates_of": certificates_of}


def _request(route: Route, world: dict, user):
    path = route.path.format(**world)
    data = route.data(world, user) if route.data else {}
    if route.api:
        api = ApiClient(Client(raise_request_exception=False))
        if route.method == "get":
            return api.get(path, user=user)
        if route.method == "put":
            return api.put(path, data, user=user)
        if route.multipart:
            return api.post_multipart(path, data, user=user)
        return api.post(path, data, user=user)
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return getattr(client, route.method)(path, data)


def _outcome(response) -> str:
    if response.status_code in (301, 302) and urlsplit(response["Location"]).path in LOGIN_PATHS:
        return "login"
    return str(response.status_code)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_permission_matrix(world, route):
    actual, problems = {}, []
    for role in ROLES:
        with transaction.atomic():
            response = _request(route, world, world["people"][role])
            translation.activate("en")  # a request leaves its language active in the thread
            actual[role] = _outcome(response)
            if route.check:
                try:
                    result = route.check(world, role, response)
                    assert result is not False, f"{route.name}: check failed"
                except AssertionError as exc:
                    problems.append(f"{role}: {exc}")
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, route.expected.split(), strict=True))
    assert problems == []


# --- every route is in the matrix --------------------------------------------------------------

# Routes that need no row of their own, each with the reason. A pattern is a regular expression
# over the route as Django's resolver spells it (ResolverMatch.route).
ALLOWED = {
    # The Wagtail admin's own views (pages, images, users, the certificates viewsets' edit and
    # history views...): all behind Wagtail's require_admin_access, which the "Wagtail admin"
    # row proves lets only staff in. Views of this project mounted there are not allowed here.
    r"admin/.+": "Wagtail admin sub-URL",
    # Django's admin views, all wrapped in AdminSite.admin_view: the "Django admin" rows.
    r"django-admin/.+": "Django admin sub-URL",
}
# Only mounted when DEBUG is on (lms/urls.py): the development server's media files.
ALLOWED_IF_PRESENT = {r"\^?media/.*": "uploaded media served by Django, DEBUG only"}

PROJECT_MODULES = ("lms.", "certificates.")


def _walk(patterns, prefix=""):
    """(route, URLPattern) of every pattern, routes spelt as ResolverMatch.route spells them."""
    for pattern in patterns:
        route = URLResolver._join_route(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        else:
            yield route, pattern


def _route_of(path_: str) -> str | None:
    try:
        return resolve(urlsplit(path_).path).route
    except Resolver404:
        return None


def _dummy(path_: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path_)


def _matrix_routes() -> set[str]:
    full = ("/api/v1" + r.path if r.api else r.path for r in ROUTES)
    return {route for p in full if (route := _route_of(_dummy(p))) is not None}


def _courses_api_routes() -> set[str]:
    from courses.api import operations

    return {_route_of("/api/v1" + re.sub(r"\{[a-z_]+\}", "1", p)) for p, _ in operations()}


def _uncovered(patterns) -> list[str]:
    covered = _matrix_routes()
    courses_api = _courses_api_routes()
    allowed = {**ALLOWED, **ALLOWED_IF_PRESENT}
    missing = []
    for route, pattern in _walk(patterns):
        module = getattr(pattern.callback, "__module__", "") or ""
        if module.startswith("courses.") or route in courses_api:
            continue  # tests/courses/test_permissions.py
        if route in covered:
            continue
        if module.startswith(PROJECT_MODULES):
            missing.append(route)  # this project's views always need a row, in the admin too
            continue
        if not any(re.fullmatch(rx, route) for rx in allowed):
            missing.append(route)
    return missing


def _normal(op_path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "{}", op_path)


def _declared_operations() -> set[tuple[str, str]]:
    """(method, path) of every API operation outside the courses router."""
    from courses.api import routers as courses_routers
    from lms.api import api

    get_resolver().url_patterns  # noqa: B018 - building the URLs binds the API's routers
    return {
        (method.lower(), _normal(prefix + op_path))
        for prefix, router in api._routers
        if router not in courses_routers
        for op_path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }


def test_every_site_route_is_in_the_matrix():
    """A new lms or certificates URL (or a view of ours in the admin) needs a row above."""
    translation.activate("en")
    assert _uncovered(get_resolver().url_patterns) == []
    # The allow-list names nothing that is gone.
    routes = [route for route, _ in _walk(get_resolver().url_patterns)]
    for rx in ALLOWED:
        assert any(re.fullmatch(rx, route) for route in routes), rx
    # Every row resolves, except the bare site root that redirects to a language.
    unresolved = [r.name for r in ROUTES if _route_of(_dummy(r.path)) is None and not r.api]
    assert unresolved == ["site root"]


def test_every_api_operation_outside_courses_is_in_the_matrix():
    rows = {(r.method, _normal(r.path)) for r in ROUTES if r.api}
    declared = _declared_operations()
    assert declared, "no API operations found"
    assert declared - rows == set()
    assert {
        ("get", "/me/certificates"),
        ("post", "/certificates/{}/revocation"),
        ("post", "/auth/token"),
    } <= declared


def test_the_coverage_check_notices_a_new_route():
    """The walk is not vacuous: an unlisted URL in certificates, lms or the admin is reported."""
    from django.views.static import serve

    def view(request):
        return HttpResponse()

    view.__module__ = "certificates.views"

    extra = [
        path("certificates/<str:certificate_id>/share", view),
        path("admin/certificates/export/", view),
        path("exports/everything.csv", lambda request: HttpResponse()),
        # What static() mounts with DEBUG on: allowed, so not reported.
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": "/nowhere"}),
    ]
    translation.activate("en")
    assert _uncovered([*get_resolver().url_patterns, *extra]) == [
        "certificates/<str:certificate_id>/share",
        "admin/certificates/export/",
        "exports/everything.csv",
    ]


def test_expected_rows_are_well_formed():
    assert len({r.name for r in ROUTES}) == len(ROUTES)
    for route in ROUTES:
        assert len(route.expected.split()) == len(ROLES), route.name
        assert route.method in ("get", "post", "put"), route.name
