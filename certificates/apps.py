from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from certificates.awards import on_requirements_met
        from courses.signals import qualification_requirements_met

        qualification_requirements_met.connect(
            on_requirements_met, dispatch_uid="certificates-award"
        )

        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from certificates.models import Certificate
        from certificates.verification import forget_reports

        def certificate_changed(sender, instance, **kwargs):
            # A new certificate may supersede an older one, whose report changes with it.
            ids = [instance.pk, instance.supersedes_id]
            forget_reports(ids)
            transaction.on_commit(lambda: forget_reports(ids))

        post_save.connect(
            certificate_changed, sender=Certificate, weak=False, dispatch_uid="certificates-reports"
        )
        post_delete.connect(
            certificate_changed,
            sender=Certificate,
            weak=False,
            dispatch_uid="certificates-reports-delete",
        )
