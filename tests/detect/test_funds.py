"""The funds indicators (资金类指标): SPLIT_PAYMENT, LARGE_TRANSFER and FUND_CYCLE.

On small constructed pool tables (what each rule must and must not flag), and end to end on the
tiny synthetic region: its planted schemes are found, its look-alikes are not, and no alert's
explanation carries a full ID number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jiancha.detect import catalogue, engine
from jiancha.synth.ids import resident_id, uscc

from .builders import pool_tables

AREA = "331202"
OFFICIAL = resident_id(AREA, dt.date(1970, 3, 4), 11)
SPOUSE = resident_id(AREA, dt.date(1972, 5, 6), 22)
FATHER = resident_id(AREA, dt.date(1940, 1, 2), 31)
SISTER = resident_id(AREA, dt.date(1975, 7, 8), 42)
STRANGER = resident_id(AREA, dt.date(1980, 9, 10), 51)
SPOUSE_BROTHER = resident_id(AREA, dt.date(1969, 2, 3), 61)
SPOUSE_FATHER = resident_id(AREA, dt.date(1945, 4, 5), 71)
UNIT = uscc("organ", AREA, 101)
OTHER_UNIT = uscc("organ", AREA, 102)
SUPPLIER = uscc("company", AREA, 201)
MIDDLE = uscc("company", AREA, 202)
FAMILY_FIRM = uscc("individual", AREA, 203)
TRADER = uscc("company", AREA, 204)
FULL_ID = re.compile(r"\d{17}[\dX]")
DAY = dt.datetime(2025, 5, 12, 10, 0)

FAMILY = [
    {"person": SPOUSE, "relative": OFFICIAL, "relationship": "spouse"},
    {"person": OFFICIAL, "relative": FATHER, "relationship": "father"},
    {"person": SISTER, "relative": FATHER, "relationship": "father"},
    {"person": SPOUSE, "relative": SPOUSE_FATHER, "relationship": "father"},
    {"person": SPOUSE_BROTHER, "relative": SPOUSE_FATHER, "relationship": "father"},
]
EMPLOYMENT = [
    {"employee": OFFICIAL, "name": "王局长", "employer": UNIT, "employerName": "清河区测试局", "role": "局长",
     "art15Category": 1, "isLeader": True, "startDate": dt.date(2018, 1, 1)},
    # A clerk of the other unit: staff, but not a supervised person (category 0).
    {"employee": STRANGER, "name": "路人", "employer": OTHER_UNIT, "employerName": "另一单位", "role": "职员",
     "art15Category": 0, "startDate": dt.date(2018, 1, 1)},
]  # fmt: skip
NAMES = {OFFICIAL: "王局长", SPOUSE: "李配偶", FATHER: "王父", SISTER: "王妹", STRANGER: "路人",
         SPOUSE_BROTHER: "李兄", SPOUSE_FATHER: "李父", UNIT: "清河区测试局", OTHER_UNIT: "另一单位",
         SUPPLIER: "甲供应商有限公司", MIDDLE: "乙咨询有限公司", FAMILY_FIRM: "丙五金店", TRADER: "丁贸易有限公司"}  # fmt: skip


def _party(key: str | None) -> dict[str, Any]:
    if key is None:
        return {"account": None, "name": None, "id": None, "type": None}
    person = not key.startswith(("1", "5", "9"))
    return {"account": f"62{key[-10:]}", "name": NAMES[key], "id": key,
            "type": "居民身份证" if person else "统一社会信用代码"}  # fmt: skip


def pay(payer: str | None, payee: str | None, amount: float, when: dt.datetime, kind: str = "转账") -> dict:
    """A Payment row; a cash deposit has no payer account (the depositor's ID stands as payer)."""
    a, b = _party(payer), _party(payee)
    return {"transactionId": f"T{when:%m%d%H%M}{amount:.0f}", "date": when,
            "payerAccount": a["account"], "payerName": a["name"], "payerIdNumber": a["id"], "payerIdType": a["type"],
            "beneficiaryAccount": b["account"], "beneficiaryName": b["name"], "beneficiaryIdNumber": b["id"],
            "beneficiaryIdType": b["type"], "amount": Decimal(str(amount)), "kind": kind, "channel": "网银", "purpose": ""}  # fmt: skip


def deposit(holder: str, amount: float, when: dt.datetime) -> dict:
    row = pay(holder, holder, amount, when, "现金存入")
    row["payerAccount"] = None
    return row


def pool(**data: list[dict]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding every pool table (empty unless given), rows numbered from 2."""
    return pool_tables("bank", 7, **data)


def run(code: str, connection: duckdb.DuckDBPyConnection, **parameters: Any) -> list[engine.Finding]:
    return engine.evaluate(connection, catalogue.get(code), parameters)


def rows_of(finding: engine.Finding) -> list[int]:
    assert all(r["table"] == "Payment" and r["provenance"]["file"] == "Payment.csv" for r in finding.evidence)
    return [r["provenance"]["row"] for r in finding.evidence]


def explained(code: str, finding: engine.Finding) -> dict[str, str]:
    return catalogue.get(code).explain(finding.group, "***", finding.value, finding.details)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


# -- SPLIT_PAYMENT -----------------------------------------------------------------------------------


def test_deposits_just_under_the_threshold_on_consecutive_days_are_flagged_with_the_official():
    payments = [
        deposit(SPOUSE, 48_000, DAY),
        deposit(SPOUSE, 3_000, DAY + days(1)),  # an ordinary deposit in between
        deposit(SPOUSE, 49_500, DAY + days(1)),
        deposit(SPOUSE, 46_200.5, DAY + days(2)),
        deposit(STRANGER, 49_600, DAY),  # one deposit under the threshold: a car down-payment
    ]
    found = run("SPLIT_PAYMENT", pool(Payment=payments, Employment=EMPLOYMENT, Family=FAMILY))
    assert [(f.group, f.identifier) for f in found] == [("Person", SPOUSE)]
    finding = found[0]
    assert rows_of(finding) == [2, 4, 5] and finding.value == 143_700.5
    assert (
        finding.evidence[0]["fields"]["amount"] == 48_000
        and finding.evidence[0]["fields"]["kind"] == "现金存入"
    )
    assert finding.unit == UNIT
    assert [(e["key"], e["role"]) for e in finding.entities] == [
        (SPOUSE, "depositor"),
        (OFFICIAL, "related official"),
        (UNIT, "unit"),
    ]
    text = explained("SPLIT_PAYMENT", finding)
    assert "3天内办理现金存取3笔" in text["zh"] and "清河区测试局公职人员王局长的配偶" in text["zh"]
    assert "3 cash transactions on 3 days" in text["en"] and "spouse of 王局长" in text["en"]
    assert not FULL_ID.search(json.dumps(finding.details))


@pytest.mark.parametrize(
    ("amounts", "gap"),
    [
        ([48_000, 49_000], 1),  # two days only
        ([48_000, 49_000, 47_000], 10),  # a deposit every ten days is no series
        ([50_000, 50_000, 50_000], 1),  # at the threshold: reported anyway
        ([40_000, 41_000, 42_000], 1),  # well under it
    ],
)
def test_no_series_just_under_the_threshold_is_not_flagged(amounts, gap):
    payments = [deposit(SPOUSE, a, DAY + days(gap * i)) for i, a in enumerate(amounts)]
    assert run("SPLIT_PAYMENT", pool(Payment=payments, Employment=EMPLOYMENT, Family=FAMILY)) == []


def test_the_threshold_and_margin_are_parameters_and_anyone_may_be_flagged():
    payments = [deposit(STRANGER, a, DAY + days(i)) for i, a in enumerate([19_500, 19_900, 19_000])]
    connection = pool(Payment=payments)
    assert run("SPLIT_PAYMENT", connection) == []
    (finding,) = run("SPLIT_PAYMENT", connection, threshold=20_000)
    assert finding.identifier == STRANGER and finding.unit == "" and finding.details["tie_zh"] == ""
    assert [e["role"] for e in finding.entities] == ["depositor"]


# -- LARGE_TRANSFER ----------------------------------------------------------------------------------


def test_one_outlier_in_a_stable_history_is_flagged_against_the_median():
    salaries = [pay(UNIT, OFFICIAL, 5_000 + 10 * i, DAY + days(30 * i), "代发工资") for i in range(10)]
    gift = pay(TRADER, OFFICIAL, 80_000, DAY + days(40))
    found = run("LARGE_TRANSFER", pool(Payment=[*salaries, gift], Employment=EMPLOYMENT, Family=FAMILY))
    assert [(f.group, f.identifier) for f in found] == [("Account", f"62{OFFICIAL[-10:]}")]
    finding = found[0]
    assert rows_of(finding) == [12]  # the gift only, not the salaries
    assert finding.details["median"] == pytest.approx(5_050) and finding.details["history"] == 10
    assert finding.details["direction_en"] == "received" and finding.value > 6
    assert finding.unit == UNIT
    roles = {e["key"]: e["role"] for e in finding.entities}
    assert roles[OFFICIAL] == "account holder" and roles[TRADER] == "payer"
    text = explained("LARGE_TRANSFER", finding)
    assert (
        "80,000.00元" in text["zh"]
        and "中位数5,050.00元" in text["zh"]
        and "其本人为清河区测试局公职人员" in text["zh"]
    )


def test_a_consistently_large_account_and_a_short_history_are_not_flagged():
    steady = [pay(TRADER, SISTER, 80_000 + 4_000 * (i % 10), DAY + days(7 * i)) for i in range(12)]
    steady.append(pay(TRADER, SISTER, 120_000, DAY + days(100)))
    short = [pay(TRADER, SPOUSE, 1_000, DAY + days(i)) for i in range(4)]
    short.append(pay(TRADER, SPOUSE, 90_000, DAY + days(10)))
    assert run("LARGE_TRANSFER", pool(Payment=steady + short)) == []
    # With a shorter least history the second account is judged, and its large transfer stands out.
    (finding,) = run("LARGE_TRANSFER", pool(Payment=steady + short), min_history=4)
    assert finding.identifier == f"62{SPOUSE[-10:]}" and finding.details["history"] == 4


def test_company_accounts_are_judged_only_when_asked():
    trade = [pay(TRADER, SUPPLIER, 2_000, DAY + days(i)) for i in range(10)]
    trade.append(pay(TRADER, SUPPLIER, 300_000, DAY + days(20)))
    connection = pool(Payment=trade)
    assert run("LARGE_TRANSFER", connection) == []
    found = run("LARGE_TRANSFER", connection, holder_kinds=["company"])
    # Both sides of the transfer are unusual for their own accounts: the payer's and the payee's.
    assert {f.details["direction_en"] for f in found} == {"paid", "received"}


# -- FUND_CYCLE --------------------------------------------------------------------------------------

OWNERSHIP = [{"asset": FAMILY_FIRM, "assetName": NAMES[FAMILY_FIRM], "ownerName": "李兄", "ownerType": "自然人股东",
              "owner": SPOUSE_BROTHER, "percentage": 100.0}]  # fmt: skip


def cycle(relative: str = SPOUSE_BROTHER, steps: tuple[int, int, int, int] = (0, 3, 6, 9), payer: str = UNIT):
    """Public money: the unit pays the supplier, which passes a share through a consultancy and the
    relative's own firm to the relative."""
    return [
        pay(payer, SUPPLIER, 300_000, DAY + days(steps[0])),
        pay(SUPPLIER, MIDDLE, 90_000, DAY + days(steps[1])),
        pay(MIDDLE, FAMILY_FIRM, 86_400, DAY + days(steps[2])),
        pay(FAMILY_FIRM, relative, 77_760, DAY + days(steps[3])),
    ]


def test_public_money_reaching_an_officials_in_law_through_companies_is_flagged():
    noise = [pay(SUPPLIER, TRADER, 40_000, DAY + days(4)), pay(TRADER, STRANGER, 20_000, DAY + days(5))]
    connection = pool(Payment=cycle() + noise, Employment=EMPLOYMENT, Family=FAMILY, Ownership=OWNERSHIP)
    (finding,) = run("FUND_CYCLE", connection)
    assert (finding.group, finding.identifier, finding.unit) == ("Person", OFFICIAL, UNIT)
    assert rows_of(finding) == [2, 3, 4, 5] and finding.value == 77_760
    assert {e["key"]: e["role"] for e in finding.entities} == {
        OFFICIAL: "official",
        SPOUSE_BROTHER: "relative",
        UNIT: "unit",
        SUPPLIER: "supplier",
        MIDDLE: "intermediary",
        FAMILY_FIRM: "relative's company",
    }
    assert finding.details["relation_en"] == "in-law" and finding.details["hops"] == 4
    assert (
        finding.details["days"] == 9 and finding.details["via"] == "甲供应商有限公司→乙咨询有限公司→丙五金店"
    )
    text = explained("FUND_CYCLE", finding)
    assert "清河区测试局于2025-05-12付给甲供应商有限公司300,000.00元" in text["zh"]
    assert "的姻亲李兄" in text["zh"] and "李兄, in-law of the official 王局长" in text["en"]
    assert not FULL_ID.search(json.dumps(finding.details, ensure_ascii=False))


@pytest.mark.parametrize(
    ("relative", "relation"),
    [
        (SPOUSE, "spouse"),
        (FATHER, "parent"),
        (SISTER, "sibling"),
        (SPOUSE_FATHER, "in_law"),
        (OFFICIAL, "self"),
    ],
)
def test_each_close_relative_counts(relative, relation):
    connection = pool(Payment=cycle(relative), Employment=EMPLOYMENT, Family=FAMILY)
    (finding,) = run("FUND_CYCLE", connection)
    assert finding.identifier == OFFICIAL and finding.details["relation_zh"] == {
        "spouse": "配偶", "parent": "父母", "sibling": "兄弟姐妹", "in_law": "姻亲", "self": "本人"
    }[relation]  # fmt: skip


@pytest.mark.parametrize(
    "steps",
    [
        (0, 6, 3, 9),  # the consultancy paid the family firm before it was paid itself
        (9, 3, 6, 12),  # the relative's firm was paid before the public money left the unit
        (0, 3, 6, 60),  # a month and more between money coming in and going on
    ],
)
def test_money_must_move_forward_in_time_within_the_window(steps):
    connection = pool(Payment=cycle(steps=steps), Employment=EMPLOYMENT, Family=FAMILY)
    assert run("FUND_CYCLE", connection) == []


def test_a_trade_cycle_or_money_from_a_unit_where_the_official_has_no_post_is_not_flagged():
    trade = [
        pay(SUPPLIER, MIDDLE, 180_000, DAY),
        pay(MIDDLE, TRADER, 176_400, DAY + days(4)),
        pay(TRADER, SUPPLIER, 172_800, DAY + days(8)),
    ]
    assert run("FUND_CYCLE", pool(Payment=trade, Employment=EMPLOYMENT, Family=FAMILY)) == []
    elsewhere = cycle(SPOUSE, payer=OTHER_UNIT)
    assert run("FUND_CYCLE", pool(Payment=elsewhere, Employment=EMPLOYMENT, Family=FAMILY)) == []


def test_the_path_length_and_the_share_passed_on_are_bounded():
    connection = pool(Payment=cycle(SPOUSE), Employment=EMPLOYMENT, Family=FAMILY)
    assert run("FUND_CYCLE", connection, max_hops=3) == []
    assert run("FUND_CYCLE", connection, min_share=0.5) == []  # 90,000 of 300,000 passed on
    assert len(run("FUND_CYCLE", connection, max_hops=4)) == 1


# -- the tiny synthetic region, end to end -----------------------------------------------------------

FEEDS = (
    ("population", "population/residents.csv"),
    ("roster", "hr/roster.xlsx"),
    ("companies", "registry/companies.csv"),
    ("shareholders", "registry/shareholders.csv"),
    ("officers", "registry/officers.csv"),
    ("bank", "bank/transactions.csv"),
)


@pytest.fixture(scope="session")
def tiny_region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jiancha.synth.generate import generate

    out = tmp_path_factory.mktemp("funds-tiny")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.mark.django_db
def test_the_tiny_regions_planted_schemes_are_found_and_its_look_alikes_are_not(
    tiny_region, tmp_path, monkeypatch
):
    from jiancha.detect import actions
    from jiancha.detect.models import Alert
    from jiancha.pool.importer import import_file

    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    for county in sorted(p.name for p in tiny_region.iterdir() if p.name.isdigit()):
        for feed, name in FEEDS:
            import_file(feed, tiny_region / county / name, display_name=f"{county}/{name}")
    codes = ["SPLIT_PAYMENT", "LARGE_TRANSFER", "FUND_CYCLE"]
    run = actions.run_indicators(codes)
    assert run.status == "done" and {line.code for line in run.indicators.all()} == set(codes)
    key = json.loads((tiny_region / "answer_key.json").read_text(encoding="utf-8"))
    for code in ("SPLIT_PAYMENT", "FUND_CYCLE"):
        alerts = list(Alert.objects.filter(code=code))
        cited = [{(r["provenance"]["file"], r["provenance"]["row"]) for r in a.evidence} for a in alerts]
        schemes = [s for s in key["schemes"] if s["kind"] == code]
        lookalikes = [s for s in key["lookalikes"] if s["kind"] == code]
        assert schemes and lookalikes
        for scheme in schemes:
            rows = {(r["file"], r["row"]) for r in scheme["rows"] if "/bank/" in r["file"]}
            # Found, and with exactly the planted transactions as its evidence.
            assert rows in cited, scheme["id"]
        for lookalike in lookalikes:
            rows = {(r["file"], r["row"]) for r in lookalike["rows"]}
            assert not any(rows & c for c in cited), lookalike["id"]
        assert len(alerts) == len(schemes)
    for alert in Alert.objects.all():
        assert alert.evidence and all(r["provenance"]["feed"] == "bank" for r in alert.evidence)
        assert not FULL_ID.search(alert.explanation_zh + alert.explanation_en), alert.explanation_en
    cycle_alert = Alert.objects.filter(code="FUND_CYCLE").first()
    assert cycle_alert is not None and cycle_alert.group == "Person"
    assert [e["role"] for e in cycle_alert.entities][:2] == ["official", "relative"]
