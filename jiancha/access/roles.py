"""The roles of DESIGN.md as data: code, names, capabilities, and what their home page offers.

A migration turns each role into a Django group holding its capabilities (see
migrations/0002_roles.py); ``sync_roles`` is idempotent so that later migrations can call it again
after this table changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


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
    Role(
        "public",
        _("Member of the public"),
        _("Files a report and follows it up with a receipt code."),
        ("file_report",),
    ),
    Role(
        "intake",  # 信访举报受理
        _("Report intake"),
        _(
            "Registers letters, visits, calls, web and WeChat reports; accepts, forwards and answers reporters."
        ),
        ("register_report", "view_reporter_identity", "view_dashboard"),
    ),
    Role(
        "lead_manager",  # 案件监督管理
        _("Case supervision"),
        _("Keeps the lead registry, proposes disposals and watches deadlines."),
        ("manage_leads", "view_dashboard"),
    ),
    Role(
        "investigator",  # 审查调查
        _("Investigator"),
        _("Works the cases assigned to their team; queries the pool under an approved case."),
        ("investigate_case", "query_pool"),
    ),
    Role(
        "reviewer",  # 案件审理
        _("Trial reviewer"),
        _("Reviews finished investigations before sanction or transfer."),
        ("review_case",),
    ),
    Role(
        "approver",  # 分管领导
        _("Approving leader"),
        _("Approves disposals, case filing, measures and transfers."),
        ("approve", "view_dashboard"),
    ),
    Role(
        "analyst",  # 数据分析
        _("Data analyst"),
        _("Imports feeds, reviews entity matches and alerts, writes indicators."),
        ("analyse_data", "write_indicator", "query_pool"),
    ),
    Role(
        "grassroots",  # 基层监察员/信息员
        _("Grassroots supervisor"),
        _("Submits leads from the field and sees their own."),
        ("submit_field_lead",),
    ),
    Role(
        "procuratorate",  # 检察机关联络
        _("Procuratorate liaison"),
        _("Sees cases transferred to the procuratorate; consults; returns for supplementary investigation."),
        ("view_transferred_case",),
    ),
    Role(
        "dept_liaison",  # 部门数据联络
        _("Department data liaison"),
        _("Delivers the department's feed and sees its quality report."),
        ("deliver_feed",),
    ),
    Role(
        "security_officer",  # 数据安全官
        _("Data security officer"),
        _("Reads access logs, verifies the ledger, sets data classification."),
        ("read_access_log", "verify_ledger", "set_classification"),
    ),
    Role(
        "admin",
        _("System administrator"),
        _("Manages users, roles and the organisation tree."),
        ("administer_users",),
    ),  # 系统管理员
)

ROLE_BY_CODE = {role.code: role for role in ROLES}

# What a home page can offer. An entry shows only to a user holding its capability; it links to its
# page once that page exists (later issues add url_name as they build it).
HOME_ENTRIES: tuple[HomeEntry, ...] = (
    HomeEntry(
        _("Register reports"),
        _("Letters, visits, calls, web and WeChat: the five channels."),
        "register_report",
        "intake:staff_list",
    ),
    HomeEntry(
        _("Reporter identities"),
        _(
            "See a real-name reporter's identity after giving a reason; every viewing is written to the ledger."
        ),
        "view_reporter_identity",
        "intake:staff_list",
    ),
    HomeEntry(
        _("Lead registry"),
        _("Leads, proposed disposals and deadline warnings."),
        "manage_leads",
        "cases:leads",
    ),
    HomeEntry(
        _("My cases"),
        _("Cases of your team: measures, evidence and deadlines."),
        "investigate_case",
        "cases:my_cases",
    ),
    HomeEntry(
        _("Data pool queries"),
        _("People, companies and assets, under an approved case or analysis task."),
        "query_pool",
    ),
    HomeEntry(
        _("Trial review"), _("Cases awaiting review and their deadlines."), "review_case", "cases:review"
    ),
    HomeEntry(
        _("Awaiting my approval"),
        _("Disposals, case filing, measures and transfers."),
        "approve",
        "cases:approvals",
    ),
    HomeEntry(
        _("Alert review"),
        _("Human review of risk alerts and entity matches."),
        "analyse_data",
        "detect:alerts",
    ),
    HomeEntry(
        _("Registry of supervised persons"),
        _("Who is a supervised person, why and since when; changes to confirm; coverage."),
        "analyse_data",
        "subjects:registry",
    ),
    HomeEntry(
        _("Entity match review"),
        _("Pairs of records the matching model is unsure of: same person or not?"),
        "analyse_data",
        "resolve:review",
    ),
    HomeEntry(
        _("Department feeds"),
        _("Feeds, import batches and their quality reports."),
        "analyse_data",
        "pool:feeds",
    ),
    HomeEntry(
        _("Ethics review of the indicators"),
        _("Alert and confirmation rates by region, unit type, gender and age; disparities flagged."),
        "approve",
        "detect:fairness",
    ),
    HomeEntry(
        _("Indicators"),
        _("The indicator catalogue, its parameters and measured precision."),
        "write_indicator",
        "detect:indicators",
    ),
    HomeEntry(
        _("Submit a lead"), _("Leads found in the field; can be filled in offline."), "submit_field_lead"
    ),
    HomeEntry(
        _("Transferred cases"),
        _("Cases transferred to the procuratorate for prosecution review."),
        "view_transferred_case",
    ),
    HomeEntry(
        _("Department data delivery"),
        _("Upload the department's data and read its quality report."),
        "deliver_feed",
    ),
    HomeEntry(
        _("Access log"),
        _("Queries of personal data and refused requests."),
        "read_access_log",
        "access:denied_requests",
    ),
    HomeEntry(_("Data queries"), _("Who queried whose data, and why."), "read_access_log", "pool:queries"),
    HomeEntry(
        _("Ledger verification"),
        _("Checkpoints, witness cosignatures and consistency proofs."),
        "verify_ledger",
        "ledger:overview",
    ),
    HomeEntry(
        _("Data classification"),
        _("Classification levels and masking rules for each kind of data."),
        "set_classification",
    ),
    HomeEntry(
        _("Users and organisations"),
        _("Manage users, roles and the organisation tree."),
        "administer_users",
        "admin:index",
    ),
    HomeEntry(_("Pilot targets"), _("The pilot's targets against what the records show."), "view_dashboard"),
    HomeEntry(_("Organisation tree"), _("Divisions and units within your scope."), "", "org_tree"),
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
