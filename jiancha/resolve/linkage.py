"""Probabilistic linkage (Fellegi–Sunter, with Splink on DuckDB) and clustering under the hard rule.

Order of work, per kind (person, company):

1. Exact: every record with a valid identifier (resident ID, USCC) belongs to the node of that
   identifier. Nearly all pool records carry one, so this settles most of the work in one GROUP BY.
2. Probabilistic: only pairs where at least one side has no valid identifier are scored; a pair of two
   valid, different identifiers is never even compared (the hard rule, first line). Splink's input is
   the records without identifier plus those with one that share a blocking key with them.
3. Clustering: scored pairs above the link threshold are merged greedily, strongest first; a merge that
   would bring two different valid identifiers into one cluster — directly or through a chain of
   records without identifier — is refused (the hard rule, second line). Analysts' decisions come
   first: accepted pairs merge (hard rule still holds), rejected pairs never end in one cluster.

The model (m and u probabilities, and the name frequencies for 重名 down-weighting) is trained from
the exact links themselves: records sharing a valid ID are true matches, which gives the m
probabilities (how often one person's name is spelled differently across departments); random pairs
give the u probabilities. The model is kept until retrained, so that an incremental run scores pairs
exactly as a full run does.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator

from . import records

LINK_THRESHOLD = 0.95  # merged without review
REVIEW_THRESHOLD = 0.5  # between this and LINK_THRESHOLD: the review queue
TRAINING_IDS = 100_000  # identifiers sampled to train m probabilities

# Blocking keys: a pair is scored only if it agrees on every column of one key.
BLOCKS: dict[str, tuple[tuple[str, ...], ...]] = {
    "person": (
        ("name_norm", "birth_date"),
        ("py_generic", "birth_date"),
        ("surname_py", "birth_date", "gender"),
        ("name_norm", "phone"),
        ("name_norm", "address"),
    ),
    "company": (("name_norm",), ("phone",), ("address",)),
}
COLUMNS = (
    "name",
    "name_norm",
    "pinyin",
    "py_generic",
    "surname_py",
    "birth_date",
    "gender",
    "phone",
    "address",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("name", "birth_date", "gender", "phone", "address"),
    "company": ("name", "phone", "address"),
}


def _name_comparison(kind: str) -> cl.CustomComparison:
    levels: list[Any] = [
        cll.NullLevel("name_norm"),
        cll.ExactMatchLevel("name_norm", term_frequency_adjustments=True).configure(
            label_for_charts="same name (after folding traditional/simplified)"
        ),
    ]
    if kind == "person":
        levels.append(
            cll.CustomLevel("list_has_any(pinyin_l, pinyin_r)", label_for_charts="same pinyin reading")
        )
    levels += [
        cll.JaroWinklerLevel("py_generic" if kind == "person" else "name_norm", 0.9).configure(
            label_for_charts="similar name"
        ),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name="name")


def settings(kind: str, prior: float) -> SettingsCreator:
    comparisons: list[Any] = [_name_comparison(kind)]
    if kind == "person":
        comparisons += [
            cl.CustomComparison(
                [
                    cll.NullLevel("birth_date"),
                    cll.ExactMatchLevel("birth_date").configure(label_for_charts="same birth date"),
                    cll.CustomLevel(
                        "year(birth_date_l) = year(birth_date_r)", label_for_charts="same birth year"
                    ),
                    cll.ElseLevel(),
                ],
                output_column_name="birth_date",
            ),
            cl.ExactMatch("gender"),
        ]
    comparisons += [
        cl.ExactMatch("phone"),
        cl.CustomComparison(
            [
                cll.NullLevel("address"),
                cll.ExactMatchLevel("address").configure(label_for_charts="same address"),
                cll.JaroWinklerLevel("address", 0.92).configure(label_for_charts="similar address"),
                cll.ElseLevel(),
            ],
            output_column_name="address",
        ),
    ]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_key",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[],
        probability_two_random_records_match=prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


# --- training ---------------------------------------------------------------------------------------


@dataclass
class Model:
    kind: str
    settings: dict[str, Any]
    # name_norm -> share of identities with that name (重名 frequency), fixed with the model
    name_frequencies: list[tuple[str, float]]


# A name borne by no other identity in the data may still be borne by someone outside it; this is
# the share of identities assumed to bear it. Company names are unique within a registration
# authority by law (企业名称登记管理规定), people's are not.
UNIQUE_NAME_SHARE = {"person": 0.1, "company": 0.01}


def train(connection: duckdb.DuckDBPyConnection, kind: str, records: str) -> Model:
    """Train u from pairs of different identities, m from the exact links (records sharing a valid
    identifier, one row per department and spelling), and name frequencies (重名) from identities."""
    # Identities are counted by identifier: records without one may be anybody's, and counting each as
    # a person of its own would make every name they bear look common.
    identities = connection.execute(f'SELECT count(DISTINCT id_number) FROM "{records}"').fetchall()[0][0]
    n = max(identities, 2)
    # The chance that *another* identity bears this name: (k − 1) / N, not Splink's default k / N,
    # which counts the identity itself and so under-rates rare names.
    frequencies = connection.execute(
        f"SELECT name_norm, greatest(count(DISTINCT id_number) - 1, {UNIQUE_NAME_SHARE[kind]}) / {n}::DOUBLE "
        f'FROM "{records}" WHERE name_norm IS NOT NULL GROUP BY 1 ORDER BY 1'
    ).fetchall()
    share = min(1.0, TRAINING_IDS / n)
    cols = ", ".join(COLUMNS)
    sample = f"id_number IS NOT NULL AND (hash(id_number) % 1000000) / 1000000.0 < {share}"
    # One training row per department and spelling: a signature borne by three departments counts
    # three times, as how often departments spell one person alike is what m measures.
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _train_m AS SELECT sig || ':' || i AS record_key, id_number AS label, "
        f'{cols} FROM "{records}", range(feeds) t(i) WHERE {sample}'
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _train_u AS SELECT id_number AS record_key, {', '.join(f'arg_min({c}, sig) AS {c}' for c in COLUMNS)} "
        f'FROM "{records}" WHERE {sample} GROUP BY id_number'
    )
    prior = 1.0 / n
    model = Model(
        kind,
        settings(kind, prior).create_settings_dict("duckdb"),
        [(str(a), float(b)) for a, b in frequencies],
    )
    # With too few identified records to learn from (a new pool, a feed without IDs), Splink's default
    # parameters stand until a later run retrains.
    if connection.execute("SELECT count(*) FROM _train_u").fetchall()[0][0] >= 2:
        linker = _linker(connection, "_train_u", model)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        model.settings = linker.misc.save_model_to_json()
        linker.table_management.delete_tables_created_by_splink_from_db()
    labelled = "SELECT count(*) FROM (SELECT label FROM _train_m GROUP BY label HAVING count(*) > 1)"
    if connection.execute(labelled).fetchall()[0][0]:
        linker = _linker(connection, "_train_m", model)
        linker.training.estimate_m_from_label_column("label")
        model.settings = linker.misc.save_model_to_json()
        linker.table_management.delete_tables_created_by_splink_from_db()
    model.settings["probability_two_random_records_match"] = prior
    connection.execute("DROP TABLE _train_m")
    connection.execute("DROP TABLE _train_u")
    return model


def _linker(connection: duckdb.DuckDBPyConnection, table: str, model: Model) -> Linker:
    api = DuckDBAPI(connection)
    # Splink warns of parameters the exact links cannot train (e.g. phones never compared within one
    # ID); the defaults it then uses are the intended ones, so only errors are shown.
    linker = Linker(api.register(table), dict(model.settings), log_level=logging.ERROR)
    frequencies = pa.table(
        {
            "name_norm": pa.array([n for n, _f in model.name_frequencies], pa.string()),
            "tf_name_norm": pa.array([f for _n, f in model.name_frequencies], pa.float64()),
        }
    )
    records.stage(connection, "_tf_name", frequencies)
    linker.table_management.register_term_frequency_lookup(api.register("_tf_name"), "name_norm")
    return linker


# --- scoring ----------------------------------------------------------------------------------------


def _block_sql(columns: tuple[str, ...], incremental: bool) -> str:
    equal = " AND ".join(f"l.{c} = r.{c}" for c in columns)
    # Hard rule, first line: two records that both carry a valid identifier are never scored.
    rule = f"{equal} AND (l.id_number IS NULL OR r.id_number IS NULL)"
    return rule + (" AND (l.is_new OR r.is_new)" if incremental else "")


def score(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    records: str,
    model: Model,
    incremental: bool = False,
) -> str:
    """Score candidate pairs; return the name of a table of pairs above the review threshold.

    ``incremental``: only pairs with at least one record from a new batch (``is_new``, set by
    records.build) are scored.
    """
    keys = BLOCKS[kind]
    semi = " OR ".join(
        f'({", ".join(k)}) IN (SELECT ({", ".join(k)}) FROM "{records}" WHERE id_number IS NULL)'
        for k in keys
    )
    # Records are signatures (records.build): one candidate each, keyed by the signature.
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _candidates AS SELECT sig AS record_key, id_number, "
        + ", ".join(COLUMNS)
        + f', is_new FROM "{records}" WHERE id_number IS NULL OR {semi} ORDER BY sig'
    )
    out = f"_{kind}_scored"
    fields = FIELDS[kind]
    empty = (
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT NULL::VARCHAR AS record_key_l, NULL::VARCHAR AS record_key_r, "
        "NULL::DOUBLE AS match_probability, NULL::DOUBLE AS match_weight, "
        + ", ".join(f"NULL::INTEGER AS gamma_{f}, NULL::DOUBLE AS mw_{f}" for f in fields)
        + " WHERE FALSE"
    )
    unresolved = connection.execute("SELECT count(*) FROM _candidates WHERE id_number IS NULL").fetchall()[0][
        0
    ]
    if not unresolved:
        connection.execute(empty)
        return out
    model_now = Model(kind, dict(model.settings), model.name_frequencies)
    model_now.settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": _block_sql(k, incremental), "sql_dialect": "duckdb"} for k in keys
    ]
    linker = _linker(connection, "_candidates", model_now)
    predicted = linker.inference.predict(threshold_match_probability=REVIEW_THRESHOLD)
    weights = ", ".join(
        f"gamma_{f}, mw_{f} + coalesce(mw_tf_adj_{f}, 0) AS mw_{f}" if f == "name" else f"gamma_{f}, mw_{f}"
        for f in fields
    )
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT least(record_key_l, record_key_r) AS record_key_l, "
        "greatest(record_key_l, record_key_r) AS record_key_r, match_probability, match_weight, "
        f"{weights} FROM {predicted.physical_name}"
    )
    linker.table_management.delete_tables_created_by_splink_from_db()
    connection.execute("DROP TABLE _candidates")
    return out


# --- clustering under the hard rule -------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    left: str  # node keys: "id:<valid identifier>" or "rec:<record key>"
    right: str
    probability: float


def cluster(nodes_with_id: set[str], edges: list[Edge], rejected: set[tuple[str, str]]) -> dict[str, str]:
    """Greedy merge of nodes, strongest edge first, never uniting two identifiers; node -> root.

    ``nodes_with_id`` are the nodes that carry a valid identifier; ``rejected`` are node pairs an
    analyst rejected (in either order), which must not end in one cluster either.
    """
    parent: dict[str, str] = {}
    ident: dict[str, str | None] = {}
    members: dict[str, set[str]] = {}

    def find(node: str) -> str:
        if node not in parent:
            parent[node] = node
            ident[node] = node if node in nodes_with_id else None
            members[node] = {node}
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    blocked: dict[str, set[str]] = {}
    for a, b in rejected:
        blocked.setdefault(a, set()).add(b)
        blocked.setdefault(b, set()).add(a)

    for edge in sorted(edges, key=lambda e: (-e.probability, e.left, e.right)):
        a, b = find(edge.left), find(edge.right)
        if a == b:
            continue
        if ident[a] is not None and ident[b] is not None:
            continue  # hard rule: two different valid identifiers never share a cluster
        small, large = (a, b) if len(members[a]) <= len(members[b]) else (b, a)
        if any(blocked.get(n, set()) & members[large] for n in members[small]):
            continue  # an analyst said these are different
        parent[small] = large
        members[large] |= members.pop(small)
        ident[large] = ident[large] or ident[small]
    return {node: find(node) for node in list(parent)}


def components(count: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of nodes ``0 … count − 1`` joined by edges ``left[i]``–``right[i]``: per node,
    the smallest node of its component.

    Arrays only, no object per node or edge: each round hooks the root of every edge's larger end to
    the smaller root (roots only ever point to smaller nodes, so the pointers stay a forest), then
    jumps pointers until every node points to its root. A component still split in k trees has each
    tree hooked onto another in a round, so about log₂ k rounds suffice.
    """
    label = np.arange(count, dtype=np.int32 if count < 2**31 else np.int64)
    if not count or not len(left):
        return label
    while True:
        lower, upper = label[left], label[right]
        low = np.minimum(lower, upper)
        hooked = label.copy()
        np.minimum.at(hooked, lower, low)
        np.minimum.at(hooked, upper, low)
        while True:
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, label):
            return label
        label = hooked


def identity_id(kind: str, anchor: str) -> str:
    """A stable identity key: a digest of the cluster's identifier (or of its first record)."""
    prefix = "P" if kind == "person" else "C"
    return prefix + hashlib.sha256(f"jiancha:{kind}:{anchor}".encode()).hexdigest()[:15]
