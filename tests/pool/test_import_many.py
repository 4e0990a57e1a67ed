"""Importing many files at once (import_files, load_region): files are prepared in worker threads
and committed one at a time, in the order given; each lands whole or not at all, as alone."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import pytest
from django.utils import translation

from jiancha.pool import importer, normalize, store
from jiancha.pool.importer import ImportRefused, commit, import_file, import_files, prepare, rollback
from jiancha.pool.models import BatchStatus, ImportBatch, PoolSnapshot, RejectedRow

from .fixtures import FATHER, MOTHER, residents_rows, rid, write_residents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def people(name_like: str = "%") -> list[tuple[str, int, str]]:
    connection = store.connect(importer.snapshot_versions())
    return connection.execute(
        "SELECT name, _batch, _file FROM Person WHERE name LIKE ? ORDER BY _batch, _row", [name_like]
    ).fetchall()


def household(folder: Path, number: int) -> Path:
    """A one-person residents file; its person is 人<number>, with an ID of their own."""
    person = rid("331221", "19700101", f"{number:03d}")
    row = residents_rows()[0].replace("张建国", f"人{number}").replace(FATHER, person).replace(MOTHER, "")
    return write_residents(folder, [row], name=f"residents-{number}.csv")


def leftovers(pool: Path) -> list[str]:
    return sorted(p.name for p in pool.glob("jiancha-import-*"))


def test_files_land_in_the_order_given_whatever_the_order_they_are_prepared_in(tmp_path, pool_dir):
    paths = [household(tmp_path, n) for n in range(1, 8)]
    # A larger file first: it takes longer to prepare than the small ones after it.
    paths.insert(0, write_residents(tmp_path, name="big.csv"))
    files = [("population", path, path.name) for path in paths]
    outcomes = list(import_files(files, imported_by="liaison", workers=3))

    assert [path for _code, path, _outcome in outcomes] == paths
    batches = [outcome.batch for _code, _path, outcome in outcomes if not isinstance(outcome, ImportRefused)]
    assert [b.pk for b in batches] == sorted(b.pk for b in batches) and len(batches) == 8
    assert all(b.status == BatchStatus.COMMITTED and b.imported_by == "liaison" for b in batches)
    # One snapshot per batch, each naming every table as of that batch.
    assert PoolSnapshot.objects.count() == 8
    assert [(name, batch) for name, batch, _file in people("人%")] == [
        (f"人{n}", batches[n].pk) for n in range(1, 8)
    ]
    assert all(b.started <= b.finished for b in batches)
    assert leftovers(pool_dir) == []


def test_a_refused_file_among_others_is_recorded_and_the_rest_land(tmp_path, pool_dir):
    wrong = tmp_path / "vehicles.csv"
    wrong.write_text("号牌号码,车主\n浙A12345,张三\n", encoding="utf-8")
    bad = residents_rows()
    bad[0] = bad[0].replace(FATHER, "1234")
    too_many = write_residents(tmp_path, bad[:1], name="rejects.csv")
    files = [
        ("population", household(tmp_path, 1), "a.csv"),
        ("population", wrong, "vehicles.csv"),
        ("population", too_many, "rejects.csv"),
        ("population", household(tmp_path, 2), "b.csv"),
    ]
    outcomes = [outcome for _code, _path, outcome in import_files(files, workers=2)]

    assert [type(o).__name__ for o in outcomes] == [
        "ImportOutcome",
        "ImportRefused",
        "ImportRefused",
        "ImportOutcome",
    ]
    missing, rejected = outcomes[1], outcomes[2]
    assert isinstance(missing, ImportRefused) and isinstance(rejected, ImportRefused)
    assert "vehicles.csv" in missing.message and "公民身份号码" in missing.message
    assert "rejects.csv" in rejected.message and "tolerance" in rejected.message
    assert missing.batch is not None and missing.batch.status == BatchStatus.REJECTED
    assert rejected.batch is not None and rejected.batch.status == BatchStatus.REJECTED
    # The refused batch keeps its rejected rows for the quality report, and nothing of it landed.
    assert rejected.batch.rows_read == 1 and rejected.batch.rows_rejected == 1
    assert {(r.row, r.field, r.reason) for r in RejectedRow.objects.filter(batch=rejected.batch)} >= {
        (2, "idNumber", "length")
    }
    assert [name for name, _batch, _file in people()] == ["人1", "人2"]
    assert leftovers(pool_dir) == []


def test_a_file_already_in_the_pool_is_not_read_again(tmp_path):
    path = household(tmp_path, 1)
    first = import_file("population", path)
    snapshots = PoolSnapshot.objects.count()
    [(_code, _path, again)] = import_files([("population", path, "again.csv")], workers=2)
    assert not isinstance(again, ImportRefused)
    assert again.unchanged and again.batch.pk == first.batch.pk
    assert PoolSnapshot.objects.count() == snapshots and len(people()) == 1


def test_a_file_skipped_as_imported_is_read_after_all_when_its_batch_was_rolled_back_meanwhile(tmp_path):
    path = household(tmp_path, 1)
    first = import_file("population", path)
    prepared = prepare("population", path, committed={first.batch.content_hash})
    assert prepared.unchanged and prepared.connection is None  # nothing read
    rollback(first.batch.pk, actor="admin")
    outcome = commit(prepared)
    assert not outcome.unchanged and outcome.batch.pk != first.batch.pk
    assert outcome.batch.status == BatchStatus.COMMITTED
    assert people() == [("人1", outcome.batch.pk, "residents-1.csv")]


def test_an_error_while_preparing_is_recorded_as_failed_and_stops_the_run(tmp_path, pool_dir, monkeypatch):
    real_load = importer.load

    def load_or_fail(connection: object, path: Path, *args: object) -> object:
        if path.name == "residents-3.csv":
            raise RuntimeError("disk full")
        return real_load(connection, path, *args)

    monkeypatch.setattr(importer, "load", load_or_fail)
    files = [("population", household(tmp_path, n), f"{n}.csv") for n in range(1, 6)]
    landed = []
    with pytest.raises(RuntimeError, match="disk full"):
        for _code, path, _outcome in import_files(files, workers=2):
            landed.append(path.name)
    assert landed == ["residents-1.csv", "residents-2.csv"]
    failed = ImportBatch.objects.get(status=BatchStatus.FAILED)
    assert failed.file_name == "3.csv" and "RuntimeError: disk full" in failed.message
    assert [name for name, _batch, _file in people()] == ["人1", "人2"]
    # The files prepared ahead of the failure were discarded, not left on disk.
    assert leftovers(pool_dir) == []


def test_a_run_stopped_by_its_caller_leaves_nothing_prepared_behind(tmp_path, pool_dir):
    files = [("population", household(tmp_path, n), f"{n}.csv") for n in range(1, 7)]
    run = import_files(files, workers=3)
    next(run)
    run.close()  # e.g. the command interrupted after the first file
    assert leftovers(pool_dir) == []
    assert ImportBatch.objects.count() == 1 and len(people()) == 1


def test_a_missing_file_or_an_unknown_feed_is_refused_before_anything_is_recorded(tmp_path):
    with pytest.raises(ImportRefused, match="no such file"):
        import_file("population", tmp_path / "nowhere.csv")
    with pytest.raises(ImportRefused, match="unknown feed"):
        import_file("no_such_feed", household(tmp_path, 1))
    assert ImportBatch.objects.count() == 0


def test_refusals_are_written_in_the_callers_language_by_the_worker_threads(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("户号,姓名,性别,公民身份号码\n", encoding="utf-8")
    with translation.override("zh-hans"):
        [(_code, _path, refused)] = import_files([("population", empty, "empty.csv")], workers=2)
    assert isinstance(refused, ImportRefused)
    assert refused.message == "empty.csv：文件没有数据行"


def test_only_the_macros_a_query_calls_are_defined_with_what_they_call():
    connection = store.connect_bare(macros=False)
    normalize.install(connection, "SELECT jc_date(jc_text(x)) FROM t")
    defined = {
        row[0]
        for row in connection.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_name LIKE 'jc_%'"
        ).fetchall()
    }
    assert {"jc_date", "jc_text", "jc_clean", "jc_fold", "jc_written_date", "jc_ymd"} <= defined
    assert "jc_uscc_error" not in defined and "jc_rid" not in defined
    assert connection.execute(
        "SELECT jc_date(jc_text(' 2025/2/30 ')), jc_date(jc_text('2025年1月5日'))"
    ).fetchall() == [(None, date(2025, 1, 5))]


@pytest.mark.parametrize(("workers", "threads"), [(1, 4), (2, 2), (3, 1), (8, 1)])
def test_files_prepared_side_by_side_share_the_cores(tmp_path, monkeypatch, workers, threads):
    monkeypatch.setattr(importer.os, "cpu_count", lambda: 4)
    real_commit = importer.commit
    seen: list[int] = []

    def commit_noting_threads(prepared: importer.Prepared, **kwargs: object) -> object:
        assert prepared.connection is not None
        seen.append(int(prepared.connection.execute("SELECT current_setting('threads')").fetchall()[0][0]))
        return real_commit(prepared, **kwargs)

    monkeypatch.setattr(importer, "commit", commit_noting_threads)
    files = [("population", household(tmp_path, n), f"{n}.csv") for n in range(1, 4)]
    outcomes = [outcome for _code, _path, outcome in import_files(files, workers=workers)]
    assert seen == [threads] * 3
    assert all(not isinstance(o, ImportRefused) for o in outcomes)
    assert [name for name, _batch, _file in people()] == ["人1", "人2", "人3"]


def test_a_file_is_prepared_in_a_database_that_reaches_no_other_file_and_no_setting(tmp_path, pool_dir):
    path = household(tmp_path, 1)
    other = tmp_path / "other.csv"
    other.write_text("a\n1\n", encoding="utf-8")
    prepared = prepare("population", path)
    connection = prepared.connection
    assert connection is not None
    with pytest.raises(duckdb.PermissionException):
        connection.execute("SELECT * FROM read_csv(?)", [str(other)])
    with pytest.raises(duckdb.PermissionException):
        connection.execute(f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'")
    with pytest.raises(duckdb.InvalidInputException, match="locked"):
        connection.execute("SET enable_external_access = true")
    assert not (tmp_path / "out.csv").exists()
    outcome = commit(prepared)
    assert outcome.batch.status == BatchStatus.COMMITTED and len(people()) == 1
    # The file's connection, its database and their work folders are gone with the commit.
    assert prepared.connection is None and leftovers(pool_dir) == []


def test_a_run_stopped_while_a_file_is_still_being_prepared_waits_for_it_and_leaves_nothing(
    tmp_path, pool_dir, monkeypatch
):
    real_load = importer.load
    started = threading.Event()

    def slow_load(connection: duckdb.DuckDBPyConnection, path: Path, *args: object) -> object:
        started.set()
        # Still busy in its database when the caller stops.
        connection.execute("SELECT sum(hash(range)) FROM range(100000000)").fetchall()
        return real_load(connection, path, *args)

    def stop(_code: str, _path: Path) -> None:
        started.wait()
        raise RuntimeError("stopped by the operator")

    monkeypatch.setattr(importer, "load", slow_load)
    files = [("population", household(tmp_path, n), f"{n}.csv") for n in range(1, 4)]
    with pytest.raises(RuntimeError, match="stopped by the operator"):
        list(import_files(files, workers=1, on_file=stop))
    assert leftovers(pool_dir) == []
    assert ImportBatch.objects.count() == 0 and people() == []
