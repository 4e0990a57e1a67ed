"""Planted namesakes (重名): many people with one name and birth year, different valid IDs, and their
payroll records delivered without ID. Every record finds its own person; no two IDs are ever merged."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from jiancha.pool.importer import import_file
from jiancha.resolve import runs
from jiancha.synth.ids import resident_id, uscc

from ..pool.fixtures import HEADER
from .conftest import load

pytestmark = pytest.mark.django_db

PAYROLL = "单位名称,单位统一社会信用代码,姓名,身份证号,工资年月,应发合计(元),实发金额(元),发放日期,工资账号"


def test_planted_namesakes_are_never_merged(pool_dir, tmp_path, tiny_region):
    # A region around them, so that the model learns from ordinary people as it would in production.
    load(tiny_region, [sorted(p.name for p in tiny_region.iterdir() if p.name.isdigit())[0]])
    employer = uscc("organ", "331202", 901)
    people = []
    for i in range(40):
        # 40 张伟 born in 1980; the first 20 in pairs sharing the birth date exactly (only the ID tells
        # them apart), the other 20 each on a day of their own.
        birth = dt.date(1980, 1 + i // 2, 1) if i < 20 else dt.date(1980, 12, i - 19)
        people.append((resident_id("331202", birth, 11 + 2 * i), birth))
    unique = [number for number, _birth in people[20:]]
    residents = [
        f"33120200{i:05d},张伟,男,{number},{birth.isoformat()},户主,石门镇{i}号,331202101201,,,,,,正常,,"
        for i, (number, birth) in enumerate(people)
    ]
    payroll = [
        f"清溪市水利局,{employer},張偉,{number},2025-{m:02d},9000,7000,2025-{m:02d}-15,62220{i:05d}"
        for i, (number, _birth) in enumerate(people)
        for m in (7, 8)
    ]
    (tmp_path / "residents.csv").write_text("\n".join([HEADER, *residents]) + "\n", encoding="utf-8")
    (tmp_path / "payroll.csv").write_text("\n".join([PAYROLL, *payroll]) + "\n", encoding="utf-8")
    import_file("population", tmp_path / "residents.csv", display_name="planted/residents.csv")
    import_file("payroll", tmp_path / "payroll.csv", display_name="planted/payroll.csv")

    seen: dict[str, object] = {}

    def inspect(connection: duckdb.DuckDBPyConnection) -> None:
        seen["ids_per_identity"] = connection.execute(
            "SELECT max(n) FROM (SELECT count(DISTINCT id_number) AS n FROM _person_identity GROUP BY identity)"
        ).fetchall()[0][0]
        seen["unlinked"] = connection.execute(
            "SELECT count(*) FROM _person_identity WHERE file = 'planted/payroll.csv' AND cluster_id IS NULL"
        ).fetchall()[0][0]
        # payroll records that joined a person other than their own (truth: the hidden ID)
        seen["wrong"] = dict(
            connection.execute(
                "SELECT source_id, count(*) FROM _person_identity WHERE file = 'planted/payroll.csv' "
                "AND cluster_id IS DISTINCT FROM source_id GROUP BY 1"
            ).fetchall()
        )
        seen["hidden"] = connection.execute(
            "SELECT count(*) FROM _person_identity WHERE file = 'planted/payroll.csv' AND id_number IS NULL"
        ).fetchall()[0][0]

    result = runs.run(blind=1.0, inspect=inspect)
    assert seen["hidden"] == 80  # every payroll record lost its ID: the model had to place it
    assert seen["ids_per_identity"] == 1  # no identity holds two IDs
    assert seen["unlinked"] == 0
    # Where two namesakes share a birth date, a record without ID fits both: it joins one of them (the
    # model cannot tell which), never both — the other link is refused. With a date of its own, a
    # record finds its own person.
    wrong = seen["wrong"]
    assert isinstance(wrong, dict)
    assert not set(wrong) & set(unique)
    assert result.kinds["person"].links_refused > 0
