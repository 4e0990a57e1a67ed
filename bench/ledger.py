"""Ledger benchmark: append rates, proof latency and offline verification at 1,000,000 events.

    uv run python -m bench.ledger [--events N] [--postgres postgres://postgres@127.0.0.1:5432]

Each database backend runs in a child process on a scratch database (a temporary SQLite file; a
PostgreSQL database named ``jiancha_ledger_bench``, dropped and re-created), so the platform's own
data is never touched. Results replace the "ledger" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BATCH = 10_000
SINGLES = 2_000
PROOFS = 1_000
EARLY = 200_000  # the append rate of a young log, before the tables outgrow the caches


def _child(events: int, work_dir: Path) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from jiancha.ledger import keys, merkle, services
    from jiancha.ledger.verify import verify_export

    def inputs(n: int, start: int) -> list[services.EventInput]:
        return [
            services.EventInput(
                kind="case.stage_changed",
                actor="li.ming/investigator",
                object_kind="case",
                object_id=start + i,
                content={"case": start + i, "stage": "审查调查", "note": "x" * 40},
                legal_basis="监察法 第39条",
            )
            for i in range(n)
        ]

    result: dict[str, Any] = {"vendor": connection.vendor, "events": events, "load_start": os.getloadavg()[0]}
    singles_start = time.perf_counter()
    for i in range(SINGLES):
        services.record_events(inputs(1, i))
    result["single_per_s"] = SINGLES / (time.perf_counter() - singles_start)
    result["single_async_per_s"] = None
    if connection.vendor == "postgresql":
        # Diagnostic only: how fast the same transactions go when a commit does not wait for the
        # WAL flush. The gap is the disk's flush latency, paid once per transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        started = time.perf_counter()
        for i in range(SINGLES):
            services.record_events(inputs(1, SINGLES + i))
        result["single_async_per_s"] = SINGLES / (time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")
    done = SINGLES * (2 if result["single_async_per_s"] else 1)

    started = time.perf_counter()
    written = done
    early_time = None
    while written < events:
        n = min(BATCH, events - written)
        services.record_events(inputs(n, written))
        written += n
        if early_time is None and written >= EARLY:
            early_time = time.perf_counter() - started
    elapsed = time.perf_counter() - started
    result["batch_per_s"] = (min(events, EARLY) - done) / (early_time or elapsed)
    result["fill_per_s"] = (events - done) / elapsed
    result["batch_size"] = BATCH

    signer = keys.log_signer()
    started = time.perf_counter()
    checkpoint, _ = services.make_checkpoint(signer)
    result["checkpoint_ms"] = (time.perf_counter() - started) * 1000
    size = checkpoint.tree_size
    root = bytes(checkpoint.root_hash)

    rng = random.Random(9162)
    timings = []
    for _ in range(PROOFS):
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = services.inclusion_proof(index, size)
        timings.append((time.perf_counter() - started) * 1000)
        merkle.verify_inclusion(index, size, proof.leaf_hash, proof.proof, root)
    timings.sort()
    result["inclusion_ms_median"] = statistics.median(timings)
    result["inclusion_ms_p99"] = timings[int(len(timings) * 0.99) - 1]
    timings = []
    for _ in range(200):
        first = rng.randrange(1, size)
        started = time.perf_counter()
        services.consistency_proof(first, size)
        timings.append((time.perf_counter() - started) * 1000)
    result["consistency_ms_median"] = statistics.median(timings)

    export = work_dir / "export.jsonl"
    started = time.perf_counter()
    services.export_ledger(export, signer.verifier)
    result["export_s"] = time.perf_counter() - started
    result["export_mb"] = export.stat().st_size / 1e6
    started = time.perf_counter()
    report = verify_export(export, signer.verifier.vkey)
    result["verify_export_s"] = time.perf_counter() - started
    result["verify_ok"] = report.ok
    started = time.perf_counter()
    db_report = services.check_database(signer.verifier)
    result["verify_db_s"] = time.perf_counter() - started
    result["verify_db_ok"] = db_report.ok
    result["load_end"] = os.getloadavg()[0]
    return result


def _run_backend(events: int, database_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as work:
        env = dict(os.environ, JIANCHA_DATA_DIR=work)
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        output = Path(work) / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.ledger", "--child", str(output), "--events", str(events)],
            env=env,
            check=True,
        )
        return json.loads(output.read_text())


def _fresh_postgres(server: str) -> str:
    import psycopg

    with psycopg.connect(server.rstrip("/") + "/postgres", autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS jiancha_ledger_bench")
        connection.execute("CREATE DATABASE jiancha_ledger_bench")
    return server.rstrip("/") + "/jiancha_ledger_bench"


def _drop_postgres(server: str) -> None:
    import psycopg

    with psycopg.connect(server.rstrip("/") + "/postgres", autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS jiancha_ledger_bench")


def _table(results: list[dict[str, Any]]) -> str:
    rows = [
        (
            f"appends in batches of {BATCH:,}, first {EARLY:,} events, events/s (target ≥ 20,000)",
            "batch_per_s",
            "{:,.0f}",
        ),
        ("the same, over the whole fill to the final size, events/s", "fill_per_s", "{:,.0f}"),
        ("appends as single-event transactions, events/s (target ≥ 1,000)", "single_per_s", "{:,.0f}"),
        (
            "(diagnostic) single-event transactions not waiting for the WAL flush, events/s",
            "single_async_per_s",
            "{:,.0f}",
        ),
        ("sign a checkpoint, ms", "checkpoint_ms", "{:.1f}"),
        ("inclusion proof, median ms (target < 5)", "inclusion_ms_median", "{:.2f}"),
        ("inclusion proof, p99 ms", "inclusion_ms_p99", "{:.2f}"),
        ("consistency proof, median ms", "consistency_ms_median", "{:.2f}"),
        ("export, s", "export_s", "{:.1f}"),
        ("export size, MB", "export_mb", "{:.0f}"),
        ("verify the export offline, s (target < 30)", "verify_export_s", "{:.1f}"),
        ("verify the database in place, s", "verify_db_s", "{:.1f}"),
        ("machine load average (1 min) at start / end", "load", "{}"),
    ]
    for r in results:
        r["load"] = f"{r.get('load_start', 0):.1f} / {r.get('load_end', 0):.1f}"
    header = "| measure | " + " | ".join(f"{r['vendor']} ({r['events']:,} events)" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, key, fmt in rows:
        cells = ["—" if r[key] is None else fmt.format(r[key]) for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="server URL without database name; omit to skip PostgreSQL")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.child.write_text(json.dumps(_child(args.events, args.child.parent)))
        return
    results = [_run_backend(args.events, None)]
    if args.postgres:
        try:
            results.append(_run_backend(args.events, _fresh_postgres(args.postgres)))
        finally:
            _drop_postgres(args.postgres)
    for result in results:
        if not (result["verify_ok"] and result["verify_db_ok"]):
            raise SystemExit(f"verification failed on {result['vendor']}: the benchmark is void")
    body = (
        "Each backend starts from an empty scratch database: first "
        f"{SINGLES:,} single-event transactions, then batches up to the total; proofs are for random "
        f"events against the signed checkpoint over all events ({PROOFS:,} inclusion proofs, each also "
        "verified, outside the timing). Export and verification stream the whole log; the offline "
        "verifier uses no database.\n\n" + _table(results)
    )
    from bench.report import write_section

    write_section(
        "ledger",
        "Ledger",
        body,
        "uv run python -m bench.ledger --postgres postgres://postgres@127.0.0.1:5432",
    )
    print(body)


if __name__ == "__main__":
    main()
