from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    name = "jiancha.pool"
    label = "pool"
    verbose_name = _("Data resource pool")
