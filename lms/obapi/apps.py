from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObApiConfig(AppConfig):
    name = "lms.obapi"
    label = "obapi"
    verbose_name = _("Open Badges API for wallets")
