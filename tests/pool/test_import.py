import os
import signal
import subprocess
import sys

import duckdb
import pytest

from jiancha.pool import store
from jiancha.pool.importer import ImportRefused, import_file, rollback, snapshot_versions
from jiancha.pool.models import BatchStatus, ImportBatch, PoolSnapshot, RejectedRow
from jiancha.pool.sources import load

from ..conftest import REPO_ROOT
from .fixtures import CHILD, FATHER, HEADER, MOTHER, SPOUSE, residents_rows, rid, write_residents

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


def test_each_table_rejects_a_bad_id_with_its_own_field_and_reason(tmp_path):
    """The ID number is validated once for all four tables population fills; every table still
    rejects a row whose ID it reads, naming its own field, and only the rows it would map."""
    good = [
        residents_rows()[0].replace("张建国", f"人{i}").replace(FATHER, rid("331221", "19700101", f"{i:03d}"))
        for i in range(200)
    ]
    wrong_check = CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1")
    bad = [
        # a bad relative: the row's Person and other relations land, its Family (father) row does not
        residents_rows()[2].replace(f",{FATHER},", f",{FATHER[:-1]},"),
        # a bad person ID: rejected in Person and in each relation the row gives (father, mother, spouse)
        residents_rows()[2].replace(f"{CHILD[:6]}{CHILD[8:17]}", wrong_check),
        # no person ID: missing in Person and in the one relation given (spouse)
        residents_rows()[3].replace(SPOUSE, ""),
    ]
    outcome = import_file("population", write_residents(tmp_path, good + bad))
    assert outcome.batch.rows_rejected == 3
    rejected = {(r.row, r.table, r.field, r.reason) for r in RejectedRow.objects.filter(batch=outcome.batch)}
    assert rejected == {
        (202, "Family", "relative", "length"),
        (203, "Person", "idNumber", "checksum"),
        *((203, "Family", "person", "checksum") for _ in range(3)),
        (204, "Person", "idNumber", "missing"),
        (204, "Family", "person", "missing"),
    }
    assert RejectedRow.objects.filter(batch=outcome.batch, row=203, table="Family").count() == 3
    assert outcome.batch.reject_summary == {
        "Family.person: checksum": 3,
        "Family.relative: length": 1,
        "Person.idNumber: checksum": 1,
        "Person.idNumber: missing": 1,
        "Family.person: missing": 1,
    }
    assert query(f"SELECT count(*) FROM Person WHERE idNumber = '{CHILD}'")[0][0] == 1  # row 202
    assert set(query(f"SELECT relationship FROM Family WHERE person = '{CHILD}'")) == {
        ("mother",),
        ("spouse",),
    }


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


def _roster_xlsx(path):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    rows = [
        ["姓名", "身份证号", "工作单位", "职务", "政治面貌"],
        ["张建国", FATHER, "石门镇人民政府", "镇长", "中共党员"],
    ]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    workbook.close()
    return path


def test_xlsx_feed_imports_and_reads_party_membership(tmp_path):
    outcome = import_file("roster", _roster_xlsx(tmp_path / "roster.xlsx"))
    assert outcome.table_rows == {"Employment": 1}
    assert query("SELECT employee, partyMember, _row FROM Employment") == [(FATHER, True, 2)]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(_roster_xlsx(p).read_bytes()[:400]), "truncated"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512), "password-protected"),
        (lambda p: p.write_text("姓名,身份证号\n张三,1\n", encoding="utf-8"), "not an xlsx file"),
    ],
    ids=["truncated", "password-protected", "csv-named-xlsx"],
)
def test_broken_workbooks_are_refused_with_the_reason(tmp_path, make, expected):
    path = tmp_path / "roster.xlsx"
    make(path)
    with pytest.raises(ImportRefused) as refused:
        import_file("roster", path)
    assert "roster.xlsx" in refused.value.message and expected in refused.value.message
    assert snapshot_versions() == {}


def test_header_names_with_spaces_and_a_bom_still_match(tmp_path):
    from .fixtures import HEADER

    header = "\ufeff" + " , ".join(HEADER.split(","))
    path = tmp_path / "residents.csv"
    path.write_text("\n".join([header, *residents_rows()]) + "\n", encoding="utf-8")
    assert import_file("population", path).table_rows["Person"] == 4


OCDS_RELEASES = [
    {
        "ocid": "ocds-jc-1", "parties": [
            {"id": "B", "name": "清溪市水利局", "identifier": {"scheme": "CN-USCC", "id": "11331200000000027T"}},
            {"id": "S1", "name": "甲公司", "identifier": {"scheme": "CN-USCC", "id": "91350100M000100Y43"}},
            {"id": "S2", "name": "乙公司", "identifier": {"scheme": "CN-USCC", "id": "91331202MA00000021"}},
        ],
        "buyer": {"id": "B", "name": "清溪市水利局"},
        "tender": {"id": "T-1", "title": "河道清淤", "procurementMethod": "open", "value": {"amount": 480000},
                   "tenderPeriod": {"startDate": "2025-03-01T09:00:00+08:00", "endDate": "2025-03-21T09:30:00+08:00"}},
        "bids": {"details": [
            {"id": "b1", "tenderers": [{"id": "S1"}], "value": {"amount": 455000}, "date": "2025-03-20T10:00:00+08:00", "status": "valid"},
            {"id": "b2", "tenderers": [{"id": "S2"}], "value": {"amount": 458000}, "date": "2025-03-20T11:00:00+08:00", "status": "disqualified"},
        ]},
        "awards": [{"id": "a1", "suppliers": [{"id": "S1"}], "value": {"amount": 455000}, "date": "2025-03-25T00:00:00+08:00"}],
    },
    {"ocid": "ocds-jc-2", "tender": {"id": "T-2", "procurementMethod": "direct", "value": {"amount": 55000}}},
]  # fmt: skip


def test_ocds_releases_become_tenders_bids_and_awards(tmp_path):
    import json

    path = tmp_path / "ocds.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in OCDS_RELEASES) + "\n", encoding="utf-8"
    )
    outcome = import_file("ocds", path)
    assert outcome.table_rows == {"Tender": 2, "Bid": 2, "Award": 1}
    assert query("SELECT bidderName, disqualified FROM Bid ORDER BY amount") == [
        ("甲公司", False),
        ("乙公司", True),
    ]
    assert query(
        "SELECT tenderId, buyer, value::VARCHAR, deadline::VARCHAR, _row FROM Tender ORDER BY tenderId"
    ) == [
        ("T-1", "11331200000000027T", "480000.00", "2025-03-21", 1),
        ("T-2", None, "55000.00", None, 2),
    ]
    assert query("SELECT supplier, amount::VARCHAR, date::VARCHAR FROM Award") == [
        ("91350100M000100Y43", "455000.00", "2025-03-25")
    ]


def test_ocds_with_a_bad_bidder_code_lists_it(tmp_path):
    import json

    releases = json.loads(json.dumps(OCDS_RELEASES))
    releases[0]["parties"][2]["identifier"]["id"] = "91350100M000100Y44"  # wrong check character
    path = tmp_path / "ocds.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in releases) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="tolerance"):
        import_file("ocds", path)
    rejected = RejectedRow.objects.get()
    assert (rejected.row, rejected.table, rejected.field, rejected.reason) == (1, "Bid", "bidder", "checksum")


def test_a_file_that_is_not_ocds_is_refused(tmp_path):
    path = tmp_path / "ocds.jsonl"
    path.write_text('{"name": "not a release"}\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match="not an OCDS release"):
        import_file("ocds", path)


def test_an_import_undoes_staged_rows_on_a_table_that_already_has_published_ones(tmp_path):
    import pyarrow as pa

    from jiancha.pool.schema import tables

    import_file("population", write_residents(tmp_path))
    published = snapshot_versions()["Person"]
    # A killed import's staged rows, one version past the snapshot (the check reads the log's listing).
    schema = tables()["Person"].arrow_schema()
    staged = {f.name: [None] for f in schema}
    staged.update(
        {"idNumber": ["STAGED"], "_batch": [999], "_feed": ["population"], "_file": ["x"], "_row": [2]}
    )
    store.append("Person", pa.table(staged, schema=schema))
    assert store.head_version("Person") == published + 1
    other = [residents_rows()[0].replace(FATHER, rid("331221", "19500101", "777")).replace("张建国", "赵六")]
    import_file("population", write_residents(tmp_path, other, name="more.csv"))
    assert query("SELECT count(*) FROM Person WHERE idNumber = 'STAGED'")[0][0] == 0
    assert query("SELECT count(*) FROM Person")[0][0] == 5


def test_head_version_reads_the_log_as_delta_does(tmp_path):
    from deltalake import DeltaTable

    from jiancha.pool.schema import tables

    assert store.head_version("Person") is None and store.current_version("Person") is None
    for n, name in enumerate(("a.csv", "b.csv", "c.csv")):
        row = residents_rows()[0].replace(FATHER, rid("331221", "19500101", f"{700 + n}"))
        import_file("population", write_residents(tmp_path, [row], name=name))
    DeltaTable(str(store.table_path("Person"))).create_checkpoint()
    for name in tables():
        assert store.head_version(name) == store.current_version(name)
    assert store.head_version("Person") == 2
    # A commit being written (a temporary name) is not a commit.
    (store.table_path("Person") / "_delta_log" / "_commit_x.json.tmp").write_text("{}")
    assert store.head_version("Person") == 2


def _deaths(path, lines):
    path.write_text("\n".join(["公民身份号码,姓名,死亡日期,登记机关", *lines]) + "\n", encoding="utf-8")
    return path


def test_csv_quotes_are_read_as_rfc_4180_even_past_the_sniffers_sample(tmp_path):
    people = [rid("331221", "19400101", f"{n:03d}") for n in range(1, 999)]
    # 30,000 rows without a quote, then a quoted field holding the delimiter, and doubled quotes.
    lines = [f"{people[n % 998]},张三,2024-01-01,民政局" for n in range(30_000)]
    lines += [f'{FATHER},"张,建国",2024-02-02,民政局', f'{MOTHER},李秀英,2024-03-03,"""石门""镇民政办"']
    import_file("deaths", _deaths(tmp_path / "deaths.csv", lines))
    rows = query(
        f"SELECT name, authority FROM Death WHERE idNumber IN ('{FATHER}', '{MOTHER}') ORDER BY name"
    )
    assert rows == [("张,建国", "民政局"), ("李秀英", '"石门"镇民政办')]


def test_a_quoted_line_break_is_one_record_and_rows_keep_their_numbers(tmp_path):
    # Excel and WPS export a cell holding a line break as a quoted field spanning lines, with CRLF.
    path = tmp_path / "deaths.csv"
    lines = [
        "公民身份号码,姓名,死亡日期,登记机关",
        f'{FATHER},张建国,2024-01-01,"清溪市\r\n民政局"',
        f"{MOTHER},李秀英,2024-02-02,",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert import_file("deaths", path).table_rows == {"Death": 2}
    assert query("SELECT _row, name, authority FROM Death ORDER BY _row") == [
        (2, "张建国", "清溪市\r\n民政局"),
        (3, "李秀英", None),
    ]


def test_a_csv_file_broken_past_the_sniffers_sample_is_refused_and_nothing_lands(tmp_path):
    people = [rid("331221", "19400101", f"{n:03d}") for n in range(1, 999)]
    lines = [f"{people[n % 998]},张三,2024-01-01,民政局" for n in range(30_000)]
    path = _deaths(tmp_path / "deaths.csv", lines)
    with path.open("ab") as handle:
        handle.write(f"{FATHER},张".encode() + b"\xff" + "建国,2024-01-01,民政局\n".encode())
    with pytest.raises(ImportRefused) as refused:
        import_file("deaths", path)
    assert refused.value.message.startswith("deaths.csv: not readable as CSV")
    assert refused.value.batch.status == BatchStatus.REJECTED
    assert snapshot_versions() == {}


@pytest.mark.parametrize("early", [False, True], ids=["past the sniffer's sample", "in it"])
def test_a_row_with_more_fields_than_the_header_is_rejected_not_shifted(tmp_path, early):
    people = [rid("331221", "19400101", f"{n:03d}") for n in range(1, 999)]
    lines = [f"{people[n % 998]},张三,2024-01-01,民政局" for n in range(3000 if not early else 200)]
    # A comma inside an unquoted value: every field after it moves one column to the right.
    shifted = [f"{FATHER},张,建国,2024-01-01,民政局", f"{MOTHER},李秀英,2024-02-02,石门镇,民政办"]
    lines = shifted + lines if early else lines + shifted
    outcome = import_file("deaths", _deaths(tmp_path / "deaths.csv", lines))
    assert outcome.batch.rows_rejected == 2 and outcome.table_rows == {"Death": len(lines) - 2}
    # The first row's shifted name also put 建国 where the date goes: that is listed too.
    assert outcome.batch.reject_summary == {"Death.*: extra_fields": 2, "Death.deathDate: bad_date": 1}
    assert sorted(RejectedRow.objects.filter(reason="extra_fields").values_list("row", "field")) == sorted(
        (lines.index(line) + 2, "*") for line in shifted
    )
    assert query(f"SELECT count(*) FROM Death WHERE idNumber IN ('{FATHER}', '{MOTHER}')") == [(0,)]


def test_extra_fields_are_caught_when_the_sniffer_chose_the_quoting_and_whatever_the_headers_case(tmp_path):
    # An apostrophe early in the file leaves quoting to DuckDB's sniffer; a header may name _EXTRA0.
    lines = [f"{rid('331221', '19400101', f'{n:03d}')},O'Brien{n},2024-01-01,民政局" for n in range(1, 200)]
    lines.append(f"{FATHER},张,建国,2024-01-01,民政局")
    path = tmp_path / "deaths.csv"
    path.write_text(
        "\n".join(
            [
                "公民身份号码,姓名,死亡日期,登记机关,_EXTRA0",
                *[f"{line}," for line in lines[:-1]],
                lines[-1] + ",x",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    outcome = import_file("deaths", path)
    assert outcome.batch.reject_summary["Death.*: extra_fields"] == 1
    assert outcome.table_rows == {"Death": 199}


def test_a_delimiter_ending_every_line_is_no_extra_field(tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text(
        f"公民身份号码,姓名,死亡日期,登记机关,\n{FATHER},张建国,2024-01-01,民政局,\n", encoding="utf-8"
    )
    outcome = import_file("deaths", path)
    assert outcome.batch.rows_rejected == 0 and outcome.table_rows == {"Death": 1}
    # Lines ending in a delimiter the header does not have: the extra field is empty, nothing shifted.
    path.write_text(
        f"公民身份号码,姓名,死亡日期,登记机关\n{MOTHER},李秀英,2024-01-01,民政局,\n", encoding="utf-8"
    )
    outcome = import_file("deaths", path)
    assert outcome.batch.rows_rejected == 0 and outcome.table_rows == {"Death": 1}


def test_csv_with_other_delimiters_or_a_backslash_is_still_sniffed(tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text(
        f"公民身份号码;姓名;死亡日期;登记机关\n{FATHER};张建国;2024-01-01;民政局\n", encoding="utf-8"
    )
    assert import_file("deaths", path).table_rows == {"Death": 1}
    path = tmp_path / "deaths2.csv"
    path.write_text(
        f"公民身份号码\t姓名\t死亡日期\t登记机关\n{MOTHER}\t李秀英\t2024-01-01\t民政局\\二科\n",
        encoding="utf-8",
    )
    assert import_file("deaths", path).table_rows == {"Death": 1}
    assert query(f"SELECT authority FROM Death WHERE idNumber = '{MOTHER}'") == [("民政局\\二科",)]


def test_an_import_keeps_the_registry_whole_and_the_liaison_and_writes_only_what_changed(
    tmp_path, django_user_model, django_assert_max_num_queries
):
    from jiancha.pool.importer import sync_feeds
    from jiancha.pool.models import Feed
    from jiancha.pool.schema import feeds

    import_file("population", write_residents(tmp_path))
    assert set(Feed.objects.values_list("code", flat=True)) == set(feeds())  # every feed listed
    liaison = django_user_model.objects.create_user("liaison_deaths", password="x")
    Feed.objects.filter(code="deaths").update(liaison=liaison, cadence_days=999)
    Feed.objects.filter(code="tax").delete()
    import_file("population", write_residents(tmp_path, name="again.csv", rows=residents_rows()[:1]))
    deaths = Feed.objects.get(code="deaths")
    assert deaths.cadence_days == feeds()["deaths"].cadence_days  # the YAML wins ...
    assert deaths.liaison == liaison  # ... and the liaison assigned in the admin stays
    assert Feed.objects.filter(code="tax").exists()
    with django_assert_max_num_queries(1):  # current: one read, no write
        records = sync_feeds()
    assert set(records) == set(feeds()) and records["deaths"].liaison_id == liaison.pk


def test_a_csv_header_naming_two_columns_alike_is_refused(tmp_path):
    path = tmp_path / "residents.csv"
    rows = [r + ",331221196207080225" for r in residents_rows()]
    path.write_bytes("\n".join([HEADER + ",公民身份号码", *rows]).encode("gbk"))
    with pytest.raises(ImportRefused) as refused:
        import_file("population", path)
    assert refused.value.message == (
        "residents.csv: the header names two columns 公民身份号码 (columns D and Q); rename one"
    )
    assert refused.value.batch.status == BatchStatus.REJECTED and snapshot_versions() == {}
    # A name that merely ends in a number after another column's name is a name of its own.
    other = tmp_path / "other.csv"
    other.write_text("号码\t号码_1\n1\t2\n", encoding="utf-8")
    connection = duckdb.connect()
    source = load(connection, other, "csv", tmp_path)
    assert source.columns == ["号码", "号码_1"]
    assert connection.execute('SELECT _row, "号码", "号码_1" FROM src').fetchall() == [(2, "1", "2")]
