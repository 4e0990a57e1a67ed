"""Generating the whole region: counties (in parallel when asked), the organisation tree, the
manifest and the answer key.

Each county is generated from its own derived seed into its own folder, so the bytes do not depend
on how many worker processes run; memory is bounded by one county per worker (province scale is
32 counties of about 312,500 residents).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .economy import assign_employment, build_companies, open_accounts
from .feeds import FEED_STEPS, CountyFeeds
from .model import REFERENCE_DATE, County
from .names import NameBook, load_data
from .orgs import SCALES, Scale, build_divisions, build_units, plan_counties
from .people import build_people
from .public import assign_posts
from .rng import stream
from .writer import Col, Entry, Sink, Table

GENERATOR_VERSION = "1"
IDENTITY_DIR = ".identity"


def build_county(county: County, scale: Scale) -> County:
    """The county's world (divisions, people, units, posts, companies, accounts) in memory."""
    seed = county.seed
    build_divisions(county, scale, stream(seed, county.code, "divisions"))
    book = NameBook()
    build_people(county, county.residents, stream(seed, county.code, "people"), book)
    build_units(county, county.index * 10_000)
    assign_posts(county, county.residents / 100_000, stream(seed, county.code, "posts"))
    build_companies(county, max(60, county.residents // 22), stream(seed, county.code, "companies"))
    assign_employment(county, stream(seed, county.code, "employment"))
    open_accounts(county, stream(seed, county.code, "accounts"))
    return county


def run_county(county: County, out: str, tick: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate one county's feeds into ``out``; return what the manifest and answer key need."""
    scale = SCALES[county.scale]
    root = Path(out)
    build_county(county, scale)
    if tick is not None:
        tick("world")
    (root / IDENTITY_DIR).mkdir(parents=True, exist_ok=True)
    with (root / IDENTITY_DIR / f"{county.code}.csv").open("w", encoding="utf-8", newline="\n") as identity:
        sink = Sink(identity=identity, typos=load_data("names")["typos"])
        feeds = CountyFeeds(county, root, county.seed, sink, county.residents)
        feeds.run(tick)
    divisions = [[county.code + "000000", county.name, county.kind, "", ""]]
    populations: dict[int, int] = {}
    for village in county.villages:
        populations[village.town] = populations.get(village.town, 0) + village.population
    for t, town in enumerate(county.towns):
        divisions.append([town.code, town.name, town.kind, str(populations.get(t, 0)), ""])
        divisions += [[v.code, v.name, v.kind, str(v.population), ""] for v in county.villages if v.town == t]
    return {
        "code": county.code,
        "entries": [asdict(entry) for entry in feeds.entries],
        "invalid": [asdict(item) for item in sink.invalid],
        "schemes": [record.as_dict() for record in feeds.key.schemes],
        "lookalikes": [record.as_dict() for record in feeds.key.lookalikes],
        "off_roster_posts": feeds.key.off_roster,
        "divisions": divisions,
        "units": [[u.name, u.unit_type, u.division, u.parent, u.uscc] for u in county.units],
        "residents": sum(1 for p in county.people if p.alive()),
        "people": len(county.people),
    }


def _run_job(args: tuple[County, str, Any]) -> dict[str, Any]:
    """Pool entry point: progress goes back through a managed queue."""
    county, out, queue = args
    return run_county(county, out, lambda step: queue.put((county.code, step)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def generate(
    scale_name: str,
    seed: int,
    out: Path,
    *,
    workers: int = 1,
    progress: Callable[[int, int, str], None] | None = None,
    first_counties: int | None = None,
    identity_inline: bool | None = None,
) -> dict[str, Any]:
    """Write the region for ``scale_name`` and ``seed`` under ``out``; return the manifest.

    ``first_counties`` keeps only the first counties of the plan (their bytes are those of the whole
    region's): a benchmark can time part of the province scale on a small machine.
    ``identity_inline`` puts the identity key inside answer_key.json (default: at tiny scale only;
    otherwise it is streamed to identity_key.csv).
    """
    scale = SCALES[scale_name]
    out.mkdir(parents=True, exist_ok=True)
    counties = plan_counties(scale, seed)[:first_counties]
    total = len(counties) * (len(FEED_STEPS) + 1)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    results: list[dict[str, Any]] = []
    if workers > 1 and len(counties) > 1:
        # "spawn" keeps workers free of the parent's state (Django, open files); imap keeps order.
        context = multiprocessing.get_context("spawn")
        with (
            context.Manager() as manager,
            context.Pool(min(workers, len(counties)), maxtasksperchild=1) as pool,
        ):
            queue = manager.Queue()

            def drain() -> None:
                while (item := queue.get()) is not None:
                    tick(f"{item[0]} {item[1]}")

            listener = threading.Thread(target=drain, daemon=True)
            listener.start()
            results = list(pool.imap(_run_job, [(county, str(out), queue) for county in counties]))
            queue.put(None)
            listener.join()
    else:
        for county in counties:

            def step_done(step: str, code: str = county.code) -> None:
                tick(f"{code} {step}")

            results.append(run_county(county, str(out), step_done))
    entries = [entry for result in results for entry in result["entries"]]
    entries += [asdict(entry) for entry in _write_orgs(out, seed, counties, results)]
    inline = scale_name == "tiny" if identity_inline is None else identity_inline
    key_entry = _write_answer_key(out, seed, scale_name, results, inline)
    entries += key_entry
    entries.sort(key=lambda entry: entry["path"])
    manifest = {
        "generator": f"jiancha.synth {GENERATOR_VERSION}",
        "scale": scale_name,
        "seed": seed,
        "reference_date": REFERENCE_DATE.isoformat(),
        "residents": sum(result["residents"] for result in results),
        "people_ever": sum(result["people"] for result in results),
        "counties": [result["code"] for result in results],
        "row_numbering": "CSV and xlsx: the header is row 1, the first record row 2; JSON lines: the first line is row 1",
        "total_rows": sum(entry["rows"] for entry in entries),
        "files": entries,
        "invalid_identifiers": [item for result in results for item in result["invalid"]],
    }
    with (out / "manifest.json").open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return manifest


def _write_orgs(out: Path, seed: int, counties: list[County], results: list[dict[str, Any]]) -> list[Entry]:
    places = load_data("places")
    rows = [[places["province"]["code"], places["province"]["name"], "province", "", ""]]
    for city_code in sorted({county.city_code for county in counties}):
        name = next(county.city_name for county in counties if county.city_code == city_code)
        rows.append([city_code + "00000000", name, "city", "", ""])
    for result in results:
        rows += result["divisions"]
    rows.sort(key=lambda row: row[0])
    sink = Sink(identity=io.StringIO())  # the organisation tree names no persons
    divisions = Table(
        out,
        "orgs/divisions.csv",
        [Col("code"), Col("name"), Col("kind"), Col("population"), Col("parent_code")],
        fmt="csv",
        sink=sink,
        seed=seed,
        department="统计局/民政局",
        description="行政区划 (divisions) for jiancha.orgs.services.import_divisions",
    )
    for row in rows:
        divisions.write(row)
    units = Table(
        out,
        "orgs/units.csv",
        [Col("name"), Col("unit_type"), Col("division_code"), Col("parent"), Col("uscc", "uscc")],
        fmt="csv",
        sink=sink,
        seed=seed,
        department="编办",
        description="单位 (public units) for jiancha.orgs.services.import_units",
    )
    for result in results:
        for row in result["units"]:
            units.write(row)
    return [divisions.close(), units.close()]


def _write_answer_key(
    out: Path, seed: int, scale_name: str, results: list[dict[str, Any]], inline: bool
) -> list[dict[str, Any]]:
    """answer_key.json, and the identity key: inside it, or streamed to identity_key.csv."""
    key: dict[str, Any] = {
        "scale": scale_name,
        "seed": seed,
        "reference_date": REFERENCE_DATE.isoformat(),
        "schemes": [record for result in results for record in result["schemes"]],
        "lookalikes": [record for result in results for record in result["lookalikes"]],
        # Posts exercising public power that the HR roster leaves out: the coverage gap's truth.
        "off_roster_posts": [post for result in results for post in result["off_roster_posts"]],
    }
    parts = [out / IDENTITY_DIR / f"{result['code']}.csv" for result in results]
    extra: list[dict[str, Any]] = []
    if inline:
        identities: list[list[Any]] = []
        for part in parts:
            with part.open(encoding="utf-8", newline="") as handle:
                identities += [
                    [file, int(row), column, person] for file, row, column, person in csv.reader(handle)
                ]
        key["identity_key"] = {"columns": ["file", "row", "column", "person"], "rows": identities}
    else:
        target = out / "identity_key.csv"
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write("file,row,column,person\n")
            rows = 0
            for part in parts:
                with part.open(encoding="utf-8") as source:
                    for line in source:
                        handle.write(line)
                        rows += 1
        key["identity_key"] = {"file": "identity_key.csv", "columns": ["file", "row", "column", "person"]}
        extra.append({"path": "identity_key.csv", "format": "csv", "encoding": "utf-8", "department": "(answer key)", "description": "true person behind every person column: file, row, column, person",
                      "rows": rows, "columns": ["file", "row", "column", "person"], "id_columns": [], "uscc_columns": [], "typed_id_columns": {}, "duplicates": 0,
                      "sha256": _sha256(target), "bytes": target.stat().st_size})  # fmt: skip
    shutil.rmtree(out / IDENTITY_DIR)
    path = out / "answer_key.json"
    with path.open("w", encoding="utf-8") as handle:
        json.dump(key, handle, ensure_ascii=False, indent=1 if scale_name != "tiny" else None)
        handle.write("\n")
    counted = len(key["schemes"]) + len(key["lookalikes"])
    extra.append({"path": "answer_key.json", "format": "json", "encoding": "utf-8", "department": "(answer key)", "description": "planted schemes and look-alikes with their rows and indicators",
                  "rows": counted, "columns": [], "id_columns": [], "uscc_columns": [], "typed_id_columns": {}, "duplicates": 0,
                  "sha256": _sha256(path), "bytes": path.stat().st_size})  # fmt: skip
    return extra
