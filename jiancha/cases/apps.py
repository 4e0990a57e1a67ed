from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiancha.cases"
    label = "cases"
    verbose_name = _("Leads and cases")

    def ready(self) -> None:
        from jiancha.access.panels import register_panel

        from .services import home_panel

        register_panel(home_panel)

        # Investigators query the data pool only under a case of theirs being investigated. The pool
        # offers the hook; when it does not (yet), there is nothing to register with.
        try:
            from jiancha.pool.services import register_purpose_check
        except ImportError:
            return
        from .services import pool_purpose_check

        register_purpose_check(pool_purpose_check)
