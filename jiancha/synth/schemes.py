"""Planted schemes (植入的违规模式) and their innocent look-alikes, recorded in the answer key.

Each scheme names its kind, the entities involved, the exact source rows (file + row number) that
show it, and the indicators that should find it. Look-alikes are recorded the same way with the
rule they would fool and why they are innocent, so that an indicator's precision can be measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kind -> (indicators that should find it, one-line description). Cardinal codes where one fits.
KINDS: dict[str, tuple[list[str], str]] = {
    "BID_RING": (
        [
            "BID_SHARED_MACHINE",
            "BID_SHARED_BOND",
            "BID_RELATED_BIDDERS",
            "BID_ROTATION",
            "R024",
            "R028",
            "BID_PRICE_SCREEN",
        ],
        "围标串标: related bidders make their bid files on one machine, pay bonds from one account, "
        "place cover bids a fixed step above the designated winner and take turns winning",
    ),
    "CONTRACT_SPLIT": (
        ["CONTRACT_SPLIT", "R011", "R055"],
        "拆分采购: one need bought as several contracts just under the tender threshold",
    ),
    "SINGLE_BUYER_SUPPLIER": (
        ["SINGLE_BUYER_SUPPLIER"],
        "萝卜招标/标王: a supplier that wins often, and only at one buyer",
    ),
    "COI_RELATIVE_SUPPLIER": (
        ["COI_RELATIVE_SUPPLIER"],
        "利益冲突: a relative's company wins a contract at the official's own unit",
    ),
    "PAY_AFTER_DEATH": (["PAY_AFTER_DEATH"], "死亡后冒领: pension, 低保 or salary paid after the death date"),
    "DIBAO_INELIGIBLE": (
        ["DIBAO_INELIGIBLE"],
        "低保不符合条件: recipient owns a car, a second flat or a company, or is a cadre's relative",
    ),
    "DOUBLE_BENEFIT": (
        ["DOUBLE_BENEFIT"],
        "重复享受: 低保 and 特困供养 (mutually exclusive) paid to one ID in the same month",
    ),
    "GHOST_PAYROLL": (["GHOST_PAYROLL"], "吃空饷: one ID on two public payrolls in the same month"),
    "DECL_CONCEALED": (
        ["DECL_CONCEALED"],
        "瞒报: a flat or a company holding of the declarant's family missing from the personal-matters report",
    ),
    "DECL_UNDERREPORTED": (["DECL_UNDERREPORTED"], "漏报: a flat declared with less area than registered"),
    "SPLIT_PAYMENT": (
        ["SPLIT_PAYMENT"],
        "拆分交易: cash deposits on consecutive days, each just under the reporting threshold",
    ),
    "FUND_CYCLE": (
        ["FUND_CYCLE"],
        "资金回流: public money paid to a supplier flows through related companies to an official's family",
    ),
    "FUEL_OVER_TANK": (
        ["FUEL_OVER_TANK"],
        "油卡异常: a fuel-card fill (or a day's fills) larger than the vehicle's tank",
    ),
    "CAR_WEEKEND": (
        ["CAR_WEEKEND"],
        "公车私用: an official car at a hotel or scenic spot on a weekend or holiday without a dispatch order",
    ),
    "MEAL_OVER_STANDARD": (
        ["MEAL_OVER_STANDARD"],
        "超标准接待: a meal reimbursed above the per-head standard, at a luxury venue, or split into invoices",
    ),
}


@dataclass
class Record:
    """A planted scheme or a look-alike, as written to answer_key.json."""

    id: str
    kind: str
    county: str
    description: str
    indicators: list[str]
    entities: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    why_innocent: str = ""

    def row(self, file: str, number: int, role: str) -> None:
        self.rows.append({"file": file, "row": number, "role": role})

    def entity(self, kind: str, key: str, role: str, **extra: Any) -> None:
        self.entities.append({"type": kind, "id": key, "role": role, **extra})

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "county": self.county,
            "description": self.description,
            "indicators": self.indicators,
            "entities": self.entities,
            "rows": self.rows,
            "facts": self.facts,
        }
        if self.why_innocent:
            data["why_innocent"] = self.why_innocent
        return data


class AnswerKey:
    """Schemes and look-alikes of one county; ids are prefixed with the county code."""

    def __init__(self, county: str) -> None:
        self.county = county
        self.schemes: list[Record] = []
        self.lookalikes: list[Record] = []
        # Public posts that the HR roster leaves out (see feeds.CountyFeeds._off_roster).
        self.off_roster: list[dict[str, Any]] = []

    def scheme(self, kind: str, **facts: Any) -> Record:
        indicators, description = KINDS[kind]
        record = Record(
            f"S{self.county}-{len(self.schemes) + 1:04d}",
            kind,
            self.county,
            description,
            list(indicators),
            facts=facts,
        )
        self.schemes.append(record)
        return record

    def lookalike(self, resembles: str, why: str, **facts: Any) -> Record:
        indicators, _ = KINDS[resembles]
        record = Record(
            f"L{self.county}-{len(self.lookalikes) + 1:04d}",
            resembles,
            self.county,
            f"innocent look-alike of {resembles}",
            list(indicators),
            facts=facts,
            why_innocent=why,
        )
        self.lookalikes.append(record)
        return record


# Planted schemes per 100,000 residents (at least one of each per county, so tiny has them all).
RATES: dict[str, float] = {
    "BID_RING": 1.5, "CONTRACT_SPLIT": 3, "SINGLE_BUYER_SUPPLIER": 2, "COI_RELATIVE_SUPPLIER": 4,
    "PAY_AFTER_DEATH": 6, "DIBAO_INELIGIBLE": 8, "DOUBLE_BENEFIT": 3, "GHOST_PAYROLL": 4, "DECL_CONCEALED": 4,
    "DECL_UNDERREPORTED": 4, "SPLIT_PAYMENT": 3, "FUND_CYCLE": 2, "FUEL_OVER_TANK": 4, "CAR_WEEKEND": 4,
    "MEAL_OVER_STANDARD": 5,
}  # fmt: skip


# Fewest per county: enough that every variant of a scheme appears even at the tiny scale.
MINIMUM: dict[str, int] = {
    "DIBAO_INELIGIBLE": 4,
    "PAY_AFTER_DEATH": 3,
    "DECL_CONCEALED": 2,
    "FUEL_OVER_TANK": 2,
    "MEAL_OVER_STANDARD": 3,
    "CAR_WEEKEND": 2,
}


def how_many(kind: str, residents: int) -> int:
    return max(MINIMUM.get(kind, 1), round(RATES[kind] * residents / 100_000))
