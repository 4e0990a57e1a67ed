"""People indicators (公职人员与民生资金) on the tiny synthetic region: each finds its planted scheme and
not its innocent look-alike, cites the pool rows that show it, keeps full ID numbers out of its
explanation, and lands its alert in the right unit or division."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.detect import _hits
from jiancha.detect import actions, catalogue, engine
from jiancha.detect.catalogue import IndicatorError
from jiancha.detect.models import Alert
from jiancha.pool import normalize

REPO = Path(__file__).resolve().parents[2]
PEOPLE = [
    "COI_RELATIVE_SUPPLIER", "PAY_AFTER_DEATH", "DIBAO_INELIGIBLE", "DOUBLE_BENEFIT", "GHOST_PAYROLL",
    "DECL_CONCEALED", "DECL_UNDERREPORTED",
]  # fmt: skip
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny region (seed 5) and its pool, exported to DuckDB by a separate process."""
    out = tmp_path_factory.mktemp("people")
    subprocess.run([sys.executable, "-m", "tests.detect.people_pool", str(out)], cwd=REPO, check=True)
    return out


def _connect(pool: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(f"ATTACH '{pool}' AS pool (READ_ONLY)")
    normalize.install(connection)
    names = connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pool'"
    ).fetchall()
    for (name,) in names:
        connection.execute(f'CREATE VIEW "{name}" AS SELECT * FROM pool."{name}"')
    return connection


@pytest.fixture(scope="module")
def pool(tiny: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = _connect(tiny / "pool.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def key(tiny: Path) -> dict[str, Any]:
    return dict(json.loads((tiny / "region" / "answer_key.json").read_text(encoding="utf-8")))


def _alert(finding: engine.Finding) -> dict[str, Any]:
    """A finding as the benchmark reads an alert: its subject first, then the other parties."""
    subject = [e for e in finding.entities if e["key"] == finding.identifier] or [{"key": finding.identifier}]
    return {"entities": subject + [e for e in finding.entities if e["key"] != finding.identifier],
            "evidence": finding.evidence}  # fmt: skip


@pytest.mark.parametrize("code", PEOPLE)
def test_each_indicator_finds_its_scheme_and_not_its_lookalike(pool, key, code):
    indicator = catalogue.get(code)
    findings = engine.evaluate(pool, indicator)
    alerts = [_alert(f) for f in findings]
    schemes = [s for s in key["schemes"] if code in s["indicators"]]
    lookalikes = [s for s in key["lookalikes"] if code in s["indicators"]]
    assert schemes, f"the tiny region plants {code}"
    for scheme in schemes:
        assert any(_hits(a, scheme) for a in alerts), f"{code} missed {scheme['id']} {scheme['facts']}"
    for lookalike in lookalikes:
        assert not any(_hits(a, lookalike) for a in alerts), f"{code} fooled by: {lookalike['why_innocent']}"
    # Every finding is about a person, cites pool rows with their provenance, and explains itself.
    for finding in findings:
        assert finding.group == "Person" and finding.evidence and finding.entities
        assert finding.unit or finding.division
        for row in finding.evidence:
            assert row["table"] in [*indicator.reads, "Family"]
            assert set(row["provenance"]) == {"feed", "batch", "file", "row"}
            assert all(row["provenance"][k] is not None for k in ("feed", "batch", "file", "row"))
        indicator.explain(finding.group, finding.identifier, finding.value, finding.details)
        assert not any(FULL_ID.search(str(v)) for v in finding.details.values())


def test_pay_after_death_cites_the_death_and_the_later_payments(pool, key):
    findings = engine.evaluate(pool, catalogue.get("PAY_AFTER_DEATH"))
    for finding in findings:
        death = finding.evidence[0]
        assert death["table"] == "Death"
        died = death["fields"]["deathDate"][:7]
        paid = [r for r in finding.evidence[1:]]
        assert paid and all(r["fields"]["period"] > died for r in paid)
        assert finding.value == pytest.approx(sum(r["fields"]["amount"] for r in paid))
    # A grace month drops the payments for the month right after the death.
    later = engine.evaluate(pool, catalogue.get("PAY_AFTER_DEATH"), {"grace_months": 1})
    assert sum(len(f.evidence) for f in later) < sum(len(f.evidence) for f in findings)


def test_dibao_checks_take_their_parameters(pool):
    indicator = catalogue.get("DIBAO_INELIGIBLE")
    everything = engine.evaluate(pool, indicator)
    reasons = {r for f in everything for r in f.details["reasons"]}
    assert {"car", "homes", "company", "relative"} <= reasons
    # The motorised wheelchair is exempt; counting it flags its owner too.
    counted = engine.evaluate(pool, indicator, {"exempt_vehicle_types": [], "cadre_relations": []})
    assert len([f for f in counted if "car" in f.details["reasons"]]) > len(
        [f for f in everything if "car" in f.details["reasons"]]
    )
    assert not any("relative" in f.details["reasons"] for f in counted)


def test_a_cadres_relative_registered_separately_is_not_flagged_unless_filings_are_ignored(pool, key):
    """村(居)民委员会成员及其近亲属申请低保的单独登记备案: the roll's 近亲属备案日期 spares the relative."""
    indicator = catalogue.get("DIBAO_INELIGIBLE")
    filed = [s for s in key["lookalikes"] if "单独登记备案" in s["why_innocent"]]
    assert filed, "the tiny region has a registered cadre relative on the roll"
    by_default = [_alert(f) for f in engine.evaluate(pool, indicator)]
    ignoring = engine.evaluate(pool, indicator, {"ignore_kin_filings": True})
    for lookalike in filed:
        assert not any(_hits(a, lookalike) for a in by_default)
        found = [f for f in ignoring if _hits(_alert(f), lookalike)]
        assert found and "relative" in found[0].details["reasons"]
        roll = found[0].evidence[0]
        assert roll["table"] == "Benefit" and roll["fields"]["kinFilingDate"]
    # The planted 优亲厚友 recipients have no registration: flagged either way, without a filing date.
    planted = [
        s for s in key["schemes"] if s["kind"] == "DIBAO_INELIGIBLE" and s["facts"]["reason"] == "relative"
    ]
    assert planted
    for scheme in planted:
        finding = next(f for f in engine.evaluate(pool, indicator) if _hits(_alert(f), scheme))
        assert (
            "relative" in finding.details["reasons"]
            and finding.evidence[0]["fields"]["kinFilingDate"] is None
        )


@pytest.mark.parametrize("code", ["DIBAO_INELIGIBLE", "DECL_CONCEALED"])
def test_every_finding_is_a_planted_scheme(pool, key, code):
    """The generator's innocent people (registered cadre relatives, declarants who report their
    children's spouses' businesses) give these rules nothing to flag."""
    schemes = [s for s in key["schemes"] if code in s["indicators"]]
    for finding in engine.evaluate(pool, catalogue.get(code)):
        assert any(_hits(_alert(finding), s) for s in schemes), (finding.identifier, finding.details)


def test_double_benefit_pairs_are_a_parameter(pool):
    indicator = catalogue.get("DOUBLE_BENEFIT")
    assert engine.evaluate(pool, indicator)
    assert engine.evaluate(pool, indicator, {"exclusive_pairs": [["低保", "养老金"]]}) == []
    with pytest.raises(IndicatorError, match="no parameter named 'pairs'"):
        engine.evaluate(pool, indicator, {"pairs": []})


@pytest.mark.django_db
def test_alerts_land_in_the_right_unit_or_division_without_full_id_numbers(tiny, pool, monkeypatch):
    from jiancha.demo import build_demo

    region = tiny / "region"
    build_demo(org_files=(region / "orgs" / "divisions.csv", region / "orgs" / "units.csv"),
               password_for=lambda _role: "x")  # fmt: skip
    monkeypatch.setattr(actions.store, "connect", lambda _versions: _connect(tiny / "pool.duckdb"))
    run = actions.run_indicators(PEOPLE)
    assert run.status == "done" and set(run.indicators.values_list("code", flat=True)) == set(PEOPLE)
    alerts = list(Alert.objects.select_related("unit", "division").filter(code__in=PEOPLE))
    assert {a.code for a in alerts} == set(PEOPLE)
    residence = dict(
        pool.execute('SELECT idNumber, any_value(divisionCode) FROM "Person" GROUP BY 1').fetchall()
    )
    for alert in alerts:
        for text in (alert.explanation_zh, alert.explanation_en):
            assert not FULL_ID.search(text), text
            assert "****" in text  # the subject's ID number, masked
        assert alert.division is not None, alert.code
        if alert.code in {"DIBAO_INELIGIBLE", "DOUBLE_BENEFIT"}:
            # A benefit lands in the recipient's village or community.
            assert alert.unit is None and alert.division.code == residence[alert.identifier]
        elif alert.code in {"COI_RELATIVE_SUPPLIER", "GHOST_PAYROLL", "DECL_CONCEALED", "DECL_UNDERREPORTED"}:
            # An official's finding lands in their own unit (the buyer, the roster employer).
            posts = pool.execute(
                'SELECT employer FROM "Employment" WHERE employee = ?', [alert.identifier]
            ).fetchall()
            assert alert.unit is not None and alert.unit.uscc in {p for (p,) in posts}
            assert alert.division == alert.unit.division
    coi = next(a for a in alerts if a.code == "COI_RELATIVE_SUPPLIER")
    roles = [e["role"] for e in coi.entities]
    assert roles[0] == "official" and "supplier" in roles
    assert {r["table"] for r in coi.evidence} >= {"Employment", "Tender", "Award"}


@pytest.mark.parametrize(
    ("select", "message"),
    [
        ("'Person' AS group_name, 'x' AS identifier, 1.0 AS value, [] AS ocids, 'y' AS proof",
         "unknown result columns proof"),
        ("'Person' AS group_name, 'x' AS identifier, 1.0 AS value, [] AS ocids, '[]' AS evidence, 2 AS divisions",
         "unknown result columns divisions"),
        ("'People' AS group_name, 'x' AS identifier, 1.0 AS value, [] AS ocids, '[]' AS evidence",
         "a result row must give a group"),
    ],
)  # fmt: skip
def test_a_result_with_unknown_columns_is_refused_by_name(tmp_path: Path, select: str, message: str):
    for name in ("GHOST_PAYROLL.yaml", "_settings.yaml"):
        (tmp_path / name).write_text(
            (catalogue.INDICATOR_DIR / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "GHOST_PAYROLL.sql").write_text(f"SELECT {select}", encoding="utf-8")
    indicator = catalogue.catalogue(tmp_path)["GHOST_PAYROLL"]
    with pytest.raises(IndicatorError, match=message):
        engine.evaluate(duckdb.connect(), indicator)
