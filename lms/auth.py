"""How API callers authenticate: a bearer token from POST /api/v1/auth/token, or a session."""

from ninja.security import HttpBearer, django_auth

from lms.accounts.services import api_token_user


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
AUTH = [bearer, django_auth]
