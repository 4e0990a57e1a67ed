"""Read access to the pool at its latest snapshot.

Opening twenty Delta tables costs tens of milliseconds, so each thread keeps one DuckDB connection
for the snapshot it last read and reopens it only when a newer snapshot exists. (Tables registered
on a DuckDB connection are not visible to its cursors, so connections are per thread.)
"""

from __future__ import annotations

import threading

import duckdb

from . import store
from .models import PoolSnapshot

_local = threading.local()


def connection() -> duckdb.DuckDBPyConnection:
    """This thread's connection on the latest snapshot (an empty pool before the first import)."""
    snapshot = PoolSnapshot.objects.order_by("-id").only("id", "versions").first()
    # The folder and the versions are part of the key: a snapshot id alone can come back (a database
    # restored from backup, or a test database) over different table contents.
    key = (
        str(store.pool_dir()),
        snapshot.pk if snapshot else 0,
        sorted((snapshot.versions or {}).items()) if snapshot else [],
    )
    cached: tuple[object, duckdb.DuckDBPyConnection] | None = getattr(_local, "cached", None)
    if cached is None or cached[0] != key:
        if cached is not None:
            cached[1].close()
        fresh = store.connect(dict(snapshot.versions) if snapshot else {})
        store.materialise(fresh)
        store.seal(fresh)
        cached = (key, fresh)
        _local.cached = cached
    return cached[1]


def rows(sql: str, parameters: list[object] | None = None) -> list[dict[str, object]]:
    result = connection().execute(sql, parameters or [])
    names = [column[0] for column in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
