"""Detect benchmarks: indicator run time at county scale, and precision/recall against the answer key.

    uv run python -m bench.detect [--region DIR] [--scale county] [--indicator CODE ...]
    uv run python -m bench.detect --region DIR --scale-procurement COPIES [--indicator CODE ...]

Without --region a region is generated (jiancha synth). With --indicator only those indicators run,
and only the feeds filling the tables they read are loaded. The pool is loaded in a temporary data folder,
then every indicator runs once over it (``jiancha detect run``); the planted schemes and innocent
look-alikes of answer_key.json say which alerts are right. docs/benchmarks.md gets a "Risk
indicators" section.

``--scale-procurement COPIES`` measures speed at province scale instead: the region's procurement
feeds (and the company register rows of its bidders) are loaded, then replicated COPIES times inside
DuckDB as so many counties with their own buyers, firms, machines and accounts (amounts and dates
perturbed per copy, some firms also bidding in the next tender so that a tender has about five), staged, and every procurement
indicator (or each one named by ``--indicator``, then without writing the section) is timed with
``engine.evaluate``, wall and CPU. docs/benchmarks.md gets a "Risk indicators at province
scale" section.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def _keys(record: dict[str, Any]) -> set[str]:
    """What identifies a scheme's parties in the pool: USCCs of companies and units, resident ID
    numbers of persons, plates of vehicles."""
    keys = set()
    for entity in record.get("entities", []):
        for field in ("uscc", "id_number"):
            if entity.get(field):
                keys.add(str(entity[field]))
        if entity.get("type") in {"Unit", "Vehicle"}:
            keys.add(str(entity["id"]))
    return keys


def _rows(record: dict[str, Any]) -> set[tuple[str, int]]:
    return {(str(r["file"]), int(r["row"])) for r in record.get("rows", [])}


def _hits(alert: dict[str, Any], record: dict[str, Any]) -> bool:
    keys = {e["key"] for e in alert["entities"]}
    rows = {(str(r["provenance"]["file"]), int(r["provenance"]["row"])) for r in alert["evidence"]}
    # A scheme is found when an alert is about one of its parties (or points at its rows);
    # a bare buyer shared with innocent processes does not count, so buyers match only as subject.
    subject = alert["entities"][0]["key"] if alert["entities"] else ""
    parties = {k for k in keys if k != subject} - {
        e["id"] for e in record.get("entities", []) if e.get("type") == "Unit"
    }
    return bool((({subject} | parties) & _keys(record)) or (rows & _rows(record)))


# Our indicator that stands for a name the answer key uses.
ALIASES = {"COVER_BIDDING": "BID_PRICE_SCREEN", "R028_REPEAT": "R028"}


def evaluate(
    answer_key: dict[str, Any], alerts: list[dict[str, Any]], codes: set[str]
) -> list[dict[str, Any]]:
    """Per indicator: schemes it should find and found (recall), alerts that are about a planted
    scheme (precision), and look-alikes it was fooled by."""
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for alert in alerts:
        by_code[alert["code"]].append(alert)
    out = []
    for code in sorted(codes):
        named = ALIASES.get(code, code)
        schemes = [s for s in answer_key["schemes"] if named in s["indicators"]]
        lookalikes = [s for s in answer_key["lookalikes"] if named in s["indicators"]]
        if not schemes:
            continue
        found = [s for s in schemes if any(_hits(a, s) for a in by_code[code])]
        true_alerts = [a for a in by_code[code] if any(_hits(a, s) for s in schemes)]
        fooled = [s for s in lookalikes if any(_hits(a, s) for a in by_code[code])]
        out.append(
            {
                "code": code,
                "kinds": sorted({s["kind"] for s in schemes}),
                "schemes": len(schemes),
                "found": len(found),
                "alerts": len(by_code[code]),
                "true_alerts": len(true_alerts),
                "lookalikes": len(lookalikes),
                "fooled": len(fooled),
            }
        )
    return out


# Province scale: which columns of each pool table identify a party, a process or a device, so that a
# copy of the county is a county of its own (its buyers, firms, machines, accounts).
SCALED_TABLES: dict[str, tuple[str, ...]] = {
    "Tender": ("tenderId", "buyer"),
    "Bid": ("tenderId", "bidder", "machineCode", "macAddress", "ipAddress"),
    "Award": ("tenderId", "supplier"),
    "BidBond": ("tenderId", "bidder", "payerAccount"),
    "Company": ("uscCode", "legalRepresentative", "phone", "address"),
    "Ownership": ("asset", "owner", "ownerCompany"),
    "TaxPayment": ("taxpayer",),
}
PROCUREMENT_FEEDS = ("tenders", "bids", "awards", "bid_bonds", "companies", "shareholders", "tax")
BIDS_PER_TENDER = 5.0


def scaled_connection(county: Any, copies: int) -> Any:
    """A DuckDB connection whose pool tables are ``copies`` perturbed copies of ``county``'s.

    ``county`` is a connection on the county's pool. All work is set work inside DuckDB: the county's
    rows cross a ``range(copies)`` and every identifying column gets the copy's suffix; amounts move
    by up to ±1 % and dates by up to 27 days per copy; some firms of each tender also bid in the next
    tender (the next in an order by hash, price scaled to its budget) until a tender has about five bids.
    """
    import duckdb

    from jiancha.pool import normalize

    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET TimeZone = 'UTC'")
    normalize.install(connection)
    # The register: the companies that bid or won, their owners and their taxes.
    firms = '(SELECT bidder FROM "Bid" UNION SELECT supplier FROM "Award")'
    sources = {
        "Tender": 'SELECT * FROM "Tender"',
        "Bid": 'SELECT * FROM "Bid"',
        "Award": 'SELECT * FROM "Award"',
        "BidBond": 'SELECT * FROM "BidBond"',
        "Company": f'SELECT * FROM "Company" WHERE uscCode IN {firms}',
        "Ownership": f'SELECT * FROM "Ownership" WHERE asset IN {firms}',
        "TaxPayment": f'SELECT * FROM "TaxPayment" WHERE taxpayer IN {firms}',
    }
    for name, sql in sources.items():
        connection.register(f"_county_{name}", county.execute(sql).to_arrow_table())
    tenders, bids = (
        connection.execute(f'SELECT count(*) FROM "_county_{t}"').fetchone()[0]  # type: ignore[index]
        for t in ("Tender", "Bid")
    )
    extra = max(0.0, BIDS_PER_TENDER * tenders / max(bids, 1) - 1.0)
    factor = "(1 + ((k * 7919) % 201 - 100) / 10000.0)"
    shift = "INTERVAL (k % 28) DAY"
    perturb = {
        "amount": f"CAST(amount * {factor} AS DECIMAL(18,2))",
        "value": f"CAST(value * {factor} AS DECIMAL(18,2))",
        "publishDate": f"CAST(publishDate + {shift} AS DATE)",
        "deadline": f"CAST(deadline + {shift} AS DATE)",
        "submitted": f"submitted + {shift}",
        "date": f"CAST(date + {shift} AS DATE)",
        "paidDate": f"CAST(paidDate + {shift} AS DATE)",
    }
    for name, keys in SCALED_TABLES.items():
        columns = [str(c[0]) for c in connection.execute(f'DESCRIBE "_county_{name}"').fetchall()]
        replace = [f"{k} || '~' || k AS {k}" for k in keys if k in columns]
        replace += [f"{expr} AS {col}" for col, expr in perturb.items() if col in columns]
        connection.execute(
            f'CREATE TABLE "{name}" AS SELECT * EXCLUDE (k) REPLACE ({", ".join(replace)}) '
            f'FROM "_county_{name}", range({copies}) AS r(k)'
        )
        connection.unregister(f"_county_{name}")
    if extra > 0:
        # More bids: some firms of each tender also bid in another tender that has bids (the next in
        # an order by hash, so across counties and copies), at their price scaled to that tender's
        # budget. No new firms; no firm wins more.
        connection.execute(
            f"""
            INSERT INTO "Bid"
            WITH competitive AS (
                SELECT tenderId, value,
                    lead(tenderId) OVER (ORDER BY hash(tenderId), tenderId) AS next_id,
                    lead(value) OVER (ORDER BY hash(tenderId), tenderId) AS next_value
                FROM "Tender" WHERE tenderId IN (SELECT tenderId FROM "Bid")
            )
            SELECT b.* REPLACE (
                t.next_id AS tenderId,
                CAST(b.amount * t.next_value / t.value AS DECIMAL(18,2)) AS amount,
                b._row + 10000000 AS _row)
            FROM "Bid" AS b JOIN competitive AS t ON t.tenderId = b.tenderId
            WHERE t.next_id IS NOT NULL AND t.value > 0
                AND (hash(b.tenderId, b.bidder) % 1000) < {int(extra * 1000)}
            """
        )
    return connection


def province(region: Path, copies: int, codes: list[str] | None = None) -> None:
    """Time every procurement indicator (or only ``codes``) over ``copies`` copies of the region's
    procurement. Wall and CPU time (all threads) per indicator: the machine may be shared."""
    from bench.report import django_in_temp_folder, load_note, write_section

    django_in_temp_folder("bench-detect-province-")
    from jiancha.detect import catalogue, engine
    from jiancha.pool import store
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file, latest_snapshot

    t0 = time.perf_counter()
    for code, path in region_files(region):
        if code in PROCUREMENT_FEEDS:
            import_file(
                code,
                path,
                imported_by="bench",
                display_name=f"{path.parent.parent.name}/{path.parent.name}/{path.name}",
            )
    snapshot = latest_snapshot()
    county = store.connect(dict(snapshot.versions) if snapshot else {})
    print(f"county procurement loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    connection = scaled_connection(county, copies)
    county.close()
    build = time.perf_counter() - t0
    rows = {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for name in SCALED_TABLES
    }
    print(f"built {rows} in {build:.0f} s", file=sys.stderr)
    t0, cpu0 = time.perf_counter(), time.process_time()
    engine.stage_pool(connection)
    stage = time.perf_counter() - t0
    print(f"staged in {stage:.1f} s (CPU {time.process_time() - cpu0:.1f} s)", file=sys.stderr)
    timings = []
    for code, indicator in sorted(catalogue.indicators().items()):
        if indicator.category != "procurement" or (codes and code not in codes):
            continue
        started, cpu = time.perf_counter(), time.process_time()
        found = engine.evaluate(connection, indicator)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        read = sum(rows.get(table, 0) for table in indicator.reads)
        timings.append((code, len(found), seconds, read))
        print(f"{code}: {len(found)} findings in {seconds:.2f} s (CPU {cpu:.2f} s)", file=sys.stderr)
    total = stage + sum(t[2] for t in timings)
    table = "\n".join(
        f"| {code} | {found} | {seconds:.2f} s | {read / max(seconds, 1e-3) / 1e3:,.0f} k |"
        for code, found, seconds, read in timings
    )
    body = f"""
Province scale, built from the county region `{region.name}`: its procurement feeds (and the register
rows of the firms that bid: companies, shareholdings, tax) replicated {copies} times inside DuckDB as
so many counties with their own buyers, firms, bid-file machines and bond accounts, amounts moved by up
to ±1 % and dates by up to 27 days per copy, and some firms of each tender also bidding in the next
one (the next in an order by hash, price scaled to its budget) until a tender has about {BIDS_PER_TENDER:.0f} bids ({build:.0f} s to build). Rows: {rows["Tender"]:,} tenders,
{rows["Bid"]:,} bids, {rows["Award"]:,} awards, {rows["BidBond"]:,} bid bonds, {rows["Company"]:,}
companies, {rows["Ownership"]:,} shareholdings, {rows["TaxPayment"]:,} tax rows.

{load_note()}

Staging (`_pool.sql`, `_stage.sql`): **{stage:.1f} s**. Every procurement indicator, one after the other
on one DuckDB connection (`engine.evaluate`): **{total - stage:.1f} s**. Together: **{total:.1f} s**
(target: under 120 s). Rows per second counts the rows of the tables an indicator reads (its `reads`).

| indicator | findings | time | rows per second |
|---|---|---|---|
{table}
"""
    if codes:  # a partial run does not replace the section of the full one
        print(body)
        return
    write_section(
        "detect-province",
        "Risk indicators at province scale",
        body,
        f"uv run python -m bench.detect --region {region} --scale-procurement {copies}",
    )
    print(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--indicator",
        action="append",
        default=[],
        metavar="CODE",
        help="run only this indicator (repeatable)",
    )
    parser.add_argument(
        "--scale-procurement",
        type=int,
        metavar="COPIES",
        help="time the procurement indicators over COPIES copies of the region's procurement",
    )
    args = parser.parse_args()
    if args.scale_procurement:
        if args.region is None:
            parser.error("--scale-procurement needs --region")
        province(args.region, args.scale_procurement, args.indicator)
        return
    from bench.report import django_in_temp_folder, region_or_synth, write_section

    work = django_in_temp_folder("bench-detect-")
    from jiancha.detect import actions, catalogue
    from jiancha.detect.models import Alert
    from jiancha.pool.demo import load_region

    region = region_or_synth(work, args.region, args.scale, args.seed)
    codes = args.indicator or sorted(catalogue.indicators())
    feeds = None
    if args.indicator:
        from jiancha.pool.schema import feeds as all_feeds

        reads = {table for code in codes for table in catalogue.get(code).reads}
        feeds = {code for code, feed in all_feeds().items() if {m.table for m in feed.maps} & reads}
    t0 = time.perf_counter()
    load_region(region, only=feeds)
    load_seconds = time.perf_counter() - t0
    print(f"pool loaded in {load_seconds:.0f} s", file=sys.stderr)
    run = actions.run_indicators(args.indicator or None)
    lines = list(run.indicators.all())
    alerts: list[dict[str, Any]] = [dict(a) for a in Alert.objects.values("code", "entities", "evidence")]
    answer_key = json.loads((region / "answer_key.json").read_text(encoding="utf-8"))
    rows = evaluate(answer_key, alerts, set(codes))
    tenders = sum(1 for _ in (region).glob("*/procurement/tenders.csv"))
    table = "\n".join(
        f"| {r['code']} | {', '.join(r['kinds'])} | {r['found']}/{r['schemes']} | "
        f"{r['true_alerts']}/{r['alerts']} | {r['fooled']}/{r['lookalikes']} |"
        for r in rows
    )
    timing = "\n".join(
        f"| {line.code} | {line.findings} | {line.seconds * 1000:.0f} ms |"
        for line in sorted(lines, key=lambda x: x.code)
    )
    body = f"""
Region: `{region.name}` ({tenders} counties' procurement feeds), pool batches read: {len(run.batches)}.
One run of {len(lines)} indicators over the pool (stage the tender, bid and award tables in DuckDB,
run each indicator's SQL, gather evidence, write alerts): **{run.seconds:.1f} s**, {run.findings} findings.

Against the synthetic answer key (`answer_key.json`): a scheme is found when an alert of an indicator
the key names for it is about one of the scheme's companies or units, or cites one of its rows.
"True alerts" are alerts about some planted scheme — an upper bound on false positives only, since
the synthetic region's ordinary procurement is not free of chance red flags (Cardinal's outlier
indicators flag a share of any data by design). Look-alikes are innocent cases built to fool a rule.
COVER_BIDDING is scored as the key's BID_PRICE_SCREEN, R028_REPEAT as R028. Province scale (about a
million tenders) is timed by `--scale-procurement`: section "Risk indicators at province scale".

| indicator | planted kind | schemes found (recall) | true alerts / alerts (precision) | look-alikes fooled |
|---|---|---|---|---|
{table}

| indicator | findings | time |
|---|---|---|
{timing}
"""
    if args.indicator:  # a partial run does not replace the section of the full one
        print(body)
        return
    write_section(
        "detect",
        "Risk indicators",
        body,
        "uv run python -m bench.detect"
        + (f" --region {args.region}" if args.region else f" --scale {args.scale}")
        + "".join(f" --indicator {code}" for code in args.indicator),
    )
    print(body)


if __name__ == "__main__":
    main()
