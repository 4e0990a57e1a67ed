"""Import one file, or a whole region, into a fresh pool and report wall and CPU time.

    uv run python -m bench.pool_one FEED FILE [--profile OUT.prof] [--json]
    uv run python -m bench.pool_one --region DIR [--workers N] [--json]

A region is loaded as ``jiancha pool load-demo`` does (``load_region``: N files prepared at once,
committed in order; N defaults to one per core). ``--json`` prints one line of JSON (rows, wall,
cpu) for bench.pool, which runs this in a fresh process for each measure.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("feed", nargs="?")
    parser.add_argument("file", type=Path, nargs="?")
    parser.add_argument("--region", type=Path)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if (args.region is None) == (args.file is None):
        parser.error("give FEED FILE or --region DIR")
    from bench.report import django_in_temp_folder

    django_in_temp_folder("bench-pool-one-")
    import pandas  # type: ignore[import-untyped]  # noqa: F401  (DuckDB imports it on first register; a server has it loaded)

    from jiancha.pool import store
    from jiancha.pool.demo import load_region
    from jiancha.pool.importer import import_file, import_workers
    from jiancha.pool.schema import feeds

    feeds()
    store.connect({}).close()

    stages: list[tuple[str, float, float]] = []

    def step(stage: str, done: int, total: int) -> None:
        stages.append((f"{stage} {done}/{total}", time.perf_counter(), time.process_time()))

    profiler = cProfile.Profile() if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    if args.region is not None:
        results = load_region(args.region, workers=args.workers)
        refused = [r.error for r in results if r.error]
        if refused:
            raise SystemExit("refused: " + "; ".join(refused))
        rows = sum(r.outcome.batch.rows_read for r in results if r.outcome)
        rejected = sum(r.outcome.batch.rows_rejected for r in results if r.outcome)
        what = f"{args.region} ({len(results)} files, {args.workers or import_workers()} workers)"
    else:
        outcome = import_file(args.feed, args.file, progress=step)
        rows, rejected, what = outcome.batch.rows_read, outcome.batch.rows_rejected, str(args.file)
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    previous = None
    for name, w, c in stages:
        if previous:
            print(
                f"  {previous[0]:<24} {w - previous[1]:6.2f} s wall {c - previous[2]:6.2f} s CPU",
                file=sys.stderr,
            )
        previous = (name, w, c)
    if args.json:
        print(json.dumps({"rows": rows, "rejected": rejected, "wall": wall, "cpu": cpu}))
        return
    print(
        f"{what}: {rows:,} rows, {rejected} rejected, {wall:.2f} s wall "
        f"({rows / wall:,.0f} rows/s), {cpu:.2f} s CPU ({rows / cpu:,.0f} rows/CPU-s)"
    )


if __name__ == "__main__":
    main()
