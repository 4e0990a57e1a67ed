"""Import one delivered file into the pool as one batch: all of it or none of it.

1. Same feed, same content (SHA-256) as a batch already imported: nothing changes.
2. The file is read into DuckDB (sources.py) and checked against the feed: required columns present.
3. Each pool table the feed fills is computed in SQL (mapping.py): normalised values, errors per row.
4. If the share of rejected rows exceeds the feed's tolerance, the batch is refused: nothing lands.
5. Accepted rows are appended to the Delta tables (staged), then one database transaction marks the
   batch imported and saves the pool snapshot that makes them visible (the swap).
A process killed anywhere leaves the last snapshot as it was; ``recover`` removes staged rows.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import store
from .mapping import feed_sql, literal, quote
from .models import BatchStatus, ImportBatch, PoolSnapshot, RejectedRow
from .models import Feed as FeedRecord
from .schema import Feed, feeds, tables
from .sources import Source, SourceError, load, sha256_of

logger = logging.getLogger("jiancha.pool")

MAX_STORED_REJECTS = 5000
Progress = Callable[[str, int, int], None]


class ImportRefused(Exception):
    """Nothing was imported; ``message`` names the file and, where it applies, rows and fields."""

    def __init__(self, message: str, batch: ImportBatch | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.batch = batch


@dataclass
class ImportOutcome:
    batch: ImportBatch
    unchanged: bool = False
    table_rows: dict[str, int] = field(default_factory=dict)


def latest_snapshot() -> PoolSnapshot | None:
    return PoolSnapshot.objects.order_by("-id").first()


def snapshot_versions() -> dict[str, int]:
    snapshot = latest_snapshot()
    return dict(snapshot.versions) if snapshot else {}


def mask(value: str) -> str:
    """Keep enough of a rejected value to find it in the file, not enough to expose it."""
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) <= 8:
        return value[:2] + "*" * (len(value) - 2)
    return value[:4] + "*" * (len(value) - 7) + value[-3:]


def sync_feeds() -> dict[str, FeedRecord]:
    """Make the feed registry match feeds/*.yaml; the liaison assigned in the admin is kept.

    One query reads the registry; only a feed that is missing or differs from its YAML is written, so
    calling it before every import costs next to nothing once the registry is current.
    """
    existing = {record.code: record for record in FeedRecord.objects.all()}
    records = {}
    for code, feed in feeds().items():
        declared = {
            "name": feed.name_zh,
            "department": feed.department_zh,
            "file_format": feed.file_format,
            "cadence_days": feed.cadence_days,
            "classification": feed.classification,
            "tolerance": feed.tolerance,
        }
        record = existing.get(code)
        if record is None or any(getattr(record, key) != value for key, value in declared.items()):
            record, _created = FeedRecord.objects.update_or_create(code=code, defaults=declared)
        records[code] = record
    return records


def recover() -> list[int]:
    """Put every table back to the latest snapshot and mark unfinished batches failed.

    Whatever lies beyond the snapshot in a table (a killed import's staged rows, a rollback whose
    database commit failed) was never published, so it is undone before anything else is written.
    Call it holding the writer lock.
    """
    versions = snapshot_versions()
    changed = False
    for name in tables():
        # The log's listing, not the table: nothing to load for the (usual) table with nothing to undo.
        head, published = store.head_version(name), versions.get(name)
        if head is None or head == published:
            continue
        store.restore(name, published)
        # Restoring is itself a new Delta version with the snapshot's content; name it in a new
        # snapshot so that the next check finds nothing to undo.
        restored = store.current_version(name)
        assert restored is not None
        versions[name] = restored
        changed = True
    if changed:
        PoolSnapshot.objects.create(versions=versions, note="recovered: unpublished commits undone")
    stale = list(ImportBatch.objects.filter(status=BatchStatus.STAGING).values_list("id", flat=True))
    if stale:
        ImportBatch.objects.filter(id__in=stale).update(
            status=BatchStatus.FAILED, finished=timezone.now(), message="interrupted; staged rows removed"
        )
        logger.warning("pool: removed staged rows of interrupted batches %s", stale)
    return stale


def import_file(
    feed_code: str,
    path: Path,
    *,
    imported_by: str = "",
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportOutcome:
    feed = feeds().get(feed_code)
    if feed is None:
        raise ImportRefused(
            _("unknown feed %(feed)s; known feeds: %(feeds)s")
            % {"feed": feed_code, "feeds": ", ".join(sorted(feeds()))}
        )
    name = display_name or path.name
    step = progress or (lambda _stage, _done, _total: None)
    with store.writer_lock():
        recover()
        record = sync_feeds()[feed_code]
        step("hash", 0, 1)
        digest = sha256_of(path)
        earlier = ImportBatch.objects.filter(
            feed=record, content_hash=digest, status=BatchStatus.COMMITTED
        ).first()
        if earlier is not None:
            return ImportOutcome(earlier, unchanged=True, table_rows=dict(earlier.table_rows))
        batch = ImportBatch.objects.create(
            feed=record, file_name=name, content_hash=digest, imported_by=imported_by
        )
        work = Path(tempfile.mkdtemp(prefix="jiancha-import-", dir=store.pool_dir()))
        try:
            return _run(feed, batch, path, name, work, step)
        except ImportRefused as refused:
            _close(batch, BatchStatus.REJECTED, refused.message)
            refused.batch = batch
            raise
        except BaseException as error:
            # Anything else (a full disk, an interrupt): put the tables back as the snapshot has them.
            recover()
            _close(batch, BatchStatus.FAILED, f"{type(error).__name__}: {error}")
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _close(batch: ImportBatch, status: str, message: str) -> None:
    batch.status = status
    batch.message = message[:2000]
    batch.finished = timezone.now()
    batch.save(update_fields=["status", "message", "finished"])


def _connection(work: Path) -> duckdb.DuckDBPyConnection:
    connection = store.connect_bare()
    # Bounded memory: past the limit DuckDB spills to the work folder instead of growing.
    connection.execute(f"SET memory_limit = '1GB'; SET temp_directory = {literal(str(work))}")
    return connection


def _run(feed: Feed, batch: ImportBatch, path: Path, name: str, work: Path, step: Progress) -> ImportOutcome:
    connection = _connection(work)
    step("read", 0, 1)
    try:
        source = load(connection, path, feed.file_format, work, feed.sheet)
    except SourceError as error:
        raise ImportRefused(str(error).replace(str(path), name)) from None
    store.seal(connection)
    missing = [column for column in feed.required_sources() if column not in source.columns]
    if missing:
        raise ImportRefused(
            _("%(file)s: not a file of feed %(feed)s (%(name)s): missing column(s) %(columns)s")
            % {"file": name, "feed": feed.code, "name": feed.name_zh, "columns": ", ".join(missing)}
        )
    batch.rows_read = source.rows
    step("read", 1, 1)

    _map(connection, feed, source)
    rejected_rows = _count_rejected(connection, len(feed.maps))
    summary, samples = _rejects(connection, len(feed.maps), feed)
    batch.rows_rejected = rejected_rows
    batch.reject_summary = summary
    batch.rows_loaded = source.rows - rejected_rows
    _store_rejects(batch, samples)
    batch.save(update_fields=["rows_read", "rows_rejected", "rows_loaded", "reject_summary"])
    share = rejected_rows / source.rows if source.rows else 0.0
    if source.rows == 0:
        raise ImportRefused(_("%(file)s: the file has no data rows") % {"file": name})
    if share > feed.tolerance:
        raise ImportRefused(
            _(
                "%(file)s: %(rejected)d of %(rows)d rows rejected (%(share)s), over the feed's tolerance of "
                "%(tolerance)s; nothing was imported. See the rejected rows in the quality report."
            )
            % {
                "file": name,
                "rejected": rejected_rows,
                "rows": source.rows,
                "share": f"{share:.1%}",
                "tolerance": f"{feed.tolerance:.1%}",
            }
        )

    now = datetime.now(UTC)
    versions = snapshot_versions()
    table_rows: dict[str, int] = {}
    # One append (one Delta commit) per pool table, whatever the number of maps filling it
    # (population fills Family three times: father, mother, spouse).
    by_table: dict[str, list[int]] = {}
    for index, table_map in enumerate(feed.maps):
        by_table.setdefault(table_map.table, []).append(index)
    for position, (table_name, indexes) in enumerate(by_table.items()):
        table = tables()[table_name]
        step(f"write {table.name}", position, len(by_table))
        columns = ", ".join(quote(c) for c in table.columns)
        accepted = " UNION ALL ".join(f"SELECT * FROM mapped_{i} WHERE len(_errors) = 0" for i in indexes)
        query = (
            f"SELECT {columns}, {literal(feed.code)} AS _feed, {batch.pk}::BIGINT AS _batch, {literal(name)} AS _file, "
            f"_row::BIGINT AS _row, {literal(now.isoformat())}::TIMESTAMPTZ AS _imported_at "
            f"FROM ({accepted})"
        )
        count = connection.execute(f"SELECT count(*) FROM ({accepted})").fetchall()[0]
        table_rows[table.name] = int(count[0]) if count else 0
        if not count or not count[0]:
            continue
        reader = connection.sql(query).to_arrow_reader(100_000)
        versions[table.name] = store.append(table.name, reader.cast(table.arrow_schema()))
    step("commit", 0, 1)
    with transaction.atomic():
        batch.status = BatchStatus.COMMITTED
        batch.finished = timezone.now()
        batch.table_rows = table_rows
        batch.message = ""
        batch.save(update_fields=["status", "finished", "table_rows", "message"])
        PoolSnapshot.objects.create(versions=versions, batch=batch, note=f"import {feed.code} {name}")
        _ledger(batch, "pool.batch.imported", batch.imported_by or "system")
    connection.close()
    return ImportOutcome(batch, table_rows=table_rows)


def _map(connection: duckdb.DuckDBPyConnection, feed: Feed, source: Source) -> None:
    """Views ``mapped_<i>``, one per table the feed fills: its columns, ``_row`` and ``_errors``.

    Each staging table's values are normalised and validated once into the temp table
    ``norm_<staging>``, which holds what its pool tables need and nothing else; each ``mapped_<i>``
    selects its columns and rows from it. Materialising rows is a large part of the cost, so they are
    materialised once, not once more per pool table.
    """
    sql = feed_sql(feed.maps, set(source.columns), plain=source.plain)
    for staging, query in sql.normalised.items():
        connection.execute(f"CREATE TEMP TABLE norm_{staging} AS {query}")
    for index, (staging, _map, _values) in enumerate(sql.maps):
        connection.execute(f"CREATE TEMP VIEW mapped_{index} AS {sql.select(index, f'norm_{staging}')}")


def _count_rejected(connection: duckdb.DuckDBPyConnection, maps: int) -> int:
    union = " UNION ".join(f"SELECT _row FROM mapped_{i} WHERE len(_errors) > 0" for i in range(maps))
    result = connection.execute(f"SELECT count(*) FROM ({union})").fetchall()[0]
    return int(result[0]) if result else 0


def _rejects(
    connection: duckdb.DuckDBPyConnection, maps: int, feed: Feed
) -> tuple[dict[str, int], list[tuple[int, str, str, str, str]]]:
    counts: Counter[str] = Counter()
    samples: list[tuple[int, str, str, str, str]] = []
    for index, table_map in enumerate(feed.maps):
        rows = connection.execute(
            f"SELECT split_part(e, '|', 1) AS field, split_part(e, '|', 2) AS reason, count(*) "
            f"FROM (SELECT unnest(_errors) AS e FROM mapped_{index} WHERE len(_errors) > 0) GROUP BY ALL"
        ).fetchall()
        for field_name, reason, count in rows:
            counts[f"{table_map.table}.{field_name}: {reason}"] += int(count)
        room = MAX_STORED_REJECTS - len(samples)
        if room <= 0:
            continue
        for row, error in connection.execute(
            f"SELECT _row, unnest(_errors) FROM mapped_{index} WHERE len(_errors) > 0 ORDER BY _row LIMIT {room}"
        ).fetchall():
            field_name, reason, value = [*error.split("|", 2), "", ""][:3]
            samples.append((int(row), table_map.table, field_name, reason, value))
    return dict(counts.most_common()), samples


def _store_rejects(batch: ImportBatch, samples: list[tuple[int, str, str, str, str]]) -> None:
    RejectedRow.objects.bulk_create(
        [
            RejectedRow(batch=batch, row=row, table=table, field=field_name, reason=reason, value=mask(value))
            for row, table, field_name, reason, value in samples
        ],
        batch_size=1000,
    )


def rollback(batch_id: int, *, actor: str = "") -> ImportBatch:
    """Take a committed batch out of the pool; later batches stay. Recorded on the batch and in the ledger."""
    with store.writer_lock():
        recover()
        return _rollback(batch_id, actor)


@transaction.atomic
def _rollback(batch_id: int, actor: str) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status != BatchStatus.COMMITTED:
        raise ImportRefused(
            _("batch %(batch)d is %(status)s, not imported; nothing to roll back")
            % {"batch": batch_id, "status": batch.get_status_display()}
        )
    versions = snapshot_versions()
    for name in batch.table_rows:
        version = store.delete_batches(name, [batch.pk])
        if version is not None:
            versions[name] = version
    batch.status = BatchStatus.ROLLED_BACK
    batch.message = f"rolled back by {actor or 'system'} at {timezone.now():%Y-%m-%d %H:%M}"
    batch.save(update_fields=["status", "message"])
    PoolSnapshot.objects.create(versions=versions, batch=batch, note=f"rollback {batch.pk}")
    _ledger(batch, "pool.batch.rolled_back", actor or "system")
    return batch


def _ledger(batch: ImportBatch, kind: str, actor: str) -> None:
    """Imports and rollbacks change what every profile shows, so the ledger records them too."""
    from jiancha.ledger.services import record_event

    record_event(
        kind=kind,
        actor=actor,
        object_kind="pool_batch",
        object_id=str(batch.pk),
        content={
            "feed": batch.feed.code,
            "file": batch.file_name,
            "sha256": batch.content_hash,
            "rows_loaded": batch.rows_loaded,
            "rows_rejected": batch.rows_rejected,
            "status": batch.status,
        },
    )
