"""The demo region: an organisation tree and one user per role, for `jiancha demo` and the tests.

The tree comes from ``demo_data/`` (small and fixed, for tests) or from a synthetic region written
by ``jiancha synth`` (for the demo, so that the organisation tree and the pool's data agree).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from jiancha.access.models import User
from jiancha.access.roles import ROLES, sync_roles
from jiancha.access.services import assign_role
from jiancha.orgs.models import Division, DivisionLevel, Unit, UnitType
from jiancha.orgs.services import import_divisions, import_units

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"

# Where each demo user sits: (place, unit types to look for, unit name hint, display name). Most work
# at the city commission; the investigator at a district's; the grassroots supervisor in a township.
DEMO_PLACEMENT: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "intake": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "王信访"),
    "lead_manager": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "李案管"),
    "investigator": ("district", (UnitType.SUPERVISION_COMMISSION,), "", "赵审查"),
    "reviewer": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "钱审理"),
    "approver": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "孙分管"),
    "analyst": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "周分析"),
    "grassroots": ("township", (UnitType.GOVERNMENT_DEPARTMENT,), "", "吴监察"),
    "procuratorate": ("city", (UnitType.PROCURATORATE,), "", "郑检察"),
    "dept_liaison": ("city", (UnitType.GOVERNMENT_DEPARTMENT,), "民政", "冯联络"),
    "security_officer": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "陈安全"),
    "admin": ("city", (UnitType.SUPERVISION_COMMISSION,), "", "褚管理"),
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    division: str


def random_password() -> str:
    return secrets.token_urlsafe(12)


def _place(where: str) -> Division:
    city = Division.objects.filter(level=DivisionLevel.CITY).order_by("code").first()
    counties = Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code")
    if where == "city" and city is not None:
        return city
    if where == "district" and counties.exists():
        return counties.first()  # type: ignore[return-value]
    if where == "township" and counties.exists():
        county = counties.last()
        assert county is not None
        township = (
            Division.objects.filter(level=DivisionLevel.TOWNSHIP, code__startswith=county.prefix)
            .order_by("code")
            .first()
        )
        if township is not None:
            return township
    fallback = city or Division.objects.order_by("level", "code").first()
    if fallback is None:
        raise RuntimeError("the demo organisation tree is empty")
    return fallback


def _unit(division: Division, types: tuple[str, ...], hint: str) -> Unit | None:
    units = Unit.objects.filter(division=division, unit_type__in=types).order_by("name")
    if hint:
        return units.filter(name__contains=hint).first() or units.first()
    return units.first()


@transaction.atomic
def build_demo(
    password_for: Callable[[str], str] = lambda _role: random_password(),
    org_files: tuple[Path, Path] = (DEMO_DATA / "divisions.csv", DEMO_DATA / "units.csv"),
) -> list[DemoUser]:
    """Load the organisation tree and create (or reset) one user per staff role.

    The public has no account (it reports through the public pages), so no user is made for it.
    """
    # The migration made the groups; make sure of them again, as a flushed database has none.
    sync_roles()
    import_divisions(org_files[0])
    import_units(org_files[1])
    users = []
    for role in ROLES:
        if role.code not in DEMO_PLACEMENT:
            continue
        where, unit_types, hint, display_name = DEMO_PLACEMENT[role.code]
        division = _place(where)
        user, _created = User.objects.get_or_create(username=role.code)
        user.first_name = display_name
        user.division, user.unit = division, _unit(division, unit_types, hint)
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
        users.append(DemoUser(role.code, password, role.code, division.code))
    return users
