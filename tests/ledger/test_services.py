"""Recording events, proofs from the database, checkpoints, cosignatures and anchors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiancha.ledger import merkle, services
from jiancha.ledger.anchor import AnchorError, FileAnchor, check_anchored
from jiancha.ledger.leaf import EventError, LeafEvent, content_commitment
from jiancha.ledger.merkle import ProofError
from jiancha.ledger.models import Event, LogHead, Node
from jiancha.ledger.note import ALG_COSIGNATURE_V1, NoteError, Signer, open_checkpoint

from .conftest import record

pytestmark = pytest.mark.django_db


def test_record_event_stores_metadata_and_a_salted_commitment_not_the_content():
    recorded = services.record_event(
        kind="measure.approved",
        actor=services.actor_label("zhang.wei", "approver"),
        object_kind="measure",
        object_id=42,
        content={"secret": "留置 张某"},
        legal_basis="监察法 第22条",
    )
    event = Event.objects.get(index=recorded.index)
    assert (event.kind, event.actor, event.object_kind, event.object_id) == (
        "measure.approved",
        "zhang.wei/approver",
        "measure",
        "42",
    )
    assert event.legal_basis == "监察法 第22条"
    stored_row = repr(Event.objects.filter(index=recorded.index).values().get())
    assert "留置" not in stored_row
    # Whoever is shown the content and the salt can check it; a guess without the salt cannot.
    assert services.verify_content(event, recorded.salt, {"secret": "留置 张某"})
    assert not services.verify_content(event, recorded.salt, {"secret": "留置 李某"})
    assert bytes(event.content_hash) == content_commitment(recorded.salt, {"secret": "留置 张某"})
    assert bytes(event.leaf_hash) == services.event_leaf(event).leaf_hash()


def test_batches_get_consecutive_indexes_and_the_root_matches_a_rebuild():
    first = record(5)
    second = record(8, start=5)
    assert [r.index for r in first + second] == list(range(13))
    tree = merkle.MemoryTree(r.leaf_hash for r in first + second)
    assert services.root_hash() == tree.root()
    assert services.root_hash(7) == tree.root(7)
    assert Node.objects.count() == 13 - (13).bit_count()
    assert LogHead.objects.get().size == 13


def test_a_bad_event_in_a_batch_writes_nothing():
    record(3)
    inputs = [
        services.EventInput("case.filed", "a/investigator", "case", 1),
        services.EventInput("Case Filed!", "a/investigator", "case", 2),
    ]
    with pytest.raises(EventError):
        services.record_events(inputs)
    assert Event.objects.count() == 3 and services.tree_size() == 3


@pytest.mark.parametrize(
    "field,value",
    [
        ("actor", ""),
        ("object_id", "x" * 65),
        ("legal_basis", "a\x00b"),
        ("kind", "case..filed"),
        ("actor", " a"),
    ],
)
def test_fields_that_cannot_round_trip_are_refused(field, value):
    arguments = {"kind": "case.filed", "actor": "a/b", "object_kind": "case", "object_id": "1"}
    arguments[field] = value
    with pytest.raises(EventError):
        services.record_event(**arguments)


def test_inclusion_and_consistency_proofs_from_the_database_verify(log_signer):
    record(100)
    checkpoint, _ = services.make_checkpoint(log_signer)
    for index in (0, 1, 37, 63, 64, 99):
        proof = services.inclusion_proof(index)
        assert proof.tree_size == 100
        merkle.verify_inclusion(index, 100, proof.leaf_hash, proof.proof, bytes(checkpoint.root_hash))
    for size1 in (1, 2, 50, 64, 99, 100):
        merkle.verify_consistency(
            size1,
            100,
            services.root_hash(size1),
            bytes(checkpoint.root_hash),
            services.consistency_proof(size1, 100),
        )


def test_an_inclusion_proof_costs_a_fixed_number_of_queries_whatever_the_size(log_signer):
    record(1000)
    services.make_checkpoint(log_signer)
    counts = []
    for index in (0, 511, 999):
        with CaptureQueriesContext(connection) as queries:
            services.inclusion_proof(index)
        counts.append(len(queries))
    assert max(counts) <= 6


def test_proof_requests_beyond_the_log_are_refused(log_signer):
    record(10)
    with pytest.raises(ProofError, match="no checkpoint"):
        services.inclusion_proof(1)
    services.make_checkpoint(log_signer)
    with pytest.raises(ProofError):
        services.inclusion_proof(10)
    with pytest.raises(ProofError):
        services.inclusion_proof(1, size=11)
    with pytest.raises(ProofError):
        services.consistency_proof(5, 11)
    with pytest.raises(ProofError):
        services.consistency_proof(0, 10)


def test_checkpoints_use_the_origin_and_are_not_repeated_without_new_events(settings, log_signer):
    record(4)
    first, new = services.make_checkpoint(log_signer)
    assert new
    assert first.note.startswith(settings.JIANCHA_ORIGIN + "\n4\n")
    opened = open_checkpoint(first.note, log_signer.verifier)
    assert opened.checkpoint.root_hash == services.root_hash()
    again, new = services.make_checkpoint(log_signer)
    assert (again.pk, new) == (first.pk, False)
    record(1, start=4)
    later, new = services.make_checkpoint(log_signer)
    assert new and later.tree_size == 5


def test_cosignatures_by_registered_witnesses_are_shown_and_others_refused(log_signer, witness):
    record(3)
    checkpoint, _ = services.make_checkpoint(log_signer)
    body = checkpoint.note.split("\n\n")[0] + "\n"
    services.add_cosignature(checkpoint, witness.signature_line(body, 1_800_000_000))
    summary = services.checkpoint_summary(checkpoint, log_signer.verifier)
    assert [c["name"] for c in summary["cosigners"]] == ["procuratorate.example/w1"]
    assert summary["note"].count("\u2014 ") == 2
    stranger = Signer.generate("audit.example/w9", ALG_COSIGNATURE_V1)
    with pytest.raises(NoteError, match="not a registered witness"):
        services.add_cosignature(checkpoint, stranger.signature_line(body, 1))
    impostor = Signer.generate("procuratorate.example/w1", ALG_COSIGNATURE_V1)
    with pytest.raises(NoteError, match="unknown key"):
        services.add_cosignature(checkpoint, impostor.signature_line(body, 1))
    with pytest.raises(NoteError, match="does not verify"):
        services.add_cosignature(checkpoint, witness.signature_line(body.replace("\n3\n", "\n4\n"), 1))


def test_file_anchor_receipts_check_out_and_detect_rewriting(tmp_path, log_signer):
    record(2)
    checkpoint, _ = services.make_checkpoint(log_signer)
    anchor = FileAnchor(tmp_path / "anchor.jsonl")
    receipt = services.anchor_checkpoint(anchor, checkpoint)
    assert services.anchor_checkpoint(anchor, checkpoint).pk == receipt.pk  # once per checkpoint
    check_anchored(anchor, receipt.reference, checkpoint.note, 2, bytes(checkpoint.root_hash))
    with pytest.raises(AnchorError):
        check_anchored(anchor, receipt.reference, checkpoint.note, 3, bytes(checkpoint.root_hash))
    record(1, start=2)
    later, _ = services.make_checkpoint(log_signer)
    second = services.anchor_checkpoint(anchor, later)
    path = tmp_path / "anchor.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace('"size": 2', '"size": 9'), lines[1]]) + "\n")
    with pytest.raises(AnchorError, match="chain broken at line 2"):
        check_anchored(anchor, second.reference, later.note, 3, bytes(later.root_hash))


def test_leaf_json_round_trips_through_the_export_format():
    recorded = record(1)[0]
    leaf = services.event_leaf(Event.objects.get(index=recorded.index))
    assert LeafEvent.from_json(leaf.to_json()) == leaf
    assert leaf.leaf_hash() == recorded.leaf_hash
