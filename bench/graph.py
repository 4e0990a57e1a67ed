"""Relation-graph benchmark on a loaded pool: build time, memory and k-hop query latency.

    uv run python -m bench.graph --data-dir DIR [--queries 1000]

The pool in DIR (loaded by `bench.pool`, `bench.resolve` or `jiancha pool load-demo`) is read as it is;
nothing is written to it. County-scale figures are also in the "Entity resolution" section; this one
is for a pool of any size (the province's). docs/benchmarks.md gets a "Relation graph" section.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    os.environ["JIANCHA_DATA_DIR"] = str(args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    # The graph reads the pool's files through views; a read cache built in the background beside
    # it would take the cores it is timed on.
    os.environ.setdefault("JIANCHA_POOL_CACHE", "off")
    import django

    django.setup()
    from django.conf import settings

    from bench.report import load_note, write_section
    from jiancha.resolve import graph

    wall, cpu = time.perf_counter(), time.process_time()
    built = graph.build()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    latencies: dict[int, list[float]] = {1: [], 2: []}
    people = built.sample_people(args.queries, random.Random(7))
    found = 0
    for k, measured in latencies.items():
        for node in people:
            t0 = time.perf_counter()
            found += len(graph.related(node, k))
            measured.append((time.perf_counter() - t0) * 1000)
        measured.sort()

    def row(k: int) -> str:
        measured = latencies[k]
        p95 = measured[int(len(measured) * 0.95) - 1]
        return (
            f"| k = {k} neighbourhood, {len(measured)} random people | p50 {statistics.median(measured):.1f} ms, "
            f"p95 {p95:.1f} ms, max {measured[-1]:.1f} ms | p95 < 100 ms (county scale) |"
        )

    body = f"""
Pool in `{args.data_dir}`: {built.graph.num_nodes():,} nodes (people, companies, units) and
{built.graph.num_edges():,} edges. The reader's DuckDB memory limit (`JIANCHA_POOL_READER_MEMORY`):
{settings.POOL_READER_MEMORY_LIMIT}; read cache `JIANCHA_POOL_CACHE={settings.JIANCHA_POOL_CACHE}`.

| measure | result | target |
|---|---|---|
| graph build (edges computed in DuckDB, held in rustworkx) | {wall:.0f} s wall, {cpu:.0f} s CPU | — |
| peak resident memory after the build | {peak_build:,} MiB | — |
{row(1)}
{row(2)}

{load_note()} {found:,} parties returned in all.
"""
    env = " ".join(
        f"{name}={os.environ[name]}"
        for name in ("JIANCHA_POOL_READER_MEMORY", "JIANCHA_POOL_CACHE")
        if os.environ.get(name)
    )
    command = (env + " " if env else "") + f"uv run python -m bench.graph --data-dir {args.data_dir}"
    write_section("graph", "Relation graph", body, command)
    print(body)


if __name__ == "__main__":
    main()
