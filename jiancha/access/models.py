"""Users, API tokens and the record of refused requests."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff user, bound to the division whose subtree is all they may see (管辖范围)."""

    division = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("scope division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user sees this division and what lies below it, nothing else."),
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    language = models.CharField(_("interface language"), max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Capability(models.Model):
    """Holder of the platform's permissions (权限); it has no rows.

    Django attaches permissions to a model; this one exists so that capabilities are not tied to
    any single app's tables. Roles (groups) get them in a migration, see ``roles.py``.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("file_report", _("file a report")),
            ("register_report", _("register reports")),
            ("view_reporter_identity", _("view a reporter's identity")),
            ("manage_leads", _("manage leads")),
            ("investigate_case", _("investigate cases")),
            ("query_pool", _("query the data pool")),
            ("review_case", _("review cases")),
            ("approve", _("approve")),
            ("analyse_data", _("analyse data and review alerts")),
            ("write_indicator", _("write indicators")),
            ("submit_field_lead", _("submit field leads")),
            ("view_transferred_case", _("see transferred cases")),
            ("deliver_feed", _("deliver department data")),
            ("read_access_log", _("read access logs")),
            ("verify_ledger", _("verify the ledger")),
            ("set_classification", _("set data classification")),
            ("administer_users", _("administer users and organisations")),
            ("view_dashboard", _("view pilot targets")),
        ]

    def __str__(self) -> str:
        return "capability"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters, to tell tokens apart."))
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DeniedRequest(models.Model):
    """A request refused for lack of a right (越权访问记录), for the security officer to read."""

    time = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    reason = models.CharField(max_length=300)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-time"]
        verbose_name = _("refused request")
        verbose_name_plural = _("refused requests")

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.method} {self.path}"
