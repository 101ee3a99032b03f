"""Signal receivers of certificates, connected when the app is ready (CertificatesConfig.ready).

- courses announces that a learner met a qualification's requirements: record the award.
- A certificate changed (revoked, superseded, edited): drop its cached verification reports, and
  those of the certificate it supersedes, now and again once the change commits.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from certificates.awards import on_requirements_met
from certificates.models import Certificate
from certificates.verification import forget_reports
from courses.signals import qualification_requirements_met

qualification_requirements_met.connect(on_requirements_met, dispatch_uid="certificates-award")


@receiver(post_save, sender=Certificate, dispatch_uid="certificates-reports")
@receiver(post_delete, sender=Certificate, dispatch_uid="certificates-reports-delete")
def certificate_changed(sender, instance, **kwargs):
    ids = [instance.pk, instance.supersedes_id]
    forget_reports(ids)
    transaction.on_commit(lambda: forget_reports(ids))
