"""Indicators over the pool: the demo region's tender, bid and award tables, via the detect command."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from jiancha.detect import catalogue
from jiancha.detect.models import Alert, Run
from jiancha.pool import schema
from jiancha.pool.models import ImportBatch

pytestmark = pytest.mark.django_db


def test_the_demo_runs_the_indicators_over_the_pool(tmp_path, settings, monkeypatch, capsys):
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    call_command("demo", "--no-serve", "--scale", "tiny", "--seed", "5")
    run = Run.objects.get()
    assert run.status == "done" and run.source == "pool" and run.snapshot is not None
    read = {t for i in catalogue.indicators().values() for t in i.reads}
    feeds = [f.code for f in schema.feeds().values() if {m.table for m in f.maps} & read]
    expected = set(
        ImportBatch.objects.filter(feed__code__in=feeds, status="committed").values_list("pk", flat=True)
    )
    # The run names every batch it read, and only those (a feed no indicator reads is not named).
    assert set(run.batches) == expected
    assert ImportBatch.objects.filter(pk__in=run.batches, feed__code="fuel_cards").exists()
    assert not ImportBatch.objects.filter(pk__in=run.batches).exclude(feed__code__in=feeds).exists()
    assert run.indicators.count() >= 11 and run.new_alerts == Alert.objects.count() > 0
    by_code = Counter(Alert.objects.values_list("code", flat=True))
    # The tiny region plants two bid rings, two split purchases and two favoured suppliers.
    for code in (
        "R018",
        "R028",
        "BID_SHARED_MACHINE",
        "BID_SHARED_BOND",
        "CONTRACT_SPLIT",
        "SINGLE_BUYER_SUPPLIER",
    ):
        assert by_code[code] > 0, code
    alert = Alert.objects.filter(group="OCID").first()
    assert alert.division is not None and alert.unit is not None  # buyers are units of the region
    assert {r["provenance"]["feed"] for r in alert.evidence} <= {"tenders", "bids", "awards"}
    assert all(r["provenance"]["batch"] in expected for r in alert.evidence)

    capsys.readouterr()
    call_command("detect", "run", "--indicator", "R018", "--set", "R018.procurement_methods=[]")
    out = capsys.readouterr().out
    assert "R018" in out and "updated" in out
    again = Run.objects.first()
    assert again.updated_alerts == by_code["R018"] and again.indicators.get().parameters == {
        "procurement_methods": []
    }
    with pytest.raises(CommandError, match="unknown indicator 'R999'"):
        call_command("detect", "run", "--indicator", "R999")
    with pytest.raises(CommandError, match="must be JSON"):
        call_command("detect", "run", "--set", "R018.procurement_methods=open")
    call_command("detect", "list")
    assert "R058" in capsys.readouterr().out
