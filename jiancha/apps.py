from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JianchaConfig(AppConfig):
    """The project package itself: templates, static files, translations and top-level commands."""

    name = "jiancha"
    label = "jiancha"
    verbose_name = _("Jiancha")
