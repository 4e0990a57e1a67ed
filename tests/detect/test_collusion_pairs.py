"""Pair-forming collusion indicators over a hand-made pool: the link that makes two bidders a pair,
and the ones that must not (BID_RELATED_BIDDERS 关联企业同场投标, BID_ROTATION 轮流坐庄)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

from jiancha.detect import catalogue, engine

from .builders import pool_tables

HOLDER, HELD, SISTER, STRANGER = (
    "91330000HOLDER0001",
    "91330000HELD00002",
    "91330000SISTER003",
    "91330000STRANGER4",
)
DAY = dt.date(2025, 3, 3)


def staged(**data: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """Every pool table (empty unless given, rows numbered from 2), staged as for a pool run."""
    connection = pool_tables("test", 1, **data)
    engine.stage_pool(connection)
    return connection


def tender(tender_id: str) -> dict[str, Any]:
    return {"tenderId": tender_id, "buyer": "11330000BUYER0000X", "buyerName": "某局", "method": "公开招标",
            "publishDate": DAY, "deadline": DAY + dt.timedelta(days=20), "value": Decimal("100000")}  # fmt: skip


def bid(tender_id: str, bidder: str, amount: int) -> dict[str, Any]:
    return {"tenderId": tender_id, "bidder": bidder, "bidderName": bidder, "amount": Decimal(amount),
            "disqualified": False}  # fmt: skip


def award(tender_id: str, supplier: str) -> dict[str, Any]:
    return {"tenderId": tender_id, "supplier": supplier, "supplierName": supplier, "amount": Decimal("90000"),
            "date": DAY + dt.timedelta(days=30)}  # fmt: skip


def related(connection: duckdb.DuckDBPyConnection, links: list[str]) -> dict[str, float]:
    found = engine.evaluate(connection, catalogue.get("BID_RELATED_BIDDERS"), {"links": links})
    return {f.identifier: f.value for f in found if f.group == "OCID"}


def test_a_holder_and_the_firm_it_holds_in_one_tender_are_related_by_holding():
    pool = staged(
        Tender=[tender("T1")],
        Bid=[bid("T1", HOLDER, 95_000), bid("T1", HELD, 96_000), bid("T1", STRANGER, 97_000)],
        Ownership=[{"asset": HELD, "ownerCompany": HOLDER, "share": 0.6}],
    )
    assert related(pool, ["holding"]) == {"T1": 2.0}
    assert related(pool, ["phone", "address"]) == {}


def test_two_firms_held_by_one_company_are_related_by_their_shareholder_not_by_holding():
    # The holder does not bid: the two sisters share a shareholder, neither holds the other.
    pool = staged(
        Tender=[tender("T1")],
        Bid=[bid("T1", HELD, 95_000), bid("T1", SISTER, 96_000), bid("T1", STRANGER, 97_000)],
        Ownership=[
            {"asset": HELD, "ownerCompany": HOLDER, "share": 0.6},
            {"asset": SISTER, "ownerCompany": HOLDER, "share": 0.7},
        ],
    )
    assert related(pool, ["holding"]) == {}
    assert related(pool, ["shareholder"]) == {"T1": 2.0}


def rotation(connection: duckdb.DuckDBPyConnection) -> dict[str, float]:
    found = engine.evaluate(connection, catalogue.get("BID_ROTATION"), {"min_tenders": 3})
    return {f.identifier: f.value for f in found}


def test_two_firms_that_meet_three_times_and_each_win_once_rotate():
    tenders = ["T1", "T2", "T3"]
    bids = [bid(t, firm, 90_000) for t in tenders for firm in (HELD, SISTER, STRANGER)]
    pool = staged(
        Tender=[tender(t) for t in tenders],
        Bid=bids,
        Award=[award("T1", HELD), award("T2", SISTER), award("T3", HELD)],
    )
    assert rotation(pool) == {HELD: 1.0, SISTER: 1.0}  # the stranger never won: it rotates with no one


def test_firms_that_meet_only_twice_or_where_one_never_wins_do_not_rotate():
    twice = staged(
        Tender=[tender("T1"), tender("T2")],
        Bid=[bid(t, firm, 90_000) for t in ("T1", "T2") for firm in (HELD, SISTER)],
        Award=[award("T1", HELD), award("T2", SISTER)],
    )
    assert rotation(twice) == {}
    one_winner = staged(
        Tender=[tender(t) for t in ("T1", "T2", "T3")],
        Bid=[bid(t, firm, 90_000) for t in ("T1", "T2", "T3") for firm in (HELD, SISTER)],
        Award=[award(t, HELD) for t in ("T1", "T2", "T3")],
    )
    assert rotation(one_winner) == {}
