"""A resolution run (全量/增量解析): pool records in, identities out (IdentityLink in the pool).

State between runs lives under ``$JIANCHA_DATA_DIR/resolve/``: the trained model per kind, the scored
pairs (for explanations and for incremental runs) and the batches already resolved. An incremental
run scores only pairs with a record from a new batch, adds the pairs kept from earlier runs, and
clusters everything again (clustering is cheap); with the same model this gives exactly the clusters
of a full run (tested). A batch rolled back since the last run, or a missing state, makes it full.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from jiancha.pool import identities, store
from jiancha.pool import services as pool_services
from jiancha.pool.importer import latest_snapshot
from jiancha.pool.mapping import literal

from . import linkage, records
from .models import MatchDecision, ResolutionRun, ReviewPair

Progress = Callable[[str, int, int], None]


def state_dir() -> Path:
    # Beside the pool's tables, so that a pool directory carries its resolution state with it.
    path = store.pool_dir() / "resolve"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class KindFigures:
    records: int = 0
    identities: int = 0
    records_without_id: int = 0
    pairs_scored: int = 0
    links_by_model: int = 0
    links_refused: int = 0
    review_pairs: int = 0


@dataclass
class RunResult:
    mode: str
    seconds: float
    kinds: dict[str, KindFigures] = field(default_factory=dict)
    run_id: int | None = None


def _load_model(kind: str) -> linkage.Model | None:
    path = state_dir() / f"{kind}_model.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    return linkage.Model(kind, data["settings"], [(n, f) for n, f in data["name_frequencies"]])


def _save_model(model: linkage.Model) -> None:
    data = {"settings": model.settings, "name_frequencies": model.name_frequencies}
    (state_dir() / f"{model.kind}_model.json").write_text(json.dumps(data, ensure_ascii=False, default=str))


def _state() -> dict[str, Any]:
    path = state_dir() / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def edges_path(kind: str) -> Path:
    return state_dir() / f"{kind}_pairs.parquet"


def pool_connection() -> tuple[duckdb.DuckDBPyConnection, int | None]:
    """An unsealed DuckDB connection on the latest pool snapshot, for building resolution tables."""
    snapshot = latest_snapshot()
    connection = store.connect(dict(snapshot.versions) if snapshot else {})
    # Past the limit DuckDB spills to this folder rather than to `.tmp` in whatever directory the
    # process was started from.
    spill = state_dir() / "spill"
    spill.mkdir(exist_ok=True)
    connection.execute(f"SET temp_directory = {literal(str(spill))}")
    if settings.BATCH_MEMORY_LIMIT:
        connection.execute(f"SET memory_limit = {literal(settings.BATCH_MEMORY_LIMIT)}")
    return connection, snapshot.pk if snapshot else None


def run(
    incremental: bool = False,
    retrain: bool = False,
    progress: Progress | None = None,
    blind: float = 0.0,
    inspect: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> RunResult:
    """Resolve people and companies in the pool and publish the identity map.

    ``blind`` hides identifiers for measurement (see records.build); never in production. ``inspect``
    sees the working connection (tables ``<kind>_records`` and ``_<kind>_identity``) before it closes.
    """
    started, clock = timezone.now(), time.monotonic()
    step = progress or (lambda _label, _done, _total: None)
    connection, snapshot = pool_connection()
    batches: set[int] = set()
    for kind in records.KINDS:
        for m in records.MENTIONS[kind]:
            batches |= {
                int(b)
                for (b,) in connection.execute(
                    f'SELECT DISTINCT _batch FROM "{m.table}" WHERE _batch IS NOT NULL'
                ).fetchall()
            }
    state = _state()
    done = set(state.get("batches", []))
    usable = incremental and not retrain and state and done <= batches
    usable = usable and all(_load_model(k) is not None and edges_path(k).exists() for k in records.KINDS)
    mode = "incremental" if usable else "full"
    result = RunResult(mode, 0.0)
    total = len(records.KINDS) * 4
    new = sorted(batches - done) if mode == "incremental" else []
    for index, kind in enumerate(records.KINDS):
        step(f"{kind}: records", index * 4, total)
        table = records.build(connection, kind, blind=blind, new_batches=new)
        model = None if retrain else _load_model(kind)
        if model is None:
            step(f"{kind}: training", index * 4 + 1, total)
            model = linkage.train(connection, kind, table)
            _save_model(model)
        step(f"{kind}: scoring", index * 4 + 2, total)
        scored = linkage.score(connection, kind, table, model, incremental=mode == "incremental")
        if mode == "incremental":
            connection.execute(
                f"INSERT INTO {scored} SELECT * FROM read_parquet('{edges_path(kind)}') "
                f'WHERE record_key_l IN (SELECT sig FROM "{table}") '
                f'AND record_key_r IN (SELECT sig FROM "{table}")'
            )
        connection.execute(
            f"COPY (SELECT DISTINCT * FROM {scored} ORDER BY ALL) TO '{edges_path(kind)}' (FORMAT parquet)"
        )
        step(f"{kind}: clustering", index * 4 + 3, total)
        result.kinds[kind] = _cluster(connection, kind, table, scored)
    step("identity map", total, total)
    # One row per mention: at province scale some 85 million, streamed from the pool's tables into
    # the new map, never whole in memory.
    identities.publish(
        connection.sql(
            " UNION ALL ".join(
                f"SELECT identity, '{kind}' AS kind, tab AS recordTable, role AS recordRole, "
                "batch AS recordBatch, row AS recordRow, feed AS recordFeed, file AS recordFile, name, "
                "id_number AS idNumber, cluster_id AS clusterId, linked_by AS linkedBy, 'resolve' AS _feed "
                f"FROM _{kind}_identity"
                for kind in records.KINDS
            )
        ).to_arrow_reader(100_000),
        note=f"entity resolution ({mode})",
    )
    (state_dir() / "state.json").write_text(json.dumps({"batches": sorted(batches)}))
    if inspect:
        inspect(connection)
    connection.close()
    result.seconds = round(time.monotonic() - clock, 2)
    saved = ResolutionRun.objects.create(
        mode=mode,
        started=started,
        finished=timezone.now(),
        snapshot=snapshot,
        stats={"seconds": result.seconds, **{k: asdict(v) for k, v in result.kinds.items()}},
    )
    ReviewPair.objects.filter(run__isnull=True).update(run=saved)
    result.run_id = saved.pk
    step("done", total, total)
    return result


def _node(alias: str) -> str:
    return f"CASE WHEN {alias}.id_number IS NOT NULL THEN 'id:' || {alias}.id_number ELSE 'sig:' || {alias}.sig END"


def _table(connection: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list[str]]) -> None:
    """A temporary table of text columns from Python lists, through Arrow (executemany is row by row)."""
    records.stage(connection, name, pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))


def _cluster(connection: duckdb.DuckDBPyConnection, kind: str, table: str, scored: str) -> KindFigures:
    """Cluster nodes under the hard rule and decisions; leave ``_<kind>_identity`` (one row a record)."""
    decisions = list(MatchDecision.objects.filter(kind=kind).values_list("left_key", "right_key", "decision"))
    _table(
        connection,
        "_decided",
        {
            "l": [d[0] for d in decisions],
            "r": [d[1] for d in decisions],
            "decision": [d[2] for d in decisions],
        },
    )
    links_by_model, links_refused = _link(connection, kind, table, scored)
    prefix = "P" if kind == "person" else "C"
    # Per mention, a view over the pool (records.build): only nodes on a pair have an anchor other
    # than themselves, so the rest of the province's mentions need no join but a small one.
    anchor = "coalesce(a.anchor, m.node)"
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW _{kind}_identity AS SELECT m.record_key, m.sig, m.tab, m.role, m.batch, "
        "m.row, m.feed, m.file, m.name, m.id_number, m.source_id, "
        f"'{prefix}' || substr(sha256('jiancha:{kind}:' || {anchor}), 1, 15) AS identity, "
        f"CASE WHEN {anchor} LIKE 'id:%' THEN substr({anchor}, 4) END AS cluster_id, "
        f"CASE WHEN m.node IN (SELECT node FROM _{kind}_by_analyst) THEN 'analyst' "
        "WHEN m.id_number IS NOT NULL THEN 'identifier' "
        "WHEN a.anchor IS NOT NULL AND a.anchor <> m.node THEN 'model' ELSE 'none' END AS linked_by "
        f'FROM (SELECT *, {_node("x")} AS node FROM "{kind}_mentions" x) m '
        f"LEFT JOIN _{kind}_anchor a ON a.node = m.node"
    )
    figures = KindFigures()
    # Counted over signatures, not the mentions' view: an identity is an identifier, or the anchor of a
    # cluster without one.
    figures.records, figures.records_without_id, figures.identities = connection.execute(
        "SELECT sum(mentions), coalesce(sum(mentions) FILTER (WHERE id_number IS NULL), 0), "
        "count(DISTINCT id_number) + count(DISTINCT CASE WHEN id_number IS NULL AND coalesce(a.anchor, '') NOT LIKE 'id:%' "
        f"THEN coalesce(a.anchor, 'sig:' || sig) END) "
        f"FROM \"{table}\" r LEFT JOIN _{kind}_anchor a ON r.id_number IS NULL AND a.node = 'sig:' || r.sig"
    ).fetchall()[0]
    figures.pairs_scored = connection.execute(f"SELECT count(*) FROM {scored}").fetchall()[0][0]
    figures.links_by_model = links_by_model
    # Links above the threshold that clustering refused: the two sides ended with different
    # identifiers (the hard rule), or an analyst's rejection stood between them.
    figures.links_refused = links_refused
    figures.review_pairs = _queue(connection, kind, scored)
    return figures


def _link(connection: duckdb.DuckDBPyConnection, kind: str, table: str, scored: str) -> tuple[int, int]:
    """Cluster the nodes on links (pairs above the threshold and analysts' accepts, ``_decided``) as
    ``linkage.cluster`` does; leave ``_<kind>_anchor`` (node, anchor of its cluster) and
    ``_<kind>_by_analyst``; return the links made by the model and the links refused.

    Greedy merging can only refuse inside a connected component holding two identifiers or both ends
    of a rejected pair. DuckDB numbers the nodes on links in key order, the components are found on
    integer arrays (``linkage.components``), and only those few components go through
    ``linkage.cluster`` as Python objects; every other component is one cluster, with no link refused.
    """
    decision = MatchDecision.Decision
    # Pairs are scored between signatures; a node is an identifier, or a signature without one.
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _links AS SELECT * FROM ("
        f"SELECT {_node('nl')} AS l, {_node('nr')} AS r, "
        f"CASE WHEN d.decision = '{decision.REJECT.value}' THEN 'reject' "
        f"WHEN d.decision = '{decision.ACCEPT.value}' THEN 'accept' "
        f"WHEN s.match_probability >= {linkage.LINK_THRESHOLD}::DOUBLE THEN 'model' END AS how, "
        # analysts first
        f"CASE WHEN d.decision = '{decision.ACCEPT.value}' THEN 2.0::DOUBLE ELSE s.match_probability END AS p "
        f"FROM (SELECT record_key_l AS l, record_key_r AS r, match_probability FROM {scored} "
        "UNION ALL SELECT l, r, NULL FROM _decided) s "
        f'JOIN "{table}" nl ON nl.sig = s.l JOIN "{table}" nr ON nr.sig = s.r '
        "LEFT JOIN _decided d ON d.l = least(s.l, s.r) AND d.r = greatest(s.l, s.r)"
        ") WHERE how IS NOT NULL"
    )
    # Only nodes on a link can be merged; a node is "id:<number>" exactly when it carries an identifier
    # (_node), so the hard rule needs no set of every identifier in the pool.
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _link_nodes AS SELECT node, "
        "(row_number() OVER (ORDER BY node) - 1)::INTEGER AS i, node LIKE 'id:%' AS is_id FROM ("
        "SELECT l AS node FROM _links WHERE how <> 'reject' UNION SELECT r FROM _links WHERE how <> 'reject')"
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE _link_edges AS SELECT a.i AS li, b.i AS ri, k.how, k.p FROM _links k "
        "JOIN _link_nodes a ON a.node = k.l JOIN _link_nodes b ON b.node = k.r WHERE k.how <> 'reject'"
    )

    def column(sql: str, name: str) -> np.ndarray:
        return connection.sql(sql).to_arrow_table().column(name).to_numpy()

    is_id = column("SELECT is_id FROM _link_nodes ORDER BY i", "is_id").astype(bool)
    count = len(is_id)
    left = column("SELECT li FROM _link_edges", "li")
    right = column("SELECT ri FROM _link_edges", "ri")
    by_model = column("SELECT how = 'model' AS m FROM _link_edges", "m").astype(bool)
    rejected = connection.execute(
        "SELECT a.i, b.i FROM _links k JOIN _link_nodes a ON a.node = k.l "
        "JOIN _link_nodes b ON b.node = k.r WHERE k.how = 'reject'"
    ).fetchall()
    # Components (labelled by their smallest node) where a merge may be refused.
    label = linkage.components(count, left, right)
    hard = np.bincount(label[is_id], minlength=count) >= 2
    for a, b in rejected:
        if label[a] == label[b]:
            hard[label[a]] = True
    clusters = label.astype(np.int64)
    hard_nodes = np.flatnonzero(hard[label]).astype(np.int32) if count else np.zeros(0, np.int32)
    if len(hard_nodes):
        records.stage(connection, "_hard", pa.table({"i": hard_nodes}))
        edges = [
            linkage.Edge(left_node, right_node, float(probability))
            for left_node, right_node, probability in connection.execute(
                "SELECT a.node, b.node, e.p FROM _link_edges e JOIN _hard h ON h.i = e.li "
                "JOIN _link_nodes a ON a.i = e.li JOIN _link_nodes b ON b.i = e.ri"
            ).fetchall()
        ]
        index = dict(connection.execute("SELECT node, i FROM _link_nodes JOIN _hard USING (i)").fetchall())
        connection.execute("DROP TABLE _hard")
        refused = {
            (str(a), str(b))
            for a, b in connection.execute("SELECT l, r FROM _links WHERE how = 'reject'").fetchall()
        }
        roots = linkage.cluster({n for n in index if n.startswith("id:")}, edges, refused)
        for node, root in roots.items():
            clusters[index[node]] = count + index[root]
    # The anchor of a cluster: its first identifier in key order if it has one, else its first node.
    order = np.arange(count, dtype=np.int64)
    first = np.full(2 * count, 2 * count, dtype=np.int64)
    np.minimum.at(first, clusters, np.where(is_id, order, order + count))
    anchors = (first[clusters] % max(count, 1)).astype(np.int32)
    records.stage(connection, "_anchor_index", pa.table({"i": order.astype(np.int32), "a": anchors}))
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _{kind}_anchor AS SELECT n.node, m.node AS anchor FROM _anchor_index x "
        "JOIN _link_nodes n ON n.i = x.i JOIN _link_nodes m ON m.i = x.a ORDER BY n.node"
    )
    connection.execute("DROP TABLE _anchor_index")
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _{kind}_by_analyst AS SELECT DISTINCT node FROM ("
        "SELECT l AS node FROM _links WHERE how = 'accept' UNION ALL SELECT r FROM _links WHERE how = 'accept'"
        ") ORDER BY node"
    )
    same = clusters[left] == clusters[right]
    for name in ("_links", "_link_nodes", "_link_edges"):
        connection.execute(f"DROP TABLE {name}")
    return int(np.count_nonzero(same & by_model)), int(np.count_nonzero(~same))


def _queue(connection: duckdb.DuckDBPyConnection, kind: str, scored: str) -> int:
    """Replace the kind's review queue with the undecided borderline pairs of this run."""
    rows = connection.execute(
        f"SELECT s.* FROM {scored} s ANTI JOIN _decided d ON d.l = s.record_key_l AND d.r = s.record_key_r "
        f"WHERE s.match_probability < {linkage.LINK_THRESHOLD} ORDER BY s.match_probability DESC, s.record_key_l, s.record_key_r LIMIT 5000"
    )
    names = [c[0] for c in rows.description or []]
    found = [dict(zip(names, r, strict=True)) for r in rows.fetchall()]
    keys = sorted({f["record_key_l"] for f in found} | {f["record_key_r"] for f in found})
    summaries = record_summaries(connection, kind, keys)
    ReviewPair.objects.filter(kind=kind).delete()
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(
                kind=kind,
                left_key=f["record_key_l"],
                right_key=f["record_key_r"],
                probability=float(f["match_probability"]),
                left=summaries.get(f["record_key_l"], {}),
                right=summaries.get(f["record_key_r"], {}),
                explanation=linkage_explanation(kind, f),
            )
            for f in found
        ]
    )
    return len(found)


def record_summaries(
    connection: duckdb.DuckDBPyConnection, kind: str, keys: list[str]
) -> dict[str, dict[str, Any]]:
    if not keys:
        return {}
    placeholders = ", ".join("?" for _ in keys)
    found = connection.execute(
        "SELECT sig, first.tab, first.batch, first.row, name, id_number, CAST(birth_date AS VARCHAR), "
        f'gender, phone, address, mentions FROM "{kind}_records" WHERE sig IN ({placeholders})',
        keys,
    ).fetchall()
    # The first mention is kept as batch and row (records.build); its feed and file are the batch's.
    sources = pool_services.batch_sources({int(r[2]) for r in found})
    fields = ["name", "id_number", "birth_date", "gender", "phone", "address", "records"]
    return {
        r[0]: {
            "sig": r[0],
            "table": r[1],
            "feed": sources.get(int(r[2]), ("", ""))[0],
            "file": sources.get(int(r[2]), ("", ""))[1],
            "row": r[3],
            **dict(zip(fields, r[4:], strict=True)),
        }
        for r in found
    }


def linkage_explanation(kind: str, pair: dict[str, Any]) -> list[dict[str, Any]]:
    """Per field: the comparison level reached (gamma) and its weight in bits (log2 Bayes factor)."""
    return [
        {"field": f, "level": pair.get(f"gamma_{f}"), "weight": round(float(pair.get(f"mw_{f}") or 0.0), 2)}
        for f in linkage.FIELDS[kind]
    ]
