"""xlsx cells become the texts a person sees, whatever type calamine reads them as.

The expected values are those the cell-by-cell reading gave before it was converted by column;
they must not change.
"""

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from jiancha.pool.sources import Source, SourceError, _xlsx_table, column_letters, load


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
    # A header cell reads as any other cell, trimmed: a number there is shown as in the sheet.
    header = ["文本", "数字", "小数", "逻辑", "时间", "2024"]
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
    # A column without a header cell is not read, though its cells keep their rows.
    assert header == ["a", "b", "c"]
    assert table.column_names == ["_row", "a", "b", "c"]
    assert table.to_pylist() == [
        {"_row": 2, "a": "7", "b": None, "c": "nan"},
        {"_row": 4, "a": "-3", "b": "inf", "c": "-9223372036854775808"},
        # a cell past the header keeps its row, though it is not read
        {"_row": 6, "a": None, "b": None, "c": None},
        {"_row": 7, "a": "True", "b": "1900-01-01", "c": "-1 day, 23:59:59"},
        {"_row": 8, "a": "x", "b": None, "c": None},
    ]


def test_a_name_given_to_two_columns_is_refused_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "公民身份号码", "单位", "公民身份号码"])
    sheet.write_row(1, 0, ["张三", "331221196003050114", "县财政局", "331221196207080225"])
    workbook.close()
    with pytest.raises(SourceError) as refused:
        load(duckdb.connect(), path, "xlsx", tmp_path)
    assert (
        str(refused.value)
        == "roster.xlsx: the header names two columns 公民身份号码 (columns B and D); rename one"
    )


def test_blank_header_cells_over_filled_ones_are_not_read() -> None:
    header, table = _xlsx_table([["a", "", None], ["x", "y", "z"], ["", "", "w"]])
    assert header == ["a"] and table.to_pylist() == [{"_row": 2, "a": "x"}, {"_row": 3, "a": None}]


def test_rows_and_columns_are_numbered_as_in_the_sheet_when_the_table_does_not_start_at_a1(
    tmp_path: Path,
) -> None:
    path = tmp_path / "offset.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write(0, 0, "")  # an empty A1, as a title row deleted leaves it
    sheet.write_row(2, 1, ["姓名", "号码", "号码"])  # the header in B3
    sheet.write_row(3, 1, ["张三", "1"])
    sheet.write_row(5, 1, ["李四", "2"])
    workbook.close()
    with pytest.raises(SourceError, match="columns C and D"):
        load(duckdb.connect(), path, "xlsx", tmp_path)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(2, 1, ["姓名", "号码"])
    sheet.write_row(3, 1, ["张三", "1"])
    sheet.write_row(5, 1, ["李四", "2"])
    workbook.close()
    source, _, rows = _staged(path)
    assert source == Source("src", ["姓名", "号码"], 2, "xlsx")
    # Row 4 and row 6 of the sheet, as a person finds them (the empty row 5 is left out).
    assert rows == [(4, "张三", "1"), (6, "李四", "2")]


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (702, "AAA")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letters(index) == letters
