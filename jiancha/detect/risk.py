"""Risk scores (风险评分): a person's or a unit's alerts added up into one lead to check.

    score = min(cap, Σ over distinct indicators i of max over i's alerts of weight × alert score / 100)

The weight of an alert is its indicator's own weight in ``indicators/_risk.yaml`` if it has one, else
the weight of the alert's severity. Each indicator counts once, with its strongest alert: twenty
alerts of one bid-ring screen do not outweigh two independent signs. A score orders leads for human
review; it is never a finding, and the page says so.

The sums are computed by the database: the alerts in the reader's scope are grouped per subject and
indicator, then per subject; Python only sees the ranked rows it shows.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import connection
from django.db.models import QuerySet

from jiancha.access.models import User
from jiancha.access.services import visible_divisions
from jiancha.orgs.models import Division, Unit
from jiancha.pool.services import mask_id_number

from . import catalogue
from .catalogue import INDICATOR_DIR
from .models import Alert
from .services import alerts_for


class RiskSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class RiskSettings:
    cap: float
    severity_weights: dict[str, float]
    indicator_weights: dict[str, float]
    top: int

    def weight(self, code: str, severity: str) -> float:
        if code in self.indicator_weights:
            return self.indicator_weights[code]
        return self.severity_weights.get(severity, 0.0)


def load_settings(path: Path = INDICATOR_DIR / "_risk.yaml") -> RiskSettings:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        found = RiskSettings(
            cap=float(data["cap"]),
            severity_weights={str(k): float(v) for k, v in data["severity_weights"].items()},
            indicator_weights={str(k): float(v) for k, v in (data.get("indicator_weights") or {}).items()},
            top=int(data.get("top", 50)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise RiskSettingsError(f"{path.name}: {error}") from None
    missing = set(catalogue.SEVERITIES) - set(found.severity_weights)
    weights = [*found.severity_weights.values(), *found.indicator_weights.values()]
    if missing or found.cap <= 0 or found.top <= 0 or any(w < 0 for w in weights):
        raise RiskSettingsError(
            f"{path.name}: needs a positive cap and top, and a weight ≥ 0 for each severity "
            f"({', '.join(catalogue.SEVERITIES)})"
        )
    return found


@cache
def settings() -> RiskSettings:
    return load_settings()


@dataclass(frozen=True)
class Weight:
    code: str
    label: str
    severity: str
    weight: float
    own: bool  # the indicator has its own weight; else its severity's


def weights(language: str, config: RiskSettings | None = None) -> list[Weight]:
    """The weight of every indicator in the catalogue, as the page shows it."""
    config = config or settings()
    return [
        Weight(code, i.label(language), i.severity, config.weight(code, i.severity),
               code in config.indicator_weights)
        for code, i in catalogue.indicators().items()
    ]  # fmt: skip


@dataclass(frozen=True)
class Contribution:
    code: str
    points: float  # weight × the indicator's highest alert score / 100
    alerts: int


@dataclass
class Lead:
    """One person or unit in a ranked list: a lead to check, not a finding."""

    rank: int  # equal scores share a rank
    kind: str  # person, unit
    key: str  # resident ID number or unit id
    shown: str  # what the reader may see of the key
    name: str
    score: float  # capped
    raw: float  # before the cap
    indicators: int
    alerts: int
    contributions: list[Contribution] = field(default_factory=list)
    unit: Unit | None = None


def _weight_sql(config: RiskSettings) -> tuple[str, list[Any]]:
    """The weight of an alert (table alias ``a``) as an SQL CASE, with its parameters."""
    parts, params = [], []
    for code, weight in sorted(config.indicator_weights.items()):
        parts.append("WHEN a.code = %s THEN %s")
        params += [code, weight]
    for severity, weight in sorted(config.severity_weights.items()):
        parts.append("WHEN a.severity = %s THEN %s")
        params += [severity, weight]
    return f"(CASE {' '.join(parts)} ELSE 0.0 END)", params


def _person_rows() -> tuple[str, str, str]:
    """FROM clause unnesting an alert's entities, and the SQL of an entity's kind, key and name."""
    table = Alert._meta.db_table
    if connection.vendor == "postgresql":
        return (
            f"{table} a CROSS JOIN LATERAL jsonb_array_elements(a.entities) e",
            "e->>'kind'",
            "e->>'key'",
        )
    return (
        f"{table} a, json_each(a.entities) e",
        "json_extract(e.value, '$.kind')",
        "json_extract(e.value, '$.key')",
    )


def _name_sql() -> str:
    return "e->>'name'" if connection.vendor == "postgresql" else "json_extract(e.value, '$.name')"


def _per_indicator_sql(kind: str, alerts: QuerySet[Alert], config: RiskSettings) -> tuple[str, list[Any]]:
    """One row per (subject, indicator): its points, its alert count and a name for the subject."""
    scope_sql, scope_params = alerts.order_by().values("id").query.sql_with_params()
    weight, weight_params = _weight_sql(config)
    points = f"MAX({weight} * a.score / 100.0)"
    if kind == "unit":
        sql = (
            f"SELECT CAST(a.unit_id AS TEXT) AS subject, a.code AS code, {points} AS points, "
            f"COUNT(DISTINCT a.id) AS alerts, '' AS name FROM {Alert._meta.db_table} a "
            f"WHERE a.unit_id IS NOT NULL AND a.id IN ({scope_sql}) GROUP BY a.unit_id, a.code"
        )
    else:
        source, entity_kind, entity_key = _person_rows()
        sql = (
            f"SELECT {entity_key} AS subject, a.code AS code, {points} AS points, "
            f"COUNT(DISTINCT a.id) AS alerts, MAX({_name_sql()}) AS name FROM {source} "
            f"WHERE {entity_kind} = 'person' AND a.id IN ({scope_sql}) GROUP BY {entity_key}, a.code"
        )
    return sql, [*weight_params, *scope_params]


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def ranked(
    kind: str,
    alerts: QuerySet[Alert],
    *,
    full_identifiers: bool = False,
    limit: int | None = None,
    config: RiskSettings | None = None,
) -> tuple[list[Lead], int]:
    """The top persons or units of ``alerts`` by risk score, and how many have a score at all."""
    if kind not in {"person", "unit"}:
        raise ValueError(f"kind must be person or unit, not {kind!r}")
    config = config or settings()
    limit = limit or config.top
    per, params = _per_indicator_sql(kind, alerts, config)
    rows = _fetch(
        f"WITH per AS ({per}) SELECT subject, MAX(name), "
        "CASE WHEN SUM(points) > %s THEN %s ELSE SUM(points) END AS score, SUM(points) AS raw, "
        "COUNT(*) AS indicators, SUM(alerts), COUNT(*) OVER () FROM per GROUP BY subject "
        "ORDER BY score DESC, raw DESC, indicators DESC, subject LIMIT %s",
        [*params, config.cap, config.cap, limit],
    )
    total = rows[0][-1] if rows else 0  # subjects with a score, counted before the LIMIT
    leads = [
        Lead(rank=i, kind=kind, key=str(subject),
             shown=str(subject) if kind == "unit" or full_identifiers else mask_id_number(str(subject)),
             name=name or "", score=round(float(score), 4), raw=round(float(raw), 4),
             indicators=int(indicators), alerts=int(count))
        for i, (subject, name, score, raw, indicators, count, _total) in enumerate(rows, start=1)
    ]  # fmt: skip
    for before, lead in itertools.pairwise(leads):  # equal scores share a rank (1, 1, 3)
        if (lead.score, lead.raw) == (before.score, before.raw):
            lead.rank = before.rank
    if leads:
        by_key = {lead.key: lead for lead in leads}
        marks = ", ".join(["%s"] * len(by_key))
        for subject, code, points, count in _fetch(
            f"WITH per AS ({per}) SELECT subject, code, points, alerts FROM per "
            f"WHERE subject IN ({marks}) ORDER BY points DESC, code",
            [*params, *by_key],
        ):
            by_key[str(subject)].contributions.append(Contribution(code, round(float(points), 4), int(count)))
        if kind == "unit":
            units = Unit.objects.select_related("division").in_bulk([int(k) for k in by_key])
            for lead in leads:
                lead.unit = units.get(int(lead.key))
                lead.name = lead.unit.name if lead.unit else lead.key
    return leads, int(total)


def regions(user: User) -> QuerySet[Division]:
    """The divisions a reader may rank within: their scope, down to townships."""
    return visible_divisions(user).filter(level__lte=4).order_by("code")


def root_of(user: User) -> Division | None:
    """The top of the reader's scope: their own division, or for a superuser bound to none the top."""
    if user.division is not None:
        return user.division
    return visible_divisions(user).order_by("level", "code").first()


def region_alerts(user: User, region: Division | None) -> QuerySet[Alert]:
    """The reader's alerts (their subtree, see ``alerts_for``) within ``region``'s subtree if given."""
    alerts = alerts_for(user)
    if region is None or region == user.division:
        return alerts
    return alerts.filter(division__code__startswith=region.prefix)
