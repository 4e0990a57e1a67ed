"""Fixes from the ledger review (A1–C5): each test fails without its fix."""

from __future__ import annotations

import base64
import fcntl
import json
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jiancha.ledger import keys, services
from jiancha.ledger import witness as witness_module
from jiancha.ledger.leaf import EventError, LeafEvent, canonical_json, content_commitment
from jiancha.ledger.models import Checkpoint, Cosignature, Event, Node
from jiancha.ledger.note import (
    ALG_COSIGNATURE_V1,
    NoteError,
    Signer,
    open_checkpoint,
    sign_note,
)
from jiancha.ledger.note import Checkpoint as CheckpointBody
from jiancha.ledger.verify import main as verify_main
from jiancha.ledger.verify import verify_export

from .conftest import record

pytestmark = pytest.mark.django_db


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _write(path, lines):
    path.write_text("".join(lines), encoding="utf-8")


def _rewrite_event(lines, position, **changes):
    """Change an event line's fields and recompute its recorded leaf hash."""
    record_ = json.loads(lines[position])
    record_["event"].update(changes)
    record_["leaf_hash"] = base64.b64encode(LeafEvent.from_json(record_["event"]).leaf_hash()).decode()
    lines[position] = canonical_json(record_).decode() + "\n"


# --- A1: events not covered by a verified checkpoint fail -------------------------------------------


def test_a1_an_export_with_every_checkpoint_removed_fails(ledger, exported):
    lines = _lines(exported)
    lines = [lines[0], *lines[4:]]  # header, then the events
    _rewrite_event(lines, 1 + 3, legal_basis="none")
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert not report.ok
    assert "no signed checkpoint verifies" in report.render()
    assert report.first_bad_index == 0


def test_a1_a_removed_last_checkpoint_leaves_its_events_uncovered(ledger, exported):
    lines = _lines(exported)
    del lines[3]  # checkpoint 3 (size 40)
    _rewrite_event(lines, 3 + 35, legal_basis="none")
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert not report.ok
    assert "10 events from index 30 on are not covered by a verified checkpoint" in report.render()
    assert report.first_bad_index == 30


def test_a1_an_event_after_the_last_checkpoint_fails(ledger, exported):
    lines = _lines(exported)
    extra = json.loads(lines[-1])
    extra["event"].update(index=40, uid="00000000-0000-7000-8000-000000000000")
    extra["leaf_hash"] = base64.b64encode(LeafEvent.from_json(extra["event"]).leaf_hash()).decode()
    lines.append(canonical_json(extra).decode() + "\n")
    header = json.loads(lines[0])
    header["tree_size"] = 41
    lines[0] = json.dumps(header) + "\n"
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert not report.ok
    assert "1 events from index 40 on are not covered" in report.render()
    assert report.first_bad_index == 40


def test_a1_export_signs_the_head_so_a_fresh_export_verifies(ledger, tmp_path):
    record(5, start=40)  # after the last checkpoint
    path = tmp_path / "fresh.jsonl"
    assert services.export_ledger(path, ledger.verifier, ledger) == 45
    assert Checkpoint.objects.order_by("-id").first().tree_size == 45
    assert verify_export(path, ledger.verifier.vkey).ok
    # Without the key, the export stops at the latest checkpoint.
    record(3, start=45)
    assert services.export_ledger(tmp_path / "cut.jsonl", ledger.verifier) == 45


def test_a1_a_pinned_checkpoint_and_a_minimum_size(ledger, exported, tmp_path):
    trusted = tmp_path / "trusted.txt"
    trusted.write_text(Checkpoint.objects.order_by("-id").first().note, encoding="utf-8")
    vkey = ledger.verifier.vkey
    assert verify_main([str(exported), "--log-key", vkey, "--checkpoint", str(trusted)]) == 0
    assert verify_main([str(exported), "--log-key", vkey, "--min-size", "40"]) == 0
    # The export cut back to 30 events with its last checkpoint removed: consistent on its own.
    lines = _lines(exported)
    del lines[3]
    lines = lines[: 3 + 30]
    header = json.loads(lines[0])
    header["tree_size"] = 30
    lines[0] = json.dumps(header) + "\n"
    _write(exported, lines)
    assert verify_export(exported, vkey).ok
    pinned = verify_export(exported, vkey, trusted_checkpoint=trusted.read_text(encoding="utf-8"))
    assert not pinned.ok and "covers 40 events but only 30 are present" in pinned.render()
    short = verify_export(exported, vkey, min_size=40)
    assert not short.ok and "cover 30 events, fewer than the 40 required" in short.render()
    assert verify_main([str(exported), "--log-key", vkey, "--min-size", "40"]) == 1


# --- A2: keys inside the export are not trusted -----------------------------------------------------


def test_a2_a_forged_witness_in_the_header_is_not_counted(ledger, exported):
    forger = Signer.generate("procuratorate.example/w1", ALG_COSIGNATURE_V1)
    lines = _lines(exported)
    header = json.loads(lines[0])
    header["witnesses"] = [{"name": forger.name, "vkey": forger.verifier.vkey, "body": "检察院"}]
    lines[0] = json.dumps(header, ensure_ascii=False) + "\n"
    record_ = json.loads(lines[1])
    text = record_["checkpoint"].split("\n\n")[0] + "\n"
    record_["checkpoint"] += forger.signature_line(text, 1_800_000_000)
    lines[1] = json.dumps(record_, ensure_ascii=False) + "\n"
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert "checkpoint 1 (size 16) cosigned by" not in report.render()


def test_a2_without_a_log_key_verification_is_refused_unless_asked(ledger, exported, capsys):
    report = verify_export(exported)
    assert not report.ok and "no log key given" in report.render()
    assert verify_main([str(exported)]) == 1
    trusted = verify_export(exported, trust_embedded_log_key=True)
    assert trusted.ok
    assert "UNTRUSTED: the log key was taken from the export itself" in trusted.render()
    assert verify_main([str(exported), "--trust-embedded-log-key"]) == 0


def test_a2_witness_keys_from_a_file(ledger, witness, exported, tmp_path, capsys):
    keys_file = tmp_path / "witnesses.txt"
    keys_file.write_text("# partner bodies\n" + witness.verifier.vkey + "\n")
    vkey = ledger.verifier.vkey
    assert verify_main([str(exported), "--log-key", vkey, "--witness-keys", str(keys_file)]) == 0
    assert "cosigned by: procuratorate.example/w1" in capsys.readouterr().out


# --- A3 ------------------------------------------------------------------------------------------


def test_a3_a_cosignature_key_is_not_accepted_as_the_log_key():
    log = Signer.generate("jiancha.example/x", ALG_COSIGNATURE_V1)
    note = sign_note(CheckpointBody("jiancha.example/x", 1, b"\0" * 32).body(), [log], 1)
    with pytest.raises(NoteError, match="not an Ed25519"):
        open_checkpoint(note, log.verifier)


# --- A4: lone surrogates and non-integer versions ------------------------------------------------


def test_a4_a_surrogate_in_a_checkpoint_is_a_rejected_checkpoint(ledger, exported):
    lines = _lines(exported)
    record_ = json.loads(lines[1])
    record_["checkpoint"] = record_["checkpoint"].replace("\n", "\ud800\n", 1)
    lines[1] = json.dumps(record_) + "\n"  # ASCII: the surrogate is a \ud800 escape
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert not report.ok and "checkpoint 1 rejected" in report.render()


def test_a4_a_surrogate_in_an_event_is_an_unreadable_line(ledger, exported):
    lines = _lines(exported)
    record_ = json.loads(lines[4 + 7])
    record_["event"]["actor"] = "li\ud800"
    lines[4 + 7] = json.dumps(record_) + "\n"
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert not report.ok and report.first_bad_index == 7
    assert "unreadable" in report.render()


@pytest.mark.parametrize("field", ["actor", "object_id", "legal_basis", "content"])
def test_a4_record_event_refuses_a_surrogate(data_dir, field):
    fields = {
        "kind": "case.filed",
        "actor": "li/investigator",
        "object_kind": "case",
        "object_id": "1",
        "content": "x",
        "legal_basis": "",
    }
    fields[field] = "a\ud800"
    with pytest.raises(EventError):
        services.record_event(**fields)
    assert not Event.objects.exists()


@pytest.mark.parametrize("version", [True, 1.0])
def test_a4_the_event_version_must_be_the_integer_1(version):
    event = LeafEvent(0, "u", "case.filed", "a", "t", "case", "1", "", "00").to_json()
    event["v"] = version
    with pytest.raises(EventError, match="unknown event version"):
        LeafEvent.from_json(event)


# --- A5 ------------------------------------------------------------------------------------------


def test_a5_rewritten_hashes_name_the_range_between_checkpoints(ledger, exported):
    lines = _lines(exported)
    _rewrite_event(lines, 4 + 33, legal_basis="none")
    _write(exported, lines)
    report = verify_export(exported, ledger.verifier.vkey)
    assert "events 30–39 were rewritten together with their recorded hashes" in report.render()
    assert report.first_bad_index == 30


# --- A6 ------------------------------------------------------------------------------------------


def test_a6_a_relabelled_node_is_found(ledger):
    node = Node.objects.get(level=2, index=1)
    Node.objects.filter(seq=node.seq).update(index=3)
    report = services.check_database(ledger.verifier)
    assert not report.ok
    assert "is labelled level 2 index 3, not level 2 index 1" in report.render()


# --- B1: the witness locks its state and saves it before cosigning ------------------------------


def _run(*args: str) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_b1_the_witness_holds_a_lock_and_saves_before_emitting(data_dir, tmp_path, monkeypatch):
    record(3)
    _run("checkpoint")
    key = tmp_path / "w.key"
    _run("keygen", "--witness", "audit.example/w1", "--out", str(key))
    state_file = witness_module.state_path(key)
    real_cosign = witness_module.cosign

    def cosign(*args, **kwargs):
        fd = os.open(witness_module.lock_path(state_file), os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        return real_cosign(*args, **kwargs)

    def failing_save(path, state):
        raise OSError("disk full")

    monkeypatch.setattr(witness_module, "cosign", cosign)
    monkeypatch.setattr(witness_module, "save_state", failing_save)
    out = tmp_path / "cosig.txt"
    with pytest.raises(CommandError, match="disk full"):
        _run("witness", "--key", str(key), "--out", str(out))
    assert not out.exists()  # nothing leaves the witness unless its state is saved


# --- B2 ------------------------------------------------------------------------------------------


def test_b2_a_key_file_appears_complete(data_dir, monkeypatch):
    seen = []
    real_link = os.link

    def link(source, target, *args, **kwargs):
        seen.append((os.stat(source).st_mode & 0o777, open(source).read()))  # noqa: SIM115
        return real_link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    signer = keys.log_signer()
    assert seen == [(0o600, signer.to_string() + "\n")]
    assert keys.log_signer().to_string() == signer.to_string()


# --- B3 ------------------------------------------------------------------------------------------


def test_b3_the_time_is_read_under_the_append_lock(data_dir, monkeypatch):
    order = []
    real_lock, real_now = services._lock_head, services.timezone.now

    def lock(connection):
        order.append("lock")
        return real_lock(connection)

    def now():
        order.append("now")
        return real_now()

    monkeypatch.setattr(services, "_lock_head", lock)
    monkeypatch.setattr(services.timezone, "now", now)
    record(2)
    assert order[:2] == ["lock", "now"]


# --- C1: salts are derived from a secret key, not stored --------------------------------------------


def test_c1_the_salt_is_not_in_the_database(data_dir):
    assert "salt" not in {f.name for f in Event._meta.get_fields()}
    recorded = services.record_event(
        kind="case.filed", actor="li/investigator", object_kind="case", object_id=1, content="留置"
    )
    event = Event.objects.get(index=recorded.index)
    assert services.event_salt(event) == recorded.salt
    assert services.verify_content(event, services.event_salt(event), "留置")
    assert bytes(event.content_hash) == content_commitment(recorded.salt, "留置")
    path = keys.salt_key_path()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent == data_dir / "ledger"


# --- C2 ------------------------------------------------------------------------------------------


def test_c2_the_verifier_never_makes_or_reads_the_private_key(data_dir, client, django_user_model):
    from django.contrib.auth.models import Permission

    with pytest.raises(NoteError, match="no log verifier key"):
        keys.log_verifier()
    user = django_user_model.objects.create_user("sec", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="verify_ledger"))
    client.force_login(user)
    assert client.get("/ledger/").status_code == 200
    assert not keys.log_key_path().exists()


# --- C3 ------------------------------------------------------------------------------------------


def test_c3_exports_are_private_and_no_partial_file_is_left(ledger, tmp_path, monkeypatch):
    path = tmp_path / "e.jsonl"
    services.export_ledger(path, ledger.verifier)
    assert path.stat().st_mode & 0o777 == 0o600

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "_row_leaf", broken)
    with pytest.raises(RuntimeError):
        services.export_ledger(tmp_path / "f.jsonl", ledger.verifier)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("f.")) == []


# --- C4 ------------------------------------------------------------------------------------------


def test_c4_the_salt_is_not_in_the_repr(data_dir):
    recorded = record(1)[0]
    assert "salt" not in repr(recorded)
    assert recorded.salt.hex() not in repr(recorded)


# --- C5 ------------------------------------------------------------------------------------------


def test_c5_a_bad_stored_checkpoint_is_shown_not_a_500(ledger, client, django_user_model):
    from django.contrib.auth.models import Permission

    cosignature = Cosignature.objects.get()
    Cosignature.objects.filter(pk=cosignature.pk).update(line=cosignature.line[:-6] + "AAAAAA")
    user = django_user_model.objects.create_user("sec", password="x" * 12)
    user.user_permissions.add(Permission.objects.get(codename="verify_ledger"))
    client.force_login(user)
    page = client.get("/ledger/")
    assert page.status_code == 200
    assert 'data-testid="checkpoint-error"' in page.content.decode()
    api = client.get("/api/ledger/checkpoint")
    assert api.status_code == 200
    assert api.json()["error"]  # the reason, in the request's language
