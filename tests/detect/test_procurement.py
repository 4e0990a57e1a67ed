"""Beyond Cardinal: the refinements that keep chance patterns among strangers out of the collusion and
favouritism indicators (R028_REPEAT, COVER_BIDDING, SINGLE_BUYER_SUPPLIER), on small OCDS files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jiancha.detect import catalogue, engine

BUYER = {"id": "B1", "name": "测试局"}
OTHER_BUYER = {"id": "B2", "name": "另一局"}


def _release(
    ocid: str,
    bids: list[tuple[str, float]] | None,
    winner: str,
    buyer: dict[str, str] = BUYER,
    title: str | None = None,
) -> dict[str, Any]:
    release: dict[str, Any] = {
        "ocid": ocid,
        "buyer": buyer,
        "tender": {"procurementMethod": "open" if bids else "direct", "numberOfTenderers": len(bids or [])},
        "awards": [{"status": "active", "suppliers": [{"id": winner, "name": winner}]}],
    }
    if bids is not None:
        release["bids"] = {
            "details": [
                {
                    "status": "valid",
                    "tenderers": [{"id": t, "name": t}],
                    "value": {"amount": a, "currency": "CNY"},
                }
                for t, a in bids
            ]
        }
    if title is not None:
        release["tender"]["title"] = title
    return release


def _run(
    tmp_path: Path, releases: list[dict[str, Any]], code: str, **parameters: Any
) -> set[tuple[str, str]]:
    path = tmp_path / f"{code}-{len(list(tmp_path.iterdir()))}.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in releases) + "\n", encoding="utf-8")
    found = engine.evaluate(engine.stage_ocds(path), catalogue.get(code), parameters)
    return {(f.group, f.identifier) for f in found}


def test_identical_prices_between_strangers_are_r028_but_not_r028_repeat(tmp_path: Path):
    once = [_release("p1", [("X", 100_000), ("Y", 100_000), ("W", 90_000)], "W")]
    assert _run(tmp_path, once, "R028") == {("OCID", "p1"), ("Tenderer", "X"), ("Tenderer", "Y")}
    assert _run(tmp_path, once, "R028_REPEAT") == set()  # a one-off tie at a rounded price
    assert _run(tmp_path, once, "R028_REPEAT", min_shared_processes=1) == _run(tmp_path, once, "R028")
    # The same two firms meet again (at different prices, another buyer): the tie now counts.
    again = [*once, _release("p2", [("X", 50_000), ("Y", 51_000)], "X", OTHER_BUYER)]
    assert _run(tmp_path, again, "R028_REPEAT") == {("OCID", "p1"), ("Tenderer", "X"), ("Tenderer", "Y")}
    # W met X and Y in p1 only, and tied with nobody: it is never named.
    assert ("Tenderer", "W") not in _run(tmp_path, again, "R028_REPEAT", min_shared_processes=1)
    assert _run(tmp_path, again, "R028_REPEAT", min_shared_processes=3) == set()


def test_cover_bids_in_equal_steps_count_between_firms_that_keep_meeting(tmp_path: Path):
    steps = [_release("p1", [("A", 100_000), ("B", 102_000), ("C", 104_000), ("D", 120_000)], "A")]
    assert _run(tmp_path, steps, "COVER_BIDDING") == set()  # strangers, once
    assert _run(tmp_path, steps, "COVER_BIDDING", min_shared_processes=1) == {
        ("OCID", "p1"), ("Tenderer", "B"), ("Tenderer", "C"),
    }  # fmt: skip
    # The three bid together again, in another order and without equal steps.
    met = [*steps, _release("p2", [("B", 80_000), ("A", 85_000), ("C", 93_000)], "B")]
    assert _run(tmp_path, met, "COVER_BIDDING") == {("OCID", "p1"), ("Tenderer", "B"), ("Tenderer", "C")}
    # Two of them meeting again is not the three.
    pair = [*steps, _release("p2", [("B", 80_000), ("A", 85_000), ("E", 93_000)], "B")]
    assert _run(tmp_path, pair, "COVER_BIDDING") == set()
    # Unequal steps are no pattern, however often the firms meet.
    uneven = [_release("p1", [("A", 100_000), ("B", 102_000), ("C", 109_000)], "A"), met[1]]
    assert _run(tmp_path, uneven, "COVER_BIDDING") == set()


def test_a_supplier_at_one_buyer_counts_competitive_wins(tmp_path: Path):
    direct = [_release(f"d{i}", None, "S") for i in range(5)]
    assert _run(tmp_path, direct, "SINGLE_BUYER_SUPPLIER") == set()  # bought directly, won against no one
    assert _run(tmp_path, direct, "SINGLE_BUYER_SUPPLIER", competitive_only=False) == {("Tenderer", "S")}
    tendered = [_release(f"t{i}", [("S", 100_000), ("R", 105_000)], "S") for i in range(4)]
    assert _run(tmp_path, tendered, "SINGLE_BUYER_SUPPLIER") == {("Tenderer", "S")}
    # One more win elsewhere: 4 of 5 is still 80 % from one buyer; two more is not.
    elsewhere = [_release(f"e{i}", [("S", 100_000), ("R", 105_000)], "S", OTHER_BUYER) for i in range(2)]
    assert _run(tmp_path, [*tendered, *elsewhere[:1]], "SINGLE_BUYER_SUPPLIER") == {("Tenderer", "S")}
    assert _run(tmp_path, [*tendered, *elsewhere], "SINGLE_BUYER_SUPPLIER") == set()


def test_a_supplier_of_what_only_its_buyer_buys_is_not_single_buyer(tmp_path: Path):
    # The upkeep of the bureau's hyperbaric chamber (项目名称 less the buyer's name): no other buyer
    # buys it, so whoever supplies it wins at that one buyer only.
    upkeep = [
        _release(f"h{i}", [("S", 100_000), ("R", 105_000)], "S", title="测试局高压氧舱维护项目")
        for i in range(4)
    ]
    assert _run(tmp_path, upkeep, "SINGLE_BUYER_SUPPLIER") == set()
    assert _run(tmp_path, upkeep, "SINGLE_BUYER_SUPPLIER", exempt_single_buyer_markets=False) == {
        ("Tenderer", "S")
    }
    # Another buyer buys the same service from another firm: a market of two buyers, and S's wins
    # at one of them count again.
    rival = _release("o1", [("T", 90_000), ("S", 95_000)], "T", OTHER_BUYER, title="另一局高压氧舱维护项目")
    assert _run(tmp_path, [*upkeep, rival], "SINGLE_BUYER_SUPPLIER") == {("Tenderer", "S")}
    # What the titles do not name is no market of one: S is flagged as before.
    untitled = [_release(f"u{i}", [("S", 100_000), ("R", 105_000)], "S") for i in range(4)]
    assert _run(tmp_path, untitled, "SINGLE_BUYER_SUPPLIER") == {("Tenderer", "S")}
