"""`jiancha resolve run [--incremental] [--retrain]`: who is who across the pool's feeds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from jiancha.resolve.runs import run


class Command(BaseCommand):
    help = "Entity resolution (实体解析): resolve people and companies across the pool's feeds."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        go = sub.add_parser("run", help="resolve the pool and publish the identity map")
        go.add_argument(
            "--incremental", action="store_true", help="only new batches against known identities"
        )
        go.add_argument("--retrain", action="store_true", help="train the matching model again first")

    def handle(self, *args: Any, **options: Any) -> None:
        bar = tqdm(total=1, desc="resolve", unit="step", disable=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.set_postfix_str(stage)
            bar.total, bar.n = max(total, 1), done
            bar.refresh()

        result = run(incremental=options["incremental"], retrain=options["retrain"], progress=progress)
        bar.close()
        for kind, figures in result.kinds.items():
            self.stdout.write(
                f"{kind:<8} {figures.records:>9} records  {figures.identities:>8} identities  "
                f"{figures.records_without_id:>8} without ID  {figures.links_by_model:>7} linked by the model  "
                f"{figures.review_pairs:>5} to review"
            )
        self.stdout.write(self.style.SUCCESS(f"{result.mode} run in {result.seconds:.1f} s"))
