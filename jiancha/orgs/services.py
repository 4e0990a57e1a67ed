"""The organisation tree's services: subtree queries and validated, all-or-nothing imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiancha.identifiers import IdentifierError, validate_uscc
from jiancha.tabular import Row, TableError, read_table

from .models import PREFIX_LENGTH, Division, DivisionKind, DivisionLevel, Unit, UnitType


def subtree_q(division: Division, prefix: str = "") -> Q:
    """A filter for the division and everything below it (the code prefix is the tree)."""
    return Q(**{f"{prefix}code__startswith": division.prefix})


def level_of_code(code: str) -> DivisionLevel:
    """The level a 12-digit statistical code denotes, from where its trailing zeros begin."""
    if code[2:] == "0" * 10:
        return DivisionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return DivisionLevel.CITY
    if code[6:] == "0" * 6:
        return DivisionLevel.COUNTY
    if code[9:] == "000":
        return DivisionLevel.TOWNSHIP
    return DivisionLevel.VILLAGE


def parent_code_of(code: str) -> str | None:
    level = level_of_code(code)
    if level == DivisionLevel.PROVINCE:
        return None
    parent_level = DivisionLevel(level - 1)
    return code[: PREFIX_LENGTH[parent_level]].ljust(12, "0")


DEFAULT_KIND = {
    DivisionLevel.PROVINCE: DivisionKind.PROVINCE,
    DivisionLevel.CITY: DivisionKind.CITY,
    DivisionLevel.COUNTY: DivisionKind.COUNTY,
    DivisionLevel.TOWNSHIP: DivisionKind.TOWN,
    DivisionLevel.VILLAGE: DivisionKind.VILLAGE,
}
KINDS_BY_LEVEL = {
    DivisionLevel.PROVINCE: {DivisionKind.PROVINCE},
    DivisionLevel.CITY: {DivisionKind.CITY},
    DivisionLevel.COUNTY: {DivisionKind.COUNTY, DivisionKind.DISTRICT},
    DivisionLevel.TOWNSHIP: {DivisionKind.TOWN, DivisionKind.TOWNSHIP, DivisionKind.STREET},
    DivisionLevel.VILLAGE: {DivisionKind.VILLAGE, DivisionKind.COMMUNITY},
}
# Chinese spellings a department's file uses for the kind column, besides our codes.
KIND_WORDS = {
    "省": DivisionKind.PROVINCE, "自治区": DivisionKind.PROVINCE, "直辖市": DivisionKind.PROVINCE,
    "市": DivisionKind.CITY, "地级市": DivisionKind.CITY, "州": DivisionKind.CITY, "盟": DivisionKind.CITY,
    "区": DivisionKind.DISTRICT, "市辖区": DivisionKind.DISTRICT,
    "县": DivisionKind.COUNTY, "县级市": DivisionKind.COUNTY, "旗": DivisionKind.COUNTY,
    "镇": DivisionKind.TOWN, "乡": DivisionKind.TOWNSHIP, "街道": DivisionKind.STREET,
    "村": DivisionKind.VILLAGE, "社区": DivisionKind.COMMUNITY,
}  # fmt: skip

# Accepted column headers: our names and the Chinese ones departments write.
DIVISION_COLUMNS = {
    "code": ("code", "区划代码", "统计用区划代码"),
    "name": ("name", "名称", "区划名称"),
    "kind": ("kind", "类型", "城乡类型"),
    "population": ("population", "常住人口", "人口"),
    "parent_code": ("parent_code", "上级区划代码", "上级代码"),
}
UNIT_COLUMNS = {
    "name": ("name", "单位名称", "名称"),
    "unit_type": ("unit_type", "单位类型", "类型"),
    "division_code": ("division_code", "所在区划代码", "区划代码"),
    "parent": ("parent", "上级单位"),
    "uscc": ("uscc", "统一社会信用代码"),
}
# Unit types as departments' files name them (Chinese), besides our codes.
UNIT_TYPE_WORDS: dict[str, str] = {value: value for value in UnitType.values} | {
    "党的机关": UnitType.PARTY_ORGAN, "党委": UnitType.PARTY_ORGAN,
    "人大机关": UnitType.PEOPLES_CONGRESS, "人大": UnitType.PEOPLES_CONGRESS,
    "行政机关": UnitType.GOVERNMENT_DEPARTMENT, "政府部门": UnitType.GOVERNMENT_DEPARTMENT,
    "行政机关（政府部门）": UnitType.GOVERNMENT_DEPARTMENT,
    "监察机关": UnitType.SUPERVISION_COMMISSION, "纪委监委": UnitType.SUPERVISION_COMMISSION,
    "监察机关（纪委监委）": UnitType.SUPERVISION_COMMISSION,
    "审判机关": UnitType.COURT, "法院": UnitType.COURT,
    "检察机关": UnitType.PROCURATORATE, "检察院": UnitType.PROCURATORATE,
    "政协机关": UnitType.CPPCC, "政协": UnitType.CPPCC,
    "民主党派机关": UnitType.DEMOCRATIC_PARTY, "工商联": UnitType.DEMOCRATIC_PARTY,
    "民主党派机关和工商联机关": UnitType.DEMOCRATIC_PARTY,
    "国有企业": UnitType.STATE_OWNED_ENTERPRISE, "国企": UnitType.STATE_OWNED_ENTERPRISE,
    "学校": UnitType.SCHOOL, "公办教育单位": UnitType.SCHOOL,
    "医院": UnitType.HOSPITAL, "公办医疗卫生单位": UnitType.HOSPITAL,
    "科研单位": UnitType.RESEARCH, "公办科研单位": UnitType.RESEARCH,
    "文化单位": UnitType.CULTURE, "公办文化单位": UnitType.CULTURE,
    "体育单位": UnitType.SPORTS, "公办体育单位": UnitType.SPORTS,
    "村民委员会": UnitType.VILLAGE_COMMITTEE, "村委会": UnitType.VILLAGE_COMMITTEE,
    "居民委员会": UnitType.RESIDENTS_COMMITTEE, "居委会": UnitType.RESIDENTS_COMMITTEE,
    "社会组织": UnitType.SOCIAL_ORGANISATION,
    "混合所有制企业": UnitType.MIXED_OWNERSHIP,
}  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """One reason a row was refused, named so a person can find and fix it."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return _("%(file)s, row %(row)d, field %(field)s: %(reason)s") % {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "reason": self.reason,
        }


class ImportRejected(Exception):
    """The file had errors; nothing from it was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class ImportResult:
    file: str
    created: int = 0
    updated: int = 0
    warnings: list[str] = field(default_factory=list)


def _column_map(row: Row, columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    found = {}
    for key, names in columns.items():
        for name in names:
            if name in row.values:
                found[key] = name
                break
    return found


def _read(
    path: Path, columns: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[list[dict[str, str]], list[int]]:
    """Rows as dicts keyed by our column names; raises ImportRejected for a file-level problem."""
    try:
        rows = list(read_table(path))
    except (TableError, OSError) as error:
        raise ImportRejected([RowError(path.name, 0, "-", str(error))]) from None
    if not rows:
        raise ImportRejected([RowError(path.name, 1, "-", _("the file has no data rows"))])
    mapping = _column_map(rows[0], columns)
    missing = [key for key in required if key not in mapping]
    if missing:
        raise ImportRejected(
            [
                RowError(
                    path.name,
                    1,
                    key,
                    _("required column is missing (accepted headers: %(names)s)")
                    % {"names": " / ".join(columns[key])},
                )
                for key in missing
            ]
        )
    return [{key: row.values.get(name, "") for key, name in mapping.items()} for row in rows], [
        row.number for row in rows
    ]


def import_divisions(path: Path) -> ImportResult:
    """Import administrative divisions from CSV or xlsx; all rows or none.

    Each row needs a 12-digit code and a name; the level follows from the code, the parent from
    the code unless a ``parent_code`` says otherwise. Rows may come in any order.
    """
    records, numbers = _read(path, DIVISION_COLUMNS, ("code", "name"))
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    parsed: list[tuple[int, str, str, DivisionLevel, DivisionKind, int | None, str | None]] = []
    for number, record in zip(numbers, records, strict=True):
        code = record["code"].replace(" ", "")

        def error(field_name: str, reason: str, number: int = number) -> None:
            errors.append(RowError(path.name, number, field_name, reason))

        if len(code) != 12 or not code.isdigit():
            error("code", _("a division code is 12 digits, got %(value)r") % {"value": record["code"]})
            continue
        if code in seen:
            error(
                "code",
                _("duplicate division code %(code)s (first at row %(row)d)")
                % {"code": code, "row": seen[code]},
            )
            continue
        seen[code] = number
        name = record["name"].strip()
        if not name:
            error("name", _("the name is empty"))
        level = level_of_code(code)
        kind_text = record.get("kind", "").strip()
        kind = DEFAULT_KIND[level]
        if kind_text:
            candidate = KIND_WORDS.get(kind_text) or (
                DivisionKind(kind_text) if kind_text in DivisionKind.values else None
            )
            if candidate is None or candidate not in KINDS_BY_LEVEL[level]:
                error("kind", _("%(kind)r is not a kind of division at this level") % {"kind": kind_text})
            else:
                kind = candidate
        population: int | None = None
        population_text = record.get("population", "").replace(",", "").strip()
        if population_text:
            try:
                population = int(float(population_text))
                if population < 0:
                    raise ValueError
            except ValueError:
                error(
                    "population",
                    _("the population must be a whole number, got %(value)r") % {"value": population_text},
                )
        parent_code = record.get("parent_code", "").strip() or parent_code_of(code)
        parsed.append((number, code, name, level, kind, population, parent_code))

    known = set(seen) | set(
        Division.objects.filter(code__in={p[6] for p in parsed if p[6]}).values_list("code", flat=True)
    )
    for number, code, _name, level, _kind, _pop, parent_code in parsed:
        if parent_code is None:
            continue
        if parent_code not in known:
            errors.append(
                RowError(
                    path.name,
                    number,
                    "parent_code",
                    _("the parent division %(code)s does not exist") % {"code": parent_code},
                )
            )
        elif level_of_code(parent_code) >= level or not code.startswith(
            parent_code[: PREFIX_LENGTH[level_of_code(parent_code)]]
        ):
            errors.append(
                RowError(
                    path.name,
                    number,
                    "parent_code",
                    _("%(parent)s cannot be the parent of %(code)s") % {"parent": parent_code, "code": code},
                )
            )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.field)))

    result = ImportResult(path.name)
    with transaction.atomic():
        existing = {d.code: d for d in Division.objects.filter(code__in=seen)}
        # Parents before children: sorting by level guarantees a parent exists when its child is saved.
        by_code: dict[str, Division] = {}
        for _number, code, name, level, kind, population, parent_code in sorted(
            parsed, key=lambda p: (p[3], p[1])
        ):
            parent = None
            if parent_code:
                parent = by_code.get(parent_code) or Division.objects.get(code=parent_code)
            division = existing.get(code) or Division(code=code)
            is_new = division.pk is None
            division.name, division.level, division.kind = name, level, kind
            division.population, division.parent = population, parent
            division.save()
            by_code[code] = division
            if is_new:
                result.created += 1
            else:
                result.updated += 1
    return result


def import_units(path: Path) -> ImportResult:
    """Import units (单位) from CSV or xlsx; all rows or none. Units are keyed by division and name."""
    records, numbers = _read(path, UNIT_COLUMNS, ("name", "unit_type", "division_code"))
    errors: list[RowError] = []
    divisions = {
        d.code: d for d in Division.objects.filter(code__in={r["division_code"].strip() for r in records})
    }
    keys_in_file: dict[tuple[str, str], int] = {}
    parsed: list[tuple[int, str, str, Division, str, str]] = []
    for number, record in zip(numbers, records, strict=True):
        name = record["name"].strip()
        if not name:
            errors.append(RowError(path.name, number, "name", _("the name is empty")))
            continue
        unit_type = UNIT_TYPE_WORDS.get(record["unit_type"].strip())
        if unit_type is None:
            errors.append(
                RowError(
                    path.name,
                    number,
                    "unit_type",
                    _("unknown unit type %(value)r") % {"value": record["unit_type"]},
                )
            )
        division = divisions.get(record["division_code"].strip())
        if division is None:
            errors.append(
                RowError(
                    path.name,
                    number,
                    "division_code",
                    _("the division %(code)s does not exist") % {"code": record["division_code"]},
                )
            )
        key = (record["division_code"].strip(), name)
        if key in keys_in_file:
            errors.append(
                RowError(
                    path.name,
                    number,
                    "name",
                    _("duplicate unit in the same division (first at row %(row)d)")
                    % {"row": keys_in_file[key]},
                )
            )
        keys_in_file[key] = number
        uscc = record.get("uscc", "").strip()
        if uscc:
            try:
                uscc = validate_uscc(uscc)
            except IdentifierError as error:
                errors.append(RowError(path.name, number, "uscc", error.message))
        if unit_type is not None and division is not None:
            parsed.append((number, name, unit_type, division, record.get("parent", "").strip(), uscc))
    names_in_file = {name for _n, name, *_rest in parsed}
    for number, _name, _type, _division, parent_name, _uscc in parsed:
        if (
            parent_name
            and parent_name not in names_in_file
            and not Unit.objects.filter(name=parent_name).exists()
        ):
            errors.append(
                RowError(
                    path.name,
                    number,
                    "parent",
                    _("the parent unit %(name)s does not exist") % {"name": parent_name},
                )
            )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.field)))

    result = ImportResult(path.name)
    with transaction.atomic():
        saved: dict[str, Unit] = {}
        # Two passes: save every unit, then link parents, so a file may list children first.
        for _number, name, unit_type, division, _parent, uscc in parsed:
            unit, created = Unit.objects.update_or_create(
                division=division, name=name, defaults={"unit_type": unit_type, "uscc": uscc}
            )
            saved[name] = unit
            result.created += int(created)
            result.updated += int(not created)
        for _number, name, _type, _division, parent_name, _uscc in parsed:
            if parent_name:
                unit = saved[name]
                unit.parent = saved.get(parent_name) or Unit.objects.filter(name=parent_name).first()
                unit.save(update_fields=["parent"])
    return result
