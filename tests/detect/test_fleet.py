"""Official vehicles and receptions: fuel cards beyond the tank, cars out on days off, meals above the
standard — on a tiny synthetic region whose answer key names the planted schemes and the innocent
look-alikes (a make-up working day, a dispatch order, a big-tank truck, a long trip between fills,
a large working meal)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jiancha.detect import actions, catalogue, engine
from jiancha.detect.models import Alert
from jiancha.synth.generate import generate

FEEDS = ("official_vehicles", "fuel_cards", "vehicle_trips", "meal_reimbursements")
CODES = ["FUEL_OVER_TANK", "CAR_WEEKEND", "MEAL_OVER_STANDARD"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet-detect-tiny")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture(scope="module")
def answer_key(tiny: Path) -> dict[str, Any]:
    key: dict[str, Any] = json.loads((tiny / "answer_key.json").read_text(encoding="utf-8"))
    return key


@pytest.fixture(scope="module")
def pool_region(
    tiny: Path, django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The region's organisations and its four fleet and meal feeds, loaded once for this module inside
    a transaction rolled back after it; each test runs in a savepoint of it."""
    from django.db import transaction

    from jiancha.orgs.services import import_divisions, import_units
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file

    previous = os.environ.get("JIANCHA_POOL_DIR")
    os.environ["JIANCHA_POOL_DIR"] = str(tmp_path_factory.mktemp("fleet-pool"))
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        import_divisions(tiny / "orgs/divisions.csv")
        import_units(tiny / "orgs/units.csv")
        for code, path in region_files(tiny, set(FEEDS)):
            display = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
            import_file(code, path, imported_by="test", display_name=display)
    yield tiny
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
    if previous is None:
        os.environ.pop("JIANCHA_POOL_DIR", None)
    else:
        os.environ["JIANCHA_POOL_DIR"] = previous


@pytest.fixture
def alerts(pool_region: Path, db: None) -> dict[str, list[Alert]]:
    run = actions.run_indicators(CODES)
    assert run.status == "done"
    by_code: dict[str, list[Alert]] = {code: [] for code in CODES}
    for alert in Alert.objects.select_related("unit", "division"):
        by_code[alert.code].append(alert)
    return by_code


def connection() -> duckdb.DuckDBPyConnection:
    from jiancha.pool import store
    from jiancha.pool.importer import snapshot_versions

    con = store.connect(snapshot_versions())
    engine.stage_calendar(con)
    return con


def findings(code: str, **parameters: Any) -> list[engine.Finding]:
    return engine.evaluate(connection(), catalogue.get(code), parameters)


def rows_of(alert: Alert) -> set[tuple[str, int]]:
    return {(r["provenance"]["file"], r["provenance"]["row"]) for r in alert.evidence}


def key_rows(record: dict[str, Any], file_part: str = "") -> set[tuple[str, int]]:
    return {(r["file"], r["row"]) for r in record["rows"] if file_part in r["file"]}


def records(answer_key: dict[str, Any], kind: str, which: str = "schemes") -> list[dict[str, Any]]:
    return [r for r in answer_key[which] if kind in r["indicators"]]


def test_the_statutory_calendar_is_staged_with_make_up_working_days() -> None:
    con = duckdb.connect()
    engine.stage_calendar(con)
    days = dict(
        (day, (working, kind))
        for day, working, kind in con.execute(
            "SELECT day, working, kind FROM calendar_day WHERE day IN "
            "('2025-09-27', '2025-09-28', '2025-09-29', '2025-10-01', '2025-10-11')"
        ).fetchall()
    )
    assert days == {
        dt.date(2025, 9, 27): (False, "weekend"),
        dt.date(2025, 9, 28): (True, "make_up_workday"),  # a Sunday, worked for 国庆节
        dt.date(2025, 9, 29): (True, "workday"),
        dt.date(2025, 10, 1): (False, "holiday"),
        dt.date(2025, 10, 11): (True, "make_up_workday"),
    }


def test_fuel_beyond_the_tank_is_found_and_the_truck_and_the_long_trip_are_not(
    alerts: dict[str, list[Alert]], answer_key: dict[str, Any]
) -> None:
    found = {a.identifier: a for a in alerts["FUEL_OVER_TANK"]}
    planted = records(answer_key, "FUEL_OVER_TANK")
    assert planted and {s["entities"][0]["id"] for s in planted} == set(found)
    for scheme in planted:
        alert = found[scheme["entities"][0]["id"]]
        assert alert.group == "Vehicle"
        # The fleet row (tank size) and the planted fills are in the evidence, with their provenance.
        assert key_rows(scheme) <= rows_of(alert)
        feeds = {r["table"]: r["provenance"]["feed"] for r in alert.evidence}
        assert feeds["OfficialVehicle"] == "official_vehicles" and feeds["FuelFill"] == "fuel_cards"
        vehicle = next(r for r in alert.evidence if r["table"] == "OfficialVehicle")
        assert vehicle["fields"]["tankCapacity"] == scheme["facts"]["tank"]
        # The alert lands with the unit operating the car, in its division.
        assert alert.unit is not None and alert.unit.uscc == vehicle["fields"]["operator"]
        assert alert.division == alert.unit.division
        assert alert.identifier in alert.explanation_zh and "升" in alert.explanation_zh
        assert alert.value > 1.05
    # Innocent: the 150 L works truck's 128 L fill, and two fills around a 520 km trip.
    why = {r["why_innocent"].split(":")[0] for r in records(answer_key, "FUEL_OVER_TANK", "lookalikes")}
    assert {
        "the works truck has a 150 L tank",
        "two fills in one day, each within the tank, with a 520 km trip between them",
    } == why
    for lookalike in records(answer_key, "FUEL_OVER_TANK", "lookalikes"):
        fills = key_rows(lookalike, "fuel_card")
        assert fills and not any(fills & rows_of(a) for a in alerts["FUEL_OVER_TANK"])


def test_the_gps_distance_between_two_fills_is_what_clears_the_long_trip(
    pool_region: Path, db: None, answer_key: dict[str, Any]
) -> None:
    lookalike = next(
        r for r in records(answer_key, "FUEL_OVER_TANK", "lookalikes") if "520 km" in r["why_innocent"]
    )
    fills = key_rows(lookalike, "fuel_card")

    def flagged(**parameters: Any) -> bool:
        return any(fills & {(e["provenance"]["file"], e["provenance"]["row"]) for e in f.evidence}
                   for f in findings("FUEL_OVER_TANK", **parameters))  # fmt: skip

    assert not flagged()
    assert flagged(consumption=0)  # no credit for the distance: 150 % of the tank in a day
    assert flagged(long_trip_km=100_000)  # no trip is long enough: two fills in a day
    truck = next(
        r for r in records(answer_key, "FUEL_OVER_TANK", "lookalikes") if "150 L" in r["why_innocent"]
    )
    truck_fills = key_rows(truck, "fuel_card")
    small_tank = [f for f in findings("FUEL_OVER_TANK", tolerance=0.5) if truck_fills & {
        (e["provenance"]["file"], e["provenance"]["row"]) for e in f.evidence}]  # fmt: skip
    assert small_tank  # the truck's fill is only innocent because its tank is 150 L


def test_holiday_fills_are_counted_and_flag_only_when_asked(pool_region: Path, db: None) -> None:
    default = findings("FUEL_OVER_TANK")
    assert all("holiday_fills" in f.details for f in default)
    asked = findings("FUEL_OVER_TANK", holiday_fills=1)
    assert len(asked) > len(default)
    extra = [f for f in asked if f.identifier not in {d.identifier for d in default}]
    assert all(
        f.details["holiday_fills"] >= 1 and "public holidays" in f.details["reasons_en"] for f in extra
    )
    con = connection()
    for finding in extra[:5]:
        days = [
            dt.date.fromisoformat(e["fields"]["date"][:10])
            for e in finding.evidence
            if e["table"] == "FuelFill"
        ]
        kinds = {
            kind for (kind,) in con.execute("SELECT kind FROM calendar_day WHERE day IN ?", [days]).fetchall()
        }
        assert kinds == {"holiday"}  # statutory holidays only, never an ordinary weekend


def test_cars_out_on_days_off_are_found_but_not_on_a_make_up_working_day_or_with_a_dispatch_order(
    alerts: dict[str, list[Alert]], answer_key: dict[str, Any]
) -> None:
    found = {a.identifier: a for a in alerts["CAR_WEEKEND"]}
    planted = records(answer_key, "CAR_WEEKEND")
    assert planted and {s["entities"][0]["id"] for s in planted} == set(found)
    for scheme in planted:
        alert = found[scheme["entities"][0]["id"]]
        trips = key_rows(scheme, "gps_trips")
        assert trips <= rows_of(alert)
        shown = [r for r in alert.evidence if r["table"] == "VehicleTrip"]
        assert all(
            r["provenance"]["feed"] == "vehicle_trips" and r["fields"]["dispatchOrder"] is None for r in shown
        )
        assert all(r["fields"]["dayKind"] in {"weekend", "holiday"} for r in shown)
        assert alert.unit is not None and alert.unit.name == scheme["entities"][0]["unit"]
        assert "派车单" in alert.explanation_zh and "dispatch order" in alert.explanation_en
    lookalikes = records(answer_key, "CAR_WEEKEND", "lookalikes")
    assert {"2025-09-28 is a Sunday but an official make-up working day (调休)",
            "a weekend trip with an approved dispatch order (派车单) for flood duty"} == {
        r["why_innocent"] for r in lookalikes}  # fmt: skip
    for lookalike in lookalikes:
        assert not any(key_rows(lookalike) & rows_of(a) for a in alerts["CAR_WEEKEND"])


def test_meals_above_the_standard_at_luxury_venues_or_split_are_found_not_a_large_working_meal(
    alerts: dict[str, list[Alert]], answer_key: dict[str, Any]
) -> None:
    found = {a.identifier: a for a in alerts["MEAL_OVER_STANDARD"]}
    planted = records(answer_key, "MEAL_OVER_STANDARD")
    assert {s["facts"]["variant"] for s in planted} == {"per_head", "luxury", "split"}
    assert {s["entities"][0]["id"] for s in planted} == set(found)
    for scheme in planted:
        alert = found[scheme["entities"][0]["id"]]
        assert alert.group == "Unit" and alert.unit is not None and alert.unit.uscc == alert.identifier
        assert key_rows(scheme, "meal_reimbursements") <= rows_of(alert)
        assert {r["provenance"]["feed"] for r in alert.evidence} == {"meal_reimbursements"}
        assert alert.entities[0]["key"] == alert.identifier and alert.entities[0]["role"] == "host"
    split = next(s for s in planted if s["facts"]["variant"] == "split")
    assert found[split["entities"][0]["id"]].value == 260  # 140 + 120 a head on two invoices
    lookalike = records(answer_key, "MEAL_OVER_STANDARD", "lookalikes")[0]
    assert "120 yuan a head" in lookalike["why_innocent"]
    assert not any(key_rows(lookalike) & rows_of(a) for a in alerts["MEAL_OVER_STANDARD"])


def test_the_per_head_standard_is_a_parameter(
    pool_region: Path, db: None, answer_key: dict[str, Any]
) -> None:
    lookalike = key_rows(records(answer_key, "MEAL_OVER_STANDARD", "lookalikes")[0])
    stricter = findings("MEAL_OVER_STANDARD", standard_per_head=100)
    assert any(
        lookalike & {(e["provenance"]["file"], e["provenance"]["row"]) for e in f.evidence} for f in stricter
    )
    luxury_only = findings("MEAL_OVER_STANDARD", standard_per_head=100_000)
    assert luxury_only and all(f.details["luxury_meals"] >= 1 for f in luxury_only)
