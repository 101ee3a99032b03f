"""/ims/ob/v3p0/: the Open Badges API (api.py) and its OAuth 2.0 endpoints (views.py)."""

from django.urls import path
from oauth2_provider.views import RevokeTokenView, TokenView

from lms.obapi.api import api
from lms.obapi.views import ConsentView

urlpatterns = [
    path("authorize", ConsentView.as_view(), name="obapi-authorize"),
    path("token", TokenView.as_view(), name="obapi-token"),
    path("revoke", RevokeTokenView.as_view(), name="obapi-revoke"),
    path("", api.urls),
]
