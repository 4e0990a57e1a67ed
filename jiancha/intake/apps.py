from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "jiancha.intake"
    label = "intake"
    verbose_name = _("Report intake")

    def ready(self) -> None:
        from jiancha.access.panels import register_panel

        from .services import home_panel

        register_panel(home_panel)
        checks.register(check_keys)


def check_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """intake.E001: a key or pepper file is missing while reports depend on it."""
    from django.db import DatabaseError

    from .keys import missing_key_problem

    try:
        problem = missing_key_problem()
    except DatabaseError:  # no database yet (before migrate): nothing depends on the keys
        return []
    if not problem:
        return []
    return [checks.Error(f"Report intake: {problem}", id="intake.E001")]
