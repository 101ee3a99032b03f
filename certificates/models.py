"""Awards, certificates, issuer keys and the revocation status list."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lms.storage import private_storage


class IssuerKey(models.Model):
    """A public key the academy signs with: current, or retired but published forever."""

    public_key_multibase = models.CharField(max_length=64, unique=True)
    valid_from = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["retired_at"],
                condition=Q(retired_at__isnull=True),
                name="one_current_issuer_key",
            )
        ]

    def __str__(self) -> str:
        return self.public_key_multibase

    def valid_at(self, moment) -> bool:
        return self.valid_from <= moment and (self.retired_at is None or moment < self.retired_at)


class Award(models.Model):
    """A learner met every requirement of a qualification. Exactly one per learner and qualification."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="awards"
    )
    qualification = models.ForeignKey(
        "courses.QualificationPage", on_delete=models.PROTECT, related_name="+"
    )
    achieved_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "qualification"], name="one_award_per_qualification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.qualification.title} awarded to {self.learner}"


class Certificate(models.Model):
    """An issued certificate: its signed credential and PDF, frozen at issue."""

    id = models.CharField(primary_key=True, max_length=40, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    qualification = models.ForeignKey(
        "courses.QualificationPage", on_delete=models.PROTECT, related_name="+"
    )
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="certificates")
    is_current = models.BooleanField(default=True)
    issued_at = models.DateTimeField()
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=10, default="en")
    public = models.BooleanField(
        default=True,
        help_text="Whether the certificate's page is shown to anyone with its link. The holder "
        "decides; a private certificate still verifies by its ID.",
    )
    frozen = models.JSONField(help_text="Name, wording, grades and template version as issued.")
    credential = models.JSONField(help_text="The signed Open Badges 3.0 credential.")
    credential_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="certificates/", storage=private_storage)
    pdf_sha256 = models.CharField(max_length=64)
    earlier_pdf_sha256 = models.JSONField(
        default=list,
        blank=True,
        help_text="Digests of this certificate's PDF before a repair that left its pages as they "
        "were (certificates/font_repair.py): a copy downloaded before still verifies.",
    )
    issuer_key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField(unique=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reissue_reason = models.TextField(blank=True)
    reissued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "qualification"],
                condition=Q(is_current=True),
                name="one_current_certificate",
            )
        ]
        permissions = [
            ("revoke_certificate", "Can revoke certificates"),
            ("issue_certificate", "Can issue certificates"),
        ]

    def __str__(self) -> str:
        return self.id


class StatusList(models.Model):
    """The signed revocation list (W3C Bitstring Status List) that credentials point at."""

    SIZE = 131_072  # 16 KiB of bits: the minimum the specification asks for, for privacy

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    credential = models.JSONField()
    valid_until = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Status list {self.id}"


class BulkIssue(models.Model):
    """One run of bulk issuance from the admin or the API: which awards it issues, and how far
    the workers have got. Each worker task (certificates.awards.bulk_issue_one) records its award
    in `issued_ids` or `failures`; the progress bar polls them."""

    qualification = models.ForeignKey(
        "courses.QualificationPage", on_delete=models.PROTECT, related_name="+"
    )
    cohort = models.ForeignKey(
        "courses.Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    award_ids = models.JSONField(default=list)
    issued_ids = models.JSONField(default=list, help_text="The awards issued so far.")
    failures = models.JSONField(
        default=list, help_text="One entry per award that failed: award, learner, error."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Bulk issue {self.pk} of {self.qualification.title}"

    @property
    def total(self) -> int:
        return len(self.award_ids)
