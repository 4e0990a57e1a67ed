"""Load test of the public report form: reports/s and latency on loopback, with nothing lost.

A real server process (``jiancha runserver --noreload``, or ``--workers N`` forked copies of Django's
WSGI server sharing one listening socket) on a fresh SQLite data directory; ``--clients`` threads
each open the form once and then submit reports back to back until ``--reports`` are acknowledged or
``--seconds`` pass. Afterwards every acknowledged receipt code is counted in the database: a report
acknowledged but missing would void the run. The proof of work and the per-address rate limit are
off (they are per reporter, and all clients here share one address); the receipt hash runs at the
configured cost.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jiancha.intake import server
from jiancha.intake.client import PublicClient

FACTS = "某局副局长在工程招标中收受投标人财物，并为其在验收中提供便利，涉及金额约{n}万元"


def _load(port: int, reports: int, clients: int, seconds: float) -> tuple[list[float], list[str], int, float]:
    latencies: list[float] = []
    codes: list[str] = []
    failures = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    counter = iter(range(reports))

    def worker() -> None:
        nonlocal failures
        client = PublicClient(port)
        client.open_form()
        while time.monotonic() < stop:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            fields = {
                "division": "331200000000",
                "concerns_name": f"刘某{n % 50}",
                "facts": FACTS.format(n=n),
                "real_name": "0",
            }
            started = time.perf_counter()
            status, code = client.submit(fields)
            elapsed = time.perf_counter() - started
            with lock:
                if status == 200 and code:
                    latencies.append(elapsed)
                    codes.append(code)
                else:
                    failures += 1
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, codes, failures, time.perf_counter() - began


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (the pre-forked workers)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0.0
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _start_workers(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    if workers <= 1:
        return server.start(env, port)
    env = {**env, "JIANCHA_BENCH_PORT": str(port), "JIANCHA_BENCH_WORKERS": str(workers)}
    process = subprocess.Popen([sys.executable, "-m", "bench.intake_server"], env=env, cwd=server.ROOT)
    server.wait_ready(port, process)
    return process


@dataclass(frozen=True)
class Result:
    workers: int
    scrypt_n: int
    clients: int
    acknowledged: int
    failures: int
    stored: int
    wall: float
    rate: float
    p50: float
    p99: float
    cpu_ms: float  # server CPU time per acknowledged report


def run(reports: int, clients: int, seconds: float, workers: int, scrypt_n: int) -> Result:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    env = server.server_env(
        data_dir,
        JIANCHA_INTAKE_POW_BITS="0",
        JIANCHA_INTAKE_SUBMIT_PER_HOUR="0",
        JIANCHA_INTAKE_RECEIPT_SCRYPT_N=str(scrypt_n),
    )
    server.prepare(env)
    port = server.free_port()
    process = _start_workers(env, port, workers)
    try:
        cpu_before = _cpu_seconds(process.pid)
        latencies, codes, failures, wall = _load(port, reports, clients, seconds)
        cpu = _cpu_seconds(process.pid) - cpu_before
    finally:
        os.killpg(process.pid, signal.SIGTERM) if workers > 1 else process.terminate()
        process.wait(timeout=30)
    with sqlite3.connect(data_dir / "jiancha.sqlite3") as db:
        stored = db.execute("select count(*) from intake_report").fetchone()[0]
    latencies.sort()
    return Result(
        workers,
        scrypt_n,
        clients,
        len(codes),
        failures,
        stored,
        wall,
        len(codes) / wall if wall else 0.0,
        statistics.median(latencies) * 1000 if latencies else 0.0,
        latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000 if latencies else 0.0,
        cpu * 1000 / len(codes) if codes else 0.0,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scrypt-n", type=int, nargs="+", default=[2**12, 2**10])
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    results = [
        run(args.reports, args.clients, args.seconds, workers, n)
        for workers in args.workers
        for n in args.scrypt_n
    ]
    for result in results:
        if result.stored != result.acknowledged:
            raise SystemExit(f"{result.acknowledged} acknowledged but {result.stored} stored: run void")
    rows = "\n".join(
        f"| {r.workers} | 2^{r.scrypt_n.bit_length() - 1} | {r.clients} | {r.acknowledged:,} "
        f"| {r.failures} | {r.stored:,} | {r.wall:.1f} s | {r.rate:.0f} | {r.p50:.0f} ms | {r.p99:.0f} ms "
        f"| {r.cpu_ms:.1f} ms | {2000 / r.cpu_ms if r.cpu_ms else 0:.0f} |"
        for r in results
    )
    body = (
        "Public form POST (`/report/`, CSRF checked, text fields, no attachment), SQLite (WAL) in a fresh "
        "data directory, each report one transaction with its ledger event. Proof of work and the "
        "per-address rate limit off (one address for all clients); the receipt hash at the cost shown "
        "(default 2^10). Client threads run on the same 2 cores. Bounded: at most "
        f"{args.reports:,} reports or {args.seconds:.0f} s per row.\n\n"
        "| server processes | scrypt N | clients | acknowledged | refused | stored | wall | reports/s | p50 | p99 "
        "| server CPU per report | reports/s the 2 cores could take at that CPU cost |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" + rows + "\n\n"
        f"Load average (1 min) of the machine, shared with other work: {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after it (2 cores: above 2, the server got only part of them).\n\n"
        "The last column is what the CPU cost alone allows (2 cores × 1000 ms / server CPU ms per report), "
        "a ceiling for an otherwise idle machine with the clients elsewhere; on a shared machine the "
        "measured rate is what counts.\n\n"
        'Target: ≥ 100 reports/s with p99 < 300 ms. "stored" counts the reports in the database after '
        'the run; it must equal "acknowledged" (nothing lost).'
    )
    from bench.report import write_section

    write_section(
        "intake",
        "Report intake: public submissions",
        body,
        "uv run python -m bench.intake " + " ".join(argv if argv is not None else sys.argv[1:]),
    )
    print(body)


if __name__ == "__main__":
    main()
