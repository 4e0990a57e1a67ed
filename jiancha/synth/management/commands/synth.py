"""``jiancha synth``: generate the synthetic pilot region (合成试点地区) with its answer key."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from jiancha.synth.feeds import FEED_STEPS
from jiancha.synth.generate import generate
from jiancha.synth.orgs import SCALES


class Command(BaseCommand):
    help = "Generate department feeds for a synthetic region, with planted schemes and their answer key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="worker processes (default: one per core, at most the number of counties)",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="check identifiers and every planted scheme's rows afterwards",
        )
        parser.add_argument(
            "--first-counties",
            type=int,
            default=None,
            help="only the first N counties of the scale, with the bytes they have in the whole (for timing)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = SCALES[options["scale"]]
        counties = min(scale.cities * scale.counties_per_city, options["first_counties"] or 10**6)
        workers = options["workers"] or min(os.cpu_count() or 1, counties)
        started = time.perf_counter()
        steps = counties * (len(FEED_STEPS) + 1)
        with tqdm(
            total=steps, unit="step", desc=f"synth {scale.name}", disable=options["verbosity"] == 0
        ) as bar:

            def progress(done: int, total: int, label: str) -> None:
                bar.set_postfix_str(label, refresh=False)
                bar.update(done - bar.n)

            manifest = generate(
                scale.name,
                options["seed"],
                options["out"],
                workers=workers,
                progress=progress,
                first_counties=options["first_counties"],
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{manifest['residents']:,} residents, {len(manifest['files'])} files, {manifest['total_rows']:,} rows in {elapsed:.1f} s -> {options['out']}"
        )
        if options["verify"]:
            from jiancha.synth.verify import verify

            problems = verify(options["out"])
            for problem in problems:
                self.stderr.write(problem)
            self.stdout.write("verified: " + ("OK" if not problems else f"{len(problems)} problems"))
