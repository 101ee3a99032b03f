from django.urls import path

from lms.lti import endpoints, views

urlpatterns = [
    path(endpoints.JWKS.lstrip("/"), views.jwks, name="lti-jwks"),
    path(endpoints.LOGIN.lstrip("/"), views.oidc_login, name="lti-login"),
    path(endpoints.LAUNCH.lstrip("/"), views.launch, name="lti-launch"),
    path(endpoints.DEEP_LINK.lstrip("/"), views.deep_link, name="lti-deep-link"),
    path(endpoints.CONFIGURATION.lstrip("/"), views.tool_configuration, name="lti-configuration"),
]
