"""`jiancha screens evaluate --bids FILE.csv [--json]` and `jiancha screens train --bids FILE.csv`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiancha.detect import screens


class Command(BaseCommand):
    help = "Learned collusion scores on the price screens: evaluate on labelled bids, or train the model."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (("evaluate", "cross-validate a model on a labelled bid table"),
                           ("train", "train the model `detect run` uses (COLLUSION_SCORE)")):  # fmt: skip
            action = sub.add_parser(name, help=text)
            action.add_argument("--bids", type=Path, required=True, help="CSV, one row per bid")
            action.add_argument("--tender-col", default="tender")
            action.add_argument("--bid-col", default="bid")
            action.add_argument("--winner-col", default="winner")
            action.add_argument("--label-col", default="collusive")
            action.add_argument("--date-col", default="date")
            action.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["bids"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        columns = screens.Columns(
            options["tender_col"],
            options["bid_col"],
            options["winner_col"],
            options["label_col"],
            options["date_col"],
        )
        try:
            _ids, x, y, dates = screens.screens_from_csv(path, columns)
        except screens.ScreensError as error:
            raise CommandError(str(error)) from None
        if options["action"] == "train":
            target = screens.save(screens.fit(x, y))
            self.stdout.write(
                self.style.SUCCESS(f"model trained on {len(y)} tenders ({int(y.sum())} collusive): {target}")
            )
            return
        figures = screens.evaluate(x, y, dates)
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"{figures['n_tenders']} tenders ({figures['n_collusive']} collusive), {figures['folds']} folds by tender: "
            f"ROC-AUC {figures['roc_auc']:.3f}, balanced accuracy {figures['balanced_accuracy']:.3f}"
        )
        if "time_split" in figures:
            split = figures["time_split"]
            self.stdout.write(
                f"split by time ({split['train_tenders']} earlier → {split['test_tenders']} later): "
                f"ROC-AUC {split['roc_auc']:.3f}, balanced accuracy {split['balanced_accuracy']:.3f}"
            )
