"""xlsx cells become the texts a person sees, whatever type calamine reads them as.

The expected values are those the cell-by-cell reading gave before it was converted by column;
they must not change.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import xlsxwriter

from jiancha.pool.sources import Source, _xlsx_table, load


def _every_type_workbook(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    clock = workbook.add_format({"num_format": "hh:mm:ss"})
    hours = workbook.add_format({"num_format": "[h]:mm:ss"})
    shaded = workbook.add_format({"bg_color": "#eeeeee"})
    sheet.write_row(0, 0, ["文本", " 数字 ", "小数", "逻辑", "时间", 2024])
    sheet.write_row(1, 0, ["张三", 12, 12.5, True])
    sheet.write_datetime(1, 4, dt.datetime(2024, 3, 5, 14, 30, 15), stamp)
    sheet.write_number(1, 5, -0.0)
    sheet.write_row(2, 0, ["", 0, 0.1 + 0.2, False])
    sheet.write_datetime(2, 4, dt.date(2024, 3, 5), date)
    sheet.write_number(2, 5, 1e20)
    # A formatted but empty row: calamine returns it, every cell "".
    sheet.write_blank(3, 0, None, shaded)
    sheet.write_blank(3, 5, None, shaded)
    sheet.write_row(4, 0, [" 李四 ", 1e-7])  # shorter than the header
    sheet.write_formula(5, 0, "=1/0", None, "#DIV/0!")  # calamine reads an error as ""
    sheet.write_number(5, 1, 2.0**53)
    sheet.write_number(5, 2, -7.25)
    sheet.write_datetime(5, 4, dt.time(9, 15, 30), clock)
    sheet.write_number(5, 5, 1.5, hours)
    sheet.write_number(6, 5, 30, hours)
    sheet.write_string(7, 0, "  ")
    workbook.close()
    return path


def _staged(path: Path) -> tuple[Source, dict[str, str], list[tuple[object, ...]]]:
    connection = duckdb.connect()
    source = load(connection, path, "xlsx", path.parent)
    types = {name: kind for name, kind, *_ in connection.execute("DESCRIBE src").fetchall()}
    return source, types, connection.execute("SELECT * FROM src ORDER BY _row").fetchall()


def test_every_cell_type_reads_as_the_text_a_person_sees(tmp_path: Path) -> None:
    source, types, rows = _staged(_every_type_workbook(tmp_path / "every.xlsx"))
    # A header cell is str() of the cell, trimmed: a number there keeps its ".0".
    header = ["文本", "数字", "小数", "逻辑", "时间", "2024.0"]
    assert source == Source("src", header, 6, "xlsx")
    assert types == {"_row": "BIGINT", **dict.fromkeys(header, "VARCHAR")}
    assert rows == [
        (2, "张三", "12", "12.5", "True", "2024-03-05 14:30:15", "0"),
        (3, None, "0", "0.3", "False", "2024-03-05", "100000000000000000000"),
        # row 4, every cell empty, is left out; the numbering is the spreadsheet's all the same
        (5, " 李四 ", "1e-07", None, None, None, None),
        (6, None, "9007199254740992", "-7.25", None, "09:15:30", "1 day, 12:00:00"),
        (7, None, None, None, None, None, "30 days, 0:00:00"),
        (8, "  ", None, None, None, None, None),
    ]


def test_columns_of_a_single_type_without_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "序号", "金额", "出生日期", "在职"])
    for row, (name, amount, born, active) in enumerate(
        [("王五", 3.75, dt.date(1990, 1, 31), True), ("赵六", 1200, dt.date(1900, 3, 1), False)], start=1
    ):
        sheet.write_row(row, 0, [name, row, amount])
        sheet.write_datetime(row, 3, born, date)
        sheet.write_boolean(row, 4, active)
    workbook.close()
    source, _, rows = _staged(path)
    assert source.rows == 2
    assert rows == [
        (2, "王五", "1", "3.75", "1990-01-31", "True"),
        (3, "赵六", "2", "1200", "1900-03-01", "False"),
    ]


def test_rows_calamine_does_not_return_still_read_as_before() -> None:
    # calamine's rows all have the sheet's width and hold no None, int, nan or inf; other readers
    # of the same shape could, and they get the same texts as cell by cell.
    header, table = _xlsx_table(
        [
            ["a", "b", "c", None],
            [7, None, float("nan"), 1e22],
            [None, "", "", ""],
            [-3, float("inf"), -(2.0**63)],
            [],
            ["", "", "", "", "past the header"],
            [True, dt.date(1900, 1, 1), dt.timedelta(seconds=-1), dt.datetime(2024, 3, 5, 14, 30, 15, 123)],
            ["x"],
        ]
    )
    assert header == ["a", "b", "c", "None"]
    assert table.column_names == ["_row", "a", "b", "c", "None"]
    assert table.to_pylist() == [
        {"_row": 2, "a": "7", "b": None, "c": "nan", "None": "10000000000000000000000"},
        {"_row": 4, "a": "-3", "b": "inf", "c": "-9223372036854775808", "None": None},
        # a cell past the header keeps its row, though it is not read
        {"_row": 6, "a": None, "b": None, "c": None, "None": None},
        {
            "_row": 7,
            "a": "True",
            "b": "1900-01-01",
            "c": "-1 day, 23:59:59",
            "None": "2024-03-05 14:30:15.000123",
        },
        {"_row": 8, "a": "x", "b": None, "c": None, "None": None},
    ]


def test_a_repeated_header_name_is_refused_by_arrow_as_before() -> None:
    # Two blank header cells over filled cells name two columns "". Reading row by row put both in
    # one column twice as long as the others, which Arrow refuses; the message is Arrow's own.
    with pytest.raises(pa.ArrowInvalid, match="Column 2 named  expected length 1 but got length 2"):
        _xlsx_table([["a", "", ""], ["x", "y", "z"]])
    header, table = _xlsx_table([["a", "", ""], ["", "", ""]])
    assert header == ["a", "", ""] and table.column_names == ["_row", "a", ""] and table.num_rows == 0
