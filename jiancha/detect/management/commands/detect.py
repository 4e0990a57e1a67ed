"""`jiancha detect run [--indicator CODE ...] [--ocds FILE]`, `detect list`, `detect runs`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jiancha.detect import actions, catalogue, review
from jiancha.detect.models import Run


class Command(BaseCommand):
    help = "Risk early warning (风险预警): run indicators over the pool and record their alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run indicators (all of them unless --indicator is given)")
        run.add_argument("--indicator", action="append", dest="codes", metavar="CODE")
        run.add_argument("--ocds", type=Path, help="an OCDS file (JSON lines or package) instead of the pool")
        run.add_argument(
            "--set", action="append", default=[], metavar="CODE.NAME=JSON", help="override a parameter"
        )
        sub.add_parser("list", help="list the indicators and their versions")
        runs = sub.add_parser("runs", help="list recent runs")
        runs.add_argument("--limit", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "list":
                for code, indicator in catalogue.indicators().items():
                    self.stdout.write(
                        f"{code:<24} {indicator.version[:12]}  {indicator.name['zh']} / {indicator.name['en']}"
                    )
            elif options["action"] == "runs":
                for run in Run.objects.all()[: options["limit"]]:
                    self.stdout.write(
                        f"#{run.pk:<5} {run.status:<8} {run.source:<20} {run.findings:>6} findings "
                        f"{run.new_alerts:>5} new {run.updated_alerts:>5} updated  {run.seconds:.1f} s"
                    )
            else:
                self._run(options["codes"], options["ocds"], options["set"])
        except catalogue.IndicatorError as error:
            raise CommandError(str(error)) from None

    def _run(self, codes: list[str] | None, ocds_file: Path | None, overrides: list[str]) -> None:
        if ocds_file is not None and not ocds_file.is_file():
            raise CommandError(f"{ocds_file}: no such file")
        parameters: dict[str, dict[str, Any]] = {}
        for item in overrides:
            name, _, value = item.partition("=")
            code, _, parameter = name.partition(".")
            try:
                parameters.setdefault(code, {})[parameter] = json.loads(value)
            except json.JSONDecodeError:
                raise CommandError(
                    f"--set {item}: the value must be JSON (a number, a list, a string in quotes)"
                ) from None
        bar = tqdm(total=1, desc="detect run", unit="step", disable=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.set_postfix_str(stage)
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            run = actions.run_indicators(codes, ocds_file=ocds_file, parameters=parameters, progress=progress)
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"run {run.pk}: {run.findings} findings, {run.new_alerts} new alerts, "
                f"{run.updated_alerts} updated, {run.seconds:.1f} s"
            )
        )
        for line in run.indicators.select_related("setting"):
            setting = f"setting {line.setting.number}" if line.setting else "defaults"
            self.stdout.write(f"  {line.code:<24} {line.findings:>6}  {line.version[:12]}  {setting}")
        off = {c for c, s in review.settings_in_force().items() if not s.enabled}
        skipped = sorted(off & set(codes or catalogue.indicators()))
        if skipped:
            self.stdout.write(f"  disabled by an approved setting: {', '.join(skipped)}")
