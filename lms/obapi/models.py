"""What the Open Badges API keeps beside django-oauth-toolkit's applications, grants and tokens:
a wallet's registration metadata, and the authorization codes already exchanged (to notice a
replay)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WalletClient(models.Model):
    """A client (a wallet, a backpack) registered through dynamic client registration."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="wallet_client"
    )
    scope = models.TextField(help_text=_("The scopes the client registered, space-separated."))
    client_uri = models.URLField(max_length=500)
    logo_uri = models.URLField(max_length=500, blank=True)
    tos_uri = models.URLField(max_length=500, blank=True)
    policy_uri = models.URLField(max_length=500, blank=True)
    software_id = models.CharField(max_length=200, blank=True)
    software_version = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("wallet client")

    def __str__(self) -> str:
        return self.application.name

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()


class SpentCode(models.Model):
    """An authorization code that was exchanged for tokens. Presented again, it is a replay: the
    tokens issued from it are revoked (RFC 6749 §4.1.2)."""

    code_hash = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField()
    spent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exchanged authorization code")

    def __str__(self) -> str:
        return f"{self.application_id}:{self.code_hash[:8]}"
