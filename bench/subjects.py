"""Registry of supervised persons: refresh, confirmation and coverage at county scale, and the
coverage figures against the synthetic answer key.

    uv run python -m bench.subjects [--region DIR]

Without --region a county-scale region is generated first (jiancha synth --scale county --seed 2026).
The organisation tree and the roster, payroll and social-insurance feeds are loaded into a temporary
data folder; docs/benchmarks.md gets a "Registry of supervised persons" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

FEEDS = ("roster", "payroll", "social_insurance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-subjects-"))
    os.environ["JIANCHA_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiancha.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation

    from bench.report import write_section
    from jiancha.access.models import User
    from jiancha.access.roles import sync_roles
    from jiancha.access.services import assign_role
    from jiancha.orgs.models import Division, Unit
    from jiancha.orgs.services import import_divisions, import_units
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file
    from jiancha.subjects import actions, services
    from jiancha.subjects.models import Change, ChangeKind
    from jiancha.synth.public import ORGANS
    from jiancha.synth.verify import Region

    translation.activate("en")

    call_command("migrate", verbosity=0)
    sync_roles()
    region = args.region
    if region is None:
        region = work / "region"
        call_command("synth", "--scale", "county", "--seed", "2026", "--out", str(region))
    import_divisions(region / "orgs/divisions.csv")
    import_units(region / "orgs/units.csv")
    for code, path in region_files(region):
        if code in FEEDS:
            import_file(code, path, display_name=f"{path.parent.parent.name}/{path.parent.name}/{path.name}")
    analyst = User.objects.create_user("bench-analyst", division=Division.objects.get(parent=None))
    assign_role(analyst, "analyst")
    on = dt.date(2025, 12, 31)

    t0 = time.perf_counter()
    run = actions.refresh(actor="bench", on=on)
    refresh_s = time.perf_counter() - t0
    joins = list(Change.objects.filter(source="roster", kind=ChangeKind.JOIN).values_list("pk", flat=True))
    t0 = time.perf_counter()
    actions.decide(analyst, joins, confirm=True, note="bench")
    confirm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = actions.refresh(actor="bench", on=on)
    second_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = services.coverage(None, on)
    coverage_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    staffing = services.staffing(None, on)
    staffing_s = time.perf_counter() - t0

    key = json.loads((region / "answer_key.json").read_text(encoding="utf-8"))
    off_roster = {post["id_number"] for post in key["off_roster_posts"]}
    gap = {holder.person_key for holder in result.gap}
    # The rest of the gap should be people whose roster row the import rejected for an invalid
    # identifier, in units where every post is in scope (the manifest lists those rows).
    units = dict(Unit.objects.values_list("name", "unit_type"))
    every_post = {"village_committee", "residents_committee", *ORGANS}
    unreadable = [
        row for row in Region(region).unreadable_roster_rows()
        if int(row["监察对象类别"] or 0) and units.get(row["工作单位"]) in every_post
    ]  # fmt: skip
    others = sorted(h.unit_name for h in result.gap if h.person_key not in off_roster)
    rows = "\n".join(
        f"| {share.label} | {share.found:,} | {share.covered:,} | {share.percent} |"
        for share in result.by_category
    )
    short = sum(1 for row in staffing if row.shortfall)
    body = f"""
Region: `{region.name}` ({key["scale"]} scale, seed {key["seed"]}), {run.found:,} persons found exercising public power
(HR roster, plus payroll and social insurance), {len(joins):,} roster joins confirmed.

| step | time |
|---|---|
| first refresh: classify every position in DuckDB, store the found, propose {run.proposed:,} changes | {refresh_s:.1f} s |
| confirm {len(joins):,} joins (one ledger event each, one transaction) | {confirm_s:.1f} s |
| second refresh (nothing new: {again.proposed} proposed) | {second_s:.1f} s |
| coverage (by category, region, unit type, gap) | {coverage_s:.2f} s |
| staffing ({len(staffing)} townships) | {staffing_s:.2f} s |

Coverage after confirming the roster: **{result.total.covered:,} / {result.total.found:,} = {result.total.percent}**
(target ≥ 98%); registry scope {result.registry_size:,} vs {result.base_size:,} on the pilot's first
day = {result.scope_percent} (target 150%). Gap: {len(gap)} persons, of which {len(gap & off_roster)} of the
answer key's {len(off_roster)} `off_roster_posts`; the other {len(others)} are the {len(unreadable)} current in-scope
roster rows the import rejected for an invalid ID number or USCC (manifest); unit for unit they
{"match" if others == sorted(row["工作单位"] for row in unreadable) else "do NOT match"}.
Staffing: {short} of {len(staffing)} townships short (the synthetic roster has no township supervisors).

| category | found | in the registry | coverage |
|---|---|---|---|
{rows}
"""
    print(body, file=sys.stderr)
    write_section("subjects", "Registry of supervised persons", body, "uv run python -m bench.subjects")


if __name__ == "__main__":
    main()
