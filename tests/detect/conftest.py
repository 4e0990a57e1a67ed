"""A small OCDS file about a unit of the demo region, and the staff who review its alerts."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from jiancha.access.models import User
from jiancha.orgs.models import Division, Unit
from jiancha.synth.ids import resident_id, uscc

from ..factories import make_user

DISTRICT = "331202000000"
BUYER = uscc("organ", "331202", 7001)
WINNER = uscc("company", "331202", 7002)
RIVAL = uscc("company", "331202", 7003)
# A sole trader bids under his resident ID number: the page must mask it.
TRADER = resident_id("331202", __import__("datetime").date(1980, 5, 6), 17)


def _bid(tenderer: str, amount: float, status: str = "valid") -> dict:
    return {"status": status, "tenderers": [{"id": tenderer, "name": f"投标人{tenderer[-4:]}"}],
            "value": {"amount": amount, "currency": "CNY"}}  # fmt: skip


def releases() -> list[dict]:
    buyer = {"id": BUYER, "name": "清河区测试局"}
    return [
        # The lowest bid was disqualified (R036) and two bidders offered the same price (R028).
        {"ocid": "ocds-t-1", "buyer": buyer, "tender": {"procurementMethod": "open", "numberOfTenderers": 3},
         "bids": {"details": [_bid(RIVAL, 90, "disqualified"), _bid(WINNER, 100), _bid(TRADER, 100)]},
         "awards": [{"status": "active", "suppliers": [{"id": WINNER, "name": "赢标公司"}]}]},
        # A single bid in an open tender (R018).
        {"ocid": "ocds-t-2", "buyer": buyer, "tender": {"procurementMethod": "open", "numberOfTenderers": 1},
         "bids": {"details": [_bid(WINNER, 100)]},
         "awards": [{"status": "active", "suppliers": [{"id": WINNER, "name": "赢标公司"}]}]},
    ]  # fmt: skip


@pytest.fixture
def ocds_file(tmp_path: Path) -> Path:
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in releases()) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def staff(demo_region):
    Unit.objects.create(
        name="清河区测试局", unit_type="organ", division=Division.objects.get(code=DISTRICT), uscc=BUYER
    )
    return SimpleNamespace(
        analyst=User.objects.get(username="analyst"),
        investigator=User.objects.get(username="investigator"),
        # An analyst of another county sees nothing of this district.
        outsider=make_user("analyst_elsewhere", "analyst", "331221000000"),
    )
