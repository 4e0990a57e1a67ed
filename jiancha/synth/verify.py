"""Checks of a generated region against its own manifest and answer key.

Used by the tests and by ``jiancha synth --verify``: every identifier not listed as deliberately
invalid passes the project's validators and every listed one fails them; every row named by the
answer key exists and shows the scheme's pattern. Also the parsers an analyst needs for the feeds'
several date formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jiancha.identifiers import is_valid_resident_id, is_valid_uscc, normalize_resident_id, normalize_uscc

from .feeds import MAKEUP_WORKDAYS_2025, is_workday
from .model import CASH_REPORT_THRESHOLD, MEAL_STANDARD_PER_HEAD, TENDER_THRESHOLD

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*[-/.月]?\s*(\d{1,2})日?")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def parse_date(value: Any) -> dt.date | None:
    """A date from any of the feeds' formats: 2025-03-07, 2025/3/7, 20250307, 2025年3月7日, 2025.03.07,
    with or without a time after it, or an Excel date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).translate(_FULLWIDTH).strip()
    if not text:
        return None
    if len(text) >= 8 and text[:8].isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    match = _DATE.match(text)
    if not match:
        return None
    return dt.date(int(match[1]), int(match[2]), int(match[3]))


def norm_id(value: Any) -> str:
    return normalize_resident_id(str(value)) if value not in (None, "") else ""


def number(value: Any) -> float:
    return float(str(value).replace(",", "").strip() or 0)


def read_rows(root: Path, path: str, encoding: str = "utf-8") -> list[dict[str, Any]]:
    """All records of a feed file as dicts; index ``row - 2`` (CSV/xlsx) or ``row - 1`` (JSON lines)."""
    return list(_cached_rows(str(root), path, encoding))


@functools.lru_cache(maxsize=12)
def _cached_rows(root: str, path: str, encoding: str) -> tuple[dict[str, Any], ...]:
    target = Path(root) / path
    if path.endswith(".jsonl"):
        with target.open(encoding="utf-8") as handle:
            return tuple(json.loads(line) for line in handle)
    if path.endswith(".xlsx"):
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        header = [str(cell) for cell in sheet[0]]
        return tuple(
            {k: (v.strip() if isinstance(v, str) else v) for k, v in zip(header, row, strict=False)}
            for row in sheet[1:]
        )
    with target.open(encoding="gbk" if encoding == "gbk" else "utf-8", newline="") as handle:
        # Stray spaces are part of the mess; every reader strips them, and so do the checks.
        return tuple({k: v.strip() for k, v in row.items()} for row in csv.DictReader(handle))


class Region:
    """A generated region on disk: manifest, answer key and row access."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        self.key = json.loads((root / "answer_key.json").read_text(encoding="utf-8"))
        self.files = {entry["path"]: entry for entry in self.manifest["files"]}

    def rows(self, path: str) -> list[dict[str, Any]]:
        return read_rows(self.root, path, self.files[path]["encoding"])

    def row(self, path: str, number: int) -> dict[str, Any]:
        offset = 1 if path.endswith(".jsonl") else 2
        rows = self.rows(path)
        if not offset <= number < len(rows) + offset:
            raise LookupError(f"{path} has no row {number}")
        return rows[number - offset]

    def unreadable_roster_rows(self) -> list[dict[str, Any]]:
        """Current roster rows with an invalid identifier (resident ID or unit USCC): an importer
        rejects them, so their people are missing from the roster as the pool sees it. With the
        answer key's ``off_roster_posts`` they are what a registry built from the roster misses."""
        broken = {(item["file"], item["row"]) for item in self.manifest["invalid_identifiers"]}
        found = []
        for path in sorted(p for p in self.files if p.endswith("hr/roster.xlsx")):
            for number, row in enumerate(self.rows(path), start=2):
                if (path, number) in broken and not row.get("离任时间"):
                    found.append(row)
        return found

    def named(self, record: dict[str, Any], suffix: str, role: str | None = None) -> list[dict[str, Any]]:
        return [
            self.row(r["file"], r["row"])
            for r in record["rows"]
            if r["file"].endswith(suffix) and (role is None or r["role"] == role)
        ]


def check_identifiers(region: Region) -> Iterator[str]:
    """Valid unless listed as invalid; invalid if listed."""
    listed = {(item["file"], item["row"], item["column"]) for item in region.manifest["invalid_identifiers"]}
    seen_listed = set()
    for path, entry in region.files.items():
        columns = (
            [(c, "id") for c in entry["id_columns"]]
            + [(c, "uscc") for c in entry["uscc_columns"]]
            + [(c, "typed") for c in entry.get("typed_id_columns", {})]
        )
        if not columns or entry["format"] == "json":
            continue
        for index, row in enumerate(region.rows(path), start=2):
            for column, kind in columns:
                value = row.get(column)
                if value in (None, ""):
                    continue
                if kind == "typed":
                    kind = (
                        "uscc"
                        if str(row.get(entry["typed_id_columns"][column], "")).strip() == "统一社会信用代码"
                        else "id"
                    )
                valid = is_valid_resident_id(str(value)) if kind == "id" else is_valid_uscc(str(value))
                key = (path, index, column)
                if key in listed:
                    seen_listed.add(key)
                    if valid:
                        yield f"{path} row {index} {column}: listed as invalid but {value!r} passes"
                elif not valid:
                    yield f"{path} row {index} {column}: {value!r} fails validation and is not listed"
    for missing in sorted(listed - seen_listed):
        yield f"listed invalid identifier not found: {missing}"


def _kin_graph(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        me = norm_id(row["公民身份号码"])
        for column in ("父亲公民身份号码", "母亲公民身份号码", "配偶公民身份号码"):
            other = norm_id(row.get(column, ""))
            if other:
                graph[me].add(other)
                graph[other].add(me)
    return graph


def _related(rows: list[dict[str, Any]], a: str, b: str, hops: int = 4) -> bool:
    graph, frontier, seen = _kin_graph(rows), {a}, {a}
    for _ in range(hops):
        frontier = {n for f in frontier for n in graph[f]} - seen
        if b in frontier:
            return True
        seen |= frontier
    return False


def _pay_after_death(region: Region, rec: dict[str, Any]) -> None:
    death = region.named(rec, "deaths.csv")[0]
    died = parse_date(death["死亡日期"])
    person = norm_id(death["公民身份号码"])
    payments = [r for r in rec["rows"] if r["role"] == "payment"]
    assert payments, "no payment rows"
    for ref in payments:
        row = region.row(ref["file"], ref["row"])
        paid = parse_date(row["发放日期"])
        ident = norm_id(row.get("公民身份号码") or row.get("身份证号"))
        assert ident == person, f"payment row {ref['row']} is for another ID"
        assert died is not None and paid is not None and paid > died, f"payment {paid} not after death {died}"


def _dibao(region: Region, rec: dict[str, Any]) -> None:
    recipient = region.named(rec, "civil/recipients.csv")[0]
    assert recipient["救助类别"] == "低保"
    person = norm_id(recipient["身份证号"])
    reason = rec["facts"]["reason"]
    if reason == "car":
        car = region.named(rec, "vehicles.xlsx")[0]
        assert (
            norm_id(car["身份证明号码"]) == person
            and car["机动车状态"] == "正常"
            and car["车辆类型"] == "小型轿车"
        )
    elif reason == "flat":
        flats = [
            r
            for r in region.named(rec, "properties.csv")
            if norm_id(r["权利人证件号"]) == person and r["用途"] == "住宅" and r["权属状态"] == "现势"
        ]
        assert len(flats) >= 2, "fewer than two current flats"
    elif reason == "company":
        company = region.named(rec, "companies.csv")[0]
        assert norm_id(company["法定代表人证件号码"]) == person and company["登记状态"] == "存续"
    else:
        cadre = region.named(rec, "roster.xlsx")[0]
        assert int(cadre["监察对象类别"]) == 5
        assert _related(region.named(rec, "residents.csv"), norm_id(cadre["身份证号"]), person), (
            "no kinship path"
        )
        assert not recipient.get("近亲属备案日期", "").strip(), "the application was registered separately"


def _double(region: Region, rec: dict[str, Any]) -> None:
    rows = region.named(rec, "civil/recipients.csv")
    assert {r["救助类别"] for r in rows} >= {"低保", "特困供养"} and len(
        {norm_id(r["身份证号"]) for r in rows}
    ) == 1
    months: dict[str, set[str]] = defaultdict(set)
    for r in region.named(rec, "civil/payments.csv"):
        months[r["发放年月"]].add(r["救助类别"])
    assert any(kinds >= {"低保", "特困供养"} for kinds in months.values())


def _ghost(region: Region, rec: dict[str, Any]) -> None:
    units: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in region.named(rec, "payroll.csv"):
        units[(norm_id(r["身份证号"]), r["工资年月"])].add(r["单位统一社会信用代码"].strip())
    assert any(len(u) >= 2 for u in units.values()), "no month with two payrolls"


def _coi(region: Region, rec: dict[str, Any]) -> None:
    official = region.named(rec, "roster.xlsx")[0]
    unit = normalize_uscc(str(official["单位统一社会信用代码"]))
    relative = next(e for e in rec["entities"] if e["role"] == "relative")["id_number"]
    supplier = next(e for e in rec["entities"] if e["type"] == "Company")["uscc"]
    assert _related(region.named(rec, "residents.csv"), norm_id(official["身份证号"]), relative), (
        "no kinship path"
    )
    holding = region.named(rec, "shareholders.csv")[0]
    assert (
        norm_id(holding["证件号码"]) == relative and normalize_uscc(holding["统一社会信用代码"]) == supplier
    )
    awards = region.named(rec, "awards.csv")
    assert any(
        normalize_uscc(a["采购单位统一社会信用代码"]) == unit
        and normalize_uscc(a["供应商统一社会信用代码"]) == supplier
        for a in awards
    )


def _cycle(region: Region, rec: dict[str, Any]) -> None:
    official = region.named(rec, "roster.xlsx")[0]
    unit = normalize_uscc(str(official["单位统一社会信用代码"]))
    relative = next(e for e in rec["entities"] if e["role"] == "relative")
    flows = region.named(rec, "bank/transactions.csv")
    assert normalize_uscc(flows[0]["付款人证件号码"]) == unit, (
        "the chain does not start at the official's unit"
    )
    for before, after in itertools.pairwise(flows):
        assert before["收款账号"] == after["付款账号"], "the chain is broken"
    last = norm_id(flows[-1]["收款人证件号码"])
    rows = region.named(rec, "residents.csv")
    related_ids = {norm_id(r["公民身份号码"]) for r in rows}
    assert last in related_ids and _related(rows, norm_id(official["身份证号"]), last), (
        "money does not reach the official's family"
    )
    assert relative["type"] == "Person"


def _ring(region: Region, rec: dict[str, Any]) -> None:
    bids = region.named(rec, "bids.csv")
    members = {e["uscc"] for e in rec["entities"] if e["type"] == "Company"}
    by_tender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for bid in bids:
        by_tender[bid["项目编号"]].append(bid)
    shared_machine = any(
        len({b["文件制作机器码"] for b in group if normalize_uscc(b["投标人统一社会信用代码"]) in members})
        < len([b for b in group if normalize_uscc(b["投标人统一社会信用代码"]) in members])
        for group in by_tender.values()
    )
    assert shared_machine, "no tender with a shared bid-file machine"
    bonds = region.named(rec, "bid_bonds.csv")
    accounts = [b["付款账号"] for b in bonds if normalize_uscc(b["投标人统一社会信用代码"]) in members]
    assert len(set(accounts)) == 1 and len(accounts) >= 3, "bonds not paid from one account"
    holders = region.named(rec, "shareholders.csv")
    assert len({norm_id(h["证件号码"]) for h in holders}) == 1
    insured = region.named(rec, "contributions.csv")
    assert insured and normalize_uscc(insured[0]["单位统一社会信用代码"]) in members, (
        "the shared contact is not insured by a member"
    )
    contact_phones = [b["联系电话"] for b in bids if normalize_uscc(b["投标人统一社会信用代码"]) in members]
    assert len(contact_phones) > len(set(contact_phones)), "no contact person shared between members"
    winners = {normalize_uscc(a["供应商统一社会信用代码"]) for a in region.named(rec, "awards.csv")}
    assert len(winners) >= 2 and winners <= members, "no rotation among ring members"


def _split(region: Region, rec: dict[str, Any]) -> None:
    awards = region.named(rec, "awards.csv")
    assert (
        len(awards) >= 3
        and len(
            {
                (normalize_uscc(a["采购单位统一社会信用代码"]), normalize_uscc(a["供应商统一社会信用代码"]))
                for a in awards
            }
        )
        == 1
    )
    amounts = [number(a["中标金额(元)"]) for a in awards]
    assert (
        all(0.9 * TENDER_THRESHOLD <= x < TENDER_THRESHOLD for x in amounts)
        and sum(amounts) > TENDER_THRESHOLD
    )
    dates = sorted(parse_date(a["中标日期"]) or dt.date.min for a in awards)
    assert (dates[-1] - dates[0]).days <= 60


def _single_buyer(region: Region, rec: dict[str, Any]) -> None:
    awards = region.named(rec, "awards.csv")
    supplier = next(e for e in rec["entities"] if e["type"] == "Company")["uscc"]
    buyers = {normalize_uscc(a["采购单位统一社会信用代码"]) for a in awards}
    assert len(awards) >= 5 and len(buyers) == 1
    path = rec["rows"][0]["file"].rsplit("/", 1)[0] + "/awards.csv"
    elsewhere = {
        normalize_uscc(a["采购单位统一社会信用代码"])
        for a in region.rows(path)
        if normalize_uscc(a["供应商统一社会信用代码"]) == supplier
    }
    assert elsewhere == buyers, "the supplier also wins at other buyers"


def _concealed(region: Region, rec: dict[str, Any]) -> None:
    declared = region.named(rec, "personal_matters.csv")
    family = {norm_id(r["家庭成员身份证号"]) for r in declared} | {
        norm_id(r["申报人身份证号"]) for r in declared
    }
    contents = " ".join(r["事项内容"] for r in declared)
    if rec["facts"]["item"] == "房产":
        flat = region.named(rec, "properties.csv")[0]
        assert norm_id(flat["权利人证件号"]) in family and flat["坐落"].strip() not in contents
        registered = parse_date(flat["登记日期"])
        assert registered is not None and registered <= dt.date(2024, 12, 31)
    else:
        holding = region.named(rec, "shareholders.csv")[0]
        assert norm_id(holding["证件号码"]) in family and holding["企业名称"].strip() not in contents


def _underreported(region: Region, rec: dict[str, Any]) -> None:
    flat = region.named(rec, "properties.csv")[0]
    declared = [
        r for r in region.named(rec, "personal_matters.csv") if r["事项内容"].strip() == flat["坐落"].strip()
    ]
    assert declared and number(declared[0]["面积(㎡)"]) < number(flat["建筑面积(㎡)"]) - 1


def _split_payment(region: Region, rec: dict[str, Any]) -> None:
    rows = region.named(rec, "bank/transactions.csv")
    amounts = [number(r["交易金额(元)"]) for r in rows]
    assert (
        len(rows) >= 3
        and all(r["交易类型"] == "现金存入" for r in rows)
        and len({r["收款账号"] for r in rows}) == 1
    )
    assert (
        all(0.9 * CASH_REPORT_THRESHOLD <= x < CASH_REPORT_THRESHOLD for x in amounts)
        and sum(amounts) >= 3 * 0.9 * CASH_REPORT_THRESHOLD
    )
    days = sorted({parse_date(r["交易时间"]) or dt.date.min for r in rows})
    assert (days[-1] - days[0]).days == len(days) - 1, "deposits are not on consecutive days"


def _fuel(region: Region, rec: dict[str, Any]) -> None:
    tank = number(region.named(rec, "fleet.csv")[0]["油箱容积(L)"])
    fills = region.named(rec, "fuel_card.csv")
    per_day: dict[dt.date | None, float] = defaultdict(float)
    for fill in fills:
        per_day[parse_date(fill["交易时间"])] += number(fill["加油量(L)"])
    assert max(per_day.values()) > tank


def _weekend(region: Region, rec: dict[str, Any]) -> None:
    trips = region.named(rec, "gps_trips.csv")
    assert trips
    for trip in trips:
        day = parse_date(trip["出发时间"])
        assert day is not None and not is_workday(day) and day not in MAKEUP_WORKDAYS_2025
        assert trip["目的地类型"] in ("酒店", "景区") and not trip["派车单号"].strip()


def _meal(region: Region, rec: dict[str, Any]) -> None:
    rows = region.named(rec, "meal_reimbursements.csv")
    variant = rec["facts"]["variant"]
    if variant == "per_head":
        assert number(rows[0]["发票金额(元)"]) / number(rows[0]["就餐人数"]) > MEAL_STANDARD_PER_HEAD
    elif variant == "luxury":
        assert any(word in rows[0]["销售方名称"] for word in ("会所", "国际大酒店", "海鲜楼", "私房菜"))
    else:
        assert len(rows) >= 2 and len({(r["销售方名称"], parse_date(r["开票日期"])) for r in rows}) == 1
        assert (
            sum(number(r["发票金额(元)"]) for r in rows) / number(rows[0]["就餐人数"])
            > MEAL_STANDARD_PER_HEAD
        )


CHECKS: dict[str, Callable[[Region, dict[str, Any]], None]] = {
    "PAY_AFTER_DEATH": _pay_after_death, "DIBAO_INELIGIBLE": _dibao, "DOUBLE_BENEFIT": _double, "GHOST_PAYROLL": _ghost,
    "COI_RELATIVE_SUPPLIER": _coi, "FUND_CYCLE": _cycle, "BID_RING": _ring, "CONTRACT_SPLIT": _split,
    "SINGLE_BUYER_SUPPLIER": _single_buyer, "DECL_CONCEALED": _concealed, "DECL_UNDERREPORTED": _underreported,
    "SPLIT_PAYMENT": _split_payment, "FUEL_OVER_TANK": _fuel, "CAR_WEEKEND": _weekend, "MEAL_OVER_STANDARD": _meal,
}  # fmt: skip


def check_schemes(region: Region) -> Iterator[str]:
    for rec in region.key["schemes"] + region.key["lookalikes"]:
        try:
            for ref in rec["rows"]:
                region.row(ref["file"], ref["row"])
        except LookupError as error:
            yield f"{rec['id']} ({rec['kind']}): {error}"
            continue
        if not rec["rows"]:
            yield f"{rec['id']} ({rec['kind']}): names no rows"
            continue
        if rec["id"].startswith("S"):
            try:
                CHECKS[rec["kind"]](region, rec)
            except (AssertionError, StopIteration, IndexError, KeyError, ValueError) as error:
                yield f"{rec['id']} ({rec['kind']}): pattern not shown: {type(error).__name__} {error}"


def verify(root: Path) -> list[str]:
    region = Region(Path(root))
    return [*check_identifiers(region), *check_schemes(region)]
