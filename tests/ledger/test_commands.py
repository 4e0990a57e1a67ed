"""``jiancha ledger ...`` end to end, and the offline verifier run with no Django at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jiancha.ledger import keys
from jiancha.ledger.models import Checkpoint, Cosignature, Event

from .conftest import record

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_keys_are_files_readable_only_by_their_owner(data_dir):
    output = run("keygen")
    key = keys.log_key_path()
    assert key.stat().st_mode & 0o777 == 0o600
    assert keys.log_verifier().vkey in output
    with pytest.raises(CommandError, match="already exists"):
        run("keygen")
    key.chmod(0o644)
    with pytest.raises(Exception, match="readable by others"):
        keys.log_signer()


def test_checkpoint_witness_export_verify_and_anchor(data_dir, tmp_path):
    record(12)
    assert "size 12" in run("checkpoint")
    assert "no new events" in run("checkpoint")
    run("keygen", "--witness", "audit.example/w1")
    vkey_file = keys.witness_key_path("audit.example/w1").with_suffix(".vkey")
    run("witness-add", str(vkey_file), "--body", "审计局")
    assert "cosigned size 12" in run("witness", "--key", str(keys.witness_key_path("audit.example/w1")))
    record(5, start=12)
    run("checkpoint")
    run("witness", "--key", str(keys.witness_key_path("audit.example/w1")))
    assert Cosignature.objects.count() == 2
    assert "cosigned by audit.example/w1" in run("status")
    anchor_file = tmp_path / "anchor.jsonl"
    assert "anchored: anchor.jsonl#0" in run("anchor", "--file", str(anchor_file))
    assert "1 anchor receipts check out" in run("anchor", "--file", str(anchor_file), "--check")

    export = tmp_path / "export.jsonl"
    assert "17 events written" in run("export", str(export))
    assert "OK" in run("verify", str(export))
    assert "OK" in run("verify")

    # The verifier outside the commission: plain Python, no Django settings, no database.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jiancha.ledger.verify",
            str(export),
            "--log-key",
            keys.log_verifier().vkey,
            "--witness-key",
            vkey_file.read_text().strip(),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cosigned by: audit.example/w1" in result.stdout

    Event.objects.filter(index=4).update(object_id="999")
    with pytest.raises(CommandError):
        run("verify")


def test_the_witness_command_refuses_a_rewritten_log(data_dir, tmp_path):
    record(8)
    run("checkpoint")
    run("keygen", "--witness", "upper.example/w")
    key = keys.witness_key_path("upper.example/w")
    run("witness-add", str(key.with_suffix(".vkey")), "--body", "上级纪委")
    run("witness", "--key", str(key))
    # Rewrite history: the witness remembers size 8 with the old root.
    state = json.loads(key.with_suffix(".state.json").read_text())
    state["root"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    key.with_suffix(".state.json").write_text(json.dumps(state))
    record(4, start=8)
    run("checkpoint")
    with pytest.raises(CommandError, match="refused: the new checkpoint is not consistent with size 8"):
        run("witness", "--key", str(key))
    assert Checkpoint.objects.get(tree_size=12).cosignatures.count() == 0


def test_a_witness_at_another_body_works_from_files(data_dir, tmp_path):
    record(6)
    run("checkpoint")
    request_file = tmp_path / "request.json"
    run("witness-request", "--out", str(request_file))
    run("keygen", "--witness", "audit.example/remote", "--out", str(tmp_path / "remote.key"))
    line_file = tmp_path / "cosignature.txt"
    run(
        "witness",
        "--key",
        str(tmp_path / "remote.key"),
        "--request",
        str(request_file),
        "--log-key",
        keys.log_verifier().vkey,
        "--out",
        str(line_file),
    )
    with pytest.raises(CommandError, match="not a registered witness"):
        run("cosign", "--checkpoint", str(Checkpoint.objects.get().pk), str(line_file))
    run("witness-add", str(tmp_path / "remote.vkey"), "--body", "审计局")
    assert "attached" in run("cosign", "--checkpoint", str(Checkpoint.objects.get().pk), str(line_file))
