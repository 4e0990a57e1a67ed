"""The ledger's service functions: record events, prove, checkpoint, cosign, export, check.

Every other app calls ``record_event`` (or ``record_events`` for a batch) inside the transaction that
changes state, so the change and its ledger entry commit together or not at all. Appends are
serialised by locking the single ``LogHead`` row; call it late in the transaction to hold the lock
briefly.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from . import keys, merkle
from .anchor import Anchor
from .leaf import (
    SALT_SIZE,
    LeafEvent,
    check_fields,
    check_object_id,
    content_commitment,
    format_time,
    leaf_data,
)
from .merkle import Frontier, NodeId, ProofError, interior_node_seq, leaf_hash
from .models import AnchorRecord, Checkpoint, Cosignature, Event, LogHead, Node, WitnessKey
from .note import (
    ALG_COSIGNATURE_V1,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    parse_note,
)
from .note import (
    Checkpoint as CheckpointBody,
)
from .verify import EXPORT_FORMAT, Report, TreeChecker, check_checkpoints

Content = bytes | str | Mapping[str, Any] | list[Any]


@dataclass(frozen=True)
class EventInput:
    """One event to record. ``actor`` is text such as "wang.li/investigator" (never a user id)."""

    kind: str
    actor: str
    object_kind: str
    object_id: str | int
    content: Content | None = None
    legal_basis: str = ""


@dataclass(frozen=True)
class RecordedEvent:
    """What a caller keeps: the index and ID to cite, and the salt to reveal with the content."""

    index: int
    uid: str
    leaf_hash: bytes
    content_hash: bytes
    salt: bytes = field(repr=False)


def _uuid7_hex(milliseconds: int, random16: bytes) -> str:
    """A version-7 UUID (RFC 9562) as 32 hex digits: time-ordered, so each new ID lands at the end
    of the unique index instead of on a random page, which keeps appends fast at millions of rows."""
    random_bits = int.from_bytes(random16[:10], "big")
    value = (
        (milliseconds & (1 << 48) - 1) << 80
        | 0x7 << 76
        | (random_bits >> 68) << 64
        | 0b10 << 62
        | random_bits & ((1 << 62) - 1)
    )
    return f"{value:032x}"


def actor_label(username: str, role: str = "") -> str:
    """The actor text stored in the ledger: "username/role", or "username" without a role."""
    return f"{username}/{role}" if role else username


def _bytes(value: bytes | memoryview) -> bytes:
    return bytes(value)


def record_event(
    *,
    kind: str,
    actor: str,
    object_kind: str,
    object_id: str | int,
    content: Content | None = None,
    legal_basis: str = "",
) -> RecordedEvent:
    """Append one event (记录存证事件); returns its index, ID, and the salt of its content commitment."""
    return record_events([EventInput(kind, actor, object_kind, object_id, content, legal_basis)])[0]


def record_events(inputs: Sequence[EventInput]) -> list[RecordedEvent]:
    """Append events in one transaction: all of them get consecutive indexes, or none is written.

    The insert is plain ``executemany`` rather than ``bulk_create``: building model instances and
    compiling the INSERT cost four times the database work, and every later app calls this on each
    change of state.
    """
    if not inputs:
        return []
    # The event ID's time only orders IDs; the recorded time is read under the append lock below.
    randomness = os.urandom(16 * len(inputs))  # one system call for every event ID
    milliseconds = int(time.time() * 1000)
    salt_secret = keys.salt_key()
    checked: set[tuple[str, str, str, str]] = set()  # a batch repeats the same few kinds and actors
    prepared: list[tuple[EventInput, str, bytes, bytes, str]] = []
    for position, item in enumerate(inputs):
        object_id = str(item.object_id)
        repeated = (item.kind, item.actor, item.object_kind, item.legal_basis)
        if repeated not in checked:
            check_fields(item.kind, item.actor, item.object_kind, "-", item.legal_basis)
            checked.add(repeated)
        check_object_id(object_id)
        uid = _uuid7_hex(milliseconds, randomness[16 * position : 16 * position + 16])
        salt = _derive_salt(salt_secret, uid)
        content = b"" if item.content is None else item.content
        prepared.append((item, object_id, salt, content_commitment(salt, content), uid))
    with transaction.atomic():
        connection = connections[Event.objects.db]
        native_uuid = connection.features.has_native_uuid_field
        head_size, frontier_hashes = _lock_head(connection)
        # Read the clock only once the lock is held, so that times never go backwards as indexes
        # grow (two appenders may read the clock in one order and take the lock in the other).
        now = timezone.now()
        time_text = format_time(now)
        moment = Event._meta.get_field("recorded_at").get_db_prep_save(now, connection)
        frontier = Frontier(size=head_size, hashes=frontier_hashes)
        event_rows: list[tuple[Any, ...]] = []
        node_rows: list[tuple[int, int, int, bytes]] = []
        recorded: list[RecordedEvent] = []
        for item, object_id, salt, commitment, uid in prepared:
            index = frontier.size
            text_uid = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
            leaf = leaf_hash(
                leaf_data(
                    index,
                    text_uid,
                    item.kind,
                    item.actor,
                    time_text,
                    item.object_kind,
                    object_id,
                    item.legal_basis,
                    commitment.hex(),
                )
            )
            for level, node_index, value in frontier.append(leaf):
                node_rows.append((interior_node_seq(level, node_index), level, node_index, value))
            event_rows.append(
                (
                    index,
                    uuid.UUID(uid) if native_uuid else uid,
                    item.kind,
                    item.actor,
                    moment,
                    item.object_kind,
                    object_id,
                    item.legal_basis,
                    commitment,
                    leaf,
                )
            )
            recorded.append(RecordedEvent(index, text_uid, leaf, commitment, salt))
        table = connection.ops.quote_name(LogHead._meta.db_table)
        head_sql = f"UPDATE {table} SET size = %s, frontier = %s WHERE id = 1"
        head_params: list[Any] = [frontier.size, b"".join(frontier.hashes)]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and len(event_rows) <= _SMALL_BATCH:
                # One round trip for all the writes of a small append: on a server each round trip
                # costs more than the work, and single-event transactions are the common case.
                parts: list[str] = []
                params: list[Any] = []
                writes: list[
                    tuple[str, type[Event] | type[Node], tuple[str, ...], Sequence[tuple[Any, ...]]]
                ] = [
                    ("new_events", Event, _EVENT_FIELDS, event_rows),
                    ("new_nodes", Node, _NODE_FIELDS, node_rows),
                ]
                for name, model, fields, rows in writes:
                    if rows:
                        values = ", ".join("(" + ", ".join(["%s"] * len(fields)) + ")" for _row in rows)
                        parts.append(f"{name} AS ({_insert_sql(model, fields, connection, values)})")
                        params.extend(value for row in rows for value in row)
                cursor.execute("WITH " + ", ".join(parts) + " " + head_sql, [*params, *head_params])
            else:
                _insert_rows(cursor, connection, Event, _EVENT_FIELDS, event_rows)
                _insert_rows(cursor, connection, Node, _NODE_FIELDS, node_rows)
                cursor.execute(head_sql, head_params)
    return recorded


_SMALL_BATCH = 50


_EVENT_FIELDS = (
    "index",
    "uid",
    "kind",
    "actor",
    "recorded_at",
    "object_kind",
    "object_id",
    "legal_basis",
    "content_hash",
    "leaf_hash",
)
_NODE_FIELDS = ("seq", "level", "index", "hash")


def _insert_rows(
    cursor: Any,
    connection: BaseDatabaseWrapper,
    model: type[Event] | type[Node],
    fields: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) > 1:
        # COPY is several times faster than a multi-row INSERT on PostgreSQL.
        quote = connection.ops.quote_name
        columns = _columns(model, fields, connection)
        with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(_insert_sql(model, fields, connection), rows)


def _columns(model: type[Event] | type[Node], fields: Sequence[str], connection: BaseDatabaseWrapper) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(model._meta.get_field(name).column or name) for name in fields)  # type: ignore[union-attr]


def _insert_sql(
    model: type[Event] | type[Node], fields: Sequence[str], connection: BaseDatabaseWrapper, values: str = ""
) -> str:
    quote = connection.ops.quote_name
    columns = _columns(model, fields, connection)
    values = values or "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"


def _derive_salt(secret: bytes, uid: str) -> bytes:
    """An event's salt: HMAC-SHA256(ledger salt key, event ID as 32 hex digits), first 16 bytes.

    Derived rather than stored, so that reading the events table never gives what a guess of
    low-entropy content needs.
    """
    return hmac.new(secret, uuid.UUID(uid).hex.encode("ascii"), hashlib.sha256).digest()[:SALT_SIZE]


def event_salt(event: Event) -> bytes:
    """The salt of an event's content commitment, to reveal with the content to a chosen verifier."""
    return _derive_salt(keys.salt_key(create=False), str(event.uid))


def _lock_head(connection: BaseDatabaseWrapper) -> tuple[int, list[bytes]]:
    """Read and lock the log head; SQLite's IMMEDIATE transactions already serialise writers."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    table = connection.ops.quote_name(LogHead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size, frontier FROM {table} WHERE id = 1{lock}")
        row = cursor.fetchone()
        if row is None:
            # Only after a flush (transactional tests); the migration normally makes the row.
            LogHead.objects.get_or_create(pk=1, defaults={"size": 0, "frontier": b""})
            cursor.execute(f"SELECT size, frontier FROM {table} WHERE id = 1{lock}")
            row = cursor.fetchone()
    raw = bytes(row[1])
    return int(row[0]), [raw[i : i + 32] for i in range(0, len(raw), 32)]


def event_leaf(event: Event) -> LeafEvent:
    return LeafEvent(
        index=event.index,
        uid=str(event.uid),
        kind=event.kind,
        actor=event.actor,
        time=format_time(event.recorded_at),
        object_kind=event.object_kind,
        object_id=event.object_id,
        legal_basis=event.legal_basis,
        content_hash=_bytes(event.content_hash).hex(),
    )


# --- reading the tree -------------------------------------------------------------------------------


def read_nodes(ids: Sequence[NodeId]) -> dict[NodeId, bytes]:
    """Stored hashes for perfect subtrees: leaves from events, interior nodes by their seq; two reads.

    Plain SQL: a proof is a handful of primary-key lookups and the ORM would double their cost.
    """
    connection = connections[Event.objects.db]
    quote = connection.ops.quote_name
    found: dict[NodeId, bytes] = {}
    leaves = sorted({index for level, index in ids if level == 0})
    seqs = sorted({interior_node_seq(level, index) for level, index in ids if level > 0})
    with connection.cursor() as cursor:
        if leaves:
            cursor.execute(
                f"SELECT {quote('index')}, leaf_hash FROM {quote(Event._meta.db_table)} "
                f"WHERE {quote('index')} IN ({', '.join(['%s'] * len(leaves))})",
                leaves,
            )
            for index, value in cursor.fetchall():
                found[(0, index)] = _bytes(value)
        if seqs:
            cursor.execute(
                f"SELECT level, {quote('index')}, hash FROM {quote(Node._meta.db_table)} "
                f"WHERE seq IN ({', '.join(['%s'] * len(seqs))})",
                seqs,
            )
            for level, index, value in cursor.fetchall():
                found[(level, index)] = _bytes(value)
    return found


def _head() -> tuple[int, list[bytes]]:
    connection = connections[LogHead.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT size, frontier FROM {connection.ops.quote_name(LogHead._meta.db_table)} WHERE id = 1"
        )
        row = cursor.fetchone()
    if row is None:
        return 0, []
    raw = bytes(row[1])
    return int(row[0]), [raw[i : i + 32] for i in range(0, len(raw), 32)]


def tree_size() -> int:
    return _head()[0]


def root_hash(size: int | None = None) -> bytes:
    current, frontier = _head()
    if size is None or size == current:
        return Frontier(current, frontier).root()
    if not 0 <= size <= current:
        raise ProofError(
            _("the log has %(current)s events, not %(size)s") % {"current": current, "size": size}
        )
    return merkle.root_at(size, read_nodes)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-id").first()


def find_event(index: int | None = None, uid: uuid.UUID | str | None = None) -> Event | None:
    if index is not None:
        return Event.objects.filter(index=index).first()
    if uid is not None:
        return Event.objects.filter(uid=uid).first()
    return None


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    proof: list[bytes]
    root_hash: bytes


def inclusion_proof(index: int, size: int | None = None) -> InclusionProof:
    """Audit path for event ``index`` in the tree of ``size`` (default: the latest checkpoint's).

    Three or four primary-key reads whatever the log's size: the head, the latest checkpoint when no
    size is given, then the leaves and the interior nodes the path and the root need.
    """
    if size is None:
        checkpoint = latest_checkpoint()
        if checkpoint is None:
            raise ProofError(_("no checkpoint has been signed yet"))
        size = checkpoint.tree_size
    current, frontier = _head()
    if not 0 < size <= current:
        raise ProofError(
            _("the log has %(current)s events; no tree of size %(size)s") % {"current": current, "size": size}
        )
    if not 0 <= index < size:
        raise ProofError(
            _("event %(index)s is not in the tree of size %(size)s") % {"index": index, "size": size}
        )
    ranges = merkle.inclusion_ranges(index, size)
    extra = [(index, index + 1)] + ([] if size == current else [(0, size)])
    hashes = merkle.hash_ranges(ranges + extra, read_nodes)
    root = Frontier(current, frontier).root() if size == current else hashes[-1]
    return InclusionProof(index, size, hashes[len(ranges)], hashes[: len(ranges)], root)


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    current = tree_size()
    if not 0 < size1 <= size2 <= current:
        raise ProofError(_("need 0 < size1 ≤ size2 ≤ %(current)s") % {"current": current})
    return merkle.consistency_proof(size1, size2, read_nodes)


# --- checkpoints and cosignatures -----------------------------------------------------------------


def make_checkpoint(signer: Signer, force: bool = False) -> tuple[Checkpoint, bool]:
    """Sign the current tree head (签发检查点); unless forced, reuse the latest if nothing was added.

    Returns the checkpoint and whether it is new.
    """
    if signer.name != settings.JIANCHA_ORIGIN:
        raise NoteError(
            _("the log key is for %(name)r, not %(origin)r")
            % {"name": signer.name, "origin": settings.JIANCHA_ORIGIN}
        )
    with transaction.atomic():
        size, hashes = _lock_head(connections[Checkpoint.objects.db])
        latest = latest_checkpoint()
        if latest is not None and latest.tree_size == size and not force:
            return latest, False
        body = CheckpointBody(
            origin=settings.JIANCHA_ORIGIN, size=size, root_hash=Frontier(size, hashes).root()
        )
        text = body.body()
        checkpoint = Checkpoint.objects.create(
            tree_size=body.size,
            root_hash=body.root_hash,
            note=text + "\n" + signer.signature_line(text),
            created_at=timezone.now(),
        )
    return checkpoint, True


def checkpoint_with_cosignatures(checkpoint: Checkpoint) -> str:
    """The signed note as a reader sees it: the log's signature, then each witness's cosignature."""
    cosignatures = sorted(checkpoint.cosignatures.all(), key=lambda c: c.pk)  # uses a prefetch if any
    lines = [c.line if c.line.endswith("\n") else c.line + "\n" for c in cosignatures]
    return checkpoint.note + "".join(lines)


def witness_verifiers(active_only: bool = False) -> list[Verifier]:
    keys = WitnessKey.objects.all()
    if active_only:
        keys = keys.filter(active=True)
    return [Verifier.from_vkey(key.vkey) for key in keys]


def register_witness(vkey: str, body: str) -> WitnessKey:
    """Record a partner body's public cosigning key (the private key never comes here)."""
    verifier = Verifier.from_vkey(vkey)
    if verifier.alg != ALG_COSIGNATURE_V1:
        raise NoteError(_("a witness key must be a cosignature/v1 key (type 0x04)"))
    key, _created = WitnessKey.objects.update_or_create(
        name=verifier.name, defaults={"vkey": verifier.vkey, "body": body, "active": True}
    )
    return key


def add_cosignature(checkpoint: Checkpoint, line: str) -> Cosignature:
    """Attach a witness's cosignature after checking it against a registered key; refuse others."""
    note = parse_note(checkpoint.note + line.rstrip("\n") + "\n")
    signature = note.signatures[-1]
    key = WitnessKey.objects.filter(name=signature.name, active=True).first()
    if key is None:
        raise NoteError(_("%(name)s is not a registered witness") % {"name": signature.name})
    verifier = Verifier.from_vkey(key.vkey)
    if verifier.key_id != signature.key_id:
        raise NoteError(
            _("the cosignature of %(name)s is by an unknown key %(key_id)s")
            % {"name": signature.name, "key_id": signature.key_id.hex()}
        )
    timestamp = verifier.check(note.text.encode("utf-8"), signature.signature)
    cosignature, _created = Cosignature.objects.update_or_create(
        checkpoint=checkpoint, witness=key, defaults={"timestamp": timestamp or 0, "line": signature.line}
    )
    return cosignature


@dataclass(frozen=True)
class WitnessRequest:
    """What a witness needs: the new checkpoint and a consistency proof from the size it last cosigned."""

    checkpoint_id: int
    note: str
    old_size: int
    proof: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint_id": self.checkpoint_id,
            "checkpoint": self.note,
            "old_size": self.old_size,
            "proof": [base64.b64encode(p).decode() for p in self.proof],
        }


def witness_request(old_size: int, checkpoint: Checkpoint | None = None) -> WitnessRequest:
    checkpoint = checkpoint or latest_checkpoint()
    if checkpoint is None:
        raise ProofError(_("no checkpoint has been signed yet"))
    proof: list[bytes] = []
    if 0 < old_size < checkpoint.tree_size:
        proof = merkle.consistency_proof(old_size, checkpoint.tree_size, read_nodes)
    return WitnessRequest(checkpoint.pk, checkpoint.note, old_size, proof)


# --- anchoring -----------------------------------------------------------------------------------


def anchor_checkpoint(anchor: Anchor, checkpoint: Checkpoint | None = None) -> AnchorRecord:
    """Publish a checkpoint to an external chain or file; idempotent per (checkpoint, anchor)."""
    checkpoint = checkpoint or latest_checkpoint()
    if checkpoint is None:
        raise ProofError(_("no checkpoint has been signed yet"))
    existing = AnchorRecord.objects.filter(checkpoint=checkpoint, anchor=anchor.name).first()
    if existing is not None:
        return existing
    reference = anchor.publish(checkpoint.note, checkpoint.tree_size, _bytes(checkpoint.root_hash))
    return AnchorRecord.objects.create(
        checkpoint=checkpoint, anchor=anchor.name, reference=reference, anchored_at=timezone.now()
    )


# --- export and database check ------------------------------------------------------------------


def _event_rows(limit: int, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Events below ``limit`` in index order, by keyset pages so memory stays flat at any size."""
    fields = (
        "index",
        "uid",
        "kind",
        "actor",
        "recorded_at",
        "object_kind",
        "object_id",
        "legal_basis",
        "content_hash",
        "leaf_hash",
    )
    last = -1
    while True:
        rows = list(
            Event.objects.filter(index__gt=last, index__lt=limit)
            .order_by("index")
            .values_list(*fields)[:chunk]
        )
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def _row_leaf(row: tuple[Any, ...]) -> LeafEvent:
    index, uid, kind, actor, recorded_at, object_kind, object_id, legal_basis, content_hash, _leaf = row
    return LeafEvent(
        index,
        str(uid),
        kind,
        actor,
        format_time(recorded_at),
        object_kind,
        object_id,
        legal_basis,
        _bytes(content_hash).hex(),
    )


def export_ledger(path: Path, log: Verifier, signer: Signer | None = None) -> int:
    """Write the export file (JSON Lines): a header, every checkpoint as signed, then every event.

    The export ends exactly at a signed checkpoint, so that a verifier can refuse any event no
    signature covers: with ``signer`` the current head is signed first (or the latest checkpoint
    reused if nothing was added); without it, events after the latest checkpoint are left out.
    """
    signed = make_checkpoint(signer)[0] if signer is not None else latest_checkpoint()
    if signed is None:
        raise ProofError(_("no checkpoint has been signed yet: sign one before exporting"))
    # No transaction is needed for a consistent cut: events and checkpoints are never changed, so
    # everything below the checkpoint's size stays as it was while the file is written (and an
    # IMMEDIATE SQLite transaction would block appends for the whole export).
    latest: Checkpoint = signed
    size = latest.tree_size
    checkpoints = list(
        Checkpoint.objects.filter(tree_size__lte=size, id__lte=latest.pk)
        .order_by("id")
        .prefetch_related("cosignatures")
    )
    witnesses = list(WitnessKey.objects.order_by("name"))
    anchors = list(AnchorRecord.objects.order_by("id"))
    header = {
        "format": EXPORT_FORMAT,
        "origin": settings.JIANCHA_ORIGIN,
        "log_key": log.vkey,
        "witnesses": [{"name": w.name, "vkey": w.vkey, "body": w.body} for w in witnesses],
        "tree_size": size,
        "exported_at": format_time(timezone.now()),
    }
    temporary = path.with_name(path.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # left by a crash; recreated below with the right mode
    # The export names actors and objects: readable by its owner only, and never left half-written.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        written = _write_export(fd, header, checkpoints, anchors, size)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return written


def _write_export(
    fd: int,
    header: dict[str, Any],
    checkpoints: list[Checkpoint],
    anchors: list[AnchorRecord],
    size: int,
) -> int:
    with open(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for checkpoint in checkpoints:
            record = {
                "checkpoint": checkpoint_with_cosignatures(checkpoint),
                "created_at": format_time(checkpoint.created_at),
                "anchors": [
                    {"anchor": a.anchor, "reference": a.reference}
                    for a in anchors
                    if a.checkpoint_id == checkpoint.pk
                ],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written = 0
        for row in _event_rows(size):
            leaf = _row_leaf(row)
            out.write(
                '{"leaf_hash":"'
                + base64.b64encode(_bytes(row[9])).decode()
                + '","event":'
                + leaf.data().decode("utf-8")
                + "}\n"
            )
            written += 1
    return written


def _node_rows(limit: int, chunk: int = 10000) -> Iterator[tuple[int, int, int, bytes]]:
    """Interior nodes with ``seq`` below ``limit``, in the order appends created them."""
    last = -1
    while True:
        rows = list(
            Node.objects.filter(seq__gt=last, seq__lt=limit)
            .order_by("seq")
            .values_list("seq", "level", "index", "hash")[:chunk]
        )
        if not rows:
            return
        for seq, level, index, value in rows:
            yield seq, level, index, _bytes(value)
        last = rows[-1][0]


def check_database(log: Verifier, witnesses: Iterable[Verifier] | None = None) -> Report:
    """Check the stored ledger as the offline verifier checks an export, plus the stored nodes.

    Names the first event index that no longer matches its leaf hash, a missing or extra event, the
    first stored interior node that differs from the recomputed one, forks and shrinking checkpoints.
    """
    report = Report()
    witness_list = list(witness_verifiers() if witnesses is None else witnesses)
    rows = list(Checkpoint.objects.order_by("id").prefetch_related("cosignatures"))
    checkpoints = check_checkpoints(
        ((n, checkpoint_with_cosignatures(c)) for n, c in enumerate(rows, start=1)), log, witness_list, report
    )
    for signed, stored in zip(checkpoints, [rows[c.position - 1] for c in checkpoints], strict=True):
        if signed.size != stored.tree_size or signed.root != _bytes(stored.root_hash):
            report.add(
                _("checkpoint %(n)d: its stored size or root differs from its signed text")
                % {"n": signed.position}
            )
    # Checkpoints were read before the head, so none can be larger than it; appends made while
    # this runs lie beyond ``size`` and are left out instead of being reported as extra rows.
    size, head_frontier = _head()
    checker = TreeChecker(checkpoints, report)
    nodes = _node_rows(size - size.bit_count())
    pending_node = next(nodes, None)
    node_problem = False
    # The stored tree (recorded leaf hashes and nodes) is checked on its own, so that an event
    # edited in place is named by its index rather than by the node above it.
    stored_tree = Frontier()
    for row in _event_rows(size):
        leaf, recorded = _row_leaf(row).leaf_hash(), _bytes(row[9])
        if not checker.add(row[0], leaf, recorded):
            break
        for level, index, value in stored_tree.append(recorded):
            seq = interior_node_seq(level, index)
            if pending_node is not None and pending_node[0] == seq and pending_node[1:3] != (level, index):
                # read_nodes keys proofs by (level, index): a relabelled row would give wrong proofs.
                if not node_problem:
                    first = index << level
                    report.add(
                        _(
                            "tree node %(seq)d is labelled level %(found_level)d index %(found_index)d, "
                            "not level %(level)d index %(index)d (events %(first)d–%(last)d)"
                        )
                        % {
                            "seq": seq,
                            "found_level": pending_node[1],
                            "found_index": pending_node[2],
                            "level": level,
                            "index": index,
                            "first": first,
                            "last": first + (1 << level) - 1,
                        },
                        first,
                        exact=False,
                    )
                    node_problem = True
                pending_node = next(nodes, None)
                continue
            if pending_node is None or pending_node[0] != seq:
                if not node_problem:
                    first = index << level
                    report.add(
                        _("tree node level %(level)d index %(index)d (events %(first)d–%(last)d) is missing")
                        % {"level": level, "index": index, "first": first, "last": first + (1 << level) - 1},
                        first,
                        exact=False,
                    )
                    node_problem = True
                continue
            if pending_node[3] != value and not node_problem:
                first = index << level
                report.add(
                    _(
                        "tree node level %(level)d index %(index)d (events %(first)d–%(last)d) does not match the events below it"
                    )
                    % {"level": level, "index": index, "first": first, "last": first + (1 << level) - 1},
                    first,
                    exact=False,
                )
                node_problem = True
            pending_node = next(nodes, None)
    frontier = checker.finish()
    if not checker.stopped:
        if size != frontier.size:
            report.add(
                _("the log head says %(head)d events but %(count)d are stored")
                % {"head": size, "count": frontier.size},
                min(size, frontier.size),
            )
        elif head_frontier != stored_tree.hashes:
            report.add(_("the log head's frontier differs from the stored tree"))
    # Rows beyond the head as it is now were not appended through the log.
    now = tree_size()
    stray = Event.objects.filter(index__gte=now).order_by("index").values_list("index", flat=True).first()
    if stray is not None:
        report.add(
            _("event %(index)d lies beyond the log's size %(size)d (inserted behind the log's back)")
            % {"index": stray, "size": now},
            stray,
        )
    stray_node = Node.objects.filter(seq__gte=now - now.bit_count()).order_by("seq").first()
    if stray_node is not None:
        report.add(
            _("extra tree node level %(level)d index %(index)d beyond the log")
            % {"level": stray_node.level, "index": stray_node.index}
        )
    return report


def verify_content(event: Event, salt: bytes, content: Content) -> bool:
    """Whether ``content`` with ``salt`` is what event committed to (for a verifier shown both)."""
    return content_commitment(salt, content) == _bytes(event.content_hash)


def checkpoint_summary(checkpoint: Checkpoint, log: Verifier) -> dict[str, Any]:
    """What the page and the API show of a checkpoint; ``error`` says why it does not verify."""
    error = ""
    cosigners: tuple[Any, ...] = ()
    try:
        opened = open_checkpoint(checkpoint_with_cosignatures(checkpoint), log, witness_verifiers())
        cosigners = opened.cosigners
    except NoteError as problem:  # e.g. a rotated log key or a tampered cosignature row
        error = _("this checkpoint does not verify: %(reason)s") % {"reason": problem}
    return {
        "error": error,
        "id": checkpoint.pk,
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(_bytes(checkpoint.root_hash)).decode(),
        "created_at": checkpoint.created_at,
        "note": checkpoint_with_cosignatures(checkpoint),
        "cosigners": [
            {"name": c.name, "key_id": c.key_id, "timestamp": datetime.fromtimestamp(c.timestamp, tz=UTC)}
            for c in cosigners
        ],
    }
