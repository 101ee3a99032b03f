"""LTI 1.3: the platforms (institutions' LMSs) registered by staff, the tool's signing keys, and
what launches leave behind: linked accounts, platform courses (contexts) mapped to cohorts,
resource links to our pages, used nonces, and scores waiting to be sent back."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.Model):
    """An LMS that launches our courses, as its administrator registered this site with it."""

    name = models.CharField(_("name"), max_length=120)
    issuer = models.CharField(
        _("issuer"), max_length=255, help_text=_("The platform's issuer (iss), as it sends it.")
    )
    client_id = models.CharField(
        _("client ID"), max_length=255, help_text=_("The client ID the platform gave this tool.")
    )
    deployment_ids = models.TextField(
        _("deployment IDs"),
        help_text=_("One per line: the deployments of this tool it may launch."),
    )
    auth_login_url = models.URLField(
        _("OIDC authentication URL"), max_length=500, help_text=_("Where launches are authorised.")
    )
    auth_token_url = models.URLField(
        _("access token URL"),
        max_length=500,
        help_text=_("Where the tool gets tokens for the platform's services (OAuth 2)."),
    )
    key_set_url = models.URLField(
        _("public keyset URL"), max_length=500, help_text=_("The platform's JWKS.")
    )
    auth_audience = models.CharField(
        _("token audience"),
        max_length=255,
        blank=True,
        help_text=_("Only if the platform asks for one other than the access token URL."),
    )
    link_by_email = models.BooleanField(
        _("link accounts by e-mail address"),
        default=False,
        help_text=_(
            "Link a launching user to an existing account with the same e-mail address. Only for "
            "platforms that verify their users' addresses."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LTI platform")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="unique_lti_platform")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def deployments(self) -> list[str]:
        return [line.strip() for line in self.deployment_ids.splitlines() if line.strip()]

    def clean(self):
        if not self.deployments:
            raise ValidationError({"deployment_ids": _("Give at least one deployment ID.")})


class ToolKey(models.Model):
    """An RSA key pair the tool signs with (deep-linking responses, service token requests); the
    public halves are published at /lti/jwks.json."""

    kid = models.CharField(max_length=64, unique=True)
    private_key = models.TextField()
    public_key = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("LTI tool key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class PlatformAccount(models.Model):
    """A platform's user (its `sub`) linked to one of our accounts."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="accounts")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("LTI account link")
        constraints = [
            models.UniqueConstraint(fields=["platform", "subject"], name="unique_lti_subject")
        ]

    def __str__(self) -> str:
        return f"{self.platform}: {self.subject} → {self.user}"


class PlatformContext(models.Model):
    """A course on the platform, whose members learn together in one of our cohorts."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    cohort = models.ForeignKey(
        "courses.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    memberships_url = models.URLField(max_length=500, blank=True)
    members_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("LTI platform course")
        constraints = [
            models.UniqueConstraint(fields=["platform", "context_id"], name="unique_lti_context")
        ]

    def __str__(self) -> str:
        return self.title or self.context_id


class ResourceLink(models.Model):
    """A link the platform placed to one of our pages (a course, qualification or lesson), with
    the gradebook column (line item) scores for it go to."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="links")
    context = models.ForeignKey(
        PlatformContext, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    resource_link_id = models.CharField(max_length=255)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lineitem_url = models.URLField(max_length=500, blank=True)
    lineitems_url = models.URLField(max_length=500, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("LTI resource link")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "resource_link_id"], name="unique_lti_resource_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform}: {self.resource_link_id}"


class UsedNonce(models.Model):
    """A launch's nonce, kept so that the same launch message is never accepted twice."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "nonce"], name="unique_lti_nonce")
        ]

    def __str__(self) -> str:
        return self.nonce


class ScorePassback(models.Model):
    """A score to send to a platform's gradebook (Assignment and Grade Services), written in the
    transaction that records the completion or the grade, kept until the platform accepts it."""

    class Kind(models.TextChoices):
        COURSE_COMPLETION = "course_completion", _("Course completion")
        PROJECT_GRADE = "project_grade", _("Field-project grade")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="scores")
    account = models.ForeignKey(PlatformAccount, on_delete=models.CASCADE, related_name="+")
    score_given = models.DecimalField(max_digits=6, decimal_places=2)
    score_maximum = models.DecimalField(max_digits=6, decimal_places=2, default=100)
    activity_progress = models.CharField(max_length=20, default="Completed")
    grading_progress = models.CharField(max_length=20, default="FullyGraded")
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("LTI score")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="lti_unsent_scores",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.score_given}/{self.score_maximum}"
