"""The relation graph (关系图谱): who is related to whom, every edge with the rows that show it.

Edges are computed in DuckDB from the pool tables at the current snapshot, then held in a rustworkx
graph (networkx is too slow at province scale), rebuilt when the snapshot changes. Nodes are people
(by resident ID) and companies or units (by USCC); a mention without identifier that resolution
placed in an identity with one (IdentityLink.clusterId) counts as that identity.

Edge kinds: family (spouse, parent, child, sibling, parent-in-law — coded from the household
register), ownership (with share), legal representative, director (with role), employment (with
post), social-insurance employer, shared phone, shared address, payment (count and total).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import rustworkx as rx

from jiancha.pool.models import PoolSnapshot
from jiancha.pool.reader import rows

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


@dataclass
class Graph:
    snapshot: int
    graph: rx.PyGraph
    index: dict[str, int]
    names: dict[str, str]

    def node_key(self, i: int) -> str:
        return str(self.graph[i])


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
_cache: dict[str, Graph] = {}


def build() -> Graph:
    """The graph at the latest snapshot (cached until the pool changes)."""
    snapshot = PoolSnapshot.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with _lock:
        cached = _cache.get("g")
        if cached is not None and cached.snapshot == snapshot:
            return cached
        edges = rows(
            "SELECT a, b, kind, label, feed, file, row FROM ("
            + " UNION ALL ".join(f"({q})" for q in [*EDGE_SQL, SHARED_SQL])
            + ") WHERE a IS NOT NULL AND b IS NOT NULL AND length(a) > 2 AND length(b) > 2 AND a <> b"
        )
        names = {str(r["node"]): str(r["name"] or "") for r in rows(NAMES_SQL)}
        graph = rx.PyGraph(multigraph=True)
        index: dict[str, int] = {}
        for edge in edges:
            for key in (edge["a"], edge["b"]):
                if key not in index:
                    index[str(key)] = graph.add_node(str(key))
        graph.add_edges_from([(index[str(e["a"])], index[str(e["b"])], e) for e in edges])
        built = Graph(snapshot, graph, index, names)
        _cache["g"] = built
        return built


# A family label read from the other end: "b is a's parent" is "a is b's child".
REVERSED = {
    "parent": "child",
    "child": "parent",
    "parent-in-law": "child-in-law",
    "child-in-law": "parent-in-law",
}


def _label(edge: dict[str, Any], source: str) -> str:
    """The edge's label as seen walking from ``source``: what the next party is to this one."""
    label = str(edge["label"] or "")
    if edge["kind"] == "family" and edge["a"] != source:
        return REVERSED.get(label, label)
    return label


def _hop(g: Graph, u: int, v: int) -> Hop:
    source = g.node_key(u)
    evidence = [dict(e) for e in g.graph.get_all_edge_data(u, v)]
    first = evidence[0]
    return Hop(
        source,
        g.node_key(v),
        str(first["kind"]),
        _label(first, source),
        [
            {
                "kind": e["kind"],
                "label": _label(e, source),
                "feed": e["feed"],
                "file": e["file"],
                "row": e["row"],
            }
            for e in evidence
        ],
    )


def related(node: str, k: int = 2, limit: int = 500, kinds: set[str] | None = None) -> list[Related]:
    """Parties within ``k`` hops of ``node`` (e.g. ``P:<resident ID>``), nearest first, each with a
    shortest path and the evidence of every edge on it; ``kinds`` limits the edges followed."""
    g = build()
    if node not in g.index:
        return []
    start = g.index[node]
    parent: dict[int, int] = {start: start}
    depth = {start: 0}
    queue = deque([start])
    found: list[int] = []
    while queue:
        u = queue.popleft()
        if depth[u] >= k:
            continue
        for v in sorted(g.graph.neighbors(u)):
            if kinds is not None and not any(e["kind"] in kinds for e in g.graph.get_all_edge_data(u, v)):
                continue
            if v not in parent:
                parent[v], depth[v] = u, depth[u] + 1
                found.append(v)
                queue.append(v)
    out = []
    for v in found[:limit]:
        chain = [v]
        while chain[-1] != start:
            chain.append(parent[chain[-1]])
        chain.reverse()
        path = [_hop(g, a, b) for a, b in pairwise(chain)]
        key = g.node_key(v)
        out.append(Related(key, g.names.get(key, ""), depth[v], path))
    return out


def connections(a: str, b: str, max_paths: int = 10) -> list[list[Hop]]:
    """How are two parties connected: the shortest paths between them, every edge explained."""
    g = build()
    if a not in g.index or b not in g.index or a == b:
        return []
    paths = rx.all_shortest_paths(g.graph, g.index[a], g.index[b])
    chosen = sorted([list(p) for p in paths])[:max_paths]
    return [[_hop(g, u, v) for u, v in pairwise(p)] for p in chosen]
