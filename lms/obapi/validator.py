"""django-oauth-toolkit's OAuth 2.0 server with the Open Badges API's rules added: PKCE with
S256 only (refused at the authorization request, back to the client), and an authorization code
exchanged once and presented again revokes what it bought. (Redirect URIs are checked when a
client registers: lms.obapi.registration.)"""

import hashlib

from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2 import Server
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256

from lms.obapi.models import SpentCode


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def tokens_revoke(*, application, user, since=None) -> int:
    """Revoke every token the application holds for the user issued since `since` (all of them
    without it): the tokens bought with a replayed code, and any refreshed from them, or every
    token of a wallet the learner cut off. Returns how many were revoked."""
    issued = {"created__gte": since} if since is not None else {}
    revoked = 0
    for refresh in get_refresh_token_model().objects.filter(
        application=application, user=user, revoked__isnull=True, **issued
    ):
        refresh.revoke()
        revoked += 1
    deleted, _ = (
        get_access_token_model()
        .objects.filter(application=application, user=user, **issued)
        .delete()
    )
    return revoked + deleted


class WalletValidator(OAuth2Validator):
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        spent = SpentCode.objects.filter(code_hash=code_hash(code), application=client).first()
        if spent is not None:
            # RFC 6749 §4.1.2: a code used twice may have been stolen; what it bought is revoked.
            tokens_revoke(application=client, user=spent.user, since=spent.granted_at)
        return False

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        grant = get_grant_model().objects.filter(code=code, application=request.client).first()
        if grant is not None:
            SpentCode.objects.get_or_create(
                code_hash=code_hash(code),
                defaults={
                    "application": grant.application,
                    "user": grant.user,
                    "granted_at": grant.created,
                },
            )
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)


class S256Server(Server):
    """oauthlib's server, whose authorization-code grant knows only the S256 challenge method:
    a request with "plain" is answered with invalid_request before the learner is asked."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self.auth_grant._code_challenge_methods = {"S256": code_challenge_method_s256}
