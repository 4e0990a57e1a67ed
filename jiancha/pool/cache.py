"""The read cache (读取缓存): one DuckDB file per pool snapshot, for profiles and other point lookups.

Reading the Delta tables through Arrow for each of a profile's questions costs seconds; copying them
into each reader's memory (as readers did before) costs gigabytes per process at province scale. So
the snapshot's tables are copied once into a DuckDB database file under the pool folder, each table
sorted by the key profiles look it up by, so that DuckDB's min/max index of each row group skips
nearly all of them. Readers open the file read-only and share it through the operating system's
page cache.

The file is named after the snapshot's table versions (and the tables' declared columns): an import
or a rollback publishes new versions, hence a new file; an old file is never valid again. It is
written under a temporary name and renamed when complete, so a reader sees a whole file or none; a
build killed half way leaves only a temporary file, removed by the next build. While the file is
missing, readers use a slower path with little memory (views over the Parquet files, ``reader``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

import duckdb
from django.conf import settings

from . import normalize, store
from .mapping import literal, quote
from .schema import tables

logger = logging.getLogger("jiancha.pool")

# Bump when the layout of the file changes (sort keys, macros): older files are then rebuilt.
FORMAT = 2

RETRY_SECONDS = 5.0
# A build that failed (out of memory or disk) is not tried again at once: at province scale it takes
# minutes. JIANCHA_POOL_CACHE_MEMORY raises the limit.
RETRY_AFTER_FAILURE_SECONDS = 600.0

_building: set[str] = set()
_attempted: dict[str, float] = {}
_failed: set[str] = set()
_building_lock = threading.Lock()


def folder() -> Path:
    return store.pool_dir() / "cache"


def key_of(versions: dict[str, int]) -> str:
    """What the file's content depends on: the tables' versions and declared columns.

    With each version, the time its commit was written: a table deleted and made again (a pool
    folder emptied by hand) counts its versions from 0 again, over other rows.
    """
    declared = {name: table.columns for name, table in sorted(tables().items())}
    written = {name: _commit_time(name, version) for name, version in versions.items()}
    text = json.dumps(
        [FORMAT, sorted(versions.items()), written, declared], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _commit_time(name: str, version: int) -> int:
    try:
        return (store.table_path(name) / "_delta_log" / f"{int(version):020d}.json").stat().st_mtime_ns
    except OSError:
        return 0


def path_for(versions: dict[str, int]) -> Path:
    return folder() / f"snapshot-{key_of(versions)}.duckdb"


_opened: dict[str, duckdb.DuckDBPyConnection] = {}
_opened_lock = threading.Lock()


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A new cursor on this process's sealed read-only connection to a cache file.

    One database per file and process: its settings are shared by all its connections, and once
    sealed cannot be set again, so threads get cursors of the one connection (which see its tables).
    """
    with _opened_lock:
        root = _opened.get(str(path))
        if root is None:
            root = duckdb.connect(str(path), read_only=True)
            root.execute("SET autoinstall_known_extensions = false")
            # The file is read through DuckDB's buffer pool: bounded, whatever the pool's size.
            root.execute(f"SET memory_limit = {literal(settings.POOL_READER_MEMORY_LIMIT)}")
            store.seal(root)
            # Only the latest snapshot's file stays open here; cursors on older ones keep theirs.
            _opened.clear()
            _opened[str(path)] = root
        return root.cursor()


def build(versions: dict[str, int]) -> Path | None:
    """Write the cache file for these versions unless it exists; return it, or None if another
    process or thread is building it now."""
    target = path_for(versions)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_suffix(".lock")
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        try:
            if target.exists():  # built by another process between our check and the lock
                return target
            _write(versions, target)
            _remove_stale(keep={target.name}, building=target.stem)
            return target
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock_path.unlink(missing_ok=True)


def _write(versions: dict[str, int], target: Path) -> None:
    started = time.perf_counter()
    partial = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.partial")
    spill = target.with_name(f"{target.stem}.{os.getpid()}.{threading.get_ident()}.spill")
    partial.unlink(missing_ok=True)
    connection = store.connect(versions)
    done = False
    try:
        # Bounded memory: the sort spills to disk past the limit.
        connection.execute(
            f"SET memory_limit = {literal(settings.POOL_CACHE_MEMORY_LIMIT)}; SET temp_directory = {literal(str(spill))}"
        )
        connection.execute(f"ATTACH {literal(str(partial))} AS cache")
        for name, table in tables().items():
            order = store.sort_key(name, table)
            sort = f" ORDER BY {quote(order)}" if order else ""
            connection.execute(f"CREATE TABLE cache.{quote(name)} AS SELECT * FROM {quote(name)}{sort}")
            # Sorting serves one column; an index (ART) each column a profile looks rows up by:
            # an equality lookup of a few rows reads a few index nodes, not the table.
            for number, column in enumerate(store.lookup_columns(name, table)):
                connection.execute(
                    f"CREATE INDEX {quote(f'{name}_{number}')} ON cache.{quote(name)} ({quote(column)})"
                )
        # The jc_* macros live in the file, for readers that validate identifiers (resolution).
        connection.execute("USE cache")
        normalize.install(connection)
        connection.execute("USE memory")
        connection.execute("DETACH cache")
        done = True
    finally:
        connection.close()
        _remove_tree(spill)
        if not done:
            partial.unlink(missing_ok=True)
    # Complete on disk before it gets its name: a reader never opens a half-written file.
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    logger.info("pool: read cache %s built in %.1f s", target.name, time.perf_counter() - started)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _remove_stale(keep: set[str], building: str) -> None:
    """Remove files of older snapshots and leftovers of killed builds (not a build in progress).

    ``building``: the file this process holds the lock of, whose other temporary files are leftovers.
    """
    from .importer import snapshot_versions

    keep = keep | {path_for(snapshot_versions()).name}
    for path in folder().glob("snapshot-*"):
        if path.name in keep or path.suffix == ".lock":
            continue
        stem = path.name.split(".", 1)[0]
        if path.suffix in {".partial", ".spill"} and stem != building and _being_built(path):
            continue
        if path.is_dir():
            _remove_tree(path)
        else:
            path.unlink(missing_ok=True)


def _being_built(path: Path) -> bool:
    """A temporary file whose lock another builder holds."""
    lock_path = path.parent / (path.name.split(".", 1)[0] + ".lock")
    if not lock_path.exists():
        return False
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False


def build_in_background(versions: dict[str, int]) -> None:
    """Start building the file in a thread of this process, unless one already is."""
    key = key_of(versions)
    with _building_lock:
        # One attempt at a time, and not more often than every few seconds (another process may
        # hold the build, or a build may have failed).
        wait = RETRY_SECONDS if key not in _failed else RETRY_AFTER_FAILURE_SECONDS
        if key in _building or time.monotonic() - _attempted.get(key, -wait) < wait:
            return
        _building.add(key)
        _attempted[key] = time.monotonic()

    def run() -> None:
        try:
            build(versions)
        except Exception:  # the readers go on with the slower path; a reader retries later
            logger.exception("pool: building the read cache failed")
            _failed.add(key)
        finally:
            with _building_lock:
                _building.discard(key)

    threading.Thread(target=run, name=f"pool-cache-{key}", daemon=True).start()
