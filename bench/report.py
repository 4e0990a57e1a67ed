"""Write one benchmark's results into its own section of docs/benchmarks.md.

Each benchmark owns the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; running
it replaces that section only, so benchmarks can be re-run one at a time. The machine description
is written with every section, since a figure means nothing without it.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

HEADER = """# Benchmarks

Measured, not asserted: each section below is written by the script named in it, on the machine it
names. Re-run a script to refresh its section (`uv run python -m bench.NAME`).
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            # The project's commit, wherever the benchmark was started from.
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory} RAM; Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; commit {commit or '?'}"
    )


def load_note() -> str:
    """How busy the machine was when a benchmark finished, for readers weighing its wall times."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load <= cores:
        return f"Load average at the end of the run: {load:.1f} on {cores} cores (the machine was otherwise idle)."
    return (
        f"Load average at the end of the run: {load:.1f} on {cores} cores: the machine was shared with other "
        "work, so wall times are upper bounds."
    )


def write_section(name: str, title: str, body: str, command: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"<!-- bench:{name} -->\n## {title}\n\n"
        f"Command: `{command}` — run {stamp}.\n\nMachine: {machine()}.\n\n{body.strip()}\n"
        f"<!-- /bench:{name} -->"
    )
    text = BENCHMARKS_MD.read_text() if BENCHMARKS_MD.exists() else HEADER
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    BENCHMARKS_MD.write_text(text)


def django_in_temp_folder(prefix: str) -> Path:
    """Point Jiancha at a fresh temporary data folder, set Django up and migrate; return the folder."""
    import tempfile

    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["JIANCHA_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return work


def region_or_synth(work: Path, region: Path | None, scale: str, seed: int = 2026) -> Path:
    """The region folder given, or a synthetic one generated into ``work``."""
    if region is not None:
        return region
    from django.core.management import call_command

    region = work / "region"
    call_command("synth", "--scale", scale, "--seed", str(seed), "--out", str(region))
    return region
