from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "jiancha.intake"
    label = "intake"
    verbose_name = _("Report intake")

    def ready(self) -> None:
        from jiancha.access.panels import register_panel

        from .services import home_panel

        register_panel(home_panel)
