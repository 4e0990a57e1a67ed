"""C2SP signed-note, tlog-checkpoint and tlog-cosignature: the spec's example and refusals."""

from __future__ import annotations

import pytest

from jiancha.ledger.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    parse_note,
    sign_note,
)


def _example(shared_data):
    lines = (
        (shared_data / "merkle-vectors" / "c2sp-signed-note" / "signed-note-example.txt")
        .read_text()
        .split("\n")
    )
    while lines[0].startswith("#"):
        lines.pop(0)
    vkey = lines.pop(0)
    assert lines.pop(0) == ""
    return vkey, "\n".join(lines)


def test_the_c2sp_example_verifies(shared_data):
    vkey, message = _example(shared_data)
    verifier = Verifier.from_vkey(vkey)
    assert verifier.key_id.hex() == "530d903a"
    note, verified = open_note(message, [verifier])
    assert note.text == "This is an example message.\n"
    assert [v.verifier.name for v in verified] == ["example.com/foo"]


def test_the_c2sp_example_fails_when_the_text_changes(shared_data):
    vkey, message = _example(shared_data)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(message.replace("example message", "example massage"), [Verifier.from_vkey(vkey)])


def test_unknown_keys_trailing_garbage_and_malformed_lines_are_rejected(shared_data):
    vkey, message = _example(shared_data)
    verifier = Verifier.from_vkey(vkey)
    other = Signer.generate("example.com/foo").verifier  # same name, another key
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(message, [other])
    with pytest.raises(NoteError):
        open_note(message + "garbage", [verifier])
    with pytest.raises(NoteError):
        open_note(message + "garbage\n", [verifier])
    with pytest.raises(NoteError):
        open_note(message.replace("\u2014", "-"), [verifier])
    with pytest.raises(NoteError):
        parse_note("no signatures\n\n")


def test_keys_round_trip_and_a_bad_key_id_is_refused():
    signer = Signer.generate("jiancha.example/test")
    assert Signer.from_string(signer.to_string()) == signer
    verifier = Verifier.from_vkey(signer.verifier.vkey)
    assert verifier == signer.verifier
    name, _key_id, key = signer.verifier.vkey.split("+", 2)
    with pytest.raises(NoteError, match="key ID"):
        Verifier.from_vkey(f"{name}+00000000+{key}")
    with pytest.raises(NoteError):
        Signer.generate("has space")


def test_checkpoint_signed_then_cosigned_then_opened():
    log = Signer.generate("jiancha.example/test")
    witness = Signer.generate("audit.example/w", ALG_COSIGNATURE_V1)
    body = Checkpoint("jiancha.example/test", 12, bytes(range(32))).body()
    message = sign_note(body, [log]) + witness.signature_line(body, 1_700_000_000)
    opened = open_checkpoint(message, log.verifier, [witness.verifier])
    assert opened.checkpoint.size == 12
    assert opened.checkpoint.root_hash == bytes(range(32))
    assert [(c.name, c.timestamp) for c in opened.cosigners] == [("audit.example/w", 1_700_000_000)]
    # Without the witness's key, its cosignature is kept aside, not trusted.
    assert open_checkpoint(message, log.verifier).unverified == ("audit.example/w",)


def test_checkpoint_with_a_forged_cosignature_is_rejected():
    log = Signer.generate("jiancha.example/test")
    witness = Signer.generate("audit.example/w", ALG_COSIGNATURE_V1)
    body = Checkpoint("jiancha.example/test", 12, bytes(32)).body()
    other_body = Checkpoint("jiancha.example/test", 13, bytes(32)).body()
    message = sign_note(body, [log]) + witness.signature_line(other_body, 5)
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(message, log.verifier, [witness.verifier])


def test_checkpoint_by_another_log_or_origin_is_rejected():
    log = Signer.generate("jiancha.example/test")
    stranger = Signer.generate("jiancha.example/test")
    message = sign_note(Checkpoint("jiancha.example/test", 1, bytes(32)).body(), [stranger])
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_checkpoint(message, log.verifier)
    wrong_origin = sign_note(Checkpoint("elsewhere.example/log", 1, bytes(32)).body(), [log])
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(wrong_origin, log.verifier)


@pytest.mark.parametrize(
    "text",
    [
        "origin\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # leading zero
        "origin\n1\nAAAA\n",  # short root
        "origin\n1\n",  # no root
        "origin\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nextension\n",  # empty line
        "origin\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # no final newline
    ],
)
def test_malformed_checkpoints_are_rejected(text):
    with pytest.raises(NoteError):
        Checkpoint.parse(text)
