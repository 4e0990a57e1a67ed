"""Ethics review of the indicators (算法伦理审查): do alerts fall on some groups more than others?

For each group of a dimension (region, unit type, gender, age band) within a region of the reader's
scope:

* alert rate = subjects alerted / subjects in the group. Subjects are the region's units (by the
  unit an alert concerns) and its registered adult residents (by the persons an alert names; the
  pool's Person table at its latest snapshot gives gender, birth date and household division);
* confirmation rate = alerts confirmed / alerts reviewed (confirmed or dismissed).

A group's rate divided by the overall rate is its ratio. A ratio at or beyond the bounds in
``indicators/_fairness.yaml`` (four-fifths style: ≥ 1.25 or ≤ 0.8) is flagged when the group is
large enough (a minimum population for alert rates, a minimum of reviewed alerts for confirmation
rates). A flag asks the reviewers to look at the indicators behind it; it proves nothing by itself.

Counting is done by the databases: the operational one groups units and alerts, DuckDB groups the
residents; the alerted persons travel from one to the other as lists of keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jiancha.access.models import User
from jiancha.access.services import has_capability
from jiancha.orgs.models import PREFIX_LENGTH, Division, DivisionLevel, Unit, UnitType
from jiancha.pool import reader

from .catalogue import INDICATOR_DIR
from .models import Alert
from .risk import _person_rows

# Who may read the review: analysts, and the approving leadership (分管领导) who answer for the
# indicators' use. It shows counts and rates only, never a person.
REVIEW_CAPABILITIES = ("analyse_data", "approve")


def can_review(user: User) -> bool:
    return any(has_capability(user, capability) for capability in REVIEW_CAPABILITIES)


class FairnessSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class FairnessSettings:
    ratio_high: float
    ratio_low: float
    min_population: int
    min_reviewed: int
    confirmed: tuple[str, ...]
    reviewed: tuple[str, ...]
    min_age: int
    excluded_statuses: tuple[str, ...]
    genders: dict[str, tuple[str, ...]]
    age_bands: tuple[int, ...]
    pdf_fonts: tuple[tuple[str, int], ...]


def load_settings(path: Path = INDICATOR_DIR / "_fairness.yaml") -> FairnessSettings:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        population = data.get("population") or {}
        found = FairnessSettings(
            ratio_high=float(data["ratio_high"]),
            ratio_low=float(data["ratio_low"]),
            min_population=int(data["min_population"]),
            min_reviewed=int(data["min_reviewed"]),
            confirmed=tuple(str(s) for s in data["statuses"]["confirmed"]),
            reviewed=tuple(str(s) for s in data["statuses"]["reviewed"]),
            min_age=int(population.get("min_age", 0)),
            excluded_statuses=tuple(str(s) for s in population.get("excluded_statuses") or ()),
            genders={str(k): tuple(str(v) for v in values) for k, values in data["genders"].items()},
            age_bands=tuple(sorted(int(b) for b in data["age_bands"])),
            pdf_fonts=tuple((str(f["path"]), int(f.get("index", 0))) for f in data.get("pdf_fonts") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FairnessSettingsError(f"{path.name}: {error}") from None
    if not (0 < found.ratio_low < 1 < found.ratio_high) or not set(found.confirmed) <= set(found.reviewed):
        raise FairnessSettingsError(
            f"{path.name}: needs 0 < ratio_low < 1 < ratio_high, and confirmed statuses among reviewed ones"
        )
    return found


@cache
def settings() -> FairnessSettings:
    return load_settings()


MEASURES: dict[str, Promise] = {
    "unit_alert_rate": _("Unit alert rate"),
    "person_alert_rate": _("Person alert rate"),
    "confirmation_rate": _("Confirmation rate"),
}
# What each measure's numerator and denominator count, for table headings.
MEASURE_PARTS: dict[str, tuple[Promise, Promise]] = {
    "unit_alert_rate": (_("units alerted"), _("units")),
    "person_alert_rate": (_("persons alerted"), _("residents")),
    "confirmation_rate": (_("confirmed"), _("reviewed")),
}
GENDERS: dict[str, Promise] = {"male": _("male"), "female": _("female"), "unknown": _("unknown")}


@dataclass
class Measure:
    numerator: int
    denominator: int
    rate: float | None = None  # None when nothing to divide by
    ratio: float | None = None  # the rate over the overall rate
    enough: bool = False  # volume at or above the configured minimum
    flag: str = ""  # "high", "low" or ""

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def ratio_text(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:.2f}"


@dataclass
class Group:
    key: str
    label: str
    measures: dict[str, Measure]

    @property
    def flagged(self) -> bool:
        return any(m.flag for m in self.measures.values())


@dataclass
class Table:
    code: str  # region, unit_type, gender, age_band
    title: Promise
    measures: list[str]
    overall: dict[str, Measure]
    groups: list[Group] = field(default_factory=list)


@dataclass
class Review:
    region: Division
    as_of: dt.date
    config: FairnessSettings
    tables: list[Table]
    alerts: int  # alerts in the region
    reviewed: int
    confirmed: int
    outside_register: int  # persons alerted who are not registered adult residents of the region

    def flags(self) -> list[tuple[Table, Group, str, Measure]]:
        return [
            (table, group, code, measure)
            for table in self.tables
            for group in table.groups
            for code, measure in group.measures.items()
            if measure.flag
        ]


def _measure(numerator: int, denominator: int) -> Measure:
    return Measure(int(numerator), int(denominator), numerator / denominator if denominator else None)


def _judge(table: Table, config: FairnessSettings) -> Table:
    """Ratios to the overall rate, and flags where they pass the bounds with enough volume."""
    for group in table.groups:
        for code, measure in group.measures.items():
            overall = table.overall[code].rate
            minimum = config.min_reviewed if code == "confirmation_rate" else config.min_population
            measure.enough = measure.denominator >= minimum
            if measure.rate is None or not overall:
                continue
            measure.ratio = measure.rate / overall
            if measure.enough and measure.ratio >= config.ratio_high:
                measure.flag = "high"
            elif measure.enough and measure.ratio <= config.ratio_low:
                measure.flag = "low"
    return table


# --- units and alerts: the operational database ------------------------------------------------------


def _units(region: Division, as_of: dt.date) -> QuerySet[Unit]:
    return Unit.objects.filter(division__code__startswith=region.prefix).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=as_of)
    )


def _unit_counts(
    units: QuerySet[Unit], alerts: QuerySet[Alert], by: Any
) -> tuple[dict[str, Measure], Measure]:
    alerted = Q(pk__in=alerts.filter(unit__isnull=False).values("unit_id"))
    rows = (
        units.order_by().annotate(g=by).values("g").annotate(n=Count("id"), hit=Count("id", filter=alerted))
    )
    total = units.aggregate(n=Count("id"), hit=Count("id", filter=alerted))
    return {str(r["g"]): _measure(r["hit"], r["n"]) for r in rows}, _measure(total["hit"], total["n"])


def _review_counts(
    alerts: QuerySet[Alert], by: Any, config: FairnessSettings
) -> tuple[dict[str, Measure], Measure]:
    counts = {
        "rev": Count("id", filter=Q(status__in=config.reviewed)),
        "conf": Count("id", filter=Q(status__in=config.confirmed)),
    }
    rows: Any = alerts.order_by().annotate(g=by).values("g").annotate(**counts)
    total = alerts.aggregate(**counts)
    return {str(r["g"]): _measure(r["conf"], r["rev"]) for r in rows}, _measure(total["conf"], total["rev"])


# --- residents: the pool -----------------------------------------------------------------------------


def _alerted_persons(alerts: QuerySet[Alert]) -> tuple[list[int], list[str], list[str]]:
    """(alert id, person key, alert status) for every person an alert in ``alerts`` names."""
    scope_sql, params = alerts.order_by().values("id").query.sql_with_params()
    source, kind, key = _person_rows()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.id, {key}, a.status FROM {source} WHERE {kind} = 'person' AND a.id IN ({scope_sql})",
            params,
        )
        rows = cursor.fetchall()
    return [int(r[0]) for r in rows], [str(r[1]) for r in rows], [str(r[2]) for r in rows]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(_literal(v) for v in values) or "NULL"


def _residents_sql(region: Division, prefix_length: int, as_of: dt.date, config: FairnessSettings) -> str:
    """The region's registered adult residents, one row each (latest record), with their groups.

    Values from the settings file are quoted as SQL literals; everything else is a parameter."""
    gender = " ".join(
        f"WHEN trim(gender) IN ({_in(values)}) THEN {_literal(code)}"
        for code, values in config.genders.items()
    )
    bands = " ".join(f"WHEN age >= {int(b)} THEN '{int(b)}'" for b in sorted(config.age_bands, reverse=True))
    day = as_of.isoformat()
    if not region.prefix.isdigit():
        raise ValueError(f"division code {region.code!r} is not digits")
    return f"""
    latest AS (
        SELECT idNumber, arg_max(gender, _imported_at) AS gender, arg_max(birthDate, _imported_at) AS birth,
               arg_max(divisionCode, _imported_at) AS division, arg_max(status, _imported_at) AS status
        FROM Person GROUP BY idNumber),
    aged AS (
        SELECT idNumber, CASE {gender} ELSE 'unknown' END AS gender, substr(division, 1, {int(prefix_length)}) AS region,
               CASE WHEN birth IS NULL OR birth > DATE '{day}' THEN NULL
                    ELSE year(DATE '{day}') - year(birth)
                         - CASE WHEN strftime(birth, '%m%d') > strftime(DATE '{day}', '%m%d') THEN 1 ELSE 0 END
               END AS age
        FROM latest
        WHERE division LIKE '{region.prefix}%' AND coalesce(trim(status), '') NOT IN ({_in(config.excluded_statuses)})),
    residents AS MATERIALIZED (
        SELECT *, CASE WHEN age IS NULL THEN 'unknown' {bands} ELSE 'under' END AS age_band
        FROM aged WHERE age IS NULL OR age >= {int(config.min_age)}),
    pairs AS (
        SELECT unnest(?::BIGINT[]) AS alert, unnest(?::VARCHAR[]) AS person, unnest(?::VARCHAR[]) AS status),
    named AS (SELECT p.*, r.region, r.gender, r.age_band FROM pairs p JOIN residents r ON r.idNumber = p.person)
    """


def _person_counts(
    region: Division, prefix_length: int, alerts: QuerySet[Alert], as_of: dt.date, config: FairnessSettings
) -> tuple[dict[str, tuple[dict[str, Measure], dict[str, Measure]]], tuple[Measure, Measure], int]:
    """Per dimension (region, gender, age_band): alert-rate and confirmation-rate measures per group;
    the overall two; and how many alerted persons are not among the region's registered adults."""
    pairs = _alerted_persons(alerts)
    reviewed, confirmed = _in(config.reviewed), _in(config.confirmed)
    sets = "GROUPING SETS ((region), (gender), (age_band), ())"
    # One statement, the residents computed once: alert rates and confirmation rates per group of
    # each dimension and overall (GROUPING tells which), and the alerted persons off the register.
    rows = (
        reader.connection()
        .execute(
            "WITH "
            + _residents_sql(region, prefix_length, as_of, config)
            + f"""
            SELECT 'rate', GROUPING(region), GROUPING(gender), GROUPING(age_band), region, gender, age_band,
                   count(*) FILTER (WHERE idNumber IN (SELECT person FROM pairs)), count(*)
            FROM residents GROUP BY {sets}
            UNION ALL
            SELECT 'review', GROUPING(region), GROUPING(gender), GROUPING(age_band), region, gender, age_band,
                   count(DISTINCT alert) FILTER (WHERE status IN ({confirmed})),
                   count(DISTINCT alert) FILTER (WHERE status IN ({reviewed}))
            FROM named GROUP BY {sets}
            UNION ALL
            SELECT 'outside', 1, 1, 1, NULL, NULL, NULL, count(DISTINCT person), 0
            FROM pairs WHERE person NOT IN (SELECT idNumber FROM residents)""",
            list(pairs),
        )
        .fetchall()
    )
    out: dict[str, tuple[dict[str, Measure], dict[str, Measure]]] = {
        dimension: ({}, {}) for dimension in ("region", "gender", "age_band")
    }
    overall = {"rate": _measure(0, 0), "review": _measure(0, 0)}
    outside = 0
    for what, *grouping, region_key, gender, band, numerator, denominator in rows:
        if what == "outside":
            outside = int(numerator)
            continue
        measure = _measure(numerator, denominator)
        if all(grouping):
            overall[what] = measure
            continue
        index = grouping.index(0)
        dimension = ("region", "gender", "age_band")[index]
        key = (region_key, gender, band)[index]
        out[dimension][0 if what == "rate" else 1][str(key)] = measure
    return out, (overall["rate"], overall["review"]), outside


# --- the review --------------------------------------------------------------------------------------


def _band_label(key: str, bands: tuple[int, ...]) -> str:
    if key == "unknown":
        return str(_("unknown"))
    if key == "under":
        return str(_("under %(age)s") % {"age": bands[0]})
    lower = int(key)
    following = [b for b in bands if b > lower]
    return f"{lower}–{following[0] - 1}" if following else str(_("%(age)s and over") % {"age": lower})


def _empty() -> Measure:
    return Measure(0, 0)


def review(
    region: Division, *, as_of: dt.date | None = None, config: FairnessSettings | None = None
) -> Review:
    """The ethics review of the alerts in ``region``'s subtree (alerts without a division are left out)."""
    config = config or settings()
    as_of = as_of or timezone.localdate()
    alerts = Alert.objects.filter(division__code__startswith=region.prefix)
    children = {d.prefix: d for d in Division.objects.filter(parent=region).order_by("code")}
    if children:
        level = DivisionLevel(next(iter(children.values())).level)
        length = PREFIX_LENGTH[level]
    else:
        length, children = len(region.prefix), {region.prefix: region}
    units = _units(region, as_of)

    unit_regions, unit_region_total = _unit_counts(units, alerts, Substr("division__code", 1, length))
    alert_regions, alert_total = _review_counts(alerts, Substr("division__code", 1, length), config)
    person_dims, (person_total, person_review_total), outside = _person_counts(
        region, length, alerts, as_of, config
    )

    region_table = Table(
        "region", _("Region"), ["unit_alert_rate", "person_alert_rate", "confirmation_rate"],
        {"unit_alert_rate": unit_region_total, "person_alert_rate": person_total,
         "confirmation_rate": alert_total},
    )  # fmt: skip
    person_regions = person_dims["region"][0]
    for prefix in sorted(set(children) | set(unit_regions) | set(person_regions) | set(alert_regions)):
        division = children.get(prefix)
        if division is not None:
            name = division.name
        elif prefix == region.code[:length]:  # units and alerts of the region's own level
            name = str(_("%(region)s (own level)") % {"region": region.name})
        else:
            name = prefix
        region_table.groups.append(
            Group(prefix, name, {
                "unit_alert_rate": unit_regions.get(prefix, _empty()),
                "person_alert_rate": person_regions.get(prefix, _empty()),
                "confirmation_rate": alert_regions.get(prefix, _empty()),
            })
        )  # fmt: skip

    types, types_total = _unit_counts(units, alerts, F("unit_type"))
    typed_alerts = alerts.filter(unit__isnull=False)
    type_reviews, type_review_total = _review_counts(typed_alerts, F("unit__unit_type"), config)
    type_table = Table(
        "unit_type", _("Unit type"), ["unit_alert_rate", "confirmation_rate"],
        {"unit_alert_rate": types_total, "confirmation_rate": type_review_total},
    )  # fmt: skip
    labels = dict(UnitType.choices)
    for key in sorted(set(types) | set(type_reviews)):
        type_table.groups.append(
            Group(key, str(labels.get(key, key)), {
                "unit_alert_rate": types.get(key, _empty()),
                "confirmation_rate": type_reviews.get(key, _empty()),
            })
        )  # fmt: skip

    person_tables = []
    for code, title, order, label in (
        ("gender", _("Gender"), [*config.genders, "unknown"], lambda k: str(GENDERS.get(k, k))),
        ("age_band", _("Age band"), [*(str(b) for b in config.age_bands), "unknown"],
         lambda k: _band_label(k, config.age_bands)),
    ):  # fmt: skip
        rates, checks = person_dims[code]
        table = Table(
            code, title, ["person_alert_rate", "confirmation_rate"],
            {"person_alert_rate": person_total, "confirmation_rate": person_review_total},
        )  # fmt: skip
        for key in [k for k in order if k in rates or k in checks]:
            table.groups.append(
                Group(key, label(key), {
                    "person_alert_rate": rates.get(key, _empty()),
                    "confirmation_rate": checks.get(key, _empty()),
                })
            )  # fmt: skip
        person_tables.append(table)

    tables = [_judge(t, config) for t in (region_table, type_table, *person_tables)]
    return Review(
        region=region,
        as_of=as_of,
        config=config,
        tables=tables,
        alerts=alerts.count(),
        reviewed=alert_total.denominator,
        confirmed=alert_total.numerator,
        outside_register=outside,
    )
