"""Offline verification of a ledger export (离线核验), with no database and no Django.

    python -m jiancha.ledger.verify ledger-export.jsonl --log-key VKEY [--witness-key VKEY ...]
        [--witness-keys FILE] [--checkpoint TRUSTED_NOTE] [--min-size N] [--trust-embedded-log-key]

Checks every event against its recorded leaf hash and its position, rebuilds the RFC 9162 tree in one
pass with O(log n) memory, and checks that each signed checkpoint's root is the root of the events
before it; checkpoints must carry a valid log signature, never shrink and never fork, and every
event must lie under one that verifies. Only keys given by the verifier are trusted. The first
index that no longer matches is named. The export format is described in docs/ledger.md.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .i18n import gettext as _
from .leaf import EventError, LeafEvent
from .merkle import Frontier, leaf_hash
from .note import ALG_ED25519, NoteError, OpenedCheckpoint, Verifier, open_checkpoint

EXPORT_FORMAT = "jiancha-ledger-export/1"
MAX_REPORTED = 20


@dataclass(frozen=True)
class Problem:
    message: str
    index: int | None = None  # the first event index concerned, when there is one
    exact: bool = True  # False when the index only starts a range that holds the change


@dataclass
class Report:
    """What a verification found; ``ok`` only when there is no problem at all."""

    tree_size: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checkpoints_verified: int = 0
    covered_size: int = 0  # events covered by a verified checkpoint

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        """The first event named exactly; failing that, the start of the narrowest range named.

        Each range holds a change and they all end at or after it, so the one starting last (a tree
        node inside a checkpoint's range, say) is the closest to it.
        """
        exact = [p.index for p in self.problems if p.index is not None and p.exact]
        if exact:
            return min(exact)
        ranges = [p.index for p in self.problems if p.index is not None]
        return max(ranges) if ranges else None

    def add(self, message: str, index: int | None = None, exact: bool = True) -> None:
        self.problems.append(Problem(message, index, exact))

    def render(self) -> str:
        lines = [
            _(
                "events: %(size)d; verified checkpoints: %(count)d; events covered by a signed checkpoint: %(covered)d"
            )
            % {"size": self.tree_size, "count": self.checkpoints_verified, "covered": self.covered_size}
        ]
        lines += self.notes
        if self.ok:
            lines.append(_("OK: the ledger verifies."))
        else:
            first = self.first_bad_index
            if first is not None:
                lines.append(
                    _("FAILED: the first event index that no longer matches is %(index)d.") % {"index": first}
                )
            else:
                lines.append(_("FAILED."))
            lines += ["  - " + problem.message for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class SignedCheckpoint:
    position: int  # order of issue, as exported
    size: int
    root: bytes
    opened: OpenedCheckpoint


def check_checkpoints(
    notes: Iterable[tuple[int, str]], log: Verifier, witnesses: list[Verifier], report: Report
) -> list[SignedCheckpoint]:
    """Verify signatures; report forks (same size, two roots) and shrinking sizes."""
    accepted: list[SignedCheckpoint] = []
    by_size: dict[int, SignedCheckpoint] = {}
    largest: SignedCheckpoint | None = None
    for position, text in notes:
        try:
            opened = open_checkpoint(text, log, witnesses)
        except (NoteError, UnicodeError) as error:
            report.add(_("checkpoint %(n)d rejected: %(reason)s") % {"n": position, "reason": error})
            continue
        signed = SignedCheckpoint(position, opened.checkpoint.size, opened.checkpoint.root_hash, opened)
        earlier = by_size.get(signed.size)
        if earlier is not None and earlier.root != signed.root:
            report.add(
                _("forked log: checkpoints %(a)d and %(b)d both have size %(size)d but different roots")
                % {"a": earlier.position, "b": position, "size": signed.size},
                signed.size - 1 if signed.size else None,
            )
        if largest is not None and signed.size < largest.size:
            report.add(
                _(
                    "checkpoint %(b)d has size %(small)d, smaller than checkpoint %(a)d's %(large)d: the log shrank"
                )
                % {"a": largest.position, "b": position, "small": signed.size, "large": largest.size},
                signed.size,
            )
        if largest is None or signed.size >= largest.size:
            largest = signed
        by_size.setdefault(signed.size, signed)
        names = [c.name for c in opened.cosigners]
        if names:
            report.notes.append(
                _("checkpoint %(n)d (size %(size)d) cosigned by: %(names)s")
                % {"n": position, "size": signed.size, "names": ", ".join(names)}
            )
        if opened.unverified:
            report.notes.append(
                _("checkpoint %(n)d: signatures by unknown keys ignored: %(names)s")
                % {"n": position, "names": ", ".join(opened.unverified)}
            )
        accepted.append(signed)
    report.checkpoints_verified = len(accepted)
    return accepted


class TreeChecker:
    """Feeds events in order; checks positions and leaf hashes, and roots at checkpoint sizes."""

    def __init__(
        self, checkpoints: list[SignedCheckpoint], report: Report, require_signed: bool = False
    ) -> None:
        self.require_signed = require_signed  # every event must lie under a verified checkpoint
        self.frontier = Frontier()
        self.report = report
        self.reported = 0
        self.stopped = False
        self.first_mismatch: int | None = None
        self.due: dict[int, list[SignedCheckpoint]] = {}
        for checkpoint in checkpoints:
            self.due.setdefault(checkpoint.size, []).append(checkpoint)
        self._check_roots()

    def problem(self, message: str, index: int | None, exact: bool = True) -> None:
        if self.reported < MAX_REPORTED:
            self.report.add(message, index, exact)
        self.reported += 1

    def _check_roots(self) -> None:
        size = self.frontier.size
        for checkpoint in self.due.pop(size, []):
            if self.frontier.root() == checkpoint.root:
                self.report.covered_size = max(self.report.covered_size, size)
                continue
            first = self.first_mismatch
            if first is not None and first < size:
                hint = _("event %(index)d is the first that differs from its recorded hash") % {
                    "index": first
                }
                self.problem(
                    _("checkpoint %(n)d (size %(size)d): the events do not give its signed root; %(hint)s")
                    % {"n": checkpoint.position, "size": size, "hint": hint},
                    first,
                )
                continue
            # The events below the largest checkpoint that matched are as signed, so the rewrite
            # lies between that size and this one.
            start = min(self.report.covered_size, size - 1) if size else 0
            hint = _("events %(first)d–%(last)d were rewritten together with their recorded hashes") % {
                "first": start,
                "last": size - 1,
            }
            self.problem(
                _("checkpoint %(n)d (size %(size)d): the events do not give its signed root; %(hint)s")
                % {"n": checkpoint.position, "size": size, "hint": hint},
                start,
                exact=False,
            )

    def add(self, index: int, leaf: bytes, recorded: bytes | None) -> bool:
        """Take the event at the next position; False once the sequence is broken beyond repair."""
        expected = self.frontier.size
        if index != expected:
            if index < expected:
                message = _(
                    "event index %(found)d appears again after index %(before)d (inserted or reordered)"
                )
                self.problem(message % {"found": index, "before": expected - 1}, index)
            elif index > expected:
                message = _(
                    "event %(expected)d is missing: the next event is %(found)d (deleted or reordered)"
                )
                self.problem(message % {"expected": expected, "found": index}, expected)
            self.stopped = True
            return False
        if recorded is not None and recorded != leaf:
            if self.first_mismatch is None:
                self.first_mismatch = index
            self.problem(
                _("event %(index)d does not match its recorded leaf hash (changed after it was logged)")
                % {"index": index},
                index,
            )
        self.frontier.append(leaf)
        self._check_roots()
        return True

    def finish(self) -> Frontier:
        if not self.stopped:
            for size in sorted(self.due):
                self.problem(
                    _(
                        "a signed checkpoint covers %(size)d events but only %(count)d are present (events deleted?)"
                    )
                    % {"size": size, "count": self.frontier.size},
                    self.frontier.size,
                )
        self.report.tree_size = self.frontier.size
        if self.require_signed and not self.stopped:
            if self.report.covered_size == 0 and (self.frontier.size or not self.report.checkpoints_verified):
                self.report.add(
                    _("no signed checkpoint verifies: none of the %(count)d events is covered by a signature")
                    % {"count": self.frontier.size},
                    0 if self.frontier.size else None,
                    exact=False,
                )
            elif self.report.covered_size < self.frontier.size:
                self.report.add(
                    _("%(count)d events from index %(first)d on are not covered by a verified checkpoint")
                    % {
                        "count": self.frontier.size - self.report.covered_size,
                        "first": self.report.covered_size,
                    },
                    self.report.covered_size,
                    exact=False,
                )
        elif self.report.covered_size < self.frontier.size and not self.stopped:
            self.report.notes.append(
                _("%(count)d events after the last checkpoint are not yet covered by a signature")
                % {"count": self.frontier.size - self.report.covered_size}
            )
        return self.frontier


_PREFIX = b'{"leaf_hash":"'
_MIDDLE = b'","event":'
_INDEX = b',"index":'


def _fast_event(line: bytes) -> tuple[int, bytes, bytes] | None:
    """Index, leaf hash and recorded hash of an event line exactly as ``export`` writes it.

    The leaf hash is taken over the event's bytes as they stand in the file, so no JSON parsing or
    re-encoding is needed (this is what makes a million events verify in seconds). Any other layout
    falls back to parsing and re-encoding canonically. ``,"index":`` cannot occur inside a JSON
    string, where every quote is escaped, so its first occurrence is the key.
    """
    if not (line.startswith(_PREFIX) and line[58:68] == _MIDDLE and line.endswith(b"}\n")):
        return None
    data = line[68:-2]
    start = data.find(_INDEX)
    end = data.find(b",", start + len(_INDEX))
    if start < 0 or end < 0:
        return None
    digits = data[start + len(_INDEX) : end]
    if not digits.isdigit():
        return None
    try:
        recorded = base64.b64decode(line[14:58], validate=True)
    except binascii.Error:
        return None
    return int(digits), leaf_hash(data), recorded


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


def verify_export(
    path: Path,
    log_key: str | None = None,
    witness_keys: Iterable[str] = (),
    report: Report | None = None,
    *,
    trust_embedded_log_key: bool = False,
    trusted_checkpoint: str | None = None,
    min_size: int = 0,
) -> Report:
    """Verify an export file against the keys given here; keys inside the file are never trusted,
    except the log key when ``trust_embedded_log_key`` says so.

    Every event must lie under a checkpoint that verifies. ``trusted_checkpoint`` (a signed note the
    verifier already holds) must be matched by the events, and ``min_size`` events at least must be
    covered, so that an export cut short with its later checkpoints removed is refused.
    """
    report = report or Report()
    witness_keys = list(witness_keys)
    lines = _lines(path)
    try:
        _number, first = next(lines)
        header: dict[str, Any] = json.loads(first)
        if header.get("format") != EXPORT_FORMAT:
            raise ValueError(header.get("format"))
    except (StopIteration, ValueError, AttributeError):
        report.add(
            _("%(file)s is not a ledger export (%(format)s)") % {"file": path, "format": EXPORT_FORMAT}
        )
        return report
    if log_key is None and not trust_embedded_log_key:
        report.add(
            _(
                "no log key given: pass the key the commission publishes with --log-key "
                "(or --trust-embedded-log-key to use the one inside the export)"
            )
        )
        return report
    try:
        log = Verifier.from_vkey(log_key or str(header.get("log_key", "")))
        if log.alg != ALG_ED25519:
            raise NoteError(_("the log key is not an Ed25519 signed-note key"))
        # Witness keys come from the verifier only: a key inside the export proves nothing.
        witnesses = [Verifier.from_vkey(key) for key in witness_keys]
        pinned = (
            open_checkpoint(trusted_checkpoint, log, witnesses) if trusted_checkpoint is not None else None
        )
    except (NoteError, KeyError, TypeError, UnicodeError) as error:
        report.add(_("bad key: %(reason)s") % {"reason": error})
        return report
    if log_key is None:
        report.notes.append(
            _(
                "UNTRUSTED: the log key was taken from the export itself (%(vkey)s): "
                "compare it with the key the commission publishes"
            )
            % {"vkey": log.vkey}
        )
    if not witnesses and header.get("witnesses"):
        report.notes.append(_("no witness key given: cosignatures in the export are not counted"))
    if log.name != header.get("origin"):
        report.add(
            _("the export's origin %(origin)r is not the log key's name") % {"origin": header.get("origin")}
        )

    notes: list[tuple[int, str]] = []
    pending: tuple[int, bytes] | None = None
    for number, line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            pending = (number, line)
            break
        if not isinstance(record, dict) or "checkpoint" not in record:
            pending = (number, line)
            break
        notes.append((len(notes) + 1, str(record["checkpoint"])))
    checkpoints = check_checkpoints(notes, log, witnesses, report)
    if pinned is not None:
        checkpoints.append(SignedCheckpoint(0, pinned.checkpoint.size, pinned.checkpoint.root_hash, pinned))
        report.notes.append(
            _("checkpoint 0 is the trusted checkpoint given to the verifier (size %(size)d)")
            % {"size": pinned.checkpoint.size}
        )
    checker = TreeChecker(checkpoints, report, require_signed=True)

    def events() -> Iterator[tuple[int, bytes]]:
        if pending is not None:
            yield pending
        yield from lines

    for number, line in events():
        position = checker.frontier.size
        fast = _fast_event(line)
        if fast is not None:
            index, leaf, recorded = fast
        else:
            try:
                record = json.loads(line)
                event = LeafEvent.from_json(record["event"])
                recorded = base64.b64decode(record["leaf_hash"], validate=True)
                index, leaf = event.index, event.leaf_hash()
            except (ValueError, KeyError, TypeError, EventError, binascii.Error, UnicodeError) as error:
                checker.problem(
                    _("line %(line)d (event %(index)d) is unreadable: %(reason)s")
                    % {"line": number, "index": position, "reason": error},
                    position,
                )
                checker.stopped = True
                break
        if not checker.add(index, leaf, recorded):
            break
    checker.finish()
    size = header.get("tree_size")
    if not checker.stopped and size != checker.frontier.size:
        report.add(
            _("the export says it holds %(size)s events but %(count)d are present")
            % {"size": size, "count": checker.frontier.size},
            min(checker.frontier.size, size) if isinstance(size, int) else None,
        )
    if min_size and report.covered_size < min_size:
        report.add(
            _("verified checkpoints cover %(covered)d events, fewer than the %(min)d required")
            % {"covered": report.covered_size, "min": min_size},
            report.covered_size,
            exact=False,
        )
    return report


def read_key_list(path: Path) -> list[str]:
    """Verifier keys from a file, one a line; blank lines and lines starting with # are skipped."""
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def add_trust_arguments(parser: Any) -> None:
    """The options that say what the verifier trusts (shared with ``jiancha ledger verify``)."""
    parser.add_argument("--witness-keys", type=Path, help=_("a file of witness verifier keys, one a line"))
    parser.add_argument(
        "--trust-embedded-log-key",
        action="store_true",
        help=_("use the log key inside the export when none is given (not a real check)"),
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        dest="trusted_checkpoint",
        help=_("a signed checkpoint already trusted, which the export must match"),
    )
    parser.add_argument(
        "--min-size", type=int, default=0, help=_("the least number of events signed checkpoints must cover")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jiancha.ledger.verify", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--log-key", help=_("the log's verifier key, as the commission publishes it"))
    parser.add_argument("--witness-key", action="append", default=[], help=_("a witness's verifier key"))
    add_trust_arguments(parser)
    args = parser.parse_args(argv)
    witness_keys = list(args.witness_key)
    if args.witness_keys:
        witness_keys += read_key_list(args.witness_keys)
    report = verify_export(
        args.file,
        args.log_key,
        witness_keys,
        trust_embedded_log_key=args.trust_embedded_log_key,
        trusted_checkpoint=(
            args.trusted_checkpoint.read_text(encoding="utf-8") if args.trusted_checkpoint else None
        ),
        min_size=args.min_size,
    )
    print(report.render())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
