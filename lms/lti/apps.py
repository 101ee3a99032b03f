from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    name = "lms.lti"
    label = "lti"
    verbose_name = _("LTI platforms")

    def ready(self):
        from lms.lti import receivers  # noqa: F401  (grade passback on completions and grades)
