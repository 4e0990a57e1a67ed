"""API endpoints of the subjects app (/api/subjects/...): what other apps and tools ask of the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.orgs.models import Division
from jiancha.pool import services as pool

from . import actions, services
from .identity import person_key
from .models import Change, ChangeStatus, Entry
from .scope import figures_division, scope_q

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
    try:
        return user, figures_division(user)
    except PermissionDenied as denied:
        raise HttpError(403, str(denied)) from denied


def _day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HttpError(400, _("%(value)s is not a date; write it as YYYY-MM-DD") % {"value": text}) from None


def _key(key: str, full: bool) -> str:
    """Resident ID numbers masked unless the reader's role needs them in full (as in the pool)."""
    return key if full else pool.mask_id_number(key)


def _entry(entry: Entry, full: bool) -> EntryOut:
    return EntryOut(
        id=entry.pk, person_key=_key(entry.person_key, full), name=entry.name, category=entry.category, rule=entry.rule_code,
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
    full = pool.sees_full_identifiers(user)
    return [_entry(e, full) for e in found.order_by("person_key")[:5000]]


class PersonQuery(Schema):
    id_number: str
    purpose: str  # 查询事由, required: this is a query of a person's data, logged like a profile query
    on: str | None = None
    case_reference: str = ""


@router.post("/persons", response=EntryOut)
def person(request: HttpRequest, body: PersonQuery) -> EntryOut:
    """Is this person a supervised person on ``on``, and under which category (404 if not).

    The ID number travels in the body, not the URL, and the query is recorded (who, about whom, why)
    in the data-query log and the ledger, as a pool profile query is."""
    user = _user(request)
    key = person_key(body.id_number)
    if key is None:
        raise HttpError(400, _("that is not a valid resident ID number"))
    try:
        query = pool.open_query(
            user, "person", key, pool.mask_id_number(key), body.purpose, body.case_reference
        )
    except pool.QueryRefused as refused:
        raise HttpError(403 if "query_pool" in refused.message else 400, refused.message) from refused
    entry = services.is_supervised(key, _day(body.on))
    visible = entry is not None and Entry.objects.filter(scope_q(user), pk=entry.pk).exists()
    pool.close_query(query, 1 if visible else 0)
    if entry is None or not visible:
        raise HttpError(404, _("not a supervised person on that date within your area"))
    return _entry(entry, pool.sees_full_identifiers(user))


@router.get("/coverage", response=CoverageOut)
def coverage(request: HttpRequest, on: str | None = None) -> CoverageOut:
    user, division = _figures(request)
    result = services.coverage(division, _day(on))
    names = has_capability(user, "analyse_data")
    full = pool.sees_full_identifiers(user)
    return CoverageOut(
        on=result.on, refreshed=result.refresh.as_of if result.refresh else None, total=_share(result.total),
        target=result.target, by_category=[_share(s) for s in result.by_category],
        by_region=[_share(s) for s in result.by_region], by_unit_type=[_share(s) for s in result.by_unit_type],
        gap=[{"person_key": _key(h.person_key, full), "name": h.name, "category": h.category, "unit": h.unit_name,
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
    full = pool.sees_full_identifiers(user)
    if kind:
        listed = listed.filter(kind=kind)
    return [
        ChangeOut(
            id=c.pk,
            kind=c.kind,
            status=c.status,
            period=c.refresh.period,
            person_key=_key(c.person_key, full),
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
