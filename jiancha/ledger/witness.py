"""A witness (见证方): a partner body that cosigns the log's checkpoints after checking consistency.

The upper-level commission, the procuratorate or the audit office runs this with its own key and its
own state file, which remembers the largest checkpoint it cosigned. Given a new checkpoint and a
consistency proof from that one, it verifies the log's signature and the proof, and only then signs
a C2SP tlog-cosignature; a shrinking, forked or inconsistent log is refused with the reason. No Django.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .i18n import gettext as _
from .merkle import ProofError, verify_consistency
from .note import NoteError, Signer, Verifier, open_checkpoint


class WitnessRefusal(Exception):
    """The witness will not cosign; the message says why."""


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint this witness cosigned, and the log key it trusts."""

    log_vkey: str
    size: int
    root_hash: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "log_key": self.log_vkey,
            "size": self.size,
            "root": base64.b64encode(self.root_hash).decode(),
        }


def state_path(key_path: Path) -> Path:
    return key_path.with_suffix(".state.json")


def load_state(path: Path) -> WitnessState | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return WitnessState(str(data["log_key"]), int(data["size"]), base64.b64decode(data["root"]))


def save_state(path: Path, state: WitnessState) -> None:
    """Written aside, synced and renamed, then the folder synced: once this returns, the state
    survives a crash, so it must be called before the cosignature leaves the witness."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(state.to_json()) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def locked_state(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the witness's state from loading it to saving it, so that two runs
    can never both cosign from the same state (for instance two forks of the same size)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass(frozen=True)
class Cosigned:
    line: str
    state: WitnessState
    size: int


def cosign(
    signer: Signer,
    log: Verifier,
    checkpoint_note: str,
    old_size: int,
    proof: Sequence[bytes],
    state: WitnessState | None,
    now: int | None = None,
) -> Cosigned:
    """Check a checkpoint against what this witness last cosigned, then cosign it or refuse."""
    if state is not None and state.log_vkey != log.vkey:
        raise WitnessRefusal(
            _("this witness follows the log key %(key)s, not %(other)s")
            % {"key": state.log_vkey, "other": log.vkey}
        )
    try:
        opened = open_checkpoint(checkpoint_note, log)
    except NoteError as error:
        raise WitnessRefusal(
            _("the checkpoint's signature does not verify: %(reason)s") % {"reason": error}
        ) from error
    checkpoint = opened.checkpoint
    if state is not None:
        if checkpoint.size < state.size:
            raise WitnessRefusal(
                _("the log shrank: this witness cosigned size %(old)d, the new checkpoint has size %(new)d")
                % {"old": state.size, "new": checkpoint.size}
            )
        if checkpoint.size == state.size and checkpoint.root_hash != state.root_hash:
            raise WitnessRefusal(
                _("forked log: size %(size)d was cosigned with a different root") % {"size": state.size}
            )
        if old_size != state.size:
            raise WitnessRefusal(
                _("the proof starts at size %(given)d but this witness last cosigned size %(old)d")
                % {"given": old_size, "old": state.size}
            )
        if 0 < state.size < checkpoint.size:
            try:
                verify_consistency(state.size, checkpoint.size, state.root_hash, checkpoint.root_hash, proof)
            except ProofError as error:
                raise WitnessRefusal(
                    _("the new checkpoint is not consistent with size %(old)d: %(reason)s")
                    % {"old": state.size, "reason": error}
                ) from error
    timestamp = int(time.time()) if now is None else now
    line = signer.signature_line(opened.note.text, timestamp)
    new_state = WitnessState(log.vkey, checkpoint.size, checkpoint.root_hash)
    return Cosigned(line=line, state=new_state, size=checkpoint.size)
