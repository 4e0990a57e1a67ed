"""A witness cosigns only a checkpoint consistent with the last one it cosigned, and says why not."""

from __future__ import annotations

import pytest

from jiancha.ledger import merkle, services
from jiancha.ledger import witness as w
from jiancha.ledger.note import ALG_COSIGNATURE_V1, Checkpoint, Signer, open_checkpoint, sign_note

LOG = "jiancha.example/test-log"


@pytest.fixture
def log():
    return Signer.generate(LOG)


@pytest.fixture
def witness_key():
    return Signer.generate("audit.example/w", ALG_COSIGNATURE_V1)


def _tree(n, salt=b""):
    return merkle.MemoryTree(merkle.leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n))


def _checkpoint(log, tree, size):
    return sign_note(Checkpoint(LOG, size, tree.root(size)).body(), [log])


def test_first_contact_then_a_consistent_extension_is_cosigned(log, witness_key):
    tree = _tree(20)
    first = w.cosign(witness_key, log.verifier, _checkpoint(log, tree, 7), 0, [], None, now=100)
    assert first.state.size == 7
    second = w.cosign(
        witness_key,
        log.verifier,
        _checkpoint(log, tree, 20),
        7,
        tree.consistency_proof(7, 20),
        first.state,
        now=200,
    )
    message = _checkpoint(log, tree, 20) + second.line
    opened = open_checkpoint(message, log.verifier, [witness_key.verifier])
    assert [(c.name, c.timestamp) for c in opened.cosigners] == [("audit.example/w", 200)]


def test_an_inconsistent_checkpoint_is_refused_with_the_reason(log, witness_key):
    honest, rewritten = _tree(20), _tree(20, salt=b"x")
    state = w.cosign(witness_key, log.verifier, _checkpoint(log, honest, 7), 0, [], None).state
    with pytest.raises(w.WitnessRefusal, match="not consistent with size 7"):
        w.cosign(
            witness_key,
            log.verifier,
            _checkpoint(log, rewritten, 20),
            7,
            rewritten.consistency_proof(7, 20),
            state,
        )


def test_a_shrinking_or_forked_log_is_refused(log, witness_key):
    tree, other = _tree(20), _tree(20, salt=b"y")
    state = w.cosign(witness_key, log.verifier, _checkpoint(log, tree, 12), 0, [], None).state
    with pytest.raises(w.WitnessRefusal, match="the log shrank"):
        w.cosign(witness_key, log.verifier, _checkpoint(log, tree, 10), 12, [], state)
    with pytest.raises(w.WitnessRefusal, match="forked log"):
        w.cosign(witness_key, log.verifier, _checkpoint(log, other, 12), 12, [], state)


def test_a_checkpoint_not_signed_by_the_log_is_refused(log, witness_key):
    impostor = Signer.generate(LOG)
    with pytest.raises(w.WitnessRefusal, match="signature does not verify"):
        w.cosign(witness_key, log.verifier, _checkpoint(impostor, _tree(3), 3), 0, [], None)


def test_the_state_file_survives_and_pins_the_log_key(tmp_path, log, witness_key):
    tree = _tree(5)
    result = w.cosign(witness_key, log.verifier, _checkpoint(log, tree, 5), 0, [], None)
    path = tmp_path / "w.state.json"
    w.save_state(path, result.state)
    assert w.load_state(path) == result.state
    other_log = Signer.generate(LOG)
    with pytest.raises(w.WitnessRefusal, match="follows the log key"):
        w.cosign(witness_key, other_log.verifier, _checkpoint(other_log, tree, 5), 5, [], result.state)


@pytest.mark.django_db
def test_witness_requests_from_the_database_are_accepted(log_signer, witness):
    from .conftest import record

    record(9)
    services.make_checkpoint(log_signer)
    first = services.witness_request(0)
    state = w.cosign(witness, log_signer.verifier, first.note, 0, first.proof, None).state
    record(30, start=9)
    checkpoint, _ = services.make_checkpoint(log_signer)
    request = services.witness_request(state.size)
    result = w.cosign(witness, log_signer.verifier, request.note, request.old_size, request.proof, state)
    services.add_cosignature(checkpoint, result.line)
    assert [c.witness.name for c in checkpoint.cosignatures.all()] == ["procuratorate.example/w1"]
