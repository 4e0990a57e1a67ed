"""A department file of about 2 GB imported with bounded memory: peak RSS of the import process.

The file is built from a synthetic bank-transactions file repeated with fresh transaction numbers
(UTF-8, or GBK to exercise the chunked transcoding), then imported by `jiancha pool import` in a child
process whose peak resident memory the kernel reports.

    uv run python -m bench.pool_large --source REGION/331202/bank/transactions.csv [--gigabytes 0.5,1,2] [--gbk]

Three sizes show whether memory is bounded: the peak should not grow with the file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(source: Path, target: Path, size: int, encoding: str) -> int:
    """Write ``size`` bytes or more of rows from ``source``, streamed; return the data rows written."""
    with source.open(encoding="utf-8") as handle:
        header = handle.readline()
        lines = handle.readlines()
    rows = 0
    with target.open("w", encoding=encoding, newline="") as out:
        out.write(header)
        copy = 0
        while out.tell() < size:
            copy += 1
            for line in lines:
                # A distinct transaction number per copy, as a real file of this size would have.
                out.write(f"C{copy:03d}{line}")
            rows += len(lines)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--gigabytes", default="0.5,1,2", help="file sizes to try, comma-separated")
    parser.add_argument("--gbk", action="store_true")
    args = parser.parse_args()
    encoding = "gbk" if args.gbk else "utf-8"
    results = [measure(args.source, float(size), encoding) for size in args.gigabytes.split(",")]

    from bench.report import write_section

    lines = [
        f"| {size / 1024**3:.2f} GiB | {rows:,} | {peak:,.0f} MiB | {seconds:.0f} s ({rows / seconds:,.0f} rows/s) |"
        for size, rows, peak, seconds in results
    ]
    body = (
        f"Bank-transactions files ({encoding}) imported by `jiancha pool import bank`, each in a fresh process "
        "and a fresh pool.\n\n"
        "| file | rows | peak resident memory | wall time |\n|---|---|---|---|\n" + "\n".join(lines) + "\n\n"
        "DuckDB runs with `memory_limit = 1GB` and spills to the batch's work folder; non-UTF-8 files are "
        "transcoded in 4 MiB chunks; accepted rows go to Delta Lake in Arrow batches of 100,000. Memory is "
        "bounded when the peak does not grow with the file. "
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f} (the machine has 2 cores; wall "
        "times taken on a busy machine are not the import rate)."
    )
    write_section(
        f"pool-large-{encoding}",
        f"Data pool: large files ({encoding})",
        body,
        "uv run python -m bench.pool_large --source REGION/331202/bank/transactions.csv"
        + (" --gbk" if args.gbk else ""),
    )
    print(body)


def measure(source: Path, gigabytes: float, encoding: str) -> tuple[int, int, float, float]:
    """Build a file of about ``gigabytes`` and import it in a child process: size, rows, peak MiB, seconds."""
    work = Path(tempfile.mkdtemp(prefix="bench-pool-large-"))
    target = work / "transactions.csv"
    rows = build(source, target, int(gigabytes * 1024**3), encoding)
    size = target.stat().st_size
    print(f"built {target} ({size / 1024**3:.2f} GiB, {rows:,} rows, {encoding})", file=sys.stderr)
    env = {**os.environ, "JIANCHA_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "jiancha.settings"}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
    code = (
        "import resource, sys, django; django.setup(); from django.core.management import call_command; "
        "call_command('pool', 'import', 'bank', sys.argv[1]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(target)], env=env, check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    peak = int(done.stdout.strip().splitlines()[-1]) / 1024  # kB on Linux
    shutil.rmtree(work)
    return size, rows, peak, seconds


if __name__ == "__main__":
    main()
