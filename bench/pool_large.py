"""A department file of about 2 GB imported with bounded memory: peak RSS of the import process.

The file is built from a synthetic bank-transactions file repeated with fresh transaction numbers
(UTF-8, or GBK to exercise the chunked transcoding), then imported by `jiancha pool import` in a child
process whose peak resident memory the kernel reports.

    uv run python -m bench.pool_large --source REGION/331202/bank/transactions.csv [--gigabytes 2] [--gbk]
"""

from __future__ import annotations

import argparse
import os
import resource
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
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--gbk", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-pool-large-"))
    encoding = "gbk" if args.gbk else "utf-8"
    target = work / "transactions.csv"
    rows = build(args.source, target, int(args.gigabytes * 1024**3), encoding)
    size = target.stat().st_size
    print(f"built {target} ({size / 1024**3:.2f} GiB, {rows:,} rows, {encoding})", file=sys.stderr)
    env = {**os.environ, "JIANCHA_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "jiancha.settings"}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "django", "pool", "import", "bank", str(target)], env=env, check=True
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
    target.unlink()

    from bench.report import write_section

    body = (
        f"A bank-transactions file of {size / 1024**3:.2f} GiB ({rows:,} rows, {encoding}) imported by "
        f"`jiancha pool import bank` in one process.\n\n"
        "| measure | result | target |\n|---|---|---|\n"
        f"| peak resident memory of the import process | {peak:,.0f} MiB | bounded (independent of file size) |\n"
        f"| wall time | {seconds:.0f} s ({rows / seconds:,.0f} rows/s) | — |\n\n"
        "DuckDB runs with `memory_limit = 1GB` and spills to the batch's work folder; non-UTF-8 files are "
        "transcoded in 4 MiB chunks; accepted rows go to Delta Lake in Arrow batches of 100,000."
    )
    write_section(
        f"pool-large-{encoding}",
        f"Data pool: a {args.gigabytes:g} GB file ({encoding})",
        body,
        "uv run python -m bench.pool_large --source REGION/331202/bank/transactions.csv"
        + (" --gbk" if args.gbk else ""),
    )
    print(body)


if __name__ == "__main__":
    main()
