from pathlib import Path

import pytest
import xlsxwriter

from jiancha.orgs.models import Division, DivisionLevel, Unit
from jiancha.orgs.services import (
    ImportRejected,
    import_divisions,
    import_units,
    level_of_code,
    parent_code_of,
)

pytestmark = pytest.mark.django_db

GOOD_DIVISIONS = """code,name,kind,population
330000000000,浙江省,province,
331200000000,清溪市,city,
331221000000,梅山县,county,
331221101000,石门镇,town,18730
331221101201,石门村,village,2560
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_code_structure_gives_level_and_parent():
    assert level_of_code("331221101201") == DivisionLevel.VILLAGE
    assert parent_code_of("331221101201") == "331221101000"
    assert parent_code_of("331221101000") == "331221000000"
    assert parent_code_of("331200000000") == "330000000000"
    assert parent_code_of("330000000000") is None


def test_import_divisions_builds_the_tree(tmp_path):
    result = import_divisions(write(tmp_path, "divisions.csv", GOOD_DIVISIONS))
    assert (result.created, result.updated) == (5, 0)
    village = Division.objects.get(code="331221101201")
    assert village.parent.code == "331221101000"
    assert village.level == DivisionLevel.VILLAGE
    assert village.population == 2560
    town = Division.objects.get(code="331221101000")
    assert (town.parent.name, town.parent.parent.name) == ("梅山县", "清溪市")


def test_reimport_updates_instead_of_duplicating(tmp_path):
    path = write(tmp_path, "divisions.csv", GOOD_DIVISIONS)
    import_divisions(path)
    result = import_divisions(path)
    assert (result.created, result.updated) == (0, 5)
    assert Division.objects.count() == 5


def test_gbk_csv_with_chinese_headers_and_children_first(tmp_path):
    text = '区划代码,名称,类型,常住人口\n331221101201,石门村,村,2560\n331221101000,石门镇,镇,"18,730"\n331221000000,梅山县,县,\n331200000000,清溪市,市,\n330000000000,浙江省,省,\n'
    import_divisions(write(tmp_path, "区划.csv", text, encoding="gbk"))
    assert Division.objects.get(code="331221101000").population == 18730
    assert Division.objects.get(code="331221101201").kind == "village"


def test_xlsx_with_numeric_codes(tmp_path):
    path = tmp_path / "divisions.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for row, values in enumerate(
        [["code", "name", "population"], [330000000000, "浙江省", None], [331200000000, "清溪市", None]]
    ):
        for column, value in enumerate(values):
            if value is not None:
                sheet.write(row, column, value)
    workbook.close()
    import_divisions(path)
    assert list(Division.objects.values_list("code", flat=True)) == ["330000000000", "331200000000"]


def test_bad_rows_are_all_reported_and_nothing_is_imported(tmp_path):
    text = (
        "code,name,kind,population\n"
        "330000000000,浙江省,province,\n"  # row 2: fine
        "33120000000,清溪市,city,\n"  # row 3: 11 digits
        "330000000000,又一个浙江,province,\n"  # row 4: duplicate
        "331299001000,孤岛镇,town,100\n"  # row 5: its county does not exist
        "331200000000,清溪市,village,\n"  # row 6: wrong kind for a city
        "331200000000,,city,-5\n"  # row 7: duplicate again
    )
    with pytest.raises(ImportRejected) as rejected:
        import_divisions(write(tmp_path, "bad.csv", text))
    found = {(e.row, e.field) for e in rejected.value.errors}
    assert {(3, "code"), (4, "code"), (5, "parent_code"), (6, "kind"), (7, "code")} <= found
    assert all(e.file == "bad.csv" for e in rejected.value.errors)
    assert "bad.csv, row 5, field parent_code" in str(rejected.value) or "bad.csv 第 5 行" in str(
        rejected.value
    )
    assert Division.objects.count() == 0


def test_missing_required_column_names_the_accepted_headers(tmp_path):
    with pytest.raises(ImportRejected) as rejected:
        import_divisions(write(tmp_path, "x.csv", "名称\n浙江省\n"))
    assert rejected.value.errors[0].field == "code"
    assert "区划代码" in rejected.value.errors[0].reason


def test_wrong_file_type_is_refused(tmp_path):
    with pytest.raises(ImportRejected) as rejected:
        import_divisions(write(tmp_path, "divisions.pdf", "%PDF-1.4"))
    assert ".pdf" in rejected.value.errors[0].reason


def test_damaged_xlsx_is_refused(tmp_path):
    with pytest.raises(ImportRejected):
        import_divisions(write(tmp_path, "divisions.xlsx", "this is not a zip file"))


def test_units_import_with_parents_and_validation(tmp_path):
    import_divisions(write(tmp_path, "divisions.csv", GOOD_DIVISIONS))
    text = (
        "单位名称,单位类型,所在区划代码,上级单位,统一社会信用代码\n"
        "梅山县水利局,government_department,331221000000,梅山县人民政府,\n"
        "梅山县人民政府,行政机关（政府部门）,331221000000,,\n"
        "石门村村民委员会,village_committee,331221101201,,N2331221MA0000001I\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_units(write(tmp_path, "units.csv", text))
    assert [(e.row, e.field) for e in rejected.value.errors] == [(4, "uscc")]
    assert Unit.objects.count() == 0

    fixed = text.replace("N2331221MA0000001I", "")
    result = import_units(write(tmp_path, "units.csv", fixed))
    assert result.created == 3
    assert Unit.objects.get(name="梅山县水利局").parent.name == "梅山县人民政府"


def test_units_with_unknown_type_division_and_parent(tmp_path):
    import_divisions(write(tmp_path, "divisions.csv", GOOD_DIVISIONS))
    text = "name,unit_type,division_code,parent\n甲,casino,331221000000,\n乙,court,999999999999,\n丙,court,331221000000,不存在的单位\n丙,court,331221000000,\n"
    with pytest.raises(ImportRejected) as rejected:
        import_units(write(tmp_path, "units.csv", text))
    assert {(e.row, e.field) for e in rejected.value.errors} == {
        (2, "unit_type"),
        (3, "division_code"),
        (4, "parent"),
        (5, "name"),
    }
    assert Unit.objects.count() == 0


def test_import_command_reports_rows_and_fails(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = write(tmp_path, "bad.csv", "code,name\n12,x\n")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("orgs", "import-divisions", str(path))
    assert "bad.csv" in capsys.readouterr().err
