"""A real server process for the crash test and the load benchmark: ``python -m jiancha.intake.server``.

It prepares a fresh data directory (migrations, the demo organisation tree) with ``prepare`` and
serves the site with Django's threaded development server (no autoreload), which is what
``jiancha runserver --noreload`` runs. Tests and bench/intake.py start it as a subprocess, so that it
can be killed with SIGKILL like a crashed production process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" or "DATABASE_URL" in extra}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "jiancha.settings",
            "JIANCHA_DATA_DIR": str(data_dir),
            "JIANCHA_DEPLOYMENT": "demo",
            "JIANCHA_HTTPS": "0",
            "JIANCHA_LOG_LEVEL": "ERROR",
        }
    )
    env.update(extra)
    return env


def prepare(env: dict[str, str]) -> None:
    """Migrate and load the demo organisation tree (no users needed: the public form has none)."""
    script = (
        "import django; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from jiancha.demo import DEMO_DATA; from jiancha.orgs.services import import_divisions;"
        "import_divisions(DEMO_DATA / 'divisions.csv')"
    )
    subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "jiancha.cli", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_ready(port, process)
    return process


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    """Return once the server answers; raise with its error output if it died first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/report/follow/", timeout=2)
            return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((process.stderr.read() if process.stderr else b"").decode()) from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start within 60 s")
