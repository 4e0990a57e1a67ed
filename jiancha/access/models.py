"""Users, API tokens and the record of refused requests."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff user, bound to the division whose subtree is all they may see (管辖范围)."""

    division = models.ForeignKey(
        "orgs.Division",
        verbose_name=_("管辖区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user sees this division and what lies below it, nothing else."),
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("所在单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    language = models.CharField(_("界面语言"), max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")


class Capability(models.Model):
    """Holder of the platform's permissions (权限); it has no rows.

    Django attaches permissions to a model; this one exists so that capabilities are not tied to
    any single app's tables. Roles (groups) get them in a migration, see ``roles.py``.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("file_report", _("提交举报")),
            ("register_report", _("登记信访举报")),
            ("view_reporter_identity", _("查看举报人身份")),
            ("manage_leads", _("管理问题线索")),
            ("investigate_case", _("审查调查")),
            ("query_pool", _("查询数据资源池")),
            ("review_case", _("案件审理")),
            ("approve", _("审批")),
            ("analyse_data", _("数据分析与预警复核")),
            ("write_indicator", _("编写预警指标")),
            ("submit_field_lead", _("报送基层线索")),
            ("view_transferred_case", _("查看移送案件")),
            ("deliver_feed", _("报送部门数据")),
            ("read_access_log", _("查阅访问日志")),
            ("verify_ledger", _("核验存证账本")),
            ("set_classification", _("设置数据密级")),
            ("administer_users", _("管理用户与组织")),
            ("view_dashboard", _("查看试点指标")),
        ]


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters, to tell tokens apart."))
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(_("失效时间"), null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

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
        verbose_name = _("越权访问记录")
        verbose_name_plural = _("越权访问记录")
