"""The rule engine (规则引擎): stage procurement data in DuckDB, run indicators, gather findings.

Plain functions over a DuckDB connection, no Django: the Cardinal conformance test and the
benchmarks call them directly, and :mod:`jiancha.detect.actions` records what they find.
"""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class Finding:
    """One result of one indicator: a process, buyer, procuring entity or tenderer, and its value."""

    code: str
    group: str
    identifier: str
    value: float
    ocids: list[str] = field(default_factory=list)


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
        import json

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


def stage_tables(tables: dict[str, pa.Table], overrides: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
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


def evaluate(
    connection: duckdb.DuckDBPyConnection, indicator: Indicator, parameters: dict[str, Any] | None = None
) -> list[Finding]:
    """Run one indicator on a staged connection."""
    values = indicator.resolve(parameters)
    if indicator.python:
        rows = catalogue.function(indicator.python)(connection, values)
    else:
        try:
            rows = connection.execute(indicator.sql, _bind(indicator.sql, values)).fetchall()
        except duckdb.Error as error:
            raise IndicatorError(f"{indicator.code}.sql: {str(error).splitlines()[0]}") from None
    findings = []
    for group, identifier, value, ocids in rows:
        if group not in catalogue.GROUPS or identifier is None or value is None:
            raise IndicatorError(f"{indicator.code}: a result row must give a group, an identifier and a value")
        findings.append(Finding(indicator.code, group, str(identifier), float(value), sorted(ocids or [])))
    return findings


def cardinal_results(findings: list[Finding]) -> dict[str, dict[str, dict[str, float]]]:
    """Findings in Cardinal's output shape: {Group: {identifier: {CODE: value}}}."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for finding in findings:
        out.setdefault(finding.group, {}).setdefault(finding.identifier, {})[finding.code] = finding.value
    return out
