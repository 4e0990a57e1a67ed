from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectConfig(AppConfig):
    name = "jiancha.detect"
    label = "detect"
    verbose_name = _("Risk early warning")
