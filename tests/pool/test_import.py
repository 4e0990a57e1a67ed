import os
import signal
import subprocess
import sys

import pytest

from jiancha.pool import store
from jiancha.pool.importer import ImportRefused, import_file, rollback, snapshot_versions
from jiancha.pool.models import BatchStatus, ImportBatch, PoolSnapshot, RejectedRow

from ..conftest import REPO_ROOT
from .fixtures import CHILD, FATHER, MOTHER, SPOUSE, residents_rows, rid, write_residents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pool_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path / "pool"


def query(sql):
    connection = store.connect(snapshot_versions())
    return connection.execute(sql).fetchall()


def test_import_normalises_and_keeps_provenance(tmp_path):
    outcome = import_file("population", write_residents(tmp_path), imported_by="liaison")
    assert outcome.batch.status == BatchStatus.COMMITTED
    assert outcome.table_rows == {"Person": 4, "Family": 6}
    people = dict(query("SELECT name, idNumber FROM Person"))
    assert people["张伟"] == CHILD  # 15-digit ID converted, spaces trimmed
    row = query(
        f"SELECT phone, birthDate::VARCHAR, _feed, _batch, _file, _row FROM Person WHERE idNumber = '{CHILD}'"
    )[0]
    assert row == ("13900000003", "1988-01-01", "population", outcome.batch.pk, "residents.csv", 4)
    from jiancha.ledger.models import Event

    event = Event.objects.get(kind="pool.batch.imported")
    assert (event.object_kind, event.object_id, event.actor) == (
        "pool_batch",
        str(outcome.batch.pk),
        "liaison",
    )
    family = set(query("SELECT person, relative, relationship FROM Family"))
    assert (CHILD, FATHER, "father") in family and (CHILD, MOTHER, "mother") in family
    assert (FATHER, MOTHER, "spouse") in family and (SPOUSE, CHILD, "spouse") in family


def test_gbk_file_with_bom_free_header(tmp_path):
    import_file("population", write_residents(tmp_path, encoding="gbk"))
    assert query("SELECT count(*) FROM Person")[0][0] == 4


def test_the_same_file_again_changes_nothing(tmp_path):
    path = write_residents(tmp_path)
    first = import_file("population", path)
    snapshots = PoolSnapshot.objects.count()
    again = import_file("population", path)
    assert again.unchanged and again.batch.pk == first.batch.pk
    assert PoolSnapshot.objects.count() == snapshots
    assert query("SELECT count(*) FROM Person")[0][0] == 4


def test_rejected_rows_are_listed_and_valid_rows_land_under_tolerance(tmp_path):
    good = [
        residents_rows()[0].replace("张建国", f"人{i}").replace(FATHER, rid("331221", "19700101", f"{i:03d}"))
        for i in range(100)
    ]
    bad_id = FATHER[:-1] + ("0" if FATHER[-1] != "0" else "1")
    bad = [residents_rows()[1].replace(MOTHER, bad_id, 1)]
    outcome = import_file("population", write_residents(tmp_path, good + bad))
    assert outcome.batch.rows_rejected == 1 and outcome.batch.rows_loaded == 100
    rejected = RejectedRow.objects.get(batch=outcome.batch, table="Person")
    assert (rejected.row, rejected.field, rejected.reason) == (102, "idNumber", "checksum")
    assert rejected.value != bad_id and rejected.value.startswith(bad_id[:4])  # masked
    assert outcome.batch.reject_summary == {"Person.idNumber: checksum": 1, "Family.person: checksum": 1}
    assert query("SELECT count(*) FROM Person")[0][0] == 100


def test_over_tolerance_nothing_lands(tmp_path):
    rows = residents_rows()
    rows[0] = rows[0].replace("1960-03-05", "1960-02-30").replace(FATHER, "1234")
    with pytest.raises(ImportRefused) as refused:
        import_file("population", write_residents(tmp_path, rows))
    assert "residents.csv" in refused.value.message and "tolerance" in refused.value.message
    assert refused.value.batch.status == BatchStatus.REJECTED
    assert snapshot_versions() == {}
    assert {(r.row, r.field, r.reason) for r in RejectedRow.objects.all()} >= {(2, "idNumber", "length")}


def test_wrong_feed_file_is_refused_naming_missing_columns(tmp_path):
    path = tmp_path / "vehicles.csv"
    path.write_text("号牌号码,车主\n浙A12345,张三\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_file("population", path)
    assert "vehicles.csv" in refused.value.message and "公民身份号码" in refused.value.message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty"), (b"PK\x03\x04garbage", "zip"), ("户号,姓名\n".encode("utf-16"), "")],
)
def test_unreadable_files_are_refused(tmp_path, content, expected):
    path = tmp_path / "residents.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as refused:
        import_file("population", path)
    assert "residents.csv" in refused.value.message and expected in refused.value.message
    assert snapshot_versions() == {}


def test_rollback_removes_the_batch_and_keeps_later_ones(tmp_path):
    first = import_file("population", write_residents(tmp_path))
    other = [residents_rows()[0].replace(FATHER, rid("331221", "19500101", "777")).replace("张建国", "赵六")]
    second = import_file("population", write_residents(tmp_path, other, name="more.csv"))
    before = snapshot_versions()
    rollback(first.batch.pk, actor="analyst")
    assert query("SELECT name FROM Person") == [("赵六",)]
    assert ImportBatch.objects.get(pk=first.batch.pk).status == BatchStatus.ROLLED_BACK
    # A reader holding the earlier snapshot still sees what it saw.
    assert store.connect(before).execute("SELECT count(*) FROM Person").fetchone()[0] == 5
    with pytest.raises(ImportRefused):
        rollback(first.batch.pk)
    assert second.batch.status == BatchStatus.COMMITTED


KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
import django
django.setup()
from jiancha.pool import store
from jiancha.pool.importer import import_file
original = store.append
def append_then_die(*args, **kwargs):
    original(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
store.append = append_then_die
import_file("population", Path(sys.argv[1]))
"""

CHECK_SCRIPT = """
import sys, json
from pathlib import Path
import django
django.setup()
from jiancha.pool import store
from jiancha.pool.importer import import_file, snapshot_versions
from jiancha.pool.models import ImportBatch
before = store.connect(snapshot_versions()).execute("SELECT count(*) FROM Person").fetchone()[0]
outcome = import_file("population", Path(sys.argv[1]))
after = store.connect(snapshot_versions()).execute("SELECT count(*) FROM Person").fetchone()[0]
statuses = sorted(ImportBatch.objects.values_list("status", flat=True))
print(json.dumps({"before": before, "after": after, "statuses": statuses, "rows": outcome.table_rows}))
"""


def test_killed_import_leaves_the_pool_as_before_and_the_next_run_completes(tmp_path):
    import json

    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        JIANCHA_DATA_DIR=str(tmp_path / "data"),
        JIANCHA_POOL_DIR=str(tmp_path / "data" / "pool"),
    )
    run = {"cwd": REPO_ROOT, "env": environment, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], check=True, **run)
    path = write_residents(tmp_path)
    killed = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(path)], **run)
    assert killed.returncode == -signal.SIGKILL
    finished = subprocess.run([sys.executable, "-c", CHECK_SCRIPT, str(path)], check=True, **run)
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["before"] == 0  # the killed batch's staged rows were never visible
    assert result["after"] == 4 and result["rows"] == {"Person": 4, "Family": 6}
    assert result["statuses"] == ["committed", "failed"]


def test_a_header_cannot_inject_sql(tmp_path):
    target = tmp_path / "pwned.txt"
    header = '\ufeff\ufeffq" TO "q2"; COPY (SELECT 42) TO \'' + str(target) + "'; --"
    path = tmp_path / "residents.csv"
    path.write_bytes((header + ",姓名\n1,张三\n").encode("gb18030"))
    with pytest.raises(ImportRefused):
        import_file("population", path)
    assert not target.exists()


def test_unpublished_commits_are_undone_before_a_rollback_publishes_anything(tmp_path):
    import pyarrow as pa

    from jiancha.pool.importer import recover
    from jiancha.pool.schema import tables

    first = import_file("population", write_residents(tmp_path))
    # A killed import's staged rows: a Delta commit no snapshot names.
    schema = tables()["Person"].arrow_schema()
    staged = {f.name: [None] for f in schema}
    staged.update(
        {"idNumber": ["STAGED"], "_batch": [999], "_feed": ["population"], "_file": ["x"], "_row": [2]}
    )
    store.append("Person", pa.table(staged, schema=schema))
    rollback(first.batch.pk)
    assert query("SELECT count(*) FROM Person WHERE idNumber = 'STAGED'")[0][0] == 0
    snapshots = PoolSnapshot.objects.count()
    recover()
    assert PoolSnapshot.objects.count() == snapshots  # nothing left to undo: no new snapshot
