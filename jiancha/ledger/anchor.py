"""Anchoring checkpoints outside the commission (外部锚定): the interface and a file implementation.

An anchor publishes a checkpoint's size, root and note hash to a store the commission cannot rewrite
alone (a consortium chain such as FISCO BCOS or ChainMaker, in production) and returns a receipt; a
verifier later reads the receipt back and compares. ``FileAnchor`` is the same contract on an
append-only, hash-chained file, used in tests and in the demo. No Django here.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from .i18n import gettext as _


class AnchorError(RuntimeError):
    """Publishing failed, or a receipt does not lead to what was anchored."""


@dataclass(frozen=True)
class AnchoredCheckpoint:
    """What an anchor holds for one checkpoint."""

    size: int
    root_hash: bytes
    note_sha256: bytes
    anchored_at: str


class Anchor(Protocol):
    """An external, append-only place for checkpoints. ``name`` identifies it in receipts."""

    name: str

    def publish(self, note: str, size: int, root_hash: bytes) -> str:
        """Store the checkpoint; return a receipt (a transaction hash, a block and index...)."""
        ...

    def fetch(self, reference: str) -> AnchoredCheckpoint:
        """Read back what a receipt refers to; raise AnchorError if it is not there."""
        ...


def check_anchored(anchor: Anchor, reference: str, note: str, size: int, root_hash: bytes) -> None:
    """Raise AnchorError unless the anchor holds exactly this checkpoint under this receipt."""
    held = anchor.fetch(reference)
    if held.size != size or held.root_hash != root_hash:
        raise AnchorError(
            _(
                "anchor %(anchor)s receipt %(ref)s holds size %(held)d with a different root, not size %(size)d"
            )
            % {"anchor": anchor.name, "ref": reference, "held": held.size, "size": size}
        )
    if held.note_sha256 != hashlib.sha256(note.encode("utf-8")).digest():
        raise AnchorError(
            _("anchor %(anchor)s receipt %(ref)s holds a different signed note")
            % {"anchor": anchor.name, "ref": reference}
        )


class FileAnchor:
    """Checkpoints appended to a JSON Lines file, each line chained to the previous by SHA-256.

    Rewriting any earlier line breaks the chain, which ``fetch`` checks up to the receipt's line.
    """

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, note: str, size: int, root_hash: bytes) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # two publishers must not interleave lines
            handle.seek(0)
            lines = handle.read().splitlines()
            previous = hashlib.sha256(lines[-1]).hexdigest() if lines else ""
            record = {
                "seq": len(lines),
                "size": size,
                "root": base64.b64encode(root_hash).decode(),
                "note_sha256": hashlib.sha256(note.encode("utf-8")).hexdigest(),
                "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "prev": previous,
            }
            handle.write(json.dumps(record, sort_keys=True).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        return f"{self.path.name}#{record['seq']}"

    def fetch(self, reference: str) -> AnchoredCheckpoint:
        name, _sep, number = reference.partition("#")
        if name != self.path.name or not number.isdigit():
            raise AnchorError(
                _("receipt %(ref)s is not from %(file)s") % {"ref": reference, "file": self.path}
            )
        seq = int(number)
        try:
            lines = self.path.read_bytes().splitlines()
        except OSError as error:
            raise AnchorError(str(error)) from error
        if seq >= len(lines):
            raise AnchorError(_("receipt %(ref)s: no such entry") % {"ref": reference})
        previous = ""
        for position, line in enumerate(lines[: seq + 1]):
            try:
                record = json.loads(line)
            except ValueError as error:
                raise AnchorError(_("anchor file line %(n)d is unreadable") % {"n": position + 1}) from error
            if record.get("seq") != position or record.get("prev") != previous:
                raise AnchorError(_("anchor file chain broken at line %(n)d") % {"n": position + 1})
            previous = hashlib.sha256(line).hexdigest()
        return AnchoredCheckpoint(
            size=int(record["size"]),
            root_hash=base64.b64decode(record["root"]),
            note_sha256=bytes.fromhex(record["note_sha256"]),
            anchored_at=str(record["at"]),
        )
