from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "lms.xapi"
    label = "xapi"
    verbose_name = _("Learning records (xAPI)")

    def ready(self):
        from lms.xapi import receivers  # noqa: F401  (listens to courses' and certificates' signals)
