"""Users with a role, and API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_no_control_characters


class User(AbstractUser):
    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        INSTRUCTOR = "instructor", _("Instructor")
        STAFF = "staff", _("Staff")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LEARNER)
    full_name = models.CharField(
        _("full name"),
        max_length=150,
        blank=True,
        validators=[validate_no_control_characters],
        help_text=_("As it should appear on certificates, in any script."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Self-registered learners confirm their address before they can enrol; accounts made by
    # staff, commands or LTI launches are confirmed from the start.
    email_confirmed = models.BooleanField(_("email address confirmed"), default=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_instructor(self) -> bool:
        return self.role == self.Role.INSTRUCTOR

    @property
    def is_staff_member(self) -> bool:
        return self.role == self.Role.STAFF or self.is_superuser


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def new_raw_key() -> str:
        return secrets.token_urlsafe(32)
