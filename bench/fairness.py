"""Risk scores and the ethics review at county scale: how long the pages and exports take.

    uv run python -m bench.fairness --region /work/data/county [--alerts 20000]

Loads the region's organisation tree and resident registers (only those: the review reads Person
from the pool, units and alerts from the database), then records ``--alerts`` alerts naming random
units and one to three random residents each, with review statuses spread as a year of review
might leave them. Times the risk score lists (persons and units, the top of the tree) and the ethics
review with its xlsx and PDF exports. docs/benchmarks.md gets a "Risk scores and ethics review"
section.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--alerts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    from bench.report import django_in_temp_folder, region_or_synth, write_section

    work = django_in_temp_folder("bench-fairness-")
    from django.db import connection
    from django.utils import timezone

    from jiancha.detect import catalogue, fairness, fairness_export, risk
    from jiancha.detect.actions import SEVERITY_SCORE
    from jiancha.detect.models import Alert, Run
    from jiancha.orgs.models import Division, Unit
    from jiancha.orgs.services import import_divisions, import_units
    from jiancha.pool.importer import import_file

    region = region_or_synth(work, args.region, args.scale, args.seed)
    import_divisions(region / "orgs" / "divisions.csv")
    import_units(region / "orgs" / "units.csv")
    residents: list[str] = []
    t0 = time.perf_counter()
    for path in sorted(region.glob("*/population/residents.csv")):
        import_file("population", path, display_name=f"{path.parent.parent.name}/population/{path.name}")
        with path.open(encoding="utf-8") as handle:
            residents += [row["公民身份号码"] for row in csv.DictReader(handle)]
    print(f"registers loaded in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    rng = random.Random(args.seed)
    units = list(Unit.objects.select_related("division"))
    indicators = list(catalogue.indicators().values())
    run = Run.objects.create(actor="bench", source="bench", status="done")
    now = timezone.now()
    statuses = ["new"] * 5 + ["reviewing"] * 2 + ["dismissed"] * 2 + ["confirmed"]
    alerts = []
    for n in range(args.alerts):
        unit, indicator = rng.choice(units), rng.choice(indicators)
        people = [{"kind": "person", "key": key, "name": "", "role": "person"}
                  for key in rng.sample(residents, rng.randint(1, 3))]  # fmt: skip
        alerts.append(Alert(
            fingerprint=f"bench-{n}", code=indicator.code, version="bench", group="Person",
            identifier=people[0]["key"], value=1.0, score=SEVERITY_SCORE[indicator.severity],
            severity=indicator.severity, entities=people, explanation_zh="", explanation_en="",
            evidence=[], status=rng.choice(statuses), unit=unit, division=unit.division,
            first_run=run, last_run=run, last_seen=now,
        ))  # fmt: skip
    Alert.objects.bulk_create(alerts, batch_size=2000)
    top = Division.objects.filter(parent__isnull=True).order_by("code").first()
    assert top is not None
    city = Division.objects.filter(parent=top).order_by("code").first() or top
    everything = Alert.objects.all()

    clock = time.perf_counter()
    _persons, person_count = risk.ranked("person", everything)
    person_s, clock = time.perf_counter() - clock, time.perf_counter()
    _units, unit_count = risk.ranked("unit", everything)
    unit_s = time.perf_counter() - clock
    fairness.review(city)  # the first review opens the pool for this thread
    clock = time.perf_counter()
    review = fairness.review(city)
    review_s, clock = time.perf_counter() - clock, time.perf_counter()
    xlsx = fairness_export.to_xlsx(review)
    xlsx_s, clock = time.perf_counter() - clock, time.perf_counter()
    pdf = fairness_export.to_pdf(review)
    pdf_s = time.perf_counter() - clock
    groups = sum(len(t.groups) for t in review.tables)
    body = f"""
Region: `{region.name}`: {len(residents):,} resident records, {len(units)} units; {args.alerts:,} alerts
recorded at random (each naming a unit and one to three residents; 10 % confirmed, 20 % dismissed).
Risk scores rank {person_count:,} persons and {unit_count:,} units; the ethics review of `{city.name}`
has {groups} groups in {len(review.tables)} tables and {len(review.flags())} flags (random alerts
fall evenly, so flags here are chance and small groups). Database: {connection.vendor}. Wall times
on a machine shared with other jobs. The PDF's time is mostly fpdf2 reading the Noto CJK collection
(about 2 s) and subsetting it (about 4 s), paid on each export.

| step | time |
|---|---|
| risk scores, persons (top {risk.settings().top}) | {person_s * 1000:.0f} ms |
| risk scores, units | {unit_s * 1000:.0f} ms |
| ethics review (pool already open) | {review_s * 1000:.0f} ms |
| xlsx export | {xlsx_s * 1000:.0f} ms ({len(xlsx) // 1024} KiB) |
| PDF export (Noto Sans CJK subset) | {pdf_s * 1000:.0f} ms ({len(pdf) // 1024} KiB) |
"""
    write_section(
        "fairness",
        "Risk scores and ethics review",
        body,
        "uv run python -m bench.fairness"
        + (f" --region {args.region}" if args.region else f" --scale {args.scale}")
        + (f" --alerts {args.alerts}" if args.alerts != 20000 else ""),
    )
    print(body)


if __name__ == "__main__":
    main()
