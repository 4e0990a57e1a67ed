"""Tampering with stored rows or with an export is found, and the first bad index is named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from jiancha.ledger import services
from jiancha.ledger.leaf import canonical_json
from jiancha.ledger.models import Checkpoint, Event, LogHead, Node
from jiancha.ledger.note import Checkpoint as CheckpointBody
from jiancha.ledger.note import Signer, sign_note
from jiancha.ledger.verify import main as verify_main
from jiancha.ledger.verify import verify_export

pytestmark = pytest.mark.django_db


def check(log_signer):
    return services.check_database(log_signer.verifier)


def test_an_untouched_database_verifies(ledger):
    report = check(ledger)
    assert report.ok, report.render()
    assert report.tree_size == 40 and report.covered_size == 40 and report.checkpoints_verified == 3


def test_a_changed_event_is_named(ledger):
    Event.objects.filter(index=21).update(actor="someone.else/approver")
    report = check(ledger)
    assert not report.ok
    assert report.first_bad_index == 21
    assert "event 21 does not match its recorded leaf hash" in report.render()


def test_a_changed_event_with_its_leaf_hash_rewritten_is_caught_by_the_tree(ledger):
    event = Event.objects.get(index=21)
    event.recorded_at -= timedelta(days=3)
    event.leaf_hash = services.event_leaf(event).leaf_hash()
    event.save()
    report = check(ledger)
    assert not report.ok
    assert report.first_bad_index == 20  # the level-1 node over events 20–21 no longer matches
    assert "events 20–21" in report.render()
    assert "checkpoint 2 (size 30)" in report.render()


def test_a_deleted_event_is_named(ledger):
    Event.objects.filter(index=7).delete()
    report = check(ledger)
    assert report.first_bad_index == 7
    assert "event 7 is missing" in report.render()


def test_an_inserted_event_is_named(ledger):
    services.record_event(kind="case.filed", actor="x/y", object_kind="case", object_id=1)
    LogHead.objects.update(size=40)  # as if the row had been slipped in behind the log's back
    report = check(ledger)
    assert not report.ok
    assert report.first_bad_index == 40


def test_reordered_events_are_named(ledger):
    a, b = Event.objects.get(index=5), Event.objects.get(index=9)
    fields = [
        "uid",
        "kind",
        "actor",
        "recorded_at",
        "object_kind",
        "object_id",
        "legal_basis",
        "content_hash",
        "leaf_hash",
    ]
    values_a = {f: getattr(a, f) for f in fields}
    for f in fields:
        setattr(a, f, getattr(b, f))
    Event.objects.filter(index=9).update(uid="00000000-0000-0000-0000-000000000000")
    a.save()
    for f, v in values_a.items():
        setattr(b, f, v)
    b.save()
    report = check(ledger)
    assert report.first_bad_index == 5


def test_a_changed_node_is_named(ledger):
    node = Node.objects.get(level=2, index=3)  # events 12–15
    node.hash = bytes(32)
    node.save()
    report = check(ledger)
    assert report.first_bad_index == 12
    assert "tree node level 2 index 3 (events 12–15)" in report.render()


def test_a_forked_checkpoint_is_reported(ledger):
    forged = Signer.from_string(ledger.to_string())  # the log's own key, misused
    body = CheckpointBody(ledger.name, 30, bytes(32)).body()
    Checkpoint.objects.create(
        tree_size=30,
        root_hash=bytes(32),
        note=sign_note(body, [forged]),
        created_at=Checkpoint.objects.first().created_at,
    )
    text = check(ledger).render()
    assert "forked log: checkpoints 2 and 4 both have size 30" in text
    assert "checkpoint 4 has size 30, smaller than checkpoint 3's 40" in text


def test_a_checkpoint_with_a_bad_signature_is_rejected(ledger):
    checkpoint = Checkpoint.objects.get(tree_size=16)
    checkpoint.note = checkpoint.note.replace("\n16\n", "\n17\n")
    checkpoint.save()
    text = check(ledger).render()
    assert "checkpoint 1 rejected" in text and "does not verify" in text


# --- exports ---------------------------------------------------------------------------------------


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _event_line(path, index):
    """Position in the file of the line holding event ``index`` (after header and 3 checkpoints)."""
    return 4 + index


def test_an_export_verifies_offline_with_the_published_keys(ledger, witness, exported, capsys):
    report = verify_export(exported, ledger.verifier.vkey, [witness.verifier.vkey])
    assert report.ok, report.render()
    assert report.covered_size == 40
    assert "checkpoint 3 (size 40) cosigned by: procuratorate.example/w1" in report.render()
    assert verify_main([str(exported), "--log-key", ledger.verifier.vkey]) == 0
    assert "OK" in capsys.readouterr().out


def test_an_export_checked_against_another_log_key_fails(exported):
    report = verify_export(exported, Signer.generate(services_origin()).verifier.vkey)
    assert not report.ok
    assert "checkpoint 1 rejected" in report.render()


def services_origin():
    from django.conf import settings

    return settings.JIANCHA_ORIGIN


def test_a_changed_line_in_an_export_is_named(ledger, exported):
    lines = _lines(exported)
    record_ = json.loads(lines[_event_line(exported, 33)])
    record_["event"]["legal_basis"] = "none"
    lines[_event_line(exported, 33)] = json.dumps(record_, ensure_ascii=False) + "\n"
    exported.write_text("".join(lines), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 33
    assert "event 33 does not match its recorded leaf hash" in report.render()


def test_a_changed_line_with_a_recomputed_hash_is_caught_by_the_checkpoint(ledger, exported):
    lines = _lines(exported)
    record_ = json.loads(lines[_event_line(exported, 33)])
    record_["event"]["legal_basis"] = "none"
    import base64

    from jiancha.ledger.leaf import LeafEvent

    record_["leaf_hash"] = base64.b64encode(LeafEvent.from_json(record_["event"]).leaf_hash()).decode()
    lines[_event_line(exported, 33)] = canonical_json(record_).decode() + "\n"
    exported.write_text("".join(lines), encoding="utf-8")
    text = verify_export(exported, ledger.verifier.vkey).render()
    assert "checkpoint 3 (size 40): the events do not give its signed root" in text


def test_a_deleted_line_in_an_export_is_named(ledger, exported):
    lines = _lines(exported)
    del lines[_event_line(exported, 12)]
    exported.write_text("".join(lines), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 12
    assert "event 12 is missing" in report.render()


def test_an_inserted_line_in_an_export_is_named(ledger, exported):
    lines = _lines(exported)
    lines.insert(_event_line(exported, 25), lines[_event_line(exported, 3)])
    exported.write_text("".join(lines), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 3
    assert "event index 3 appears again after index 24" in report.render()


def test_reordered_lines_in_an_export_are_named(ledger, exported):
    lines = _lines(exported)
    a, b = _event_line(exported, 17), _event_line(exported, 18)
    lines[a], lines[b] = lines[b], lines[a]
    exported.write_text("".join(lines), encoding="utf-8")
    assert verify_export(exported, ledger.verifier.vkey).first_bad_index == 17


def test_truncated_export_is_reported(ledger, exported):
    lines = _lines(exported)
    exported.write_text("".join(lines[:-5]), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 35
    assert "covers 40 events but only 35 are present" in report.render()


def test_garbage_in_an_export_is_named(ledger, exported):
    lines = _lines(exported)
    lines[_event_line(exported, 8)] = "not json\n"
    exported.write_text("".join(lines), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 8
    assert "unreadable" in report.render()


def test_a_checkpoint_with_trailing_garbage_in_an_export_is_rejected(ledger, exported):
    lines = _lines(exported)
    record_ = json.loads(lines[1])
    record_["checkpoint"] += "trailing garbage\n"
    lines[1] = json.dumps(record_, ensure_ascii=False) + "\n"
    exported.write_text("".join(lines), encoding="utf-8")
    assert "checkpoint 1 rejected" in verify_export(exported, ledger.verifier.vkey).render()


def test_a_file_that_is_not_an_export_is_refused(tmp_path, ledger):
    path = tmp_path / "x.jsonl"
    path.write_text("hello\n")
    assert not verify_export(path, ledger.verifier.vkey).ok


def test_the_report_reads_in_chinese_by_default(ledger, exported):
    from django.utils import translation

    lines = _lines(exported)
    del lines[_event_line(exported, 12)]
    exported.write_text("".join(lines), encoding="utf-8")
    with translation.override("zh-hans"):
        text = verify_export(exported, ledger.verifier.vkey).render()
    assert "未通过：第一个不再相符的事件序号是 12。" in text
    assert "缺少事件 12" in text


def test_an_event_edited_in_place_in_an_export_is_named(ledger, exported):
    lines = _lines(exported)
    position = _event_line(exported, 29)
    lines[position] = lines[position].replace("li.ming/investigator", "li.ming/approver")
    exported.write_text("".join(lines), encoding="utf-8")
    report = verify_export(exported, ledger.verifier.vkey)
    assert report.first_bad_index == 29
    assert "event 29 does not match its recorded leaf hash" in report.render()
