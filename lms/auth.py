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


def bearer_token(request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None when there is no such header.

    Plain Django views that the API links to (a certificate's PDF) accept it too, so an API
    client can follow the URLs it is given with the token it already holds.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None
