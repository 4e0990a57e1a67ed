"""Build the tiny synthetic region's pool once, in its own data folder, and export it to DuckDB.

Run as ``python -m tests.detect.people_pool OUT``: a separate process with its own Django settings
and database, so the tests' database stays clean. OUT receives ``region/`` and ``pool.duckdb``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The feeds the people indicators read (and the procurement feeds a detect run stages).
FEEDS = {
    "population", "deaths", "roster", "companies", "shareholders", "officers", "properties", "vehicles",
    "dibao", "dibao_payments", "pensions", "payroll", "social_insurance", "declarations", "tenders",
    "bids", "awards",
}  # fmt: skip


def main(out: Path) -> None:
    os.environ["JIANCHA_DATA_DIR"] = str(out / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiancha.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("JIANCHA_POOL_DIR", None)
    (out / "data").mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    from jiancha.pool import store
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file, latest_snapshot
    from jiancha.pool.schema import tables

    call_command("migrate", verbosity=0)
    region = out / "region"
    call_command(
        "synth", "--scale", "tiny", "--seed", "5", "--out", str(region), "--workers", "1", verbosity=0
    )
    for code, path in region_files(region):
        if code in FEEDS:
            import_file(code, path, display_name=f"{path.parent.parent.name}/{path.parent.name}/{path.name}")
    snapshot = latest_snapshot()
    assert snapshot is not None
    connection = store.connect(dict(snapshot.versions))
    connection.execute(f"ATTACH '{out / 'pool.duckdb'}' AS out")
    for name in tables():
        connection.execute(f'CREATE TABLE out."{name}" AS SELECT * FROM "{name}"')
    connection.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
