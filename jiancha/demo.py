"""The demo region: an organisation tree and one user per role, for `jiancha demo` and browser tests."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from jiancha.access.models import User
from jiancha.access.roles import ROLES, sync_roles
from jiancha.access.services import assign_role
from jiancha.orgs.models import Division, Unit
from jiancha.orgs.services import import_divisions, import_units

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

# Where each demo user sits: (division code, unit name, display name). Most work at the city
# commission; the grassroots supervisor at a township, as they would.
DEMO_PLACEMENT: dict[str, tuple[str, str, str]] = {
    "intake": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "王信访"),
    "lead_manager": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "李案管"),
    "investigator": ("331202000000", "清河区纪律检查委员会 清河区监察委员会", "赵审查"),
    "reviewer": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "钱审理"),
    "approver": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "孙分管"),
    "analyst": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "周分析"),
    "grassroots": ("331221101000", "石门镇人民政府", "吴监察"),
    "procuratorate": ("331200000000", "清溪市人民检察院", "郑检察"),
    "dept_liaison": ("331200000000", "清溪市民政局", "冯联络"),
    "security_officer": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "陈安全"),
    "admin": ("331200000000", "清溪市纪律检查委员会 清溪市监察委员会", "褚管理"),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str


def random_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def build_demo(password_for: Callable[[str], str] = lambda _role: random_password()) -> list[DemoUser]:
    """Load the demo organisation tree and create (or reset) one user per staff role.

    The public has no account (it reports through the public pages), so no user is made for it.
    """
    # The migration made the groups; make sure of them again, as a flushed database has none.
    sync_roles()
    import_divisions(DEMO_DATA / "divisions.csv")
    import_units(DEMO_DATA / "units.csv")
    users = []
    for role in ROLES:
        if role.code not in DEMO_PLACEMENT:
            continue
        division_code, unit_name, display_name = DEMO_PLACEMENT[role.code]
        division = Division.objects.get(code=division_code)
        unit = Unit.objects.get(division=division, name=unit_name)
        user, _created = User.objects.get_or_create(username=role.code)
        user.first_name = display_name
        user.division, user.unit = division, unit
        user.is_staff = role.code == "admin"
        user.is_superuser = False
        password = password_for(role.code)
        user.set_password(password)
        user.save()
        user.groups.clear()
        assign_role(user, role.code)
        if role.code == "admin":
            # The administrator manages users and the tree in Django's admin, which checks model
            # permissions rather than roles.
            from django.contrib.auth.models import Permission

            user.user_permissions.set(
                Permission.objects.filter(content_type__app_label__in=["orgs", "access", "auth"])
                # Capabilities come only through roles; the administrator must not gain them here.
                .exclude(content_type__model="capability")
                .exclude(codename="delete_user")
            )
        users.append(DemoUser(role.code, password, role.code))
    return users
