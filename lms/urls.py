from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms.accounts import views as account_views
from lms.api import api
from lms.health import healthz
from lms.home.views import dashboard
from lms.obapi import views as obapi_views
from lms.privacy import views as privacy_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("", include("certificates.urls")),
    path("", include("lms.lti.urls")),
    path("ims/ob/v3p0/", include("lms.obapi.urls")),
]

urlpatterns += i18n_patterns(
    path("accounts/login/", account_views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", account_views.register, name="register"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path(
        "accounts/wallets/<int:application_id>/revoke/",
        obapi_views.wallet_revoke,
        name="wallet_revoke",
    ),
    path("accounts/", include("lms.accounts.urls")),
    path("accounts/privacy/", include("lms.privacy.urls")),
    path("dashboard/", dashboard, name="dashboard"),
    path("privacy/", privacy_views.privacy_notice, name="privacy_notice"),
    path("terms/", privacy_views.terms_of_use, name="terms_of_use"),
    path("", include("lms.notifications.urls")),
    path("", include("courses.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
