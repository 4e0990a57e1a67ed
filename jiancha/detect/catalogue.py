"""The indicator catalogue (指标目录): indicators are data, read from ``indicators/``.

Each indicator is ``<CODE>.yaml`` (what it is, why, its parameters) plus either ``<CODE>.sql`` (one
DuckDB SELECT over the staged procurement tables) or ``python: <name>``, a function registered with
:func:`register`. Adding an indicator needs no change here. Its version is the SHA-256 of its files,
so a run records exactly which rule produced an alert.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

INDICATOR_DIR = Path(__file__).resolve().parent / "indicators"
# What a finding is about: a procurement process or party (Cardinal's groups), or, for the people
# and funds indicators, a person (by resident ID), a unit or company (by USCC), a bank account or a
# vehicle (by plate).
GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer", "Person", "Unit", "Company", "Account", "Vehicle")
SEVERITIES = ("low", "medium", "high")
PARAMETER_TYPES = {"integer", "number", "list", "mapping", "text", "boolean"}
REQUIRED = ("code", "name", "category", "legal_basis", "description", "severity", "reads", "explanation")
CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
# An indicator's result: one row per finding with these columns, in this order ...
RESULT_COLUMNS = ("group_name", "identifier", "value", "ocids")
# ... optionally followed by these (by name in SQL; in this order from a Python indicator), for
# indicators whose evidence is not a procurement process:
#   evidence  JSON list of {table, fields: {...}, provenance: {feed, batch, file, row}}
#   entities  JSON list of {key, name, role} — who the finding concerns besides its identifier
#   unit      USCC of the public unit concerned (places the alert in that unit's division)
#   division  division code, where no unit applies (a 低保 recipient's village, say)
#   details   JSON object of further values the explanation templates may name, as {name}
EXTRA_COLUMNS = ("evidence", "entities", "unit", "division", "details")

PythonIndicator = Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], list[tuple[Any, ...]]]
_functions: dict[str, PythonIndicator] = {}


class IndicatorError(ValueError):
    """A malformed indicator file; the message names the file."""


def register(name: str) -> Callable[[PythonIndicator], PythonIndicator]:
    """Register a Python indicator (for graph or statistical work SQL does badly) under ``name``."""

    def decorator(function: PythonIndicator) -> PythonIndicator:
        _functions[name] = function
        return function

    return decorator


def function(name: str) -> PythonIndicator:
    from . import functions  # noqa: F401  (registers the built-in Python indicators)

    return _functions[name]


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    type: str
    unit: str
    description: dict[str, str]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: dict[str, str]
    category: str
    source: str
    legal_basis: dict[str, str]
    description: dict[str, str]
    severity: str
    reads: list[str]
    parameters: dict[str, Parameter]
    explanation: dict[str, dict[str, str]]  # group -> language -> template
    sql: str = ""
    python: str = ""
    pool_only: bool = False  # needs pool tables or columns that OCDS data does not have
    version: str = ""
    files: list[str] = field(default_factory=list)

    def label(self, language: str) -> str:
        return self.name["zh" if language.startswith("zh") else "en"]

    def text(self, attribute: str, language: str) -> str:
        texts: dict[str, str] = getattr(self, attribute)
        return texts["zh" if language.startswith("zh") else "en"]

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}

    def resolve(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults with overrides applied; an unknown parameter is an error."""
        values = self.defaults()
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                raise IndicatorError(f"{self.code}: no parameter named {name!r}")
            values[name] = value
        return values

    def explain(
        self, group: str, identifier: str, value: float, details: dict[str, Any] | None = None
    ) -> dict[str, str]:
        templates = self.explanation.get(group) or next(iter(self.explanation.values()))
        fields = {**(details or {}), "identifier": identifier, "value": value}
        try:
            return {lang: template.format(**fields) for lang, template in templates.items()}
        except (KeyError, IndexError, ValueError) as error:
            raise IndicatorError(f"{self.code}: explanation names {error} that the finding lacks") from None


def _bilingual(data: dict[str, Any], key: str, path: Path) -> dict[str, str]:
    value = data.get(key)
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) for lang in ("zh", "en")):
        raise IndicatorError(f"{path.name}: {key!r} must give text in both zh and en")
    return {"zh": value["zh"], "en": value["en"]}


def _parameters(data: dict[str, Any], path: Path) -> dict[str, Parameter]:
    raw = data.get("parameters") or {}
    if not isinstance(raw, dict):
        raise IndicatorError(f"{path.name}: 'parameters' must be a mapping")
    out = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "default" not in spec or spec.get("type") not in PARAMETER_TYPES:
            raise IndicatorError(
                f"{path.name}: parameter {name!r} needs a default and a type ({', '.join(sorted(PARAMETER_TYPES))})"
            )
        out[name] = Parameter(name, spec["default"], spec["type"], str(spec.get("unit", "")),
                              _bilingual(spec, "description", path))  # fmt: skip
    return out


def _explanation(data: dict[str, Any], path: Path) -> dict[str, dict[str, str]]:
    raw = data.get("explanation")
    if isinstance(raw, dict) and set(raw) <= set(GROUPS) and raw:
        return {group: _bilingual(raw, group, path) for group in raw}
    raise IndicatorError(
        f"{path.name}: 'explanation' must map result groups ({', '.join(GROUPS)}) to zh/en text"
    )


def load(path: Path) -> Indicator:
    """Read and check one indicator's YAML (and its SQL); errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise IndicatorError(f"{path.name}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise IndicatorError(f"{path.name}: expected a mapping of indicator fields")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise IndicatorError(f"{path.name}: missing {', '.join(missing)}")
    code = str(data["code"])
    if not CODE.match(code) or code != path.stem:
        raise IndicatorError(f"{path.name}: code {code!r} must be upper case and match the file name")
    if data["severity"] not in SEVERITIES:
        raise IndicatorError(f"{path.name}: severity must be one of {', '.join(SEVERITIES)}")
    if not isinstance(data["reads"], list) or not data["reads"]:
        raise IndicatorError(f"{path.name}: 'reads' must list the pool tables it reads")
    digest = hashlib.sha256(path.read_bytes())
    files = [path.name]
    sql, python = "", str(data.get("python") or "")
    if python:
        try:
            function(python)
        except KeyError:
            raise IndicatorError(f"{path.name}: no Python indicator registered as {python!r}") from None
    else:
        sql_path = path.with_suffix(".sql")
        if not sql_path.exists():
            raise IndicatorError(f"{path.name}: needs {sql_path.name} or a 'python' function")
        sql = sql_path.read_text(encoding="utf-8")
        _check_sql(sql, sql_path)
        digest.update(sql_path.read_bytes())
        files.append(sql_path.name)
    parameters = _parameters(data, path)
    unknown = sorted(set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql)) - set(parameters))
    if unknown:
        raise IndicatorError(
            f"{path.with_suffix('.sql').name}: uses undeclared parameters {', '.join(unknown)}"
        )
    return Indicator(
        code=code,
        name=_bilingual(data, "name", path),
        category=str(data["category"]),
        source=str(data.get("source", "")),
        legal_basis=_bilingual(data, "legal_basis", path),
        description=_bilingual(data, "description", path),
        severity=data["severity"],
        reads=[str(r) for r in data["reads"]],
        parameters=parameters,
        explanation=_explanation(data, path),
        sql=sql,
        python=python,
        pool_only=bool(data.get("pool_only", False)),
        version=digest.hexdigest(),
        files=files,
    )


def _check_sql(sql: str, path: Path) -> None:
    """One read-only SELECT (or WITH … SELECT), parsed by DuckDB itself."""
    body = re.sub(r"--[^\n]*", "", sql).strip().rstrip(";").strip()
    if not body or not re.match(r"(?is)^(with|select)\b", body) or ";" in body:
        raise IndicatorError(f"{path.name}: must hold one SELECT statement")
    try:
        statements = duckdb.extract_statements(body)
    except duckdb.Error as error:
        raise IndicatorError(f"{path.name}: not valid SQL ({str(error).splitlines()[0]})") from None
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise IndicatorError(f"{path.name}: must hold one SELECT statement")


def catalogue(directory: Path = INDICATOR_DIR) -> dict[str, Indicator]:
    """Every indicator in ``directory``, by code (files starting with ``_`` are shared, not indicators)."""
    return {p.stem: load(p) for p in sorted(directory.glob("*.yaml")) if not p.name.startswith("_")}


@cache
def indicators() -> dict[str, Indicator]:
    return catalogue()


def get(code: str) -> Indicator:
    try:
        return indicators()[code]
    except KeyError:
        raise IndicatorError(
            f"unknown indicator {code!r}; known: {', '.join(sorted(indicators()))}"
        ) from None


def settings(directory: Path = INDICATOR_DIR) -> dict[str, Any]:
    data = yaml.safe_load((directory / "_settings.yaml").read_text(encoding="utf-8"))
    return dict(data)
