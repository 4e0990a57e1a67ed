"""CPU of the pool's Delta appends (store.append) while importing a whole region, and the pool's size.

    uv run python -m bench.pool_append --region DIR [--split]

Imports every file of the region into a temporary data folder in this process and prints one JSON
line: the appends' CPU (time.process_time, all threads) and wall time, the whole import's, and the
size of the pool's tables. --split reads each append's rows from DuckDB first and reports that CPU
apart (``produce_cpu``; the append itself then writes from memory). On a shared machine CPU is the
comparable figure: run the code before and after a change alternately, a few times each. Prints only:
docs/benchmarks.md is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import pyarrow as pa


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, required=True, help="a folder written by jiancha synth")
    parser.add_argument("--split", action="store_true", help="time producing the rows apart")
    args = parser.parse_args()

    from bench.report import django_in_temp_folder

    work = django_in_temp_folder("bench-append-")
    from jiancha.pool import importer, store
    from jiancha.pool.demo import region_files

    original = store.append
    totals = {"append_cpu": 0.0, "append_wall": 0.0, "produce_cpu": 0.0, "appends": 0.0}

    def timed(name: str, data: pa.RecordBatchReader | pa.Table) -> int:
        cpu, wall = time.process_time(), time.perf_counter()
        if args.split and isinstance(data, pa.RecordBatchReader):
            data = data.read_all()
            totals["produce_cpu"] += time.process_time() - cpu
        version = original(name, data)
        totals["append_cpu"] += time.process_time() - cpu
        totals["append_wall"] += time.perf_counter() - wall
        totals["appends"] += 1
        return version

    importer.store.append = timed
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        files = region_files(args.region)
        for code, path in files:
            importer.import_file(code, path)
        import_cpu, import_wall = time.process_time() - cpu, time.perf_counter() - wall
        tables = store.pool_dir() / "tables"
        size = sum(p.stat().st_size for p in tables.rglob("*") if p.is_file())
        result = {
            "files": len(files),
            **{k: round(v, 2) for k, v in totals.items()},
            "import_cpu": round(import_cpu, 2),
            "import_wall": round(import_wall, 2),
            "pool_tables_bytes": size,
            "load_average": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(result))
    finally:
        importer.store.append = original
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
