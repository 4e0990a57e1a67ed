"""How store.append writes a table: the version it returns, the files' encoding, and rollback and
recovery over files of this encoding and of the one earlier releases wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from jiancha.pool import cache, store
from jiancha.pool.importer import import_file, recover, rollback, snapshot_versions
from jiancha.pool.models import PoolSnapshot
from jiancha.pool.schema import tables

from .fixtures import FATHER, residents_rows, rid, write_residents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def person_rows(batch: int, *ids: str) -> pa.Table:
    schema = tables()["Person"].arrow_schema()
    rows: dict[str, list[object]] = {f.name: [None] * len(ids) for f in schema}
    rows.update(
        idNumber=list(ids),
        name=["某人"] * len(ids),
        _feed=["population"] * len(ids),
        _batch=[batch] * len(ids),
        _file=["x.csv"] * len(ids),
        _row=list(range(2, 2 + len(ids))),
    )
    return pa.table(rows, schema=schema)


def count(versions: dict[str, int], where: str = "TRUE") -> int:
    result = store.connect(versions).execute(f'SELECT count(*) FROM "Person" WHERE {where}').fetchone()
    assert result is not None
    return int(result[0])


def test_append_returns_the_version_it_committed() -> None:
    # The first append creates the table; later ones write through the table loaded once.
    for expected in range(3):
        version = store.append("Person", person_rows(expected, f"ID{expected}"))
        assert version == expected == store.head_version("Person") == store.current_version("Person")
    assert count({"Person": 2}) == 3 and count({"Person": 0}) == 1


def test_append_takes_a_stream_as_the_importer_gives_it() -> None:
    schema = tables()["Person"].arrow_schema()
    batches = person_rows(1, "A", "B", "C").to_batches(max_chunksize=1)
    assert store.append("Person", pa.RecordBatchReader.from_batches(schema, batches)) == 0
    assert count({"Person": 0}) == 3


def test_files_are_zstd_plain_with_statistics_on_every_column(tmp_path: Path) -> None:
    outcome = import_file("population", write_residents(tmp_path))
    delta = DeltaTable(str(store.table_path("Person")))
    [uri] = delta.file_uris()
    metadata = pq.ParquetFile(uri).metadata
    columns = [metadata.row_group(0).column(i) for i in range(metadata.num_columns)]
    for column in columns:
        assert column.compression == "ZSTD", column.path_in_schema
        assert not {"PLAIN_DICTIONARY", "RLE_DICTIONARY"} & set(column.encodings), column.path_in_schema
        assert column.statistics is not None and column.statistics.has_null_count, column.path_in_schema
    # The Delta log's statistics (what delete skips files by, and the dataset's guarantees) come
    # from the same place: every column has its null count, and min/max where it has values.
    log = store.table_path("Person") / "_delta_log" / f"{delta.version():020d}.json"
    [add] = [json.loads(line)["add"] for line in log.read_text().splitlines() if '"add"' in line]
    stats = json.loads(add["stats"])
    assert set(stats["nullCount"]) == set(tables()["Person"].arrow_schema().names)
    assert stats["minValues"]["_batch"] == stats["maxValues"]["_batch"] == outcome.batch.pk
    assert stats["numRecords"] == 4


def test_a_filter_on_any_column_finds_its_rows(tmp_path: Path) -> None:
    """deltalake's pyarrow dataset makes a column without statistics a guarantee no value meets:
    a filter on free text (a name, a payment's kind) would then skip every file."""
    import_file("population", write_residents(tmp_path))
    versions = snapshot_versions()
    assert count(versions, "name = '张伟'") == 1
    assert count(versions, "name IN ('张伟', '王芳')") == 2
    assert count(versions, "education = '大学' AND gender = '女'") == 1


def test_rollback_and_recovery_over_files_of_both_encodings(tmp_path: Path) -> None:
    # A table an earlier release wrote (delta-rs defaults: snappy, dictionaries), then an import.
    write_deltalake(str(store.table_path("Person")), person_rows(0, "OLD1", "OLD2"), mode="append")
    PoolSnapshot.objects.create(versions={"Person": 0}, note="a pool of an earlier release")
    first = import_file("population", write_residents(tmp_path))
    newcomer = rid("331221", "19500101", "777")
    other = [residents_rows()[0].replace(FATHER, newcomer).replace("张建国", "赵六")]
    second = import_file("population", write_residents(tmp_path, other, name="more.csv"))
    assert count(snapshot_versions()) == 2 + 4 + 1

    rollback(first.batch.pk, actor="analyst")
    versions = snapshot_versions()
    assert versions["Person"] == store.head_version("Person") == store.current_version("Person")
    assert count(versions) == 3
    assert count(versions, f"_batch = {second.batch.pk}") == 1

    # Staged rows no snapshot names (an interrupted import): recovery restores the published version.
    staged = store.append("Person", person_rows(999, "STAGED"))
    assert staged == versions["Person"] + 1
    recover()
    assert count(snapshot_versions()) == 3 and count(snapshot_versions(), "_batch = 999") == 0

    # The read cache is built from these files as from any others.
    path = cache.build(snapshot_versions())
    assert path is not None and path.exists()
