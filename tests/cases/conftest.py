"""Fixtures for the case workflow: the demo region's staff, and helpers that walk a lead forward."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from jiancha.access.models import User
from jiancha.cases.actions import PersonInput, do_add_member, do_decide, do_request_step
from jiancha.cases.models import Approval, Case, Lead
from jiancha.cases.services import create_lead
from jiancha.orgs.models import Division

from ..factories import make_user

DISTRICT = "331202000000"  # 清河区, where the demo investigator works


@pytest.fixture
def staff(demo_region):
    get = User.objects.get
    return SimpleNamespace(
        lead_manager=get(username="lead_manager"),
        approver=get(username="approver"),
        investigator=get(username="investigator"),
        reviewer=get(username="reviewer"),
        procuratorate=get(username="procuratorate"),
        analyst=get(username="analyst"),
        approver2=make_user("approver2", "approver"),
        investigator2=make_user("investigator2", "investigator", DISTRICT),
    )


def new_lead(staff, summary="某局副局长刘某某在工程招标中收受投标人财物", name="刘某某", **kwargs) -> Lead:
    defaults = {
        "division": Division.objects.get(code=DISTRICT),
        "source": "report",
        "summary": summary,
        "persons": [PersonInput(name, position="某局副局长", family_names="刘大, 王芳")],
        "created_by": staff.lead_manager,
        "source_ref": "WEB-2026-0001",
    }
    defaults.update(kwargs)
    return create_lead(**defaults)


def step(obj: Lead | Case, code: str, user: User, **kwargs):
    obj.refresh_from_db()
    return do_request_step(obj, code, user, obj.version, **kwargs)


def approve(obj: Lead | Case, approver: User, **kwargs) -> Approval:
    approval = obj.approvals.get(status=Approval.Status.PENDING)
    result = do_decide(approval, approver, True, **kwargs)
    obj.refresh_from_db()
    return result


CASE_DETAILS = {"title": "刘某某受贿案", "case_type": "duty_crime", "major": True}


def filed_case(staff, now: dt.datetime | None = None, **lead_kwargs) -> Case:
    lead = new_lead(staff, **lead_kwargs)
    step(lead, "dispose_preliminary_verification", staff.lead_manager, now=now)
    approve(lead, staff.approver, now=now)
    step(lead, "file_case", staff.lead_manager, details=CASE_DETAILS, now=now)
    approve(lead, staff.approver, now=now)
    case = Case.objects.get(lead=lead)
    do_add_member(case, staff.investigator, staff.approver, case.version, leader=True)
    case.refresh_from_db()
    return case


def reviewing_case(staff, now: dt.datetime | None = None, **lead_kwargs) -> Case:
    case = filed_case(staff, now=now, **lead_kwargs)
    step(case, "start_investigation", staff.investigator, now=now)
    step(case, "submit_for_review", staff.investigator, now=now)
    approve(case, staff.approver, now=now)
    return case


def transferred_case(staff, now: dt.datetime | None = None, **lead_kwargs) -> Case:
    case = reviewing_case(staff, now=now, **lead_kwargs)
    step(case, "transfer", staff.reviewer, now=now)
    approve(case, staff.approver, now=now)
    return case


@pytest.fixture
def only_2025_and_2026_calendars(tmp_path, monkeypatch):
    """Load the 2025 and 2026 calendars only, whatever years ship: for tests about a missing year."""
    import shutil

    from jiancha.cases import workdays

    for year in (2025, 2026):
        shutil.copy(workdays.CALENDAR_DIR / f"{year}.yaml", tmp_path / f"{year}.yaml")
    monkeypatch.setattr(workdays, "CALENDAR_DIR", tmp_path)
    workdays.loaded_years.cache_clear()
    yield tmp_path
    workdays.loaded_years.cache_clear()


@pytest.fixture
def extendable_disposal_clock():
    """Give the disposal clock an extension (the rules have none today) so who may ask can be tested."""
    from jiancha.cases.deadlines import ExtensionRule, Period, rules

    changed = [(rule, rule.extensions) for rule in rules().clock("disposal_plan").versions.values()]
    for rule, _ in changed:
        object.__setattr__(
            rule, "extensions", {"ordinary": ExtensionRule("ordinary", Period(10, "days"), 1, "approve")}
        )
    yield
    for rule, original in changed:
        object.__setattr__(rule, "extensions", original)


@pytest.fixture
def grassroots_lead(staff):
    """A lead the grassroots supervisor registered in their own division (so it is in their scope)."""
    user = User.objects.get(username="grassroots")
    return new_lead(staff, created_by=user, division=user.division)
