"""Beyond one machine: every SQL indicator transpiles from DuckDB's dialect to Spark SQL with SQLGlot,
and the transpiled SQL, run on PySpark in local mode over the tiny synthetic region, finds exactly what
DuckDB finds.

The data are staged by DuckDB (``_pool.sql``, ``_stage.sql``) and handed to Spark as tables: the
indicators are the rules that must travel, staging is the loading step of each platform. Spark lacks
DuckDB's ``r8_quantile`` macro, so the test registers the same R-8 quartile as a Spark function.
Skipped, with the reason, only where Java is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from jiancha.detect import catalogue, engine

SQL_INDICATORS = sorted(code for code, i in catalogue.catalogue().items() if i.sql)
# The Spark comparison covers the procurement family (issue 9). The people, funds, vehicle and
# reception SQL still uses DuckDB-only functions (regexp_full_match, list_bool_or, …): docs/detect.md.
SPARK_INDICATORS = sorted(
    code for code, i in catalogue.catalogue().items() if i.sql and i.category == "procurement"
)
POOL_FEEDS = ("tenders", "bids", "awards", "bid_bonds", "companies", "shareholders", "tax")


@pytest.mark.parametrize("code", SQL_INDICATORS)
def test_the_indicator_transpiles_to_spark(code):
    spark_sql = spark_form(catalogue.get(code))
    body = re.sub(r"/\*.*?\*/", "", spark_sql, flags=re.S).strip().upper()
    assert body.startswith(("WITH", "SELECT")) and not re.search(r"\$[A-Z_]", body)  # parameters bound


def _literal(value: Any) -> str:
    """A parameter value as a DuckDB literal, so that SQLGlot can carry it over."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):  # mappings travel as JSON text, as engine._sql_value does
        return _literal(json.dumps(value, ensure_ascii=False))
    raise TypeError(f"no literal for {value!r}")


def spark_form(indicator: catalogue.Indicator) -> str:
    values = indicator.defaults()
    bound = re.sub(r"\$([a-z_][a-z0-9_]*)", lambda m: _literal(values[m.group(1)]), indicator.sql)
    statements = sqlglot.transpile(
        bound, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )
    assert len(statements) == 1
    return statements[0]


def _r8_quantile(values: list[Any] | None, p: Any) -> float | None:
    """The staging macro r8_quantile (R-8, numpy's method="median_unbiased") for Spark."""
    import numpy as np

    if not values or p is None:
        return None
    return float(np.quantile(np.array(values, dtype=float), float(p), method="median_unbiased"))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Java is absent: PySpark cannot start, so only the transpiling is tested")
    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the Python worker that runs r8_quantile
    session = (
        SparkSession.builder.master("local[1]")
        .appName("jiancha-portability")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # DuckDB answers NULL where ANSI Spark would raise (a list index past the end).
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.udf.register("r8_quantile", _r8_quantile, DoubleType())
    yield session
    session.stop()


def _key(group: str, identifier: Any, value: Any, ocids: Any) -> tuple[str, str, float, tuple[str, ...]]:
    return (str(group), str(identifier), round(float(value), 9), tuple(sorted(ocids or [])))


@pytest.mark.spark
@pytest.mark.django_db
def test_the_same_alerts_on_pyspark(spark, tmp_path: Path, settings, monkeypatch):
    from jiancha.pool import store
    from jiancha.pool.demo import region_files
    from jiancha.pool.importer import import_file, latest_snapshot
    from jiancha.synth.generate import generate

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    region = tmp_path / "region"
    generate("tiny", 5, region)
    for feed, path in region_files(region):
        if feed in POOL_FEEDS:
            import_file(feed, path, display_name=f"{path.parent.parent.name}/{path.name}")
    snapshot = latest_snapshot()
    assert snapshot is not None
    connection = store.connect(dict(snapshot.versions))
    engine.stage_pool(connection)
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE NOT starts_with(table_name, 'src_')"
        ).fetchall()
    ] + ["Tender", "Bid", "Award", "BidBond", "Company", "Ownership", "TaxPayment"]
    for name in tables:
        spark.createDataFrame(
            connection.sql(f'SELECT * FROM "{name}"').to_arrow_table()
        ).createOrReplaceTempView(name)

    differences: dict[str, list[Any]] = {}
    found = 0
    for code in SPARK_INDICATORS:
        indicator = catalogue.get(code)
        duck = {_key(f.group, f.identifier, f.value, f.ocids) for f in engine.evaluate(connection, indicator)}
        try:
            on_spark = {_key(*row[:4]) for row in spark.sql(spark_form(indicator)).collect()}
        except Exception as error:  # report every indicator, not the first failure
            differences[code] = [str(error).splitlines()[0][:300]]
            continue
        found += len(duck)
        if duck != on_spark:
            differences[code] = sorted(duck ^ on_spark)[:5]
    assert differences == {}
    assert found > 0  # the tiny region plants rings, splits and favoured suppliers: something is found
