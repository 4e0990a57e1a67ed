from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "jiancha.access"
    label = "access"
    verbose_name = _("Access control")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the lockout receiver)
