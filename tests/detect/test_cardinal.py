"""Open Contracting's Cardinal conformance suite: every indicator fixture and documentation example,
run through our SQL, must give exactly the expected output (read from ../shared/data, never copied)."""

from __future__ import annotations

import configparser
import json
from pathlib import Path
from typing import Any

import pytest

from jiancha.detect import catalogue, engine
from tests.conftest import SHARED_DATA

FIXTURES = SHARED_DATA / "cardinal-fixtures" / "tests" / "fixtures" / "indicators"
EXAMPLES = SHARED_DATA / "cardinal-fixtures" / "docs" / "examples"
# The harness settings every indicator fixture runs with (cardinal-rs build.rs).
HARNESS = {"no_price_comparison_procurement_methods": ["NPC"], "excluded_procurement_method_details": ["EXC"]}


def _settings_from_name(stem: str) -> tuple[str, dict[str, Any]]:
    """``R003-threshold-10`` → ("R003", {"threshold": 10}); see the fixtures' README."""
    code, *rest = stem.split("-")
    if not rest or rest == ["tenderer"]:
        return code, {}
    name, values = rest[0], rest[1:]
    if name == "procurement_method_details":
        return code, {name: {values[i]: int(values[i + 1]) for i in range(0, len(values), 2)}}
    if name == "procurement_methods":
        return code, {name: values[0].split("+")}
    return code, {name: int(values[0])}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


FIXTURE_FILES = sorted(FIXTURES.glob("*.jsonl")) if FIXTURES.is_dir() else []
EXAMPLE_FILES = sorted((EXAMPLES / "R").glob("*.jsonl")) if EXAMPLES.is_dir() else []


def test_the_suite_is_there(shared_data):
    assert len(FIXTURE_FILES) == 15 and len(EXAMPLE_FILES) == 11


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=_ids(FIXTURE_FILES))
def test_indicator_fixture(path: Path):
    code, parameters = _settings_from_name(path.stem)
    connection = engine.stage_ocds(path, HARNESS)
    found = engine.evaluate(connection, catalogue.get(code), parameters)
    assert engine.cardinal_results(found) == json.loads(path.with_suffix(".expected").read_text())


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_ids(EXAMPLE_FILES))
def test_documentation_example(path: Path):
    """Run as the docs' command does: every indicator its settings file enables, together."""
    command = path.with_suffix(".cmd").read_text()
    ini = EXAMPLES / command.split("--settings docs/examples/")[1].split()[0]
    parser = configparser.ConfigParser()
    parser.read_string(ini.read_text())
    connection = engine.stage_ocds(path)
    found = [
        finding
        for code in parser.sections()
        for finding in engine.evaluate(
            connection, catalogue.get(code), {name: int(value) for name, value in parser[code].items()}
        )
    ]
    assert engine.cardinal_results(found) == json.loads(path.with_suffix(".expected").read_text())


def test_quartiles_are_r8():
    """numpy's method="median_unbiased", which Cardinal's statrs uses."""
    import numpy as np

    values = [0.0, 0.2, 1, 1, 1, 3.5, 7, 11, 11.5, 40]
    connection = engine.stage_tables(
        {name: schema.empty_table() for name, schema in engine.ocds_schemas().items()}
    )
    for p in (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0):
        (got,) = connection.execute("SELECT r8_quantile($v, $p)", {"v": values, "p": p}).fetchone()
        assert got == pytest.approx(float(np.quantile(values, p, method="median_unbiased")), abs=1e-12)
