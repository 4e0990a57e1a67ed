"""The social-assistance roll (民政局 社会救助对象名册) and its separate-registration column
(近亲属备案日期: 村(居)民委员会成员及其近亲属申请低保的单独登记备案)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from jiancha.pool import store
from jiancha.pool.importer import import_file, snapshot_versions
from jiancha.pool.models import PoolSnapshot
from jiancha.pool.schema import tables

from .fixtures import CHILD, FATHER, MOTHER

pytestmark = pytest.mark.django_db

HEADER = "救助证编号,姓名,身份证号,救助类别,所在村(社区),村居代码,保障人口,月救助金额(元),救助起始日期,救助状态,联系电话"


@pytest.fixture(autouse=True)
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def write_roll(folder: Path, rows: list[str], filing: bool = True) -> Path:
    path = folder / "recipients.csv"
    header = HEADER + (",近亲属备案日期" if filing else "")
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def filings(versions: dict[str, int]) -> dict[str, dt.date | None]:
    connection = store.connect(versions)
    return dict(connection.execute('SELECT recipient, kinFilingDate FROM "Benefit"').fetchall())


def test_the_filing_date_lands_in_benefit_and_a_blank_means_none(tmp_path: Path) -> None:
    path = write_roll(
        tmp_path,
        [
            f"JZ1,张建国,{FATHER},低保,石门村,331221101201,2,2260.00,2017年12月1日,正常,,2017年11月3日",
            f"JZ2,李秀英,{MOTHER},低保,石门村,331221101201,2,2260.00,2019/8/1,正常,,2019/7/2",
            f"JZ3,张伟,{CHILD},低保,石门村,331221101201,1,1130.00,2020-06-01,正常,,",
        ],
    )
    outcome = import_file("dibao", path)
    assert outcome.table_rows == {"Benefit": 3}
    assert filings(snapshot_versions()) == {
        FATHER: dt.date(2017, 11, 3),
        MOTHER: dt.date(2019, 7, 2),
        CHILD: None,
    }


def test_a_roll_without_the_column_still_imports_with_no_filings(tmp_path: Path) -> None:
    path = write_roll(
        tmp_path, [f"JZ1,张建国,{FATHER},低保,石门村,331221101201,2,2260.00,2017-12-01,正常,"], filing=False
    )
    import_file("dibao", path)
    assert filings(snapshot_versions()) == {FATHER: None}


def test_a_filing_that_is_not_a_date_is_rejected_by_name(tmp_path: Path) -> None:
    rows = [
        f"JZ{k},张建国,{FATHER},低保,石门村,331221101201,2,2260.00,2017-12-01,正常,,2017-11-03"
        for k in range(60)
    ]
    rows.append(f"JZ99,张伟,{CHILD},低保,石门村,331221101201,1,1130.00,2020-06-01,正常,,已备案")
    outcome = import_file("dibao", write_roll(tmp_path, rows))
    assert outcome.batch.rows_rejected == 1 and outcome.batch.rows_loaded == 60
    rejected = outcome.batch.rejected_rows.get()
    assert (rejected.row, rejected.field, rejected.reason) == (62, "kinFilingDate", "bad_date")


def test_a_table_written_before_the_column_was_declared_reads_it_as_null(tmp_path: Path) -> None:
    """A pool that held the Benefit table before 近亲属备案日期 existed takes the new column on its
    next import; its older version reads the column as null."""
    declared = tables()["Benefit"].arrow_schema()
    older = pa.schema([f for f in declared if f.name != "kinFilingDate"])
    row: dict[str, list[object]] = {f.name: [None] for f in older}
    row.update({"recipient": [MOTHER], "scheme": ["低保"], "_feed": ["dibao"], "_batch": [0], "_row": [2]})
    write_deltalake(str(store.table_path("Benefit")), pa.table(row, schema=older), mode="append")
    PoolSnapshot.objects.create(versions={"Benefit": 0}, note="a pool of an earlier release")
    assert filings({"Benefit": 0}) == {MOTHER: None}
    import_file(
        "dibao",
        write_roll(
            tmp_path, [f"JZ1,张建国,{FATHER},低保,石门村,331221101201,2,2260.00,2017-12-01,正常,,2017-11-03"]
        ),
    )
    versions = snapshot_versions()
    assert versions["Benefit"] == 1
    assert filings(versions) == {MOTHER: None, FATHER: dt.date(2017, 11, 3)}
    assert filings({"Benefit": 0}) == {MOTHER: None}
