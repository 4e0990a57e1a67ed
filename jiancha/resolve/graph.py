"""The relation graph (关系图谱): who is related to whom, every edge with the rows that show it.

Edges are computed in DuckDB from the pool tables at the current snapshot, then held in a rustworkx
graph (networkx is too slow at province scale), rebuilt when the snapshot changes. Nodes are people
(by resident ID) and companies or units (by USCC); a mention without identifier that resolution
placed in an identity with one (IdentityLink.clusterId) counts as that identity.

Nothing is held per node or per edge as a Python object (a province has ~11 M nodes and ~50 M edges):
DuckDB numbers the node keys densely in sorted order, the keys are kept as one sorted fixed-width
array (looked up by binary search) and the names as one Arrow array in the same order; rustworkx holds
the bare structure, and an edge's index is its row in Arrow tables of its kind and evidence (label,
feed, file, row), read for the edges of the paths a query returns.

Edge kinds: family (spouse, parent, child, sibling, parent-in-law — coded from the household
register), ownership (with share), legal representative, director (with role), employment (with
post), social-insurance employer, shared phone, shared address, payment (count and total).
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import rustworkx as rx

from jiancha.pool import reader, store
from jiancha.pool.models import PoolSnapshot

# A phone or address shared by more entities than this is a switchboard or an office block, not a tie.
SHARED_CONTACT_MAX = 5

EV = "t._feed AS feed, t._file AS file, t._row AS row"


def _person_edge(table: str, column: str, target: str, kind: str, label: str, where: str = "TRUE") -> str:
    """Edges from a person column to a company column; a row without the person's ID counts as the
    identity resolution gave that mention (IdentityLink.clusterId)."""
    return (
        f"SELECT 'P:' || coalesce(t.{column}, il.clusterId) AS a, 'C:' || t.{target} AS b, '{kind}' AS kind, "
        f"{label} AS label, {EV} FROM {table} t LEFT JOIN IdentityLink il ON t.{column} IS NULL "
        f"AND il.kind = 'person' AND il.recordTable = '{table}' AND il.recordRole = '{column}' "
        f"AND il.recordBatch = t._batch AND il.recordRow = t._row WHERE {where}"
    )


PERCENT = "coalesce(CAST(t.percentage AS VARCHAR) || '%', '')"
EDGE_SQL = [
    # family: "relative is <label> of person" read as an edge person — relative labelled from the person's side
    "SELECT 'P:' || t.person AS a, 'P:' || t.relative AS b, 'family' AS kind, "
    "CASE t.relationship WHEN 'spouse' THEN 'spouse' ELSE 'parent' END AS label, " + EV + " FROM Family t",
    "SELECT DISTINCT ON (a, b) 'P:' || least(x.person, y.person) AS a, 'P:' || greatest(x.person, y.person) AS b, "
    "'family' AS kind, 'sibling' AS label, x._feed AS feed, x._file AS file, x._row AS row FROM Family x "
    "JOIN Family y ON x.relative = y.relative AND x.relationship = y.relationship AND x.relationship IN ('father', 'mother') "
    "AND x.person < y.person",
    "SELECT DISTINCT ON (a, b) 'P:' || s.person AS a, 'P:' || p.relative AS b, 'family' AS kind, 'parent-in-law' AS label, "
    "p._feed AS feed, p._file AS file, p._row AS row FROM Family s JOIN Family p ON p.person = s.relative "
    "AND s.relationship = 'spouse' AND p.relationship IN ('father', 'mother')",
    _person_edge("Ownership", "owner", "asset", "ownership", PERCENT, "t.ownerCompany IS NULL"),
    "SELECT 'C:' || t.ownerCompany AS a, 'C:' || t.asset AS b, 'ownership' AS kind, "
    + PERCENT
    + " AS label, "
    + EV
    + " FROM Ownership t WHERE t.ownerCompany IS NOT NULL",
    _person_edge("Company", "legalRepresentative", "uscCode", "legal_representative", "''"),
    _person_edge("Directorship", "director", "organization", "director", "coalesce(t.role, '')"),
    _person_edge("Employment", "employee", "employer", "employment", "coalesce(t.role, '')"),
    "SELECT DISTINCT ON (a, b) 'P:' || t.person AS a, 'C:' || t.employer AS b, 'social_insurance' AS kind, "
    "'' AS label, " + EV + " FROM SocialInsurance t",
    # payments between two identified parties, summed
    "SELECT a, b, 'payment' AS kind, count(*) || ' × ' || sum(amount) AS label, min(feed) AS feed, min(file) AS file, "
    "min(row) AS row FROM (SELECT CASE t.payerIdType WHEN '统一社会信用代码' THEN 'C:' ELSE 'P:' END || t.payerIdNumber AS a, "
    "CASE t.beneficiaryIdType WHEN '统一社会信用代码' THEN 'C:' ELSE 'P:' END || t.beneficiaryIdNumber AS b, t.amount, "
    + EV
    + " FROM Payment t WHERE t.payerIdNumber IS NOT NULL AND t.beneficiaryIdNumber IS NOT NULL) GROUP BY a, b",
]
CONTACTS = (
    "SELECT 'P:' || idNumber AS n, phone AS v, 'phone' AS c, _feed AS feed, _file AS file, _row AS row FROM Person "
    "UNION ALL SELECT 'P:' || employee, phone, 'phone', _feed, _file, _row FROM Employment "
    "UNION ALL SELECT 'C:' || uscCode, phone, 'phone', _feed, _file, _row FROM Company "
    "UNION ALL SELECT 'C:' || uscCode, address, 'address', _feed, _file, _row FROM Company"
)
SHARED_SQL = (
    f"WITH c AS (SELECT DISTINCT ON (n, v, c) * FROM ({CONTACTS}) WHERE v IS NOT NULL AND n IS NOT NULL), "
    f"g AS (SELECT v, c FROM c GROUP BY v, c HAVING count(*) BETWEEN 2 AND {SHARED_CONTACT_MAX}) "
    "SELECT x.n AS a, y.n AS b, 'shared_' || x.c AS kind, '' AS label, x.feed, x.file, x.row "
    "FROM c x JOIN c y ON x.v = y.v AND x.c = y.c AND x.n < y.n JOIN g ON g.v = x.v AND g.c = x.c"
)
# Names of parties: the register's, else (units are not in the company register) an employer's name.
NAMES_SQL = (
    "SELECT node, arg_min(name, rank) AS name FROM ("
    "SELECT 'P:' || idNumber AS node, name, 1 AS rank FROM Person "
    "UNION ALL SELECT 'C:' || uscCode, name, 1 FROM Company "
    "UNION ALL SELECT 'C:' || employer, employerName, 2 FROM Employment "
    "UNION ALL SELECT 'C:' || employer, employerName, 3 FROM SocialInsurance) WHERE name IS NOT NULL GROUP BY node"
)


# Edge kinds in the order of EDGE_SQL. An edge's kind is held as its position here (one byte), and a
# hop's evidence is listed in this order (family first), then by label, feed, file and row.
KINDS = (
    "family",
    "ownership",
    "legal_representative",
    "director",
    "employment",
    "social_insurance",
    "payment",
    "shared_phone",
    "shared_address",
)
EDGES_SQL = (
    "SELECT a, b, kind, label, feed, file, row FROM ("
    + " UNION ALL ".join(f"({q})" for q in [*EDGE_SQL, SHARED_SQL])
    + ") WHERE a IS NOT NULL AND b IS NOT NULL AND length(a) > 2 AND length(b) > 2 AND a <> b"
)
# Rows per Arrow batch read from DuckDB (and per call adding them to rustworkx).
BATCH = 1_000_000
EVIDENCE = ("label", "feed", "file", "row")


@dataclass
class Graph:
    """The graph at one snapshot. Node ``i`` is ``keys[i]`` (sorted, fixed-width UTF-8) named
    ``names[i]``; edge ``e`` (rustworkx's edge index, in the order edges were added) has kind
    ``KINDS[kind[e]]`` and its evidence in row ``e - starts[c]`` of ``evidence[c]``."""

    snapshot: int
    graph: rx.PyGraph
    keys: np.ndarray
    names: pa.Array
    kind: np.ndarray
    evidence: list[pa.RecordBatch]
    starts: np.ndarray

    def index_of(self, node: str) -> int | None:
        """The node's index, or None if the graph does not know it."""
        key = node.encode()
        if not self.keys.size or not key or len(key) > self.keys.dtype.itemsize or key.endswith(b"\0"):
            return None
        i = int(np.searchsorted(self.keys, key))
        return i if i < self.keys.size and self.keys[i] == key else None

    def has(self, node: str) -> bool:
        return self.index_of(node) is not None

    def node_key(self, i: int) -> str:
        return bytes(self.keys[i]).decode()

    def name_of(self, i: int) -> str:
        return str(self.names[i].as_py() or "")

    def name(self, node: str) -> str:
        """The party's name from the registers ('' if none, or not in the graph)."""
        i = self.index_of(node)
        return "" if i is None else self.name_of(i)

    def sample_people(self, n: int, rng: random.Random) -> list[str]:
        """``n`` people drawn at random (with replacement), for benchmarks."""
        if not self.keys.size:
            return []
        low, high = (
            int(i) for i in np.searchsorted(self.keys, np.array([b"P:", b"P;"], dtype=self.keys.dtype))
        )
        return [self.node_key(rng.randrange(low, high)) for _ in range(n)] if high > low else []

    def edges(self, u: int, v: int) -> list[int]:
        """The indices of the edges between two nodes."""
        return list(self.graph.edge_indices_from_endpoints(u, v))

    def evidence_of(self, edges: Iterable[int]) -> dict[int, tuple[Any, ...]]:
        """(label, feed, file, row) of each edge, read from the evidence tables."""
        ids = np.unique(np.fromiter(edges, dtype=np.int64))
        chunk = np.searchsorted(self.starts, ids, side="right") - 1
        found: dict[int, tuple[Any, ...]] = {}
        for c in np.unique(chunk).tolist():
            mine = ids[chunk == c]
            rows = self.evidence[c].take(pa.array(mine - self.starts[c]))
            columns = [rows.column(name).to_pylist() for name in EVIDENCE]
            found.update(zip(mine.tolist(), zip(*columns, strict=True), strict=True))
        return found


@dataclass
class Hop:
    """One edge of a path, with its evidence."""

    source: str
    target: str
    kind: str
    label: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Related:
    node: str
    name: str
    hops: int
    path: list[Hop]


_lock = threading.Lock()
_cache: dict[str, tuple[object, Graph]] = {}


def build() -> Graph:
    """The graph at the latest snapshot (cached until the pool changes)."""
    snapshot = PoolSnapshot.objects.order_by("-id").only("id", "versions").first()
    # As for the reader: a snapshot id alone can come back over different contents (a restored
    # database, a test database), so the folder and the table versions are part of the key.
    versions = sorted(dict(snapshot.versions).items()) if snapshot else []
    key = (str(store.pool_dir()), snapshot.pk if snapshot else 0, versions)
    with _lock:
        cached = _cache.get("g")
        if cached is not None and cached[0] == key:
            return cached[1]
        _cache.pop("g", None)  # the old graph's memory is free before the new one is built
        built = load(reader.connection(), snapshot.pk if snapshot else 0)
        _cache["g"] = (key, built)
        return built


def load(connection: duckdb.DuckDBPyConnection, snapshot: int = 0) -> Graph:
    """Build the graph from the pool tables ``connection`` sees.

    Two passes over the edge query, so that no table of 50 M edges with their keys is held: the
    first numbers the node keys (sorted, dense) and counts the edges; the second streams the edges
    with their numbers in Arrow batches, each added to rustworkx and its evidence kept."""
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _graph_nodes AS SELECT key, "
        "(row_number() OVER (ORDER BY key) - 1)::INTEGER AS id, degree FROM ("
        f"SELECT key, count(*) AS degree FROM (SELECT unnest([a, b]) AS key FROM ({EDGES_SQL})) GROUP BY key)"
    )
    try:
        counted = connection.execute("SELECT count(*), coalesce(sum(degree), 0) FROM _graph_nodes").fetchall()
        nodes, edges = int(counted[0][0]), int(counted[0][1]) // 2
        keys = _fixed_width(_column(connection, "SELECT key FROM _graph_nodes ORDER BY id"))
        if keys.size > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            raise RuntimeError("the relation graph's node keys are not in byte order")
        names = _column(
            connection,
            f"SELECT x.name FROM _graph_nodes n LEFT JOIN ({NAMES_SQL}) x ON x.node = n.key ORDER BY n.id",
        ).combine_chunks()
        graph = rx.PyGraph(multigraph=True, node_count_hint=nodes, edge_count_hint=edges)
        for start in range(0, nodes, BATCH):
            graph.add_nodes_from([None] * min(BATCH, nodes - start))
        kinds = "[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
        stream = connection.sql(
            f"SELECT x.id AS a, y.id AS b, (list_position({kinds}, e.kind) - 1)::UTINYINT AS kind, e.label, "
            f"e.feed, e.file, CAST(e.row AS INTEGER) AS row FROM ({EDGES_SQL}) e "
            "JOIN _graph_nodes x ON x.key = e.a JOIN _graph_nodes y ON y.key = e.b"
        ).to_arrow_reader(BATCH)
        kind: list[np.ndarray] = []
        evidence: list[pa.RecordBatch] = []
        starts: list[int] = []
        added = 0
        for batch in stream:
            if not batch.num_rows:
                continue
            if batch.column("kind").null_count:
                raise RuntimeError("an edge of a kind the relation graph does not know")
            pairs = zip(
                batch.column("a").to_numpy().tolist(), batch.column("b").to_numpy().tolist(), strict=True
            )
            indices = graph.add_edges_from_no_data(list(pairs))
            # The edge index is the evidence's row number: rustworkx numbers new edges in order.
            if indices[0] != added or indices[-1] != added + batch.num_rows - 1:
                raise RuntimeError("rustworkx did not number the edges in the order they were added")
            starts.append(added)
            added += batch.num_rows
            kind.append(batch.column("kind").to_numpy())
            evidence.append(
                pa.record_batch(
                    [
                        pc.dictionary_encode(batch.column(name)) if name != "row" else batch.column(name)
                        for name in EVIDENCE
                    ],
                    names=list(EVIDENCE),
                )
            )
        return Graph(
            snapshot,
            graph,
            keys,
            names,
            np.concatenate(kind) if kind else np.empty(0, dtype=np.uint8),
            evidence,
            np.array(starts, dtype=np.int64),
        )
    finally:
        connection.execute("DROP TABLE IF EXISTS _graph_nodes")


def _column(connection: duckdb.DuckDBPyConnection, sql: str) -> pa.ChunkedArray:
    """A query's one column, streamed in batches (a whole Arrow result would be gathered inside
    DuckDB's memory limit)."""
    stream = connection.sql(sql).to_arrow_reader(BATCH)
    return pa.chunked_array([batch.column(0) for batch in stream], type=stream.schema.field(0).type)


def _fixed_width(column: pa.ChunkedArray) -> np.ndarray:
    """Strings as one numpy array of fixed-width bytes (NUL-padded), in the same order."""
    strings = column.combine_chunks().cast(pa.large_binary())
    n = len(strings)
    if not n:
        return np.empty(0, dtype="S1")
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int64)[strings.offset : strings.offset + n + 1]
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    width = max(int(lengths.max()), 1)
    padded = np.zeros((n, width), dtype=np.uint8)
    padded[np.arange(width) < lengths[:, None]] = data[offsets[0] : offsets[-1]]
    return padded.view(f"S{width}").ravel()


# A family label read from the other end: "b is a's parent" is "a is b's child".
REVERSED = {
    "parent": "child",
    "child": "parent",
    "parent-in-law": "child-in-law",
    "child-in-law": "parent-in-law",
}


def _explain(g: Graph, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Hop]:
    """Each step (u, v) as a hop from u to v, with the evidence of every edge between them."""
    edges = {pair: g.edges(*pair) for pair in set(pairs)}
    evidence = g.evidence_of(e for found in edges.values() for e in found)
    hops = {}
    for (u, v), found in edges.items():
        source = g.node_key(u)
        items = []
        for e in found:
            kind = KINDS[int(g.kind[e])]
            label, feed, file, row = evidence[e]
            label = str(label or "")
            if kind == "family" and g.graph.get_edge_endpoints_by_index(e)[0] != u:
                label = REVERSED.get(label, label)  # what the next party is to this one
            items.append(
                (int(g.kind[e]), label, feed or "", file or "", -1 if row is None else row, feed, file, row)
            )
        items.sort(key=lambda item: item[:5])
        hops[u, v] = Hop(
            source,
            g.node_key(v),
            KINDS[items[0][0]],
            items[0][1],
            [
                {"kind": KINDS[code], "label": label, "feed": feed, "file": file, "row": row}
                for code, label, _f, _fi, _r, feed, file, row in items
            ],
        )
    return hops


def _copy(hop: Hop) -> Hop:
    return Hop(hop.source, hop.target, hop.kind, hop.label, [dict(e) for e in hop.evidence])


def related(node: str, k: int = 2, limit: int = 500, kinds: set[str] | None = None) -> list[Related]:
    """Parties within ``k`` hops of ``node`` (e.g. ``P:<resident ID>``), nearest first, each with a
    shortest path and the evidence of every edge on it; ``kinds`` limits the edges followed."""
    g = build()
    start = g.index_of(node)
    if start is None:
        return []
    codes = None if kinds is None else {i for i, kind in enumerate(KINDS) if kind in kinds}
    parent: dict[int, int] = {start: start}
    depth = {start: 0}
    queue = deque([start])
    found: list[int] = []
    while queue:
        u = queue.popleft()
        if depth[u] >= k:
            continue
        for v in sorted(g.graph.neighbors(u)):
            if codes is not None and not any(int(g.kind[e]) in codes for e in g.edges(u, v)):
                continue
            if v not in parent:
                parent[v], depth[v] = u, depth[u] + 1
                found.append(v)
                queue.append(v)
    chains = []
    for v in found[:limit]:
        chain = [v]
        while chain[-1] != start:
            chain.append(parent[chain[-1]])
        chain.reverse()
        chains.append(chain)
    hops = _explain(g, (step for chain in chains for step in pairwise(chain)))
    return [
        Related(
            g.node_key(chain[-1]),
            g.name_of(chain[-1]),
            len(chain) - 1,
            [_copy(hops[s]) for s in pairwise(chain)],
        )
        for chain in chains
    ]


def connections(a: str, b: str, max_paths: int = 10) -> list[list[Hop]]:
    """How are two parties connected: the shortest paths between them, every edge explained."""
    g = build()
    u, v = g.index_of(a), g.index_of(b)
    if u is None or v is None or a == b:
        return []
    chosen = sorted([list(p) for p in rx.all_shortest_paths(g.graph, u, v)])[:max_paths]
    hops = _explain(g, (step for path in chosen for step in pairwise(path)))
    return [[_copy(hops[s]) for s in pairwise(path)] for path in chosen]
