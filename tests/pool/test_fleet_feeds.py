"""Official vehicles, fuel cards, GPS/ETC trips and meal reimbursements: the feeds of the
government offices administration, the card centres, the vehicle platform and the finance bureau."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jiancha.pool import store
from jiancha.pool.demo import region_files
from jiancha.pool.importer import ImportRefused, import_file, snapshot_versions, sync_feeds
from jiancha.pool.models import BatchStatus, ImportBatch, RejectedRow
from jiancha.synth.generate import generate

pytestmark = pytest.mark.django_db

FLEET_FEEDS = {
    "official_vehicles": ("official_vehicles/fleet.csv", "OfficialVehicle"),
    "fuel_cards": ("official_vehicles/fuel_card.csv", "FuelFill"),
    "vehicle_trips": ("official_vehicles/gps_trips.csv", "VehicleTrip"),
    "meal_reimbursements": ("spending/meal_reimbursements.csv", "MealReimbursement"),
}
FUEL_HEADER = "交易流水号,加油卡号,号牌号码,交易时间,加油站,油品,加油量(L),单价(元/L),金额(元)"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fleet-tiny")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture(autouse=True)
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def query(sql: str, parameters: list[Any] | None = None) -> list[tuple[Any, ...]]:
    connection = store.connect(snapshot_versions())
    return connection.execute(sql, parameters or []).fetchall()


def display(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}/{path.name}"


def test_the_demo_loader_lists_the_four_feeds_for_every_county(tiny: Path) -> None:
    files = [(code, display(path)) for code, path in region_files(tiny) if code in FLEET_FEEDS]
    counties = sorted(p.name for p in tiny.iterdir() if p.name.isdigit())
    assert sorted(files) == sorted(
        (code, f"{county}/{pattern}") for code, (pattern, _t) in FLEET_FEEDS.items() for county in counties
    )
    records = sync_feeds()
    assert records["fuel_cards"].department == "中石化/中石油加油卡中心"
    assert records["meal_reimbursements"].name == "公务接待用餐报销"


def test_the_tiny_regions_files_import_typed_with_provenance(tiny: Path) -> None:
    manifest = json.loads((tiny / "manifest.json").read_text(encoding="utf-8"))
    counts = {entry["path"]: entry["rows"] for entry in manifest["files"]}
    for code, path in region_files(tiny, set(FLEET_FEEDS)):
        outcome = import_file(code, path, imported_by="test", display_name=display(path))
        table = FLEET_FEEDS[code][1]
        # Every row of the synthetic files is valid: mixed date styles, stray spaces and blank optional
        # columns are normalised, none rejected.
        assert outcome.batch.status == BatchStatus.COMMITTED and outcome.batch.rows_rejected == 0
        assert outcome.table_rows == {table: counts[display(path)]}
    # Dates in three styles (2025-01-03 15:53:00, 2025/1/3 15:53, 20250103155300) all parse.
    assert query('SELECT count(*) FROM "FuelFill" WHERE date IS NULL') == [(0,)]
    assert query('SELECT count(*) FROM "VehicleTrip" WHERE startDate IS NULL OR endDate IS NULL') == [(0,)]
    assert query('SELECT count(*) FROM "MealReimbursement" WHERE date IS NULL OR diners IS NULL') == [(0,)]
    # The works truck's tank, as a number; operators are USCCs.
    trucks = query('SELECT tankCapacity, type FROM "OfficialVehicle" WHERE tankCapacity = 150')
    assert trucks and all(t == (150.0, "中型货车") for t in trucks)
    assert query('SELECT count(*) FROM "OfficialVehicle" WHERE length(operator) <> 18') == [(0,)]
    # A planted fill is where the answer key says, with its provenance.
    answer_key = json.loads((tiny / "answer_key.json").read_text(encoding="utf-8"))
    scheme = next(
        s
        for s in answer_key["schemes"]
        if s["kind"] == "FUEL_OVER_TANK" and s["facts"]["variant"] == "single"
    )
    fill = next(r for r in scheme["rows"] if r["role"] == "fill")
    rows = query(
        'SELECT f.volume, v.tankCapacity, f._feed FROM "FuelFill" AS f JOIN "OfficialVehicle" AS v '
        "USING (fuelCard) WHERE f._file = ? AND f._row = ?",
        [fill["file"], fill["row"]],
    )
    assert len(rows) == 1 and rows[0][0] > rows[0][1] and rows[0][2] == "fuel_cards"


def _fuel_file(folder: Path, volumes: list[str]) -> Path:
    rows = [
        f"JY{n:07d},100011333120200000,浙MG0000,2025-01-{n % 28 + 1:02d} 09:00:00,中国石化加油站,92#汽油,{v},7.62,100.00"
        for n, v in enumerate(volumes)
    ]
    path = folder / "fuel_card.csv"
    path.write_text("\n".join([FUEL_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_file_with_too_many_bad_volumes_is_refused_whole(tmp_path: Path) -> None:
    path = _fuel_file(tmp_path, ["40.5"] * 90 + ["四十升"] * 10)
    with pytest.raises(ImportRefused, match=r"10 of 100 rows rejected .* nothing was imported"):
        import_file("fuel_cards", path)
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.REJECTED and batch.reject_summary == {
        "FuelFill.volume: bad_number": 10
    }
    assert query('SELECT count(*) FROM "FuelFill"') == [(0,)]  # not the 90 good rows either
    # A good file afterwards lands alone.
    import_file("fuel_cards", _fuel_file(tmp_path, ["40.5", "38"]))
    assert query('SELECT count(*), sum(volume) FROM "FuelFill"') == [(2, 78.5)]


def test_a_bad_row_under_tolerance_is_listed_and_the_rest_lands(tmp_path: Path) -> None:
    outcome = import_file("fuel_cards", _fuel_file(tmp_path, ["40.5"] * 99 + ["-"]))
    assert outcome.batch.rows_loaded == 99
    rejected = RejectedRow.objects.get(batch=outcome.batch)
    assert (rejected.row, rejected.table, rejected.field, rejected.reason) == (
        101,
        "FuelFill",
        "volume",
        "bad_number",
    )


def test_a_trip_file_sent_as_fuel_cards_is_refused_naming_the_missing_columns(tiny: Path) -> None:
    path = next(p for code, p in region_files(tiny) if code == "vehicle_trips")
    with pytest.raises(
        ImportRefused, match=r"not a file of feed fuel_cards .*missing column\(s\) 交易流水号, 加油卡号"
    ):
        import_file("fuel_cards", path, display_name=display(path))
    assert query('SELECT count(*) FROM "FuelFill"') == [(0,)]


def test_a_meal_claim_without_a_unit_code_is_rejected(tmp_path: Path) -> None:
    header = "报销单号,单位名称,单位统一社会信用代码,报销人,发票号码,开票日期,销售方名称,发票金额(元),就餐人数,接待对象,公函编号"
    good = "BX1,泉口区统计局,11331202000000342B,王凤英,331225001,2025年1月1日,紫垟小吃店,443.29,4,招商客商,统函〔2025〕3号"
    path = tmp_path / "meals.csv"
    path.write_text(
        "\n".join([header, good, good.replace("BX1", "BX2").replace("11331202000000342B", "")]),
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused, match="1 of 2 rows rejected"):
        import_file("meal_reimbursements", path)
    assert query('SELECT count(*) FROM "MealReimbursement"') == [(0,)]
    summary = ImportBatch.objects.get().reject_summary
    assert summary == {"MealReimbursement.unit: missing": 1}
