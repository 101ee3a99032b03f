"""The tool's addresses, which the platform's administrator enters on their side."""

from django.conf import settings

LOGIN = "/lti/login/"
LAUNCH = "/lti/launch/"
DEEP_LINK = "/lti/deep-link/"
JWKS = "/lti/jwks.json"
CONFIGURATION = "/lti/configuration.json"


def absolute(path: str) -> str:
    return settings.BASE_URL + path
