from django.urls import path

from lms.lti import views

urlpatterns = [
    path("lti/jwks.json", views.jwks, name="lti-jwks"),
    path("lti/login/", views.oidc_login, name="lti-login"),
    path("lti/launch/", views.launch, name="lti-launch"),
    path("lti/deep-link/", views.deep_link, name="lti-deep-link"),
    path("lti/configuration.json", views.tool_configuration, name="lti-configuration"),
]
