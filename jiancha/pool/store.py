"""The analytical store: one Delta Lake table per pool table, read through DuckDB.

Writes are staged as Delta commits and made visible by saving a PoolSnapshot (the table versions
readers use) in the operational database, in one transaction: a batch over several tables lands
whole or not at all. Commits beyond the latest snapshot belong to an interrupted import and are
removed before the next one (``recover``). Readers never block the writer: they read fixed versions.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import ColumnProperties, DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError
from django.conf import settings

from . import normalize
from .schema import Table, tables


def pool_dir() -> Path:
    path = Path(os.environ.get("JIANCHA_POOL_DIR", settings.DATA_DIR / "pool"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def table_path(name: str) -> Path:
    return pool_dir() / "tables" / name


def current_version(name: str) -> int | None:
    try:
        return DeltaTable(str(table_path(name))).version()
    except TableNotFoundError:
        return None


# A commit's log entry: <version, 20 digits>.json. Delta writes it whole under a temporary name and
# renames it, so a listed entry is a finished commit; checkpoints and temporary files do not match.
_COMMIT_FILE = re.compile(r"(\d{20})\.json")


def head_version(name: str) -> int | None:
    """The latest committed version of a table from its log's file names, without loading the table.

    The same number ``current_version`` gives (Delta's own reader lists the log the same way), at the
    cost of one directory listing instead of reading the log: cheap enough to check every table
    before every import. None: no commit yet.
    """
    try:
        with os.scandir(table_path(name) / "_delta_log") as entries:
            versions = [int(m.group(1)) for e in entries if (m := _COMMIT_FILE.fullmatch(e.name))]
    except FileNotFoundError:
        return None
    return max(versions, default=None)


@contextmanager
def writer_lock() -> Iterator[None]:
    """One import at a time, across processes; the kernel releases it if the process dies."""
    lock_file = pool_dir() / ".import.lock"
    with lock_file.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_properties() -> WriterProperties:
    """How the tables' Parquet files are encoded (measured in docs/pool.md, "How the Parquet files
    are written").

    Dictionary encoding off: delta-rs hashes every value of every column into a dictionary, about
    40% of the Parquet writer's CPU, while zstd level 1 compresses plain pages of repeated codes and
    names better than snappy compresses dictionaries (a county: 110 MB with the delta-rs defaults,
    67.5 MB so). The read cache builds from these files in the same time.
    Min/max statistics per file (chunk), not per page: no reader here uses a page index. They stay on
    every column: the Delta log's statistics are taken from them, and deltalake's pyarrow dataset
    (``register_table``) turns a column without statistics into a guarantee no value satisfies, so a
    filter on that column would skip every file (a test's ``kind IN (...)`` found no payments).
    """
    return WriterProperties(
        compression="ZSTD",
        compression_level=1,
        default_column_properties=ColumnProperties(dictionary_enabled=False, statistics_enabled="CHUNK"),
    )


def append(name: str, data: pa.RecordBatchReader | pa.Table) -> int:
    """Append rows to a table (creating it with its declared schema), return the new version."""
    table = tables()[name]
    path = table_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, pa.Table):
        data = data.cast(table.arrow_schema())
    # write_deltalake given a path loads the table itself, and reading the version after meant
    # loading it again (the whole log since the last checkpoint, up to 100 commits): load it once,
    # write through it, and its state is then the commit just made (as for delete below).
    try:
        delta: DeltaTable | None = DeltaTable(str(path))
    except TableNotFoundError:
        delta = None
    # A column added to tables.yaml after the table was created joins its schema (older rows: null).
    write_deltalake(
        delta if delta is not None else str(path),
        data,
        mode="append",
        schema_mode="merge",
        writer_properties=writer_properties(),
    )
    version = delta.version() if delta is not None else current_version(name)
    assert version is not None
    return version


def delete_batches(name: str, batch_ids: list[int]) -> int | None:
    """Remove a batch's rows from a table (a new Delta version); return the version."""
    try:
        delta = DeltaTable(str(table_path(name)))
    except TableNotFoundError:
        return None
    if batch_ids:
        # Files holding other batches' rows too are rewritten: in the tables' own encoding.
        delta.delete(
            f"_batch IN ({', '.join(str(int(b)) for b in batch_ids)})",
            writer_properties=writer_properties(),
        )
    return delta.version()


def restore(name: str, version: int | None) -> None:
    """Put a table back to a snapshot's version (None: the table did not exist then)."""
    now = current_version(name)
    if now is None or now == version:
        return
    delta = DeltaTable(str(table_path(name)))
    if version is None:
        delta.delete()
    else:
        delta.restore(version)


def connect_bare(*, macros: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with no pool table (an import reads none), with the jc_* macros unless
    ``macros`` is false (the caller installs those it needs: ``normalize.install``)."""
    connection = duckdb.connect()
    # Nothing is ever downloaded at run time: these systems run on isolated networks.
    connection.execute("SET autoinstall_known_extensions = false")
    if macros:
        normalize.install(connection)
    return connection


def connect(versions: dict[str, int]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per pool table at the given versions, and the jc_* macros."""
    connection = connect_bare()
    for name, table in tables().items():
        register_table(connection, name, table, versions.get(name))
    return connection


def connect_files(versions: dict[str, int]) -> duckdb.DuckDBPyConnection:
    """A sealed connection with one view per pool table over the Parquet files of its version.

    Little memory whatever the pool's size, and the views are seen by the connection's cursors; each
    query reads the files (slower than the read cache). A column declared after some files were
    written reads as null there.
    """
    connection = connect_bare()
    for name, table in tables().items():
        # The declared columns and types, even for a table not written yet.
        connection.register("_declared", table.arrow_schema().empty_table())
        connection.execute(f'CREATE TABLE "_declared_{name}" AS SELECT * FROM _declared')
        connection.unregister("_declared")
        version = versions.get(name)
        files = DeltaTable(str(table_path(name)), version=version).file_uris() if version is not None else []
        source = f'SELECT * FROM "_declared_{name}"'
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            source += f" UNION ALL BY NAME SELECT * FROM read_parquet([{listed}], union_by_name = true)"
        connection.execute(f'CREATE VIEW "{name}" AS {source}')
    # Only the pool's own files, and nothing else, from here on.
    tables_dir = str(pool_dir() / "tables") + "/"
    connection.execute(f"SET allowed_directories = ['{tables_dir.replace(chr(39), chr(39) * 2)}']")
    seal(connection)
    return connection


def seal(connection: duckdb.DuckDBPyConnection) -> None:
    """Once the files it needs are read, a connection may touch no other file and no setting.

    Defence in depth: SQL here is built from feed YAML and file headers, both quoted, but a mistake
    must not become a way to read or write the server's files.
    """
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def register_table(
    connection: duckdb.DuckDBPyConnection, name: str, table: Table, version: int | None
) -> None:
    if version is None:
        connection.register(name, table.arrow_schema().empty_table())
        return
    dataset = DeltaTable(str(table_path(name)), version=version).to_pyarrow_dataset()
    declared = table.arrow_schema()
    missing = [field for field in declared if field.name not in dataset.schema.names]
    if missing:
        # A version written before a column was declared reads that column as null.
        dataset = dataset.replace_schema(pa.schema([*dataset.schema, *missing]))
    connection.register(name, dataset)


# Tables whose lookups (profiles) are not on their declared key or first identifier column.
SORT_KEYS = {"Payment": "payerIdNumber", "IdentityLink": "clusterId"}


def sort_key(name: str, table: Table) -> str | None:
    """The column a table is sorted by for lookups (read cache and in-memory copy)."""
    if name in SORT_KEYS and SORT_KEYS[name] in table.columns:
        return SORT_KEYS[name]
    return table.key or next(
        (c for c, kind in table.columns.items() if kind in {"resident_id", "uscc"}), None
    )


# Further columns looked up by value (profiles), besides keys and identifier columns.
LOOKUP_COLUMNS = {"Payment": ("payerIdNumber", "beneficiaryIdNumber"), "IdentityLink": ("clusterId",)}


def lookup_columns(name: str, table: Table) -> list[str]:
    """The columns the read cache indexes: the key, every resident ID and USCC column, and those above."""
    wanted = [table.key or ""]
    wanted += [c for c, kind in table.columns.items() if kind in {"resident_id", "uscc"}]
    wanted += LOOKUP_COLUMNS.get(name, ())
    return [c for c in dict.fromkeys(wanted) if c in table.columns]
