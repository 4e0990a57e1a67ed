"""The roles of DESIGN.md as data: code, names, capabilities, and what their home page offers.

A migration turns each role into a Django group holding its capabilities (see
migrations/0002_roles.py); ``sync_roles`` is idempotent so that later migrations can call it again
after this table changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.functional import Promise


@dataclass(frozen=True)
class HomeEntry:
    """One offer on a role's home page; ``capability`` gates it, ``url_name`` links it when built."""

    title: Promise
    description: Promise
    capability: str
    url_name: str = ""


@dataclass(frozen=True)
class Role:
    code: str
    name: Promise  # 中文名 by default, English when the user reads English
    duty: Promise
    capabilities: tuple[str, ...]


ROLES: tuple[Role, ...] = (
    Role("public", _("群众"), _("提交举报，凭查询码跟进自己的举报。"), ("file_report",)),
    Role(
        "intake",
        _("信访举报受理"),
        _("登记来信、来访、来电、网络和微信举报；受理、转办、答复举报人。"),
        ("register_report", "view_reporter_identity", "view_dashboard"),
    ),
    Role(
        "lead_manager",
        _("案件监督管理"),
        _("管理问题线索台账，提出处置建议，盯办期限。"),
        ("manage_leads", "view_dashboard"),
    ),
    Role(
        "investigator",
        _("审查调查"),
        _("办理本组承办的案件；在经批准的案件下查询数据资源池。"),
        ("investigate_case", "query_pool"),
    ),
    Role("reviewer", _("案件审理"), _("在处分或移送前审理调查终结的案件。"), ("review_case",)),
    Role("approver", _("分管领导"), _("审批处置、立案、措施和移送。"), ("approve", "view_dashboard")),
    Role(
        "analyst",
        _("数据分析"),
        _("导入数据、复核实体匹配和预警、编写预警指标。"),
        ("analyse_data", "write_indicator", "query_pool"),
    ),
    Role("grassroots", _("基层监察员/信息员"), _("在现场报送线索，查看本人报送的线索。"), ("submit_field_lead",)),
    Role(
        "procuratorate",
        _("检察机关联络"),
        _("查看移送本院的案件；会商；退回补充调查。"),
        ("view_transferred_case",),
    ),
    Role("dept_liaison", _("部门数据联络"), _("报送本部门数据，查看本部门数据质量报告。"), ("deliver_feed",)),
    Role(
        "security_officer",
        _("数据安全官"),
        _("查阅访问日志，核验存证账本，设置数据密级。"),
        ("read_access_log", "verify_ledger", "set_classification"),
    ),
    Role("admin", _("系统管理员"), _("管理用户、角色和组织机构树。"), ("administer_users",)),
)

ROLE_BY_CODE = {role.code: role for role in ROLES}

# What a home page can offer. An entry shows only to a user holding its capability; it links to its
# page once that page exists (later issues add url_name as they build it).
HOME_ENTRIES: tuple[HomeEntry, ...] = (
    HomeEntry(_("登记信访举报"), _("来信、来访、来电、网络、微信五个渠道的举报登记。"), "register_report"),
    HomeEntry(_("举报人身份"), _("经说明理由后查看实名举报人信息，每次查看均记入账本。"), "view_reporter_identity"),
    HomeEntry(_("问题线索台账"), _("线索登记、处置建议和期限预警。"), "manage_leads"),
    HomeEntry(_("我的案件"), _("本组承办的案件、措施、证据和期限。"), "investigate_case"),
    HomeEntry(_("数据资源池查询"), _("在经批准的案件或分析任务下查询人员、企业和资产。"), "query_pool"),
    HomeEntry(_("案件审理"), _("待审理的案件和审理期限。"), "review_case"),
    HomeEntry(_("待我审批"), _("处置、立案、措施和移送的审批事项。"), "approve"),
    HomeEntry(_("预警复核"), _("风险预警、实体匹配的人工复核。"), "analyse_data"),
    HomeEntry(_("预警指标"), _("指标目录、参数和测得的准确率。"), "write_indicator"),
    HomeEntry(_("报送线索"), _("基层监督发现的问题线索，可离线填写。"), "submit_field_lead"),
    HomeEntry(_("移送案件"), _("移送本院审查起诉的案件。"), "view_transferred_case"),
    HomeEntry(_("部门数据报送"), _("上传本部门数据并查看质量报告。"), "deliver_feed"),
    HomeEntry(_("访问日志"), _("个人数据查询记录和越权访问记录。"), "read_access_log", "access:denied_requests"),
    HomeEntry(_("存证账本核验"), _("检查点、见证签名和一致性证明。"), "verify_ledger"),
    HomeEntry(_("数据密级"), _("设置各类数据的密级和脱敏规则。"), "set_classification"),
    HomeEntry(_("用户与组织"), _("用户、角色和组织机构树的管理。"), "administer_users", "admin:index"),
    HomeEntry(_("试点指标"), _("试点目标与实际完成情况。"), "view_dashboard"),
    HomeEntry(_("组织机构"), _("本人管辖范围内的区划和单位。"), "", "org_tree"),
)


def sync_roles(apps: Any = None) -> None:
    """Create or update one group per role holding exactly its capabilities.

    Called from migrations with their historical ``apps``; callable at run time without it.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create them now so roles can hold them.
    app_config = apps.get_app_config("access")
    # Historical app configs (in migrations) have no models_module, which create_permissions checks.
    had_module = getattr(app_config, "models_module", None)
    app_config.models_module = had_module or True
    try:
        create_permissions(app_config, verbosity=0, apps=apps)
    finally:
        app_config.models_module = had_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    capability_type = content_type_model.objects.get(app_label="access", model="capability")
    permissions = {p.codename: p for p in permission_model.objects.filter(content_type=capability_type)}
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=role.code)
        group.permissions.set([permissions[code] for code in role.capabilities])
