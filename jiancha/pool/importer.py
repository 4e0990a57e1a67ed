"""Import one delivered file into the pool as one batch: all of it or none of it.

An import has two phases. ``prepare`` works on the file alone, touching neither the pool nor the
database, so that several files can be prepared at once (``import_files``):
1. Same feed, same content (SHA-256) as a batch already imported: nothing to do.
2. The file is read into a DuckDB connection of its own (sources.py) and checked against the feed:
   required columns present. The connection's database may read only the files being imported and
   write only in its work folder (``ImportDatabases``).
3. Each pool table the feed fills is computed in SQL (mapping.py): normalised values, errors per row.
``commit`` then runs under the writer lock, one import at a time:
4. The batch is recorded with its rejected rows. If the share of rejected rows exceeds the feed's
   tolerance, or the file could not be read, the batch is refused: nothing lands.
5. Accepted rows are appended to the Delta tables (staged), then one database transaction marks the
   batch imported and saves the pool snapshot that makes them visible (the swap).
A process killed anywhere leaves the last snapshot as it was; ``recover`` removes staged rows.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Callable, Container, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import normalize, store
from .mapping import feed_sql, literal, quote
from .models import BatchStatus, ImportBatch, PoolSnapshot, RejectedRow
from .models import Feed as FeedRecord
from .schema import Feed, feeds, tables
from .sources import Source, SourceError, csv_error, load, sha256_of

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
    """Import one file now: prepare it, then commit it (see the module's docstring)."""
    step = progress or _no_progress
    committed = _committed(feed_code).get(feed_code, frozenset())
    prepared = prepare(feed_code, path, display_name=display_name, committed=committed, progress=step)
    return commit(prepared, imported_by=imported_by, progress=step)


class _Database:
    """A DuckDB database in which files are prepared, each in a connection (cursor) of its own.

    Setting up and tearing down a DuckDB database (a catalog of some 3,000 functions) costs about
    25 ms of CPU; paid for each file it was a tenth of a county region's import. Its configuration is
    locked before any file is read: it reads only the given files and reads or writes only under its
    work folder (spilled data, transcoded copies). SQL here is built from feed YAML and file headers,
    both quoted, but a mistake must not become a way to reach the server's other files.
    """

    def __init__(self, root: Path, files: Iterable[Path], threads: int | None) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="db-", dir=root))
        self.connection = store.connect_bare(macros=False)
        self.macros: set[str] = set()
        settings = [f"SET threads = {int(threads)}"] if threads is not None else []
        readable = sorted({str(p) for path in files for p in (path, path.absolute())})
        settings += [
            # Bounded memory: past the limit DuckDB spills to the work folder instead of growing.
            "SET memory_limit = '1GB'",
            f"SET temp_directory = {literal(str(self.work / 'spill'))}",
            f"SET allowed_directories = [{literal(str(self.work) + os.sep)}]",
            f"SET allowed_paths = [{', '.join(literal(p) for p in readable)}]",
            "SET enable_external_access = false",
            "SET lock_configuration = true",
        ]
        try:
            for statement in settings:
                self.connection.execute(statement)
        except BaseException:
            self.connection.close()
            raise

    def open(self) -> tuple[duckdb.DuckDBPyConnection, Path]:
        """A new connection and a work folder for one file."""
        return self.connection.cursor(), Path(tempfile.mkdtemp(prefix="file-", dir=self.work))

    def install(self, sql: str) -> None:
        """Define the macros ``sql`` calls that this database lacks (see normalize.install)."""
        normalize.install(self.connection, sql, defined=self.macros)


class ImportDatabases:
    """The DuckDB databases of one import run: one per thread that prepares files (a thread runs
    one query at a time), all under one work folder in the pool's folder, removed by ``close``."""

    def __init__(self, files: Iterable[Path], threads: int | None = None) -> None:
        self.files = list(files)
        self.threads = threads
        self.root = Path(tempfile.mkdtemp(prefix="jiancha-import-", dir=store.pool_dir()))
        self._local = threading.local()
        self._opened: list[_Database] = []
        self._lock = threading.Lock()

    def for_this_thread(self) -> _Database:
        database: _Database | None = getattr(self._local, "database", None)
        if database is None:
            database = self._local.database = _Database(self.root, self.files, self.threads)
            with self._lock:
                self._opened.append(database)
        return database

    def close(self) -> None:
        """Close every database (their connections with them) and remove the work folder."""
        with self._lock:
            opened, self._opened = self._opened, []
        try:
            for database in opened:
                with contextlib.suppress(duckdb.Error):
                    database.connection.close()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def import_files(
    files: Iterable[tuple[str, Path, str]],
    *,
    imported_by: str = "",
    workers: int | None = None,
    on_file: Callable[[str, Path], None] | None = None,
) -> Iterator[tuple[str, Path, ImportOutcome | ImportRefused]]:
    """Import many (feed, path, display name) files: ``workers`` threads prepare the next files while
    this one commits them, in the order given (batch numbers follow it). Yields each file's outcome,
    or the ImportRefused that says why nothing of it landed; any other error stops the run.

    Preparing is DuckDB work (which releases the GIL), so it runs beside the commits; at most
    ``workers`` + 1 files are held prepared at a time, which bounds the memory. Each worker prepares
    in a database of its own (``ImportDatabases``) with its share of the cores (cores // workers
    DuckDB threads, at least one).
    """
    workers = workers or import_workers()
    files = list(files)
    # Files prepared side by side already keep the cores busy; DuckDB spreading each file over them
    # too only adds the cost of coordinating its threads (a county region: 21.3 -> 17.6 s CPU with
    # one thread per file on 2 cores, 2 workers).
    threads = max(1, (os.cpu_count() or 1) // workers)
    committed = _committed(None)
    language = translation.get_language()
    databases = ImportDatabases((path for _code, path, _name in files), threads)

    def prepare_in_thread(code: str, path: Path, name: str) -> Prepared:
        # The worker's language is the caller's, for the refusal messages written in it.
        with translation.override(language):
            return prepare(
                code, path, display_name=name, committed=committed.get(code, frozenset()), databases=databases
            )

    waiting: deque[tuple[str, Path, Future[Prepared]]] = deque()
    queue = iter(files)
    # The file being committed: out of ``waiting`` and, until its commit discards it, still open.
    current: Future[Prepared] | None = None
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pool-prepare") as pool:
            try:
                while True:
                    for code, path, name in queue:
                        waiting.append((code, path, pool.submit(prepare_in_thread, code, path, name)))
                        if len(waiting) > workers:
                            break
                    if not waiting:
                        return
                    code, path, current = waiting.popleft()
                    if on_file:
                        on_file(code, path)
                    try:
                        outcome: ImportOutcome | ImportRefused = commit(
                            current.result(), imported_by=imported_by
                        )
                    except ImportRefused as refused:
                        outcome = refused
                    current = None
                    yield code, path, outcome
            finally:
                # Stopped early (an error, an interrupt, the caller gone): nothing prepared is kept,
                # and no database is closed under a worker still preparing in it.
                pending = [future for _code, _path, future in waiting]
                if current is not None:
                    pending.append(current)
                for future in pending:
                    future.cancel()
                for future in pending:
                    if not future.cancelled():
                        with contextlib.suppress(BaseException):
                            future.result().discard()
    finally:
        # Once the pool's threads are done (leaving the ``with`` waits for them).
        databases.close()


def import_workers() -> int:
    """Files prepared at once by ``import_files``: JIANCHA_IMPORT_WORKERS, else one per core (at
    most 4: DuckDB already spreads a large file over the cores)."""
    configured = os.environ.get("JIANCHA_IMPORT_WORKERS", "")
    if configured.strip():
        return max(1, int(configured))
    return max(1, min(4, os.cpu_count() or 1))


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    return None


def _committed(feed_code: str | None) -> dict[str, frozenset[str]]:
    """Content hashes of the committed batches, by feed (of one feed, or of all)."""
    rows = ImportBatch.objects.filter(status=BatchStatus.COMMITTED)
    if feed_code is not None:
        rows = rows.filter(feed__code=feed_code)
    found: dict[str, set[str]] = {}
    for code, digest in rows.values_list("feed__code", "content_hash"):
        found.setdefault(code, set()).add(digest)
    return {code: frozenset(digests) for code, digests in found.items()}


@dataclass
class Prepared:
    """A file read, normalised and checked in its own DuckDB database, not yet in the pool.

    ``refusal``: why it cannot land (unreadable, not this feed's file, too many rejects) — the
    commit records the batch as refused. ``error``: an unexpected failure, recorded as failed.
    ``unchanged``: its content is already in the pool, nothing was read.
    """

    feed: Feed
    path: Path
    name: str
    digest: str
    started: datetime
    unchanged: bool = False
    databases: ImportDatabases | None = None
    # A run of its own (a file prepared alone), closed with the file.
    owns_databases: bool = False
    work: Path | None = None
    connection: duckdb.DuckDBPyConnection | None = None
    refusal: str = ""
    error: Exception | None = None
    rows_read: int = 0
    rows_rejected: int = 0
    reject_summary: dict[str, int] = field(default_factory=dict)
    samples: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    # Pool table -> the maps (``mapped_<i>``) filling it and its accepted rows.
    tables: dict[str, tuple[list[int], int]] = field(default_factory=dict)

    def discard(self) -> None:
        """Close the file's connection and remove its work folder (spilled data, transcoded copies)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None
        if self.owns_databases and self.databases is not None:
            self.databases.close()
            self.databases = None


def prepare(
    feed_code: str,
    path: Path,
    *,
    display_name: str | None = None,
    committed: Container[str] = frozenset(),
    progress: Progress | None = None,
    databases: ImportDatabases | None = None,
) -> Prepared:
    """Read, normalise and check a file, touching neither the pool nor the database (so it may run
    in another thread). ``committed``: the content hashes already imported for this feed;
    ``databases``: the run's DuckDB databases (by default the file gets one of its own, with a
    thread per core)."""
    feed = feeds().get(feed_code)
    if feed is None:
        raise ImportRefused(
            _("unknown feed %(feed)s; known feeds: %(feeds)s")
            % {"feed": feed_code, "feeds": ", ".join(sorted(feeds()))}
        )
    if not path.is_file():
        raise ImportRefused(_("%(file)s: no such file") % {"file": display_name or path})
    step = progress or _no_progress
    started = timezone.now()
    step("hash", 0, 1)
    prepared = Prepared(feed, path, display_name or path.name, sha256_of(path), started)
    if databases is None:
        prepared.databases, prepared.owns_databases = ImportDatabases([path]), True
    else:
        prepared.databases = databases
    if prepared.digest in committed:
        prepared.unchanged = True
        return prepared
    _read(prepared, step)
    return prepared


def _read(prepared: Prepared, step: Progress) -> None:
    """Read, map and check the file; a refusal or an error is kept on ``prepared`` for the commit."""
    prepared.unchanged = False
    try:
        _prepare(prepared, step)
    except ImportRefused as refused:
        prepared.refusal = refused.message
    except Exception as error:  # recorded on the batch by commit, then raised again
        prepared.error = error
    if (prepared.refusal or prepared.error) and prepared.connection is not None:
        # Nothing of the file will be read again: free its memory now.
        prepared.connection.close()
        prepared.connection = None


def _prepare(prepared: Prepared, step: Progress) -> None:
    feed, path, name = prepared.feed, prepared.path, prepared.name
    assert prepared.databases is not None
    database = prepared.databases.for_this_thread()
    connection, prepared.work = database.open()
    prepared.connection = connection
    step("read", 0, 1)
    try:
        source = load(connection, path, feed.file_format, prepared.work, feed.sheet)
    except SourceError as error:
        raise ImportRefused(str(error).replace(str(path), name)) from None
    missing = [column for column in feed.required_sources() if column not in source.columns]
    if missing:
        raise ImportRefused(
            _("%(file)s: not a file of feed %(feed)s (%(name)s): missing column(s) %(columns)s")
            % {"file": name, "feed": feed.code, "name": feed.name_zh, "columns": ", ".join(missing)}
        )
    step("read", 1, 1)

    rows = source.rows
    try:
        staged = _map(connection, database, feed, source)
        if rows is None:
            counted = connection.execute(
                f"SELECT count(*) FROM {'norm_src' if 'src' in staged else 'src'}"
            ).fetchone()
            rows = int(counted[0]) if counted else 0
    except duckdb.Error as error:
        # A CSV file is read as it is normalised: what stops its reader refuses the file.
        if source.rows is None and "CSV Error" in str(error):
            raise ImportRefused(str(csv_error(error, name))) from None
        raise
    prepared.rows_read = rows
    prepared.rows_rejected = _count_rejected(connection, len(feed.maps))
    prepared.reject_summary, prepared.samples = _rejects(connection, len(feed.maps), feed)
    if rows == 0:
        raise ImportRefused(_("%(file)s: the file has no data rows") % {"file": name})
    share = prepared.rows_rejected / rows
    if share > feed.tolerance:
        raise ImportRefused(
            _(
                "%(file)s: %(rejected)d of %(rows)d rows rejected (%(share)s), over the feed's tolerance of "
                "%(tolerance)s; nothing was imported. See the rejected rows in the quality report."
            )
            % {
                "file": name,
                "rejected": prepared.rows_rejected,
                "rows": rows,
                "share": f"{share:.1%}",
                "tolerance": f"{feed.tolerance:.1%}",
            }
        )
    # One append (one Delta commit) per pool table, whatever the number of maps filling it
    # (population fills Family three times: father, mother, spouse).
    by_table: dict[str, list[int]] = {}
    for index, table_map in enumerate(feed.maps):
        by_table.setdefault(table_map.table, []).append(index)
    for table_name, indexes in by_table.items():
        count = connection.execute(f"SELECT count(*) FROM ({_accepted(indexes)})").fetchall()[0]
        prepared.tables[table_name] = (indexes, int(count[0]) if count else 0)


def _accepted(indexes: list[int]) -> str:
    return " UNION ALL ".join(f"SELECT * FROM mapped_{i} WHERE len(_errors) = 0" for i in indexes)


def commit(prepared: Prepared, *, imported_by: str = "", progress: Progress | None = None) -> ImportOutcome:
    """Land a prepared file as one batch, under the writer lock (see the module's docstring).
    Raises ImportRefused (the batch recorded as refused) when it cannot land."""
    step = progress or _no_progress
    try:
        with store.writer_lock():
            recover()
            record = sync_feeds()[prepared.feed.code]
            # Looked for again under the lock: the same content may have landed since it was prepared.
            earlier = ImportBatch.objects.filter(
                feed=record, content_hash=prepared.digest, status=BatchStatus.COMMITTED
            ).first()
            if earlier is not None:
                return ImportOutcome(earlier, unchanged=True, table_rows=dict(earlier.table_rows))
            if prepared.unchanged:
                # Skipped as imported, but that batch was rolled back since: read the file after all.
                _read(prepared, step)
            batch = ImportBatch.objects.create(
                feed=record,
                file_name=prepared.name,
                content_hash=prepared.digest,
                imported_by=imported_by,
                started=prepared.started,
                rows_read=prepared.rows_read,
                rows_rejected=prepared.rows_rejected,
                rows_loaded=prepared.rows_read - prepared.rows_rejected,
                reject_summary=prepared.reject_summary,
            )
            try:
                _land(prepared, batch, step)
            except ImportRefused as refused:
                _close(batch, BatchStatus.REJECTED, refused.message)
                refused.batch = batch
                raise
            except BaseException as error:
                # Anything else (a full disk, an interrupt): put the tables back as the snapshot has them.
                recover()
                _close(batch, BatchStatus.FAILED, f"{type(error).__name__}: {error}")
                raise
            return ImportOutcome(batch, table_rows=dict(batch.table_rows))
    finally:
        prepared.discard()


def _land(prepared: Prepared, batch: ImportBatch, step: Progress) -> None:
    if prepared.error is not None:
        raise prepared.error
    if prepared.samples:
        _store_rejects(batch, prepared.samples)
    if prepared.refusal:
        raise ImportRefused(prepared.refusal)
    connection = prepared.connection
    assert connection is not None
    feed, name = prepared.feed, prepared.name
    now = datetime.now(UTC)
    versions = snapshot_versions()
    table_rows: dict[str, int] = {}
    for position, (table_name, (indexes, count)) in enumerate(prepared.tables.items()):
        table = tables()[table_name]
        step(f"write {table.name}", position, len(prepared.tables))
        table_rows[table.name] = count
        if not count:
            continue
        columns = ", ".join(quote(c) for c in table.columns)
        query = (
            f"SELECT {columns}, {literal(feed.code)} AS _feed, {batch.pk}::BIGINT AS _batch, {literal(name)} AS _file, "
            f"_row::BIGINT AS _row, {literal(now.isoformat())}::TIMESTAMPTZ AS _imported_at "
            f"FROM ({_accepted(indexes)})"
        )
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


def _close(batch: ImportBatch, status: str, message: str) -> None:
    batch.status = status
    batch.message = message[:2000]
    batch.finished = timezone.now()
    batch.save(update_fields=["status", "message", "finished"])


def _map(connection: duckdb.DuckDBPyConnection, database: _Database, feed: Feed, source: Source) -> list[str]:
    """Views ``mapped_<i>``, one per table the feed fills: its columns, ``_row`` and ``_errors``;
    returns the staging tables read (``src``, or an OCDS ``src_tender`` …).

    Each staging table's values are normalised and validated once into the temp table
    ``norm_<staging>``, which holds what its pool tables need and nothing else; each ``mapped_<i>``
    selects its columns and rows from it. Materialising rows is a large part of the cost, so they are
    materialised once, not once more per pool table.
    """
    sql = feed_sql(feed.maps, set(source.columns), plain=source.plain, extra=source.extra)
    statements = [f"CREATE TEMP TABLE norm_{staging} AS {query}" for staging, query in sql.normalised.items()]
    statements += [
        f"CREATE TEMP VIEW mapped_{index} AS {sql.select(index, f'norm_{staging}')}"
        for index, (staging, _map, _values) in enumerate(sql.maps)
    ]
    database.install("\n".join(statements))
    for statement in statements:
        connection.execute(statement)
    return list(sql.normalised)


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
