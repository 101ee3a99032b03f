"""The Open Badges 3.0 API's scopes, what the learner is told each one allows, and the scopes
backend that limits a client to the scopes it registered."""

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import SettingsScopes

_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READ = _BASE + "credential.readonly"
CREDENTIAL_UPSERT = _BASE + "credential.upsert"
PROFILE_READ = _BASE + "profile.readonly"
PROFILE_UPDATE = _BASE + "profile.update"

ALL = (CREDENTIAL_READ, CREDENTIAL_UPSERT, PROFILE_READ, PROFILE_UPDATE)

# What the consent page tells the learner, in the learner's language.
LABELS = {
    CREDENTIAL_READ: _("Read your valid certificates (as Open Badges credentials)"),
    CREDENTIAL_UPSERT: _("Send credentials to this site (it keeps only the ones it issued)"),
    PROFILE_READ: _("Read your profile: your name and email address"),
    PROFILE_UPDATE: _("Change the name on your profile"),
}

# The service description's scope descriptions (the specification's own wording).
DESCRIPTIONS = {
    CREDENTIAL_READ: "Permission to read AchievementCredentials for the authenticated entity.",
    CREDENTIAL_UPSERT: "Permission to create or update AchievementCredentials for the "
    "authenticated entity.",
    PROFILE_READ: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile for the authenticated entity.",
}


class RegisteredScopes(SettingsScopes):
    """A client may ask only for the scopes it registered (and gets those when it asks for none)."""

    @staticmethod
    def _registered(application) -> list[str]:
        client = getattr(application, "wallet_client", None) if application else None
        return client.scopes if client is not None else []

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return [s for s in self._registered(application) if s in ALL]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)
