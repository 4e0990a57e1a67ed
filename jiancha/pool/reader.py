"""Read access to the pool at its latest snapshot.

Readers use the snapshot's read cache (``cache``: a DuckDB file, sorted by lookup keys, opened
read-only) when it exists. While it is missing or being built they use a slower path with little
memory: views over the snapshot's Parquet files (``store.connect_files``; an in-memory copy would
need memory for the whole pool). Connections are per thread.
Each call checks the latest snapshot, so an import or a rollback is seen by the next query.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
from django.conf import settings

from . import cache, store
from .models import PoolSnapshot

_local = threading.local()


def _mode() -> str:
    return str(getattr(settings, "JIANCHA_POOL_CACHE", "background"))


def connection() -> duckdb.DuckDBPyConnection:
    """This thread's connection on the latest snapshot (an empty pool before the first import)."""
    snapshot = PoolSnapshot.objects.order_by("-id").only("id", "versions").first()
    versions = dict(snapshot.versions) if snapshot else {}
    # The folder and the versions are part of the key: a snapshot id alone can come back (a database
    # restored from backup, or a test database) over different table contents.
    key = (str(store.pool_dir()), snapshot.pk if snapshot else 0, sorted(versions.items()))
    cached: tuple[object, duckdb.DuckDBPyConnection, bool] | None = getattr(_local, "cached", None)
    if cached is not None and cached[0] == key and (cached[2] or _mode() == "off"):
        return cached[1]
    mode = _mode()
    path: Path | None = None
    if mode != "off":
        path = cache.path_for(versions)
        if not path.exists():
            if mode == "sync":
                path = cache.build(versions)
            else:
                cache.build_in_background(versions)
                path = None
    if cached is not None and cached[0] == key and path is None:
        return cached[1]  # views over this snapshot's files, until the cache is there
    if cached is not None:
        cached[1].close()
    if path is not None and path.exists():
        fresh = cache.open_readonly(path)
        from_file = True
    else:
        fresh = store.connect_files(versions)
        from_file = False
    _local.cached = (key, fresh, from_file)
    return fresh


def rows(sql: str, parameters: list[object] | None = None) -> list[dict[str, object]]:
    result = connection().execute(sql, parameters or [])
    names = [column[0] for column in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
