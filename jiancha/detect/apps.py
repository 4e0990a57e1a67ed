from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectConfig(AppConfig):
    name = "jiancha.detect"
    label = "detect"
    verbose_name = _("Risk early warning")

    def ready(self) -> None:
        from jiancha.access.panels import register_panel

        from .review import home_panel

        register_panel(home_panel)
