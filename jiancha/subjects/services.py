"""Reading the registry: as of any date, per person, coverage against the 98% target, staffing.

These are the functions other apps call (indicators: whose unit is whose; cases: is the person
concerned a supervised person, under which category). They take plain values and return plain data.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from jiancha.orgs.models import Division, DivisionKind, DivisionLevel, Unit, UnitType
from jiancha.orgs.services import subtree_q

from . import found
from .models import Category, Entry, Holder, Refresh, open_on
from .rules import rule_book

COVERAGE_TARGET = 0.98  # DOMAIN.md §1: supervised-person coverage ≥ 98%
SCOPE_TARGET = 1.50  # registry scope: 150% of the pilot-start base


def pilot_start() -> dt.date:
    """The pilot's first day, the base of the registry-scope target (settings.SUBJECTS_PILOT_START)."""
    return dt.date.fromisoformat(str(getattr(settings, "SUBJECTS_PILOT_START", "2025-01-01")))


def entries_on(on: dt.date, division: Division | None = None) -> QuerySet[Entry]:
    """The registry as it stood on ``on``, within ``division``'s subtree when given."""
    entries = Entry.objects.filter(open_on(on)).select_related("unit", "division")
    if division is not None:
        entries = entries.filter(subtree_q(division, prefix="division__"))
    return entries


def is_supervised(person_key: str, on: dt.date | None = None) -> Entry | None:
    """The person's registry entry on ``on`` (today by default), or None if not a supervised person."""
    return (
        Entry.objects.filter(open_on(on or timezone.localdate()), person_key=person_key)
        .select_related("unit", "division")
        .order_by("-valid_from")
        .first()
    )


def unit_of(person_key: str, on: dt.date | None = None) -> Unit | None:
    """The unit whose supervised person this is on ``on``, if any."""
    entry = is_supervised(person_key, on)
    return entry.unit if entry else None


def units_of(person_keys: Iterable[str], on: dt.date | None = None) -> dict[str, Unit | None]:
    """For indicators: whose unit is whose on ``on``, for many persons at once (only those supervised)."""
    entries = Entry.objects.filter(open_on(on or timezone.localdate()), person_key__in=list(person_keys))
    return {entry.person_key: entry.unit for entry in entries.select_related("unit").order_by("valid_from")}


def history(person_key: str) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(person_key=person_key).select_related("unit", "division").order_by("valid_from")
    )


@dataclass(frozen=True)
class Share:
    """Found vs covered for one group (a category, a township, a unit type)."""

    key: str
    label: str
    found: int
    covered: int

    @property
    def rate(self) -> float | None:
        return self.covered / self.found if self.found else None

    @property
    def meets(self) -> bool:
        return self.rate is not None and self.rate >= COVERAGE_TARGET

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate:.1%}"


@dataclass
class Coverage:
    """监察对象覆盖率: persons in the registry / persons found exercising public power (DOMAIN.md §1)."""

    on: dt.date
    refresh: Refresh | None
    total: Share
    by_category: list[Share] = field(default_factory=list)
    by_region: list[Share] = field(default_factory=list)
    by_unit_type: list[Share] = field(default_factory=list)
    gap: list[Holder] = field(default_factory=list)
    registry_size: int = 0
    base_size: int = 0
    target: float = COVERAGE_TARGET
    scope_target: float = SCOPE_TARGET

    @property
    def scope_ratio(self) -> float | None:
        return self.registry_size / self.base_size if self.base_size else None

    @property
    def scope_percent(self) -> str:
        return "—" if self.scope_ratio is None else f"{self.scope_ratio:.1%}"

    @property
    def scope_meets(self) -> bool:
        return self.scope_ratio is not None and self.scope_ratio >= SCOPE_TARGET


def _shares(
    holders: list[Holder], covered: set[str], key: Callable[[Holder], str], labels: dict[str, str]
) -> list[Share]:
    found_by: Counter[str] = Counter()
    covered_by: Counter[str] = Counter()
    for holder in holders:
        group = key(holder)
        found_by[group] += 1
        covered_by[group] += holder.person_key in covered
    return [Share(k, labels.get(k, k or "—"), found_by[k], covered_by[k]) for k in sorted(found_by)]


def coverage(division: Division | None = None, on: dt.date | None = None) -> Coverage:
    """Coverage within ``division`` on ``on``: the latest refresh's found persons against the registry.

    A found person counts as covered when they hold any registry entry on ``on`` (the category may
    differ: that is a proposed category change, not a gap). The gap lists the others, one by one.
    """
    on = on or timezone.localdate()
    run = Refresh.objects.filter(as_of__lte=on).first() or Refresh.objects.first()
    holders = list(run.holders.select_related("unit").all()) if run else []
    if division is not None:
        holders = [h for h in holders if h.division_code.startswith(division.prefix)]
    covered = set(entries_on(on, division).values_list("person_key", flat=True))
    towns = {d.code[:9]: d.name for d in Division.objects.filter(level=DivisionLevel.TOWNSHIP)}
    # Units of a city or a county sit at its own division: name them by the first six digits.
    counties = {d.code[:6]: d.name for d in Division.objects.filter(level__lte=DivisionLevel.COUNTY)}

    def region(holder: Holder) -> str:
        # A region is the township; units at county level or above count under their county.
        town = holder.division_code[:9]
        return town if town in towns else holder.division_code[:6]

    regions = {**counties, **towns}
    categories = {str(c.value): str(c.label) for c in Category}
    unit_types = {str(t.value): str(t.label) for t in UnitType}
    total = Share("", "", len(holders), sum(h.person_key in covered for h in holders))
    base = entries_on(pilot_start(), division).count()
    return Coverage(
        on=on,
        refresh=run,
        total=total,
        by_category=_shares(holders, covered, lambda h: str(h.category), categories),
        by_region=_shares(holders, covered, region, regions),
        by_unit_type=_shares(holders, covered, lambda h: h.unit_type, unit_types),
        gap=sorted(
            (h for h in holders if h.person_key not in covered), key=lambda h: (h.division_code, h.name)
        ),
        registry_size=len(covered),
        base_size=base,
    )


@dataclass(frozen=True)
class Staffing:
    """基层监察力量: full-time supervisors of one township against the targets."""

    township: Division
    villages: int
    population: int
    supervisors: int
    needed_for_villages: int
    needed_for_population: int

    @property
    def needed(self) -> int:
        return max(self.needed_for_villages, self.needed_for_population)

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.supervisors)


def staffing(division: Division | None = None, on: dt.date | None = None) -> list[Staffing]:
    """Per township within ``division``: villages and communities (村/社区), residents, full-time
    supervisors on the roster, and how many the targets need (1 per 5 villages at least — the target
    says 3-5 — and 1 per 5,000 residents; both from rules.yaml)."""
    sup = rule_book().supervisors
    townships = Division.objects.filter(level=DivisionLevel.TOWNSHIP)
    if division is not None:
        townships = townships.filter(subtree_q(division))
    villages = Counter(
        code[:9]
        for code in Division.objects.filter(
            Q(kind=DivisionKind.VILLAGE) | Q(kind=DivisionKind.COMMUNITY)
        ).values_list("code", flat=True)
    )
    people = Counter(code[:9] for _key, code, _role in found.supervisors(on or timezone.localdate()))
    result = []
    for town in townships:
        prefix = town.code[:9]
        population = town.population or 0
        result.append(
            Staffing(
                township=town,
                villages=villages[prefix],
                population=population,
                supervisors=people[prefix],
                needed_for_villages=math.ceil(villages[prefix] / sup.villages_per_supervisor),
                needed_for_population=math.ceil(population / sup.residents_per_supervisor),
            )
        )
    return result
