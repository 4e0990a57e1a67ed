"""Import one file into a fresh pool and report wall and CPU time (optionally a cProfile).

uv run python -m bench.pool_one FEED FILE [--profile OUT.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("feed")
    parser.add_argument("file", type=Path)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    from bench.report import django_in_temp_folder

    django_in_temp_folder("bench-pool-one-")
    import pandas  # type: ignore[import-untyped]  # noqa: F401  (DuckDB imports it on first register; a server has it loaded)

    from jiancha.pool import store
    from jiancha.pool.importer import import_file
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
    outcome = import_file(args.feed, args.file, progress=step)
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
    rows = outcome.batch.rows_read
    print(
        f"{args.file}: {rows:,} rows, {outcome.batch.rows_rejected} rejected, {wall:.2f} s wall "
        f"({rows / wall:,.0f} rows/s), {cpu:.2f} s CPU ({rows / cpu:,.0f} rows/CPU-s)"
    )


if __name__ == "__main__":
    main()
