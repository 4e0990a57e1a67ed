"""People, funds, vehicle and reception indicators at province scale.

    uv run python -m bench.detect_people --region DIR [--copies 33]

A province is about 33 counties' worth of residents (10 million). The county region's pool tables that
these indicators read are loaded once, then replicated ``copies`` times inside DuckDB as so many
counties with their own people, companies, accounts, households and vehicles: in every identifier
(resident ID, USCC, or an ID number in a payment row) the two digits after the province code become
the copy's number, and every other key (household, account, plate, fuel card, transaction, tender,
certificate) gains a ``~copy`` suffix, so no copy joins another; the findings must be ``copies``
times those of one copy. Then every indicator outside the
procurement family runs once (``engine.evaluate``) and its time goes to docs/benchmarks.md, section
"People and funds indicators at province scale". The procurement family's own province run is
``bench.detect --scale-procurement``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

# Text columns that are keys between tables (besides the resident_id and uscc columns of tables.yaml).
TEXT_KEYS = {
    "Person": ["householdId"],
    "RealEstate": ["certificateNumber"],
    "Vehicle": ["registrationNumber"],
    "BankAccount": ["accountNumber"],
    "Payment": ["transactionId", "payerAccount", "beneficiaryAccount"],
    "Benefit": ["householdId", "account"],
    "Payroll": ["account"],
    "Tender": ["tenderId"],
    "Bid": ["tenderId"],
    "BidBond": ["tenderId", "payerAccount"],
    "Award": ["tenderId"],
    "OfficialVehicle": ["registrationNumber", "fuelCard"],
    "FuelFill": ["transactionId", "fuelCard", "registrationNumber"],
    "VehicleTrip": ["tripId", "registrationNumber"],
    "MealReimbursement": ["claimId", "invoiceNumber"],
}
# Text columns holding a resident ID or a USCC.
ID_TEXT = {"Payment": ["payerIdNumber", "beneficiaryIdNumber"]}


# The check characters of GB 11643 (resident ID) and GB 32100 (USCC), recomputed after renumbering so
# that a copy's ID numbers stay valid (indicators and the alert recorder check them).
MACROS = """
CREATE MACRO rid_check(s) AS '10X98765432'[CAST(1 + list_sum(list_transform(range(17), lambda i:
    TRY_CAST(substr(s, i + 1, 1) AS INTEGER) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11 AS BIGINT)];
CREATE MACRO uscc_check(s) AS '0123456789ABCDEFGHJKLMNPQRTUWXY'[CAST(1 + (31 - list_sum(list_transform(range(17), lambda i:
    (strpos('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(s, i + 1, 1)) - 1)
        * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1])) % 31) % 31 AS BIGINT)];
CREATE MACRO renumber(s, k) AS CASE
    WHEN k = 0 OR s IS NULL OR length(s) < 4 THEN s
    WHEN length(s) = 18 AND regexp_full_match(s, '[0-9]{17}[0-9X]') AND rid_check(s) = s[18]
        THEN substr(s, 1, 2) || printf('%02d', 40 + k) || substr(s, 5, 13)
            || rid_check(substr(s, 1, 2) || printf('%02d', 40 + k) || substr(s, 5, 13))
    WHEN length(s) = 18 AND uscc_check(s) = s[18]
        THEN substr(s, 1, 2) || printf('%02d', 40 + k) || substr(s, 5, 13)
            || uscc_check(substr(s, 1, 2) || printf('%02d', 40 + k) || substr(s, 5, 13))
    ELSE substr(s, 1, 2) || printf('%02d', 40 + k) || substr(s, 5) END;
"""


def replicate(source: duckdb.DuckDBPyConnection, tables: list[str], copies: int) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding ``copies`` copies of ``tables`` read from ``source``."""
    from jiancha.pool import schema

    declared = schema.tables()
    # On disk, with a memory ceiling: 33 copies of a county's people, payments and trips outgrow memory.
    database = Path(tempfile.mkdtemp(prefix="bench-province-")) / "province.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET memory_limit = '6GB'")
    connection.execute(f"SET temp_directory = '{database.parent}'")
    connection.execute("SET preserve_insertion_order = false")
    for macro in MACROS.split(";"):
        if macro.strip():
            connection.execute(macro)
    county = {name: source.sql(f'SELECT * FROM "{name}"').to_arrow_table() for name in tables}
    id_columns = {
        name: [
            col
            for col in sorted(arrow.column_names)
            if (declared[name].columns if name in declared else {}).get(col) in {"resident_id", "uscc"}
            or col in ID_TEXT.get(name, [])
        ]
        for name, arrow in county.items()
    }
    for name, arrow in county.items():
        connection.register(f"_county_{name}", arrow)
    # Each distinct ID number renumbered once per copy (the check character is costly), then joined.
    distinct = " UNION ".join(
        f'SELECT "{col}" AS id FROM "_county_{name}" WHERE "{col}" IS NOT NULL'
        for name, cols in id_columns.items()
        for col in cols
    )
    connection.execute(
        f"CREATE TABLE _idmap AS SELECT id, k, renumber(id, k) AS new FROM ({distinct}), range({copies}) AS r(k)"
    )
    for name, arrow in county.items():
        columns = set(arrow.column_names)
        joins = "".join(
            f' LEFT JOIN _idmap AS m{i} ON m{i}.id = c."{col}" AND m{i}.k = r.k'
            for i, col in enumerate(id_columns[name])
        )
        replace = [f'coalesce(m{i}.new, c."{col}") AS "{col}"' for i, col in enumerate(id_columns[name])]
        replace += [
            f'CASE WHEN r.k = 0 OR c."{col}" IS NULL THEN c."{col}" ELSE c."{col}" || \'~\' || r.k END AS "{col}"'
            for col in TEXT_KEYS.get(name, [])
            if col in columns
        ]
        # Provenance rows stay unique across copies (indicators fetch rows back by batch and row).
        replace.append("c._row + r.k * 100000000 AS _row")
        exprs = {expr.rsplit(" AS ", 1)[1].strip('"'): expr for expr in replace}
        select = ", ".join(exprs.get(col, f'c."{col}"') for col in arrow.column_names)
        connection.execute(
            f'CREATE TABLE "{name}" AS SELECT {select} FROM "_county_{name}" AS c, range({copies}) AS r(k){joins}'
        )
        connection.unregister(f"_county_{name}")
    return connection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--copies", type=int, default=33)
    args = parser.parse_args()
    from bench.report import django_in_temp_folder, write_section

    django_in_temp_folder("bench-detect-people-")
    from jiancha.detect import catalogue, engine
    from jiancha.pool import store
    from jiancha.pool.demo import load_region
    from jiancha.pool.importer import latest_snapshot
    from jiancha.pool.schema import feeds as all_feeds

    chosen = {code: i for code, i in sorted(catalogue.indicators().items()) if i.category != "procurement"}
    reads = sorted({t for i in chosen.values() for t in i.reads} | {"Tender", "Bid", "Award"})
    feeds = {code for code, feed in all_feeds().items() if {m.table for m in feed.maps} & set(reads)}
    t0 = time.perf_counter()
    load_region(args.region, only=feeds)
    print(f"county pool loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    snapshot = latest_snapshot()
    county = store.connect(dict(snapshot.versions) if snapshot else {})
    t0 = time.perf_counter()
    connection = replicate(county, reads, args.copies)
    county.close()
    build = time.perf_counter() - t0
    rows = {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]) for name in reads
    }
    print(f"built {sum(rows.values()):,} rows in {build:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    engine.stage_pool(connection)
    stage = time.perf_counter() - t0
    timings = []
    for code, indicator in chosen.items():
        started = time.perf_counter()
        found = engine.evaluate(connection, indicator)
        seconds = time.perf_counter() - started
        read = sum(rows.get(table, 0) for table in indicator.reads)
        timings.append((code, indicator.category, len(found), seconds, read))
        print(f"{code}: {len(found)} findings in {seconds:.1f} s", file=sys.stderr)
    total = stage + sum(t[3] for t in timings)
    apart = all(found % args.copies == 0 for _c, _f, found, _s, _r in timings)
    busy = os.getloadavg()[0]
    table = "\n".join(
        f"| {code} | {category} | {found:,} | {seconds:.1f} s | {read / max(seconds, 1e-3) / 1e6:.1f} M |"
        for code, category, found, seconds, read in timings
    )
    sizes = ", ".join(f"{name} {count:,}" for name, count in rows.items() if count)
    body = f"""
Province scale built from the county region `{args.region.name}`: the pool tables these indicators read,
replicated {args.copies} times inside DuckDB as so many counties (ID numbers renumbered per copy, other
keys suffixed, source rows numbered apart; {build:.0f} s to build). Rows: {sizes}.

Load average {busy:.1f} on {os.cpu_count()} cores at the end of the run (other jobs shared the machine,
so the times are upper bounds). Staging (`_pool.sql`, `_stage.sql`, the calendar): {stage:.1f} s. Every
indicator outside the procurement family, one after the other on one DuckDB connection: **{total - stage:.1f} s**
({total:.1f} s with staging). Rows per second counts the rows of the tables an indicator reads. Every
count of findings a multiple of {args.copies} (the copies stayed apart): {"yes" if apart else "NO"}.

| indicator | family | findings | time | rows per second |
|---|---|---|---|---|
{table}
"""
    write_section(
        "detect-people-province",
        "People and funds indicators at province scale",
        body,
        f"uv run python -m bench.detect_people --region {args.region} --copies {args.copies}",
    )
    print(body)


if __name__ == "__main__":
    main()
