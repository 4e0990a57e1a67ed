"""Resolved identities (身份归并) in the pool: written by entity resolution, read by profiles.

The pool does not know how identities are found (that is jiancha.resolve, a room above); it stores
the result as the table IdentityLink — one row per mention of a person or company, naming its
identity — and publishes it in a new snapshot, like an import batch: readers see the old map or the
new one, never half of one.
"""

from __future__ import annotations

import pyarrow as pa
from deltalake import write_deltalake
from django.db import transaction

from . import store
from .importer import snapshot_versions
from .models import PoolSnapshot
from .schema import tables

TABLE = "IdentityLink"


def publish(data: pa.Table | pa.RecordBatchReader, note: str = "entity resolution") -> int:
    """Replace the identity map with ``data`` (IdentityLink's columns, provenance optional)."""
    schema = tables()[TABLE].arrow_schema()
    batches = data.to_batches() if isinstance(data, pa.Table) else data
    # Batch by batch: the map of a province holds tens of millions of rows.
    conformed = pa.RecordBatchReader.from_batches(schema, (_conform(b, schema) for b in batches))
    with store.writer_lock():
        path = store.table_path(TABLE)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Encoded as every pool table is (store.writer_properties: cheaper to write, smaller).
        write_deltalake(
            str(path),
            conformed,
            mode="overwrite",
            schema_mode="overwrite",
            writer_properties=store.writer_properties(),
        )
        version = store.current_version(TABLE)
        assert version is not None
        with transaction.atomic():
            versions = snapshot_versions()
            versions[TABLE] = version
            PoolSnapshot.objects.create(versions=versions, note=note[:200])
    return version


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch with IdentityLink's columns in order and types; provenance missing becomes null."""
    columns = [
        batch.column(field.name).cast(field.type)
        if field.name in batch.schema.names
        else pa.nulls(batch.num_rows, field.type)
        for field in schema
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)
