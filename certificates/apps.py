from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from certificates.issuance import on_requirements_met
        from courses.signals import qualification_requirements_met

        qualification_requirements_met.connect(
            on_requirements_met, dispatch_uid="certificates-award"
        )
