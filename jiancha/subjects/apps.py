from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubjectsConfig(AppConfig):
    name = "jiancha.subjects"
    label = "subjects"
    verbose_name = _("Supervised persons")


# The home page's entry for the registry (jiancha.access.roles) is translated here, in this app's catalog.
HOME_ENTRY_TEXTS = (
    _("Registry of supervised persons"),
    _("Who is a supervised person, why and since when; changes to confirm; coverage."),
)
