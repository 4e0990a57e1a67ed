"""API endpoints of the subjects app (/api/subjects/...): what other apps and tools ask of the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.orgs.models import Division

from . import actions, services
from .identity import person_key
from .models import Change, ChangeStatus, Entry
from .scope import scope_q, whole_tree

router = Router(tags=["subjects"])


class EntryOut(Schema):
    id: int
    person_key: str
    name: str
    category: int
    rule: str
    facts: dict[str, Any]
    unit: str
    unit_id: int | None
    division: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    confirmed_by: str


class ShareOut(Schema):
    key: str
    label: str
    found: int
    covered: int
    rate: float | None


class CoverageOut(Schema):
    on: dt.date
    refreshed: dt.date | None
    total: ShareOut
    target: float
    by_category: list[ShareOut]
    by_region: list[ShareOut]
    by_unit_type: list[ShareOut]
    gap: list[dict[str, Any]]
    registry_size: int
    base_size: int
    scope_ratio: float | None


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    period: str
    person_key: str
    name: str
    effective: dt.date
    category_before: int | None
    category: int | None
    rule: str
    unit: str
    facts: dict[str, Any]


class DecisionIn(Schema):
    changes: list[int]
    confirm: bool
    category: int | None = None
    note: str = ""


class StaffingOut(Schema):
    township: str
    code: str
    villages: int
    population: int
    supervisors: int
    needed: int
    shortfall: int


def _user(request: HttpRequest, capability: str = "analyse_data") -> User:
    user = request.user
    assert isinstance(user, User)
    if not has_capability(user, capability):
        raise HttpError(403, _("the registry of supervised persons needs the data analysis right"))
    return user


def _figures(request: HttpRequest) -> tuple[User, Division | None]:
    """Coverage and staffing figures: analysts and dashboard readers, over their own subtree."""
    user = request.user
    assert isinstance(user, User)
    if not (has_capability(user, "analyse_data") or has_capability(user, "view_dashboard")):
        raise HttpError(403, _("coverage figures need the data analysis or dashboard right"))
    return user, None if whole_tree(user) and user.division is None else user.division


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HttpError(400, _("%(value)s is not a date; write it as YYYY-MM-DD") % {"value": text}) from None


def _entry(entry: Entry) -> EntryOut:
    return EntryOut(
        id=entry.pk, person_key=entry.person_key, name=entry.name, category=entry.category, rule=entry.rule_code,
        facts=entry.facts, unit=entry.unit_name, unit_id=entry.unit_id,
        division=entry.division.code if entry.division else None, valid_from=entry.valid_from,
        valid_to=entry.valid_to, confirmed_by=entry.confirmed_by,
    )  # fmt: skip


def _share(share: services.Share) -> ShareOut:
    return ShareOut(
        key=share.key, label=share.label, found=share.found, covered=share.covered, rate=share.rate
    )


@router.get("/entries", response=list[EntryOut])
def entries(request: HttpRequest, on: str | None = None, category: int | None = None) -> list[EntryOut]:
    """The registry as of ``on`` (today by default) within the caller's area."""
    user = _user(request)
    found = services.entries_on(_day(on) or timezone.localdate()).filter(scope_q(user))
    if category is not None:
        found = found.filter(category=category)
    return [_entry(e) for e in found.order_by("person_key")[:5000]]


@router.get("/persons/{id_number}", response=EntryOut)
def person(request: HttpRequest, id_number: str, on: str | None = None) -> EntryOut:
    """Is this person a supervised person on ``on``, and under which category (404 if not)."""
    user = _user(request)
    key = person_key(id_number)
    if key is None:
        raise HttpError(400, _("%(value)s is not a valid resident ID number") % {"value": id_number})
    entry = services.is_supervised(key, _day(on))
    if entry is None or not Entry.objects.filter(scope_q(user), pk=entry.pk).exists():
        raise HttpError(404, _("not a supervised person on that date within your area"))
    return _entry(entry)


@router.get("/coverage", response=CoverageOut)
def coverage(request: HttpRequest, on: str | None = None) -> CoverageOut:
    user, division = _figures(request)
    result = services.coverage(division, _day(on))
    names = has_capability(user, "analyse_data")
    return CoverageOut(
        on=result.on, refreshed=result.refresh.as_of if result.refresh else None, total=_share(result.total),
        target=result.target, by_category=[_share(s) for s in result.by_category],
        by_region=[_share(s) for s in result.by_region], by_unit_type=[_share(s) for s in result.by_unit_type],
        gap=[{"person_key": h.person_key, "name": h.name, "category": h.category, "unit": h.unit_name,
              "division": h.division_code, "source": h.source, "rule": h.rule_code} for h in result.gap] if names else [],
        registry_size=result.registry_size, base_size=result.base_size, scope_ratio=result.scope_ratio,
    )  # fmt: skip


@router.get("/changes", response=list[ChangeOut])
def changes(
    request: HttpRequest, status: str = ChangeStatus.PENDING, kind: str | None = None
) -> list[ChangeOut]:
    user = _user(request)
    if status not in ChangeStatus.values:
        raise HttpError(400, _("unknown status %(value)s") % {"value": status})
    listed = Change.objects.filter(scope_q(user), status=status).select_related("refresh")
    if kind:
        listed = listed.filter(kind=kind)
    return [
        ChangeOut(
            id=c.pk,
            kind=c.kind,
            status=c.status,
            period=c.refresh.period,
            person_key=c.person_key,
            name=c.name,
            effective=c.effective,
            category_before=c.category_before,
            category=c.category,
            rule=c.rule_code,
            unit=c.unit_name,
            facts=c.facts,
        )
        for c in listed.order_by("effective", "pk")[:5000]
    ]


@router.post("/changes/decide", response=list[int])
def decide(request: HttpRequest, body: DecisionIn) -> list[int]:
    """Confirm or reject proposed changes; each decision is written to the ledger."""
    user = _user(request)
    try:
        chosen = actions.decide(
            user, body.changes, confirm=body.confirm, category=body.category, note=body.note
        )
    except actions.SubjectsRefused as refused:
        raise HttpError(refused.status, refused.message) from None
    return [c.pk for c in chosen]


@router.get("/staffing", response=list[StaffingOut])
def staffing(request: HttpRequest, on: str | None = None) -> list[StaffingOut]:
    _caller, division = _figures(request)
    return [
        StaffingOut(
            township=r.township.name,
            code=r.township.code,
            villages=r.villages,
            population=r.population,
            supervisors=r.supervisors,
            needed=r.needed,
            shortfall=r.shortfall,
        )
        for r in services.staffing(division, _day(on))
    ]
