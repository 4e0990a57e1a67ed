"""The indicator files: every shipped one loads; a malformed one is refused with its file named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jiancha.detect import catalogue, engine
from jiancha.detect.catalogue import IndicatorError

CARDINAL = ["R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058"]


def test_every_indicator_loads_with_both_languages_and_a_version():
    found = catalogue.catalogue()
    assert set(CARDINAL) <= set(found)
    for indicator in found.values():
        assert indicator.name["zh"] and indicator.name["en"] and len(indicator.version) == 64
        assert indicator.legal_basis["zh"] and indicator.reads
        for group, text in indicator.explanation.items():
            assert group in catalogue.GROUPS and "{identifier}" in text["zh"] + text["en"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("R018.yaml", "R018.sql", "_settings.yaml"):
        shutil.copy(catalogue.INDICATOR_DIR / name, tmp_path / name)
    return tmp_path


def test_the_version_is_the_content_hash(folder: Path):
    before = catalogue.catalogue(folder)["R018"].version
    (folder / "R018.sql").write_text(
        (folder / "R018.sql").read_text() + "\n-- a comment changes the version\n"
    )
    assert catalogue.catalogue(folder)["R018"].version != before


@pytest.mark.parametrize(
    ("yaml_text", "sql_text", "message"),
    [
        ("code: R018\nname: [unclosed", None, "R018.yaml: not valid YAML"),
        ("- a list", None, "R018.yaml: expected a mapping"),
        (None, "DELETE FROM process", "R018.sql: must hold one SELECT statement"),
        (None, "SELECT 1; SELECT 2", "R018.sql: must hold one SELECT statement"),
        (None, "SELECT FROM WHERE )", "R018.sql: not valid SQL"),
        (None, "SELECT 'OCID', ocid, $nope, [] FROM process", "R018.sql: uses undeclared parameters nope"),
    ],
)
def test_a_malformed_indicator_names_its_file(folder: Path, yaml_text, sql_text, message):
    if yaml_text is not None:
        (folder / "R018.yaml").write_text(yaml_text)
    if sql_text is not None:
        (folder / "R018.sql").write_text(sql_text)
    with pytest.raises(IndicatorError, match=message.replace("(", r"\(")):
        catalogue.catalogue(folder)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("severity: medium", "severity: dire"), "severity must be one of"),
        (("code: R018", "code: R019"), "match the file name"),
        (
            ("name: {zh: 单一投标, en: Single bid received}", "name: {en: Single bid}"),
            "'name' must give text in both",
        ),
        (("    default: [open, selective]\n", ""), "parameter 'procurement_methods' needs a default"),
    ],
)
def test_a_bad_field_names_the_file(folder: Path, change, message):
    path = folder / "R018.yaml"
    assert change[0] in path.read_text()
    path.write_text(path.read_text().replace(*change))
    with pytest.raises(IndicatorError, match=f"R018.yaml: .*{message}"):
        catalogue.catalogue(folder)


def test_missing_sql_and_unknown_python_function(folder: Path):
    (folder / "R018.sql").unlink()
    with pytest.raises(IndicatorError, match=r"R018\.yaml: needs R018\.sql"):
        catalogue.catalogue(folder)
    (folder / "R018.yaml").write_text((folder / "R018.yaml").read_text() + "python: no_such_function\n")
    with pytest.raises(IndicatorError, match="no Python indicator registered as 'no_such_function'"):
        catalogue.catalogue(folder)


def test_unknown_code_and_unknown_parameter():
    with pytest.raises(IndicatorError, match="unknown indicator 'R999'"):
        catalogue.get("R999")
    with pytest.raises(IndicatorError, match="R018: no parameter named 'threshold'"):
        catalogue.get("R018").resolve({"threshold": 3})


def test_a_registered_python_indicator_runs_without_engine_changes(folder: Path):
    @catalogue.register("test_every_process")
    def every_process(connection, parameters):
        rows = connection.execute("SELECT ocid FROM process ORDER BY ocid").fetchall()
        return [("OCID", ocid, float(parameters["weight"]), [ocid]) for (ocid,) in rows]

    (folder / "R018.sql").unlink()
    text = (
        (folder / "R018.yaml")
        .read_text()
        .replace(
            "parameters:",
            "python: test_every_process\nparameters:\n  weight: {default: 2, type: number, unit: '', description: {zh: 权重, en: weight}}",
            1,
        )
    )
    (folder / "R018.yaml").write_text(text)
    indicator = catalogue.catalogue(folder)["R018"]
    connection = engine.stage_tables(
        {"process": __import__("pyarrow").Table.from_pylist(
            [{"line": 1, "ocid": "a", "has_awards": False, "has_bids": False}], schema=engine.ocds_schemas()["process"]),
         **{n: s.empty_table() for n, s in engine.ocds_schemas().items() if n != "process"}}
    )  # fmt: skip
    assert engine.evaluate(connection, indicator) == [engine.Finding("R018", "OCID", "a", 2.0, ["a"])]


def test_a_result_row_of_the_wrong_shape_is_refused(folder: Path):
    (folder / "R018.sql").write_text(
        "SELECT 'Nobody' AS group_name, 'x' AS identifier, 1.0 AS value, [] AS ocids"
    )
    indicator = catalogue.catalogue(folder)["R018"]
    connection = engine.stage_tables({n: s.empty_table() for n, s in engine.ocds_schemas().items()})
    with pytest.raises(IndicatorError, match="R018: a result row must give a group"):
        engine.evaluate(connection, indicator)


def test_a_bad_ocds_file_names_the_file_and_line(tmp_path: Path):
    from jiancha.detect.ocds import OcdsError

    path = tmp_path / "broken.jsonl"
    path.write_text('{"ocid": "a"}\n{"ocid": \n')
    with pytest.raises(OcdsError, match=r"broken\.jsonl, line 2: not JSON"):
        engine.stage_ocds(path)
