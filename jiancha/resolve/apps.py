from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResolveConfig(AppConfig):
    name = "jiancha.resolve"
    label = "resolve"
    verbose_name = _("Entity resolution")
