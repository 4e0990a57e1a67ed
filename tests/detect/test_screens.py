"""Learned collusion scores: evaluation by tender and by time, training, and use in a run."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jiancha.detect import actions
from jiancha.detect.models import Alert


def write_bids(path: Path, tenders: int = 80, seed: int = 3) -> Path:
    """Collusive tenders (one in four) have cover bids a small step above the winner; others spread."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["项目", "报价", "中标", "串通", "日期"])
        for t in range(tenders):
            collusive = t % 4 == 0
            base = rng.uniform(1e5, 1e6)
            n = rng.randint(3, 6)
            bids = [base * (1 + (0.01 * k if collusive else rng.uniform(0, 0.4))) for k in range(n)]
            for k, bid in enumerate(sorted(bids)):
                out.writerow(
                    [
                        f"T{t:03d}",
                        f"{bid:.2f}",
                        int(k == 0),
                        int(collusive),
                        f"2025-{1 + t * 11 // tenders:02d}-01",
                    ]
                )
    return path


def test_evaluate_reports_auc_and_balanced_accuracy(tmp_path, capsys):
    bids = write_bids(tmp_path / "bids.csv")
    call_command("screens", "evaluate", "--bids", str(bids), "--tender-col", "项目", "--bid-col", "报价",
                 "--winner-col", "中标", "--label-col", "串通", "--date-col", "日期", "--json")  # fmt: skip
    figures = json.loads(capsys.readouterr().out)
    assert figures["n_tenders"] == 80 and figures["n_collusive"] == 20
    assert figures["roc_auc"] > 0.9 and figures["balanced_accuracy"] > 0.8
    assert figures["time_split"]["test_tenders"] == 24


def test_a_missing_column_is_named(tmp_path):
    bids = write_bids(tmp_path / "bids.csv")
    with pytest.raises(CommandError, match=r"bids\.csv: no column 'tender'"):
        call_command("screens", "evaluate", "--bids", str(bids))


@pytest.mark.django_db
def test_a_trained_model_scores_new_tenders_in_a_run(tmp_path, settings, staff, ocds_file):
    settings.DATA_DIR = tmp_path
    assert not actions.run_indicators(["COLLUSION_SCORE"], ocds_file=ocds_file).findings  # no model yet
    bids = write_bids(tmp_path / "bids.csv")
    call_command("screens", "train", "--bids", str(bids), "--tender-col", "项目", "--bid-col", "报价",
                 "--winner-col", "中标", "--label-col", "串通")  # fmt: skip
    assert (tmp_path / "detect" / "screens_model.json").exists()
    run = actions.run_indicators(
        ["COLLUSION_SCORE"],
        ocds_file=ocds_file,
        parameters={"COLLUSION_SCORE": {"threshold": 0.0, "min_bids": 2}},
    )
    # ocds-t-1 has two valid bids at the same price; ocds-t-2 a single bid, which no screen can judge.
    assert run.findings == Alert.objects.filter(code="COLLUSION_SCORE", identifier="ocds-t-1").count() == 1
