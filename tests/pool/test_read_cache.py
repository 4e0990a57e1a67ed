"""The pool's read cache: one DuckDB file per snapshot, rebuilt after every import and rollback."""

import duckdb
import pytest

from jiancha.pool import cache, reader
from jiancha.pool.importer import import_file, rollback, snapshot_versions
from jiancha.pool.profiles import person_profile

from .fixtures import FATHER, residents_rows, rid, write_residents

pytestmark = pytest.mark.django_db

NEWCOMER = rid("331221", "19500101", "777")


@pytest.fixture(autouse=True)
def pool_dir(tmp_path, monkeypatch, settings):
    settings.JIANCHA_POOL_CACHE = "sync"
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def cache_files():
    return sorted(p.name for p in cache.folder().glob("snapshot-*"))


def newcomer_file(tmp_path):
    row = residents_rows()[0].replace(FATHER, NEWCOMER).replace("张建国", "赵六")
    return write_residents(tmp_path, [row], name="more.csv")


def test_profiles_follow_every_import_and_rollback_through_a_new_file(tmp_path):
    import_file("population", write_residents(tmp_path))
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    first = cache_files()
    assert first == [cache.path_for(snapshot_versions()).name]

    second = import_file("population", newcomer_file(tmp_path))
    assert [r["name"] for r in person_profile(NEWCOMER).identity] == ["赵六"]
    # A new snapshot, a new file; the old one is gone.
    assert cache_files() == [cache.path_for(snapshot_versions()).name] != first

    rollback(second.batch.pk, actor="analyst")
    assert person_profile(NEWCOMER).identity == []
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    assert cache_files() == [cache.path_for(snapshot_versions()).name]


def test_readers_answer_from_the_parquet_files_until_the_cache_is_built(tmp_path, settings, monkeypatch):
    settings.JIANCHA_POOL_CACHE = "background"
    started = []
    monkeypatch.setattr(cache, "build_in_background", lambda versions: started.append(versions))
    import_file("population", write_residents(tmp_path))
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    # Asked for on every read while missing (the real one starts one thread, at most every few seconds).
    assert started and all(versions == snapshot_versions() for versions in started)
    assert cache_files() == []

    cache.build(snapshot_versions())
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    # The reader moved to the file: its tables are DuckDB's own, not Arrow views.
    tables = reader.rows("SELECT table_name FROM duckdb_tables() WHERE table_name = 'Person'")
    assert tables == [{"table_name": "Person"}]
    assert reader.rows("SELECT current_database() AS db")[0]["db"] == cache.path_for(snapshot_versions()).stem


def test_a_killed_build_leaves_nothing_a_reader_opens(tmp_path):
    import_file("population", write_residents(tmp_path))
    target = cache.path_for(snapshot_versions())
    # What a build killed half way leaves: a temporary file under another name, never the target.
    target.parent.mkdir(parents=True, exist_ok=True)
    leftover = target.with_name(f"{target.stem}.1.1.partial")
    leftover.write_bytes(b"half a database")
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    assert target.exists() and not leftover.exists()


def test_a_build_in_progress_elsewhere_is_not_duplicated(tmp_path):
    import fcntl

    import_file("population", write_residents(tmp_path))
    target = cache.path_for(snapshot_versions())
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert cache.build(snapshot_versions()) is None
        # Meanwhile readers still get the right answer (views over the Parquet files).
        assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    assert not target.exists()
    assert cache.build(snapshot_versions()) == target


def test_every_lookup_column_is_indexed_and_the_file_is_read_only(tmp_path):
    import_file("population", write_residents(tmp_path))
    person_profile(FATHER)
    indexed = {
        (r["table_name"], r["expressions"])
        for r in reader.rows(
            "SELECT table_name, CAST(expressions AS VARCHAR) AS expressions FROM duckdb_indexes()"
        )
    }
    # On a large table an equality lookup reads the index (DuckDB scans a tiny table instead).
    for table, column in [("Person", "idNumber"), ("Family", "relative"), ("Payment", "beneficiaryIdNumber")]:
        assert any(t == table and column in e for t, e in indexed), (table, column)
    with pytest.raises(duckdb.Error):
        reader.connection().execute("DELETE FROM Person")


def test_a_pool_emptied_by_hand_and_filled_again_is_not_read_from_the_old_file(tmp_path, pool_dir):
    import shutil

    from jiancha.pool.models import ImportBatch, PoolSnapshot

    import_file("population", write_residents(tmp_path))
    assert [r["name"] for r in person_profile(FATHER).identity] == ["张建国"]
    first = snapshot_versions()
    # Tables and database emptied, the cache folder left: the same version numbers come back.
    shutil.rmtree(pool_dir / "tables")
    PoolSnapshot.objects.all().delete()
    ImportBatch.objects.all().delete()
    renamed = [row.replace("张建国", "赵六") for row in residents_rows()]
    import_file("population", write_residents(tmp_path, renamed, name="again.csv"))
    assert snapshot_versions() == first
    assert [r["name"] for r in person_profile(FATHER).identity] == ["赵六"]
