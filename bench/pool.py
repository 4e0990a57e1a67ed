"""Pool benchmarks: import speed (rows/s) and person-profile latency, at county scale.

    uv run python -m bench.pool [--region DIR] [--lookups 1000] [--data-dir DIR [--profiles-only]]

Without --region a county-scale region is generated first (jiancha synth --scale county). The pool
is built in a temporary data folder, or in --data-dir (kept, so that the profile part can be run
again on it with --profiles-only, without importing: e.g. a province-scale pool). The profile part
builds the snapshot's read cache (timed), then times random person profiles read through it.
docs/benchmarks.md gets a "Data pool" section (with --profiles-only: "Data pool: person profiles on a
loaded pool").
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path


def _rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _django(data_dir: Path | None) -> Path:
    from bench.report import django_in_temp_folder

    if data_dir is None:
        return django_in_temp_folder("bench-pool-")
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["JIANCHA_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def _fresh_process(*args: str) -> dict[str, float]:
    """Run bench.pool_one in a fresh process with a fresh pool; its JSON result."""
    import json
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "bench.pool_one", *args, "--json"],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def imports(work: Path, region_arg: Path | None, scale: str) -> tuple[str, str, list[str]]:
    """Import every file of the region; return the region's name, the table rows and table lines.

    The region is loaded here as ``jiancha pool load-demo`` loads it (files prepared in worker
    threads, committed in order), for the profiles after; one file at a time and the largest file
    alone are each measured in a fresh process with a fresh pool.
    """
    from bench.report import region_or_synth
    from jiancha.pool.demo import load_region, region_files
    from jiancha.pool.importer import import_workers

    region = region_or_synth(work, region_arg, scale)
    files = region_files(region)
    largest_code, largest_path = max(
        ((code, path) for code, path in files if path.suffix == ".csv"),
        key=lambda item: item[1].stat().st_size,
    )
    one_by_one = _fresh_process("--region", str(region), "--workers", "1")
    largest = _fresh_process(largest_code, str(largest_path))
    workers = import_workers()
    started, started_cpu = time.perf_counter(), time.process_time()
    results = load_region(region, imported_by="bench")
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    refused = [r.error for r in results if r.error]
    if refused:
        raise SystemExit("refused: " + "; ".join(refused))
    rows = sum(r.outcome.batch.rows_read for r in results if r.outcome)
    lines = [
        f"| import, whole region as `pool load-demo` does it ({workers} files prepared at once) | "
        f"{rows / seconds:,.0f} rows/s ({rows:,} rows in {seconds:.1f} s, {cpu:.1f} s CPU) | ≥ 200,000 rows/s |",
        f"| import, whole region one file at a time | {rows / one_by_one['wall']:,.0f} rows/s "
        f"({one_by_one['wall']:.1f} s, {one_by_one['cpu']:.1f} s CPU) | — |",
        f"| import, largest file alone ({largest_code}, {int(largest['rows']):,} rows, "
        f"{largest_path.stat().st_size / 1e6:.0f} MB) | {largest['rows'] / largest['wall']:,.0f} rows/s "
        f"({largest['wall']:.2f} s, {largest['cpu']:.2f} s CPU) | — |",
    ]
    return region.name, f"{len(files)} files, {rows:,} rows", lines


def profile_lookups(lookups: int) -> tuple[str, list[str]]:
    """Build the read cache (timed), then time random person profiles through it."""
    from django.conf import settings

    from jiancha.pool import profiles, reader
    from jiancha.pool.importer import snapshot_versions

    lines = []
    rss_before = _rss_mb()
    if getattr(settings, "JIANCHA_POOL_CACHE", "off") != "off":
        from jiancha.pool import cache

        versions = snapshot_versions()
        path = cache.path_for(versions)
        existed = path.exists()
        t0, c0 = time.perf_counter(), time.process_time()
        built = cache.build(versions)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = built.stat().st_size / 1e6 if built else 0.0
        what = "already there" if existed else f"{wall:.1f} s ({cpu:.1f} s CPU)"
        lines.append(
            f"| read cache for the snapshot (DuckDB file, sorted by lookup keys) | built {what}, {size:,.0f} MB | — |"
        )
    t0, c0 = time.perf_counter(), time.process_time()
    # A sample of people without listing all of them (10 M at province scale).
    people = [
        str(r["idNumber"])
        for r in reader.rows(
            f"SELECT idNumber FROM (SELECT DISTINCT idNumber FROM Person) USING SAMPLE reservoir({int(lookups)} ROWS) REPEATABLE (7)"
        )
    ]
    opened = time.perf_counter() - t0, time.process_time() - c0
    rng = random.Random(7)
    sample = [rng.choice(people) for _ in range(lookups)]
    distinct = reader.rows("SELECT count(DISTINCT idNumber) AS n FROM Person")[0]["n"]
    profiles.person_profile(sample[0])  # open the snapshot once, as a running server has
    latencies = []
    c0 = time.process_time()
    for number in sample:
        t0 = time.perf_counter()
        profiles.person_profile(number)
        latencies.append((time.perf_counter() - t0) * 1000)
    cpu = time.process_time() - c0
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    source = (
        "the read cache" if getattr(settings, "JIANCHA_POOL_CACHE", "off") != "off" else "the in-memory copy"
    )
    lines += [
        f"| first read of the snapshot ({source}) and a sample of people | {opened[0]:.1f} s ({opened[1]:.1f} s CPU) | — |",
        f"| person profile, {len(latencies)} random lookups (16 sections) | p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"max {latencies[-1]:.0f} ms ({cpu / len(latencies) * 1000:.0f} ms CPU each) | p95 < 200 ms at county, < 1 s at province scale |",
        f"| reader's resident memory | {rss_before:,.0f} MB before the first read, {_rss_mb():,.0f} MB after the "
        f"lookups (peak {peak:,.0f} MB) | — |",
    ]
    return f"{distinct:,} distinct people in the pool", lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, help="the data folder to import into or read (kept)")
    parser.add_argument(
        "--profiles-only", action="store_true", help="no import: profiles on --data-dir's pool"
    )
    args = parser.parse_args()
    if args.profiles_only and args.data_dir is None:
        parser.error("--profiles-only needs --data-dir")
    work = _django(args.data_dir)

    header = ""
    lines: list[str] = []
    if not args.profiles_only:
        region, rows, lines = imports(work, args.region, args.scale)
        header = f"Region: `{region}`, {rows}"
    people, profile_lines = profile_lookups(args.lookups)
    lines += profile_lines
    body = (
        f"{header or 'Pool in ' + str(args.data_dir)}; {people}.\n\n| measure | result | target |\n|---|---|---|\n"
        + "\n".join(lines)
        + (
            ""
            if args.profiles_only
            else "\n\nEach file is one batch: a Delta commit per table it fills and one database transaction. "
            "A region load prepares files (read, normalise, validate: DuckDB work, one database per worker "
            "thread with cores ÷ workers DuckDB threads, a connection per file) in "
            "worker threads while the main thread commits the ones before, in order; one file at a time is "
            "what a single `jiancha pool import` or an upload does. Each import measure starts from an empty "
            "pool; the two one-file-at-a-time measures run in a fresh process of their own."
        )
        + """

CPU time covers all threads. Profiles are read from the snapshot's read cache: one DuckDB file per snapshot under the pool
folder, each table sorted by the key it is looked up by, built once (by the first reader to miss it)
and opened read-only by every reader; the lookups are timed after the first read, as a running
server has it.
"""
    )
    from bench.report import load_note, write_section

    body += f"\n{load_note()}\n"
    if args.profiles_only:
        write_section(
            "pool-profiles",
            "Data pool: person profiles on a loaded pool",
            body,
            f"uv run python -m bench.pool --data-dir {args.data_dir} --profiles-only --lookups {args.lookups}",
        )
    else:
        write_section(
            "pool",
            "Data pool",
            body,
            "uv run python -m bench.pool" + (f" --region {args.region}" if args.region else ""),
        )
    print(body)


if __name__ == "__main__":
    main()
