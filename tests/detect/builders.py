"""Alerts built directly, for tests of what is computed from them (risk scores, the ethics review), and
pool tables built in DuckDB for indicator tests."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.utils import timezone

from jiancha.detect.models import Alert, Run
from jiancha.orgs.models import Division, Unit
from jiancha.pool.schema import tables
from jiancha.synth.ids import resident_id

from ..pool.fixtures import HEADER

_serial = itertools.count(1)


def pool_tables(feed: str, batch: int, **data: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding every pool table (empty unless given), rows numbered from 2 with
    ``feed`` and ``batch`` as their provenance."""
    connection = duckdb.connect()
    for name, table in tables().items():
        rows = [
            {**row, "_feed": feed, "_batch": batch, "_file": f"{name}.csv", "_row": n}
            for n, row in enumerate(data.get(name, []), start=2)
        ]
        connection.register(name, pa.Table.from_pylist(rows, schema=table.arrow_schema()))
    return connection


def run() -> Run:
    return Run.objects.create(actor="test", source="test", status="done")


def person(key: str, name: str = "", role: str = "person") -> dict[str, str]:
    return {"kind": "person", "key": key, "name": name, "role": role}


def company(key: str, name: str = "") -> dict[str, str]:
    return {"kind": "company", "key": key, "name": name, "role": "supplier"}


def alert(
    code: str,
    *,
    score: float,
    severity: str = "high",
    entities: list[dict[str, str]] | None = None,
    unit: Unit | None = None,
    division: Division | None = None,
    status: str = "new",
    by: Run | None = None,
) -> Alert:
    made = by or Run.objects.order_by("id").first() or run()
    n = next(_serial)
    return Alert.objects.create(
        fingerprint=f"test-{n}",
        code=code,
        version="v1",
        group="Person",
        identifier=(entities or [{"key": f"x{n}"}])[0]["key"],
        value=1.0,
        score=score,
        severity=severity,
        entities=entities or [],
        explanation_zh="测试",
        explanation_en="test",
        evidence=[],
        status=status,
        unit=unit,
        division=division or (unit.division if unit else None),
        first_run=made,
        last_run=made,
        last_seen=timezone.now(),
    )


def alert_like(base: Alert, **fields: Any) -> Alert:
    """An alert in ``base``'s division and unit, of its runs, with ``fields`` for the rest."""
    return Alert.objects.create(
        version="v", division=base.division, unit=base.unit, first_run=base.first_run,
        last_run=base.last_run, last_seen=base.last_seen, **fields,
    )  # fmt: skip


# The ethics review's scene: 40 men in one street of the district, 40 women in another, 5 children and
# one resident whose registration is cancelled; a person from elsewhere. 8 men and 2 women alerted,
# 6 of 12 schools and 1 of 12 research institutes.
EAST, WEST = "331202001001", "331202002001"
MEN = [resident_id("331202", dt.date(1980, 1, 1), 2 * i + 1) for i in range(40)]
WOMEN = [resident_id("331202", dt.date(1990, 6, 1), 2 * i + 2) for i in range(40)]
CHILDREN = [resident_id("331202", dt.date(2015, 1, 1), 2 * i + 1) for i in range(5)]
LEFT = resident_id("331202", dt.date(1970, 1, 1), 901)  # 注销: no longer a resident
STRANGER = resident_id("110101", dt.date(1975, 1, 1), 5)  # alerted, not on the register


def _resident(number: str, name: str, gender: str, birth: dt.date, place: str, status: str = "正常") -> str:
    return f"33120200{number[-6:]},{name},{gender},{number},{birth},户主,地址,{place},,,,,,{status},,"


def write_fairness_residents(folder: Path) -> Path:
    rows = [_resident(n, "男士", "男", dt.date(1980, 1, 1), EAST) for n in MEN]
    rows += [_resident(n, "女士", "女", dt.date(1990, 6, 1), WEST) for n in WOMEN]
    rows += [_resident(n, "孩子", "男", dt.date(2015, 1, 1), EAST) for n in CHILDREN]
    rows += [_resident(LEFT, "迁出", "男", dt.date(1970, 1, 1), EAST, "注销")]
    path = folder / "residents.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def fairness_alerts() -> dict[str, list[Unit]]:
    district = Division.objects.get(code="331202000000")
    street = Division.objects.get(code="331202001000")
    schools = [
        Unit.objects.create(name=f"测试学校{i}", unit_type="school", division=street) for i in range(12)
    ]
    labs = [
        Unit.objects.create(name=f"测试研究所{i}", unit_type="research", division=district) for i in range(12)
    ]
    for i, man in enumerate(MEN[:8]):
        alert("R018", score=80, entities=[person(man, f"男士{i}"), person(CHILDREN[0], "孩子", "relative")],
              unit=schools[i % 6], status="confirmed" if i < 4 else "dismissed")  # fmt: skip
    for i, woman in enumerate(WOMEN[:2]):
        alert("R058", score=60, severity="medium", entities=[person(woman, f"女士{i}")], unit=labs[0],
              status="dismissed")  # fmt: skip
    alert("R028", score=80, entities=[person(STRANGER, "外地人"), person(LEFT, "迁出")], division=district)
    return {"schools": schools, "labs": labs}
