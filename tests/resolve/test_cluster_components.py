"""Clustering component by component (runs._link) gives exactly what linkage.cluster gives on everything."""

import random

import duckdb
import numpy as np
import pytest

from jiancha.resolve import linkage, runs
from jiancha.resolve.models import MatchDecision


def _reference(
    connection: duckdb.DuckDBPyConnection, table: str, scored: str
) -> tuple[dict[str, str], set[str], int, int]:
    """Clustering as it was before runs._link: every pair in Python, linkage.cluster on all of them."""
    pairs = connection.execute(
        f"SELECT {runs._node('nl')}, {runs._node('nr')}, s.match_probability, d.decision FROM ("
        f"SELECT record_key_l AS l, record_key_r AS r, match_probability FROM {scored} "
        "UNION ALL SELECT l, r, NULL FROM _decided) s "
        f'JOIN "{table}" nl ON nl.sig = s.l JOIN "{table}" nr ON nr.sig = s.r '
        "LEFT JOIN _decided d ON d.l = least(s.l, s.r) AND d.r = greatest(s.l, s.r)"
    ).fetchall()
    with_id = {node for pair in pairs for node in pair[:2] if node.startswith("id:")}
    edges: list[linkage.Edge] = []
    rejected: set[tuple[str, str]] = set()
    for left, right, probability, decision in pairs:
        if decision == MatchDecision.Decision.REJECT:
            rejected.add((left, right))
        elif decision == MatchDecision.Decision.ACCEPT:
            edges.append(linkage.Edge(left, right, 2.0))
        elif probability is not None and probability >= linkage.LINK_THRESHOLD:
            edges.append(linkage.Edge(left, right, float(probability)))
    roots = linkage.cluster(with_id, edges, rejected)
    anchors: dict[str, str] = {}
    for node, root in sorted(roots.items()):
        current = anchors.get(root)
        if current is None or (node.startswith("id:") and not current.startswith("id:")):
            anchors[root] = node
    accepted = {e.left for e in edges if e.probability > 1} | {e.right for e in edges if e.probability > 1}
    by_model = sum(1 for e in edges if e.probability <= 1 and roots[e.left] == roots[e.right])
    refused = sum(1 for e in edges if roots[e.left] != roots[e.right])
    return {node: anchors[root] for node, root in roots.items()}, accepted, by_model, refused


def _random_graph(connection: duckdb.DuckDBPyConnection, rng: random.Random) -> None:
    sigs = [f"s{i:03d}" for i in range(rng.randint(2, 40))]
    ids = [f"{rng.randint(0, 999999):06d}X"[: rng.randint(4, 7)] for _ in range(rng.randint(1, 6))]
    share = rng.random()
    numbers = [rng.choice(ids) if rng.random() < share else None for _ in sigs]
    connection.execute("CREATE OR REPLACE TABLE recs (sig VARCHAR, id_number VARCHAR)")
    connection.executemany("INSERT INTO recs VALUES (?, ?)", list(zip(sigs, numbers, strict=True)))
    levels = [0.5, 0.8, 0.95, 0.96, 0.99, 0.99, 1.0]
    pairs = []
    for _ in range(rng.randint(0, 3 * len(sigs))):
        a, b = rng.sample([*sigs, "s999"] if rng.random() < 0.05 else sigs, 2)
        p = rng.choice(levels) if rng.random() < 0.7 else rng.uniform(0.5, 1.0)
        pairs.append((min(a, b), max(a, b), p))
        if rng.random() < 0.03:
            pairs.append(pairs[-1])  # a duplicate pair
    connection.execute(
        "CREATE OR REPLACE TABLE scored (record_key_l VARCHAR, record_key_r VARCHAR, match_probability DOUBLE)"
    )
    if pairs:
        connection.executemany("INSERT INTO scored VALUES (?, ?, ?)", pairs)
    decided: dict[tuple[str, str], str] = {}
    for _ in range(rng.randint(0, 6)):
        if pairs and rng.random() < 0.6:
            a, b, _p = rng.choice(pairs)
        else:
            a, b = sorted(rng.sample(sigs, 2))
        decided[(a, b)] = rng.choice(["accept", "reject"])
    runs._table(
        connection,
        "_decided",
        {
            "l": [k[0] for k in decided],
            "r": [k[1] for k in decided],
            "decision": list(decided.values()),
        },
    )


@pytest.mark.parametrize("seed", range(6))
def test_component_wise_clustering_equals_greedy_on_everything(seed):
    rng = random.Random(seed)
    connection = duckdb.connect()
    hard = 0
    for _ in range(50):
        _random_graph(connection, rng)
        anchors, accepted, by_model, refused = _reference(connection, "recs", "scored")
        assert runs._link(connection, "person", "recs", "scored") == (by_model, refused)
        assert dict(connection.execute("SELECT node, anchor FROM _person_anchor").fetchall()) == anchors
        assert {
            n for (n,) in connection.execute("SELECT node FROM _person_by_analyst").fetchall()
        } == accepted
        hard += refused > 0
    assert hard  # some graphs did refuse merges, so the greedy path ran too


def test_components_of_a_long_chain_and_isolated_nodes():
    left = np.arange(0, 999, dtype=np.int32)
    right = left + 1
    order = np.random.default_rng(1).permutation(len(left))
    label = linkage.components(1005, left[order], right[order])
    assert (label[:1000] == 0).all()
    assert (label[1000:] == np.arange(1000, 1005)).all()
    assert linkage.components(3, np.zeros(0, np.int32), np.zeros(0, np.int32)).tolist() == [0, 1, 2]
