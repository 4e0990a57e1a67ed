"""Benchmark of the synthetic-region generator: rows per second and peak memory per scale.

Each scale runs in a child process (``--child``) so that its peak RSS is its own: the child reports
its main process's peak (RUSAGE_SELF) and the largest worker's (RUSAGE_CHILDREN, the maximum over
the worker processes it waited for), and the CPU time of both. Province scale takes long on a small
machine: ``--province`` measures it, ``--first-counties N`` only its first N counties (the same
counties, with the same bytes, as in the whole run); the province figures for the whole are then
extrapolated from them, and the table says so. A run without ``--province`` keeps the province row
already in docs/benchmarks.md.

    uv run python -m bench.synth                                  # county scale
    uv run python -m bench.synth --province                       # county and province scale
    uv run python -m bench.synth --province --first-counties 4    # province: 4 of its 32 counties
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import BENCHMARKS_MD, write_section

COMMAND = "uv run python -m bench.synth"


def child(scale: str, out: Path, result: Path, workers: int, first: int | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    from jiancha.synth.generate import generate
    from jiancha.synth.orgs import SCALES

    started = time.perf_counter()
    manifest = generate(scale, 1, out, workers=workers, first_counties=first)
    elapsed = time.perf_counter() - started
    files = manifest["files"]
    me = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)
    plan = SCALES[scale]
    # ru_maxrss is in KiB on Linux.
    data = {
        "scale": scale,
        "seconds": elapsed,
        "cpu_seconds": me.ru_utime + me.ru_stime + pool.ru_utime + pool.ru_stime,
        "residents": manifest["residents"],
        "counties": len(manifest["counties"]),
        "all_counties": plan.cities * plan.counties_per_city,
        "planned_residents": plan.cities * plan.counties_per_city * plan.residents_per_county,
        "files": len(files),
        "rows": manifest["total_rows"],
        "feed_rows": sum(
            f["rows"] for f in files if f["path"] not in ("identity_key.csv", "answer_key.json")
        ),
        "bytes": sum(f["bytes"] for f in files),
        "rss_main_mib": me.ru_maxrss / 1024,
        "rss_worker_mib": pool.ru_maxrss / 1024,
        "workers": workers,
    }
    result.write_text(json.dumps(data))


def measure(scale: str, workers: int, first: int | None = None) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix=f"bench-synth-{scale}-"))
    result = out.with_suffix(".json")
    command = [sys.executable, "-m", "bench.synth", "--child", scale, str(out / "region"), str(result)]
    command += ["--workers", str(workers)] + (["--first-counties", str(first)] if first else [])
    try:
        subprocess.run(command, check=True)
        data: dict[str, Any] = json.loads(result.read_text())
    finally:
        shutil.rmtree(out, ignore_errors=True)
        result.unlink(missing_ok=True)
    data["measured"] = datetime.now(UTC).strftime("%Y-%m-%d")
    return data


def row(data: dict[str, Any]) -> str:
    seconds, rows = float(data["seconds"]), int(data["rows"])
    label = data["scale"]
    if data["counties"] < data["all_counties"]:
        label += f" (first {data['counties']} of {data['all_counties']} counties)"
    return (
        f"| {label} | {data['residents']:,} | {data['files']} | {rows:,} | {data['feed_rows']:,} | "
        f"{data['bytes'] / 2**30:.2f} GiB | {seconds:,.0f} s | {data['cpu_seconds']:,.0f} s | {rows / seconds:,.0f} | "
        f"{data['rss_main_mib']:,.0f} MiB | {data['rss_worker_mib']:,.0f} MiB | {data['workers']} | {data['measured']} |"
    )


def extrapolation(data: dict[str, Any]) -> str:
    """The whole province from its first counties: rows, bytes and CPU scale with residents."""
    if data["counties"] >= data["all_counties"]:
        return ""
    factor = data["planned_residents"] / data["residents"]
    cpu = data["cpu_seconds"] * factor
    return (
        f"\nProvince scale was timed on its first {data['counties']} of {data['all_counties']} counties "
        f"({data['residents']:,} residents). Scaled by residents to the whole ({data['planned_residents']:,}): "
        f"about {data['rows'] * factor / 1e6:,.0f} million rows and {data['bytes'] * factor / 2**30:,.0f} GiB on disk, "
        f"{cpu / 60:,.0f} CPU-minutes, i.e. about {cpu / 60 / data['workers']:,.0f} minutes of wall time on "
        f"{data['workers']} idle cores. Peak memory does not grow with the number of counties: each worker "
        "holds one county, and the largest county of the province (1.4 × 312,500 residents) is among the "
        "first four.\n"
    )


def previous(scale: str) -> list[str]:
    """The row (and note) for ``scale`` from the current section, to keep when it is not re-measured."""
    if not BENCHMARKS_MD.exists():
        return []
    match = re.search(r"<!-- bench:synth -->(.*?)<!-- /bench:synth -->", BENCHMARKS_MD.read_text(), re.S)
    if not match:
        return []
    return [
        line for line in match[1].splitlines() if line.startswith((f"| {scale}", "Province scale was timed"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--province", action="store_true", help="also measure the province scale (tens of minutes)"
    )
    parser.add_argument(
        "--first-counties", type=int, default=None, help="province: time only its first N counties"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", nargs=3, metavar=("SCALE", "OUT", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.workers, args.first_counties)
        return
    rows = [row(measure("county", args.workers))]
    note = ""
    if args.province:
        province = measure("province", args.workers, args.first_counties)
        rows.append(row(province))
        note = extrapolation(province)
    else:
        kept = previous("province")
        rows += [line for line in kept if line.startswith("|")]
        note = "".join("\n" + line + "\n" for line in kept if not line.startswith("|"))
    body = (
        "Generation of the synthetic region (`jiancha synth`, seed 1) to local disk, counties spread over "
        f"{args.workers} worker processes. *Rows* counts every row of every file the manifest lists, the "
        "identity key included; *feed rows* only the department feeds and the organisation tree. Peak RSS "
        "is the generator's main process and, separately, its largest worker (one county is in memory "
        "per worker, which is what bounds memory at any scale). The machine is shared with other "
        "engineers' tests, so wall times carry their load; CPU time (main process plus workers) does not.\n\n"
        "| scale | residents | files | rows | feed rows | on disk | wall time | CPU time | rows/s (wall) | "
        "peak RSS main | peak RSS worker | workers | measured |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n" + "\n".join(rows) + "\n" + note
    )
    write_section("synth", "Synthetic region", body, COMMAND)
    print(body)


if __name__ == "__main__":
    main()
