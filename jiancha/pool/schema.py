"""The pool's tables and the feeds' mappings, read from YAML (tables.yaml, feeds/*.yaml).

Declared as data, as FollowTheMoney declares its schemata: an analyst reads a feed's mapping
without reading Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

HERE = Path(__file__).resolve().parent
TABLES_FILE = HERE / "tables.yaml"
FEEDS_DIR = HERE / "feeds"

COLUMN_TYPES = {
    "text": pa.string(),
    "resident_id": pa.string(),
    "uscc": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "amount": pa.decimal128(18, 2),
    "number": pa.float64(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
}
PROVENANCE = [
    pa.field("_feed", pa.string()),
    pa.field("_batch", pa.int64()),
    pa.field("_file", pa.string()),
    pa.field("_row", pa.int64()),
    pa.field("_imported_at", pa.timestamp("us", tz="UTC")),
]
FORMATS = {"csv", "xlsx", "jsonl", "ocds", "ftm"}
CLASSIFICATIONS = {"public", "internal", "confidential", "secret"}


class SchemaError(ValueError):
    """A tables.yaml or feed YAML file is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Table:
    name: str
    label_zh: str
    label_en: str
    columns: dict[str, str]
    key: str | None = None

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, COLUMN_TYPES[t]) for n, t in self.columns.items()] + PROVENANCE)


@dataclass(frozen=True)
class ColumnMap:
    """How one pool column is filled: from a source column, or a constant value."""

    column: str
    source: str | None = None
    value: str | None = None
    required: bool = False
    non_negative: bool = False
    truthy: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableMap:
    table: str
    columns: tuple[ColumnMap, ...]
    # Rows where any of these pool columns is empty are not mapped to this table (not an error):
    # e.g. a resident without a recorded father gives no Family row.
    skip_when_empty: tuple[str, ...] = ()
    # Which staging table the rows come from: "src" for a flat file; OCDS releases are flattened
    # into "tender", "bid" and "award" (see sources.OCDS_COLUMNS).
    source: str = "src"


@dataclass(frozen=True)
class Feed:
    code: str
    name_zh: str
    name_en: str
    department_zh: str
    department_en: str
    file_format: str
    cadence_days: int
    classification: str
    tolerance: float
    maps: tuple[TableMap, ...]
    demo_files: tuple[str, ...] = ()
    sheet: int = 0
    source_file: Path = field(default=Path())

    def required_sources(self) -> list[str]:
        """Source columns a file must have to be this feed's file (flat files only)."""
        names: list[str] = []
        for table_map in self.maps:
            if table_map.source != "src":
                continue
            for column in table_map.columns:
                if column.required and column.source and column.source not in names:
                    names.append(column.source)
        return names

    def all_sources(self) -> list[str]:
        names: list[str] = []
        for table_map in self.maps:
            for column in table_map.columns:
                if column.source and column.source not in names:
                    names.append(column.source)
        return names


def _need(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise SchemaError(f"{where}: missing key {key!r}")
    return mapping[key]


@cache
def tables() -> dict[str, Table]:
    raw = yaml.safe_load(TABLES_FILE.read_text(encoding="utf-8"))
    result = {}
    for name, spec in raw.items():
        where = f"{TABLES_FILE.name}: {name}"
        columns = dict(_need(spec, "columns", where))
        for column, kind in columns.items():
            if kind not in COLUMN_TYPES:
                raise SchemaError(f"{where}.{column}: unknown type {kind!r}")
        label = spec.get("label", {})
        key = spec.get("key")
        if key is not None and key not in columns:
            raise SchemaError(f"{where}: key {key!r} is not a column")
        result[name] = Table(name, label.get("zh", name), label.get("en", name), columns, key)
    return result


def parse_feed(path: Path) -> Feed:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    known = tables()
    file_format = _need(raw, "format", where)
    if file_format not in FORMATS:
        raise SchemaError(f"{where}: format must be one of {sorted(FORMATS)}")
    classification = _need(raw, "classification", where)
    if classification not in CLASSIFICATIONS:
        raise SchemaError(f"{where}: classification must be one of {sorted(CLASSIFICATIONS)}")
    maps = []
    for number, table_spec in enumerate(raw.get("tables", []), start=1):
        table_name = _need(table_spec, "table", f"{where} tables[{number}]")
        if table_name not in known:
            raise SchemaError(f"{where}: unknown pool table {table_name!r}")
        columns = []
        for column, spec in _need(table_spec, "columns", f"{where} {table_name}").items():
            if column not in known[table_name].columns:
                raise SchemaError(f"{where}: {table_name} has no column {column!r}")
            if isinstance(spec, str):
                spec = {"from": spec}
            if ("from" in spec) == ("value" in spec):
                raise SchemaError(f"{where}: {table_name}.{column} needs exactly one of 'from' and 'value'")
            columns.append(
                ColumnMap(
                    column=column,
                    source=spec.get("from"),
                    value=None if spec.get("value") is None else str(spec["value"]),
                    required=bool(spec.get("required", False)),
                    non_negative=bool(spec.get("non_negative", False)),
                    truthy=tuple(str(v) for v in spec.get("truthy", ())),
                )
            )
        skip = tuple(table_spec.get("skip_when_empty", ()))
        source = str(table_spec.get("source", "src"))
        if source != "src" and file_format not in {"ocds", "ftm"}:
            raise SchemaError(f"{where}: {table_name}: 'source' is only for OCDS and FtM feeds")
        maps.append(TableMap(table_name, tuple(columns), skip, source))
    name = _need(raw, "name", where)
    department = _need(raw, "department", where)
    return Feed(
        code=_need(raw, "code", where),
        name_zh=name["zh"],
        name_en=name["en"],
        department_zh=department["zh"],
        department_en=department["en"],
        file_format=file_format,
        cadence_days=int(_need(raw, "cadence_days", where)),
        classification=classification,
        tolerance=float(raw.get("tolerance", 0.01)),
        maps=tuple(maps),
        demo_files=tuple(raw.get("demo_files", ())),
        sheet=int(raw.get("sheet", 0)),
        source_file=path,
    )


@cache
def feeds() -> dict[str, Feed]:
    result = {}
    for path in sorted(FEEDS_DIR.glob("*.yaml")):
        feed = parse_feed(path)
        if feed.code != path.stem:
            raise SchemaError(f"{path.name}: code {feed.code!r} must match the file name")
        result[feed.code] = feed
    return result
