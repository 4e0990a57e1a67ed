"""The rule engine (规则引擎): stage procurement data in DuckDB, run indicators, gather findings.

Plain functions over a DuckDB connection, no Django: the Cardinal conformance test and the
benchmarks call them directly, and :mod:`jiancha.detect.actions` records what they find.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import catalogue, ocds
from .catalogue import Indicator, IndicatorError

STAGE_SQL = catalogue.INDICATOR_DIR / "_stage.sql"
POOL_SQL = catalogue.INDICATOR_DIR / "_pool.sql"
SOURCE_TABLES = ("process", "bid", "award", "award_item")
OCDS_TABLES = {"Tender", "Bid", "Award"}  # the pool tables an OCDS file stands in for


@dataclass(frozen=True)
class Finding:
    """One result of one indicator: what it is about (a process, a party, a person, a unit, an
    account, a vehicle), its value, and what shows it."""

    code: str
    group: str
    identifier: str
    value: float
    ocids: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)  # rows the indicator chose itself
    entities: list[dict[str, Any]] = field(default_factory=list)  # [{key, name, role}]
    unit: str = ""  # USCC of the public unit concerned
    division: str = ""  # division code where no unit applies
    details: dict[str, Any] = field(default_factory=dict)  # values for the explanation


def _statements(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [s.strip() for s in re.split(r"(?m)^;\s*$", text) if re.sub(r"--[^\n]*", "", s).strip()]


def _bind(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters a statement names: DuckDB refuses unused ones."""
    names = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return {name: _sql_value(values[name]) for name in names}


def _sql_value(value: Any) -> Any:
    # Mappings travel as JSON text (DuckDB cannot index a struct by a runtime key).
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def dataset_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    values = catalogue.settings()
    values.update(overrides or {})
    return values


def stage(connection: duckdb.DuckDBPyConnection, overrides: dict[str, Any] | None = None) -> None:
    """Build the staged tables from src_process, src_bid, src_award and src_award_item."""
    values = dataset_settings(overrides)
    for statement in _statements(STAGE_SQL):
        connection.execute(statement, _bind(statement, values))


def stage_tables(
    tables: dict[str, pa.Table], overrides: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET TimeZone = 'UTC'")
    for name in SOURCE_TABLES:
        connection.register(f"_arrow_{name}", tables[name])
        connection.execute(f"CREATE TABLE src_{name} AS SELECT * FROM _arrow_{name}")
        connection.unregister(f"_arrow_{name}")
    stage(connection, overrides)
    return connection


def stage_ocds(path: Path, overrides: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A connection holding one OCDS file, staged."""
    return stage_tables(ocds.load(path), overrides)


def stage_pool(connection: duckdb.DuckDBPyConnection, overrides: dict[str, Any] | None = None) -> None:
    """Map the pool's Tender, Bid and Award tables onto the OCDS shape, then stage them."""
    values = dataset_settings(overrides)
    for statement in _statements(POOL_SQL):
        connection.execute(statement, _bind(statement, values))
    stage(connection, overrides)
    stage_calendar(connection)


def calendar_rows() -> pa.Table:
    """Every day of each year with a statutory calendar (工作日历, jiancha.cases.workdays): whether it
    is a working day, and why (``workday``, ``weekend``, ``holiday``, ``make_up_workday`` — 调休)."""
    from jiancha.cases.workdays import loaded_years

    days: list[dt.date] = []
    kinds: list[str] = []
    for year, calendar in sorted(loaded_years().items()):
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day in calendar.make_up_workdays:
                kind = "make_up_workday"
            elif day in calendar.holidays:
                kind = "holiday"
            else:
                kind = "workday" if day.weekday() < 5 else "weekend"
            days.append(day)
            kinds.append(kind)
            day += dt.timedelta(days=1)
    working = [kind in {"workday", "make_up_workday"} for kind in kinds]
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "working": pa.array(working, pa.bool_()),
            "kind": pa.array(kinds, pa.string()),
        }
    )


def stage_calendar(connection: duckdb.DuckDBPyConnection) -> None:
    """Stage the statutory calendar as table ``calendar_day`` (day, working, kind) for the indicators
    that ask whether a day was a working day. A day of a year without a calendar file has no row:
    an indicator then falls back to Monday–Friday and says so."""
    connection.register("_arrow_calendar", calendar_rows())
    connection.execute("CREATE OR REPLACE TABLE calendar_day AS SELECT * FROM _arrow_calendar ORDER BY day")
    connection.unregister("_arrow_calendar")


def evaluate(
    connection: duckdb.DuckDBPyConnection, indicator: Indicator, parameters: dict[str, Any] | None = None
) -> list[Finding]:
    """Run one indicator on a staged connection."""
    values = indicator.resolve(parameters)
    names: list[str] = list(catalogue.RESULT_COLUMNS + catalogue.EXTRA_COLUMNS)
    if indicator.python:
        rows = catalogue.function(indicator.python)(connection, values)
    else:
        try:
            result = connection.execute(indicator.sql, _bind(indicator.sql, values))
            names = [str(column[0]) for column in result.description or []]
            rows = result.fetchall()
        except duckdb.Error as error:
            raise IndicatorError(f"{indicator.code}.sql: {str(error).splitlines()[0]}") from None
        unknown = set(names[len(catalogue.RESULT_COLUMNS) :]) - set(catalogue.EXTRA_COLUMNS)
        if unknown:
            raise IndicatorError(f"{indicator.code}.sql: unknown result columns {', '.join(sorted(unknown))}")
    return [_finding(indicator.code, row, names) for row in rows]


def _json(value: Any, default: Any) -> Any:
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value


def _finding(code: str, row: tuple[Any, ...], names: list[str]) -> Finding:
    if len(row) < len(catalogue.RESULT_COLUMNS):
        raise IndicatorError(
            f"{code}: a result row must give a group, an identifier, a value and its processes"
        )
    group, identifier, value, ocids = row[:4]
    if group not in catalogue.GROUPS or identifier is None or value is None:
        raise IndicatorError(f"{code}: a result row must give a group, an identifier and a value")
    extra = dict(zip(names[4:], row[4:], strict=False))
    return Finding(
        code, group, str(identifier), float(value), sorted(ocids or []),
        evidence=list(_json(extra.get("evidence"), [])),
        entities=list(_json(extra.get("entities"), [])),
        unit=str(extra.get("unit") or ""),
        division=str(extra.get("division") or ""),
        details=dict(_json(extra.get("details"), {})),
    )  # fmt: skip


def cardinal_results(findings: list[Finding]) -> dict[str, dict[str, dict[str, float]]]:
    """Findings in Cardinal's output shape: {Group: {identifier: {CODE: value}}}."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for finding in findings:
        out.setdefault(finding.group, {}).setdefault(finding.identifier, {})[finding.code] = finding.value
    return out


EVIDENCE_PER_FINDING = 40


@dataclass
class Context:
    """What the staged tables say about one finding: its rows (with provenance) and the parties."""

    evidence: list[dict[str, Any]] = field(default_factory=list)
    buyers: list[tuple[str, str]] = field(default_factory=list)  # (id, name), most processes first
    suppliers: list[tuple[str, str]] = field(default_factory=list)  # winners of the processes
    tenderers: list[tuple[str, str]] = field(default_factory=list)


def context(connection: duckdb.DuckDBPyConnection, findings: list[Finding]) -> list[Context]:
    """Evidence rows and parties for each finding, in one pass of set work in DuckDB."""
    out = [Context() for _ in findings]
    if not findings:
        return out
    pairs = pa.table(
        {
            "fid": pa.array([i for i, f in enumerate(findings) for _ in f.ocids], pa.int64()),
            "ocid": pa.array([o for f in findings for o in f.ocids], pa.string()),
        }
    )
    connection.register("_finding", pairs)
    try:
        rows = connection.execute(
            f"""
            WITH rows AS (
                SELECT f.fid, 'Tender' AS kind, p.ocid, p.line AS line, 0 AS part, 0 AS position,
                    to_json({{buyer: p.buyer_name, buyer_id: p.buyer_id, method: p.procurement_method_details,
                              start: p.period_start, "end": p.period_end, tenderers: p.number_of_tenderers,
                              value: p.value_amount}}) AS fields,
                    p._feed, p._batch, p._file, p._row
                FROM _finding AS f JOIN process AS p ON p.ocid = f.ocid
                UNION ALL
                SELECT f.fid, 'Bid', b.ocid, b.line, 1, b.position,
                    to_json({{tenderers: b.tenderer_ids, names: b.tenderer_names, status: b.status,
                              amount: b.amount, currency: b.currency, date: b.date}}),
                    b._feed, b._batch, b._file, b._row
                FROM _finding AS f JOIN bids AS b ON b.ocid = f.ocid
                UNION ALL
                SELECT f.fid, 'Award', a.ocid, a.line, 2, a.position,
                    to_json({{suppliers: a.supplier_ids, names: a.supplier_names, status: a.status,
                              amount: a.amount, date: a.date}}),
                    a._feed, a._batch, a._file, a._row
                FROM _finding AS f JOIN awards AS a ON a.ocid = f.ocid
            )
            SELECT fid, kind, ocid, fields, _feed, _batch, _file, _row
            FROM rows
            QUALIFY row_number() OVER (PARTITION BY fid ORDER BY ocid, line, part, position) <= {EVIDENCE_PER_FINDING}
            ORDER BY fid, ocid, line, part, position
            """
        ).fetchall()
        parties = connection.execute(
            """
            SELECT f.fid, 'buyer' AS role, p.buyer_id AS id, any_value(p.buyer_name) AS name, count(*) AS n
            FROM _finding AS f JOIN process AS p ON p.ocid = f.ocid
            WHERE p.buyer_id IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT f.fid, 'supplier', a.supplier_ids[s.i], any_value(a.supplier_names[s.i]), count(*)
            FROM _finding AS f JOIN awards AS a ON a.ocid = f.ocid AND a.status = 'active',
                unnest(range(1, len(a.supplier_ids) + 1)) AS s(i)
            GROUP BY ALL
            UNION ALL
            SELECT f.fid, 'tenderer', b.tenderer_ids[t.i], any_value(b.tenderer_names[t.i]), count(*)
            FROM _finding AS f JOIN bids AS b ON b.ocid = f.ocid,
                unnest(range(1, len(b.tenderer_ids) + 1)) AS t(i)
            GROUP BY ALL
            ORDER BY fid, role, n DESC, id
            """
        ).fetchall()
    finally:
        connection.unregister("_finding")
    for fid, finding in enumerate(findings):
        out[fid].evidence.extend(finding.evidence[:EVIDENCE_PER_FINDING])
    for fid, kind, ocid, fields, feed, batch, file, row in rows:
        out[fid].evidence.append(
            {"table": kind, "ocid": ocid, "fields": json.loads(fields),
             "provenance": {"feed": feed, "batch": batch, "file": file, "row": row}}
        )  # fmt: skip
    for fid, role, party, name, _count in parties:
        getattr(out[fid], f"{role}s").append((party, name or ""))
    return out


def batches_read(connection: duckdb.DuckDBPyConnection, tables: Iterable[str] = ()) -> list[int]:
    """The pool batches a run read (its provenance): those behind the staged procurement tables, and
    every batch of the other pool tables its indicators read (``reads``)."""
    present = {
        name for (name,) in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    extra = sorted((set(tables) - OCDS_TABLES) & present)
    parts = ["SELECT _batch FROM src_process", "SELECT _batch FROM src_bid", "SELECT _batch FROM src_award"]
    parts += [f'SELECT DISTINCT _batch FROM "{name}"' for name in extra]
    result = connection.execute(
        f"SELECT DISTINCT _batch FROM ({' UNION ALL '.join(parts)}) WHERE _batch IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [int(b) for (b,) in result]


def ocds_schemas() -> dict[str, pa.Schema]:
    return {"process": ocds.PROCESS, "bid": ocds.BID, "award": ocds.AWARD, "award_item": ocds.AWARD_ITEM}
