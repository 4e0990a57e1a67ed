"""The relation graph, its queries (logged, purpose required, masked), pages, API and FtM export,
and profiles that use resolved identities."""

from __future__ import annotations

import json
import random

import pytest
from django.urls import reverse

from jiancha.access.models import User
from jiancha.ledger.models import Event
from jiancha.pool.models import ProfileQuery
from jiancha.pool.profiles import person_profile
from jiancha.pool.reader import rows
from jiancha.resolve import graph, runs, services

from .conftest import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(pool_dir, tiny_region):
    load(tiny_region)
    runs.run(blind=0.3)
    return tiny_region


def _family() -> tuple[str, str, str]:
    """A child, a parent and a sibling from the household register."""
    found = rows(
        "SELECT x.person AS a, y.person AS b, x.relative AS p FROM Family x JOIN Family y ON x.relative = y.relative "
        "AND x.relationship = 'father' AND y.relationship = 'father' AND x.person < y.person ORDER BY 1, 2 LIMIT 1"
    )[0]
    return str(found["a"]), str(found["p"]), str(found["b"])


def test_related_parties_come_with_paths_and_evidence(resolved):
    child, parent, sibling = _family()
    parties = {r.node: r for r in graph.related("P:" + child, 2)}
    assert parties["P:" + parent].hops == 1
    hop = parties["P:" + parent].path[0]
    assert hop.kind == "family" and hop.label == "parent"
    assert hop.evidence[0]["feed"] == "population" and hop.evidence[0]["row"] >= 2
    assert parties["P:" + sibling].hops == 1  # siblings are coded directly (shared parent)
    kinds = {h.kind for r in parties.values() for h in r.path}
    assert {"family", "employment"} & kinds
    # how are the two siblings connected: directly, and the evidence says so
    paths = graph.connections("P:" + child, "P:" + sibling)
    assert paths and all(len(p) == 1 for p in paths)
    assert graph.related("P:000000000000000000") == []


def test_every_edge_keeps_its_evidence_from_the_pool(resolved):
    # The graph holds edges as bare numbers; what it reads back for them is what the edge query gives.
    g = graph.build()
    expected = sorted(
        (str(r["a"]), str(r["b"]), str(r["kind"]), str(r["label"] or ""), r["feed"], r["file"], r["row"])
        for r in rows(graph.EDGES_SQL)
    )
    evidence = g.evidence_of(range(g.graph.num_edges()))
    held = []
    for e in range(g.graph.num_edges()):
        a, b = g.graph.get_edge_endpoints_by_index(e)
        label, feed, file, row = evidence[e]
        held.append(
            (g.node_key(a), g.node_key(b), graph.KINDS[int(g.kind[e])], str(label or ""), feed, file, row)
        )
    assert sorted(held) == expected and len(expected) > 100
    assert g.graph.num_nodes() == len({x for edge in expected for x in edge[:2]})
    # a hop's evidence points at the household-register row that shows it, read from either end
    child, parent, _sibling = _family()
    hop = next(r for r in graph.related("P:" + child, 1) if r.node == "P:" + parent).path[0]
    family = [e for e in hop.evidence if e["kind"] == "family"]
    assert family and hop.evidence[0] == family[0]  # family evidence first
    for item in family:
        shown = rows(
            "SELECT person, relative FROM Family WHERE _feed = ? AND _file = ? AND _row = ?",
            [item["feed"], item["file"], item["row"]],
        )
        assert (child, parent) in {(r["person"], r["relative"]) for r in shown}  # a row may name several
    back = next(r for r in graph.related("P:" + parent, 1) if r.node == "P:" + child).path[0]
    assert back.kind == "family" and back.label == "child"
    assert sorted((e["kind"], e["feed"], e["file"], e["row"]) for e in back.evidence) == sorted(
        (e["kind"], e["feed"], e["file"], e["row"]) for e in hop.evidence
    )


def test_node_lookup_names_and_samples(resolved):
    g = graph.build()
    known = g.node_key(0)
    assert g.has(known) and g.index_of(known) == 0
    last = g.node_key(g.graph.num_nodes() - 1)
    assert g.index_of(last) == g.graph.num_nodes() - 1
    for unknown in [
        "",
        "P:",
        "P:000000000000000000",
        known[:-1],
        known + "0",
        "x" * 100,
        known + "\0",
        "Z:" + known,
    ]:
        assert not g.has(unknown) and g.name(unknown) == ""
    names = {str(r["node"]): str(r["name"] or "") for r in rows(graph.NAMES_SQL)}
    for i in range(0, g.graph.num_nodes(), 7):
        assert g.name_of(i) == names.get(g.node_key(i), "")
    people = g.sample_people(50, random.Random(3))
    assert len(people) == 50 and all(p.startswith("P:") and g.has(p) for p in people)
    assert people == g.sample_people(50, random.Random(3))
    assert graph.related("P:000000000000000000") == [] and graph.connections("P:x", known) == []


def test_kinds_limit_the_edges_followed(resolved):
    child, parent, sibling = _family()
    family = graph.related("P:" + child, 2, kinds={"family"})
    assert family and all(h.kind == "family" for r in family for h in r.path)
    assert {"P:" + parent, "P:" + sibling} <= {r.node for r in family}
    assert graph.related("P:" + child, 2, kinds={"no such kind"}) == []
    everyone = graph.related("P:" + child, 2)
    assert len(everyone) >= len(family)
    # nearest first, and the same answer twice
    assert [r.hops for r in everyone] == sorted(r.hops for r in everyone)
    assert everyone == graph.related("P:" + child, 2)


def test_graph_queries_are_refused_without_right_purpose_or_subject(resolved):
    child, _parent, _sibling = _family()
    analyst, reviewer = User.objects.get(username="analyst"), User.objects.get(username="reviewer")
    with pytest.raises(services.QueryRefused, match="query_pool"):
        services.related_parties(reviewer, child, "checking relations", 2)
    with pytest.raises(services.QueryRefused, match="purpose"):
        services.related_parties(analyst, child, "  ", 2)
    with pytest.raises(services.QueryRefused, match="valid resident ID"):
        services.related_parties(analyst, "zhang wei", "checking relations", 2)
    with pytest.raises(services.QueryRefused, match="hops"):
        services.related_parties(analyst, child, "checking relations", 9)
    assert ProfileQuery.objects.count() == 0
    answer = services.related_parties(analyst, child, "analysis task 7: relations", 2)
    query = ProfileQuery.objects.get(pk=answer.query_id)
    assert query.purpose == "analysis task 7: relations" and query.facts_returned == len(answer.parties)
    assert Event.objects.filter(kind="pool.query.person", object_id=str(query.pk)).exists()
    # an analyst sees identifiers masked, in the parties and on every hop
    assert not answer.full_identifiers
    assert all("*" in p["node"] for p in answer.parties if p["kind"] == "P")
    assert all(child not in json.dumps(p) for p in answer.parties)


def test_pages_api_and_ftm_export(client, resolved):
    child, _parent, _sibling = _family()
    client.force_login(User.objects.get(username="analyst"))
    page = client.post(reverse("resolve:graph"), {"subject": child, "hops": 2, "purpose": "analysis task 7"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'data-testid="graph-node"' in html
    assert html.count(child) == 1  # the form keeps what the user typed; the graph shows it masked
    export = client.post(
        reverse("resolve:graph"), {"subject": child, "hops": 1, "purpose": "analysis task 7", "format": "ftm"}
    )
    entities = [json.loads(line) for line in export.content.decode().splitlines()]
    assert {"Person", "Family"} <= {e["schema"] for e in entities}
    assert child not in export.content.decode()
    api = client.post(
        "/api/resolve/related",
        {"subject": child, "hops": 1, "purpose": "analysis task 7"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["parties"]
    refused = client.post(
        "/api/resolve/related", {"subject": child, "purpose": ""}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert client.get(reverse("resolve:review")).status_code == 200
    client.force_login(User.objects.get(username="reviewer"))
    assert client.get(reverse("resolve:review")).status_code == 403
    assert client.get(reverse("resolve:graph")).status_code == 403


def test_profiles_use_resolved_identities(resolved):
    # Someone whose records carry several spellings, and records without ID attributed by the model.
    found = rows(
        "SELECT clusterId FROM IdentityLink WHERE kind = 'person' AND clusterId IS NOT NULL GROUP BY clusterId "
        "HAVING count(DISTINCT name) > 1 AND count(*) FILTER (WHERE idNumber IS NULL) > 0 ORDER BY 1 LIMIT 1"
    )
    assert found
    profile = person_profile(str(found[0]["clusterId"]))
    assert len(profile.aliases) >= 2
    assert profile.resolved and all(r["link"] in {"model", "analyst"} for r in profile.resolved)


def test_recusal_finds_a_staff_member_in_the_family_graph(resolved):
    from types import SimpleNamespace

    from jiancha.cases.recusal import RelationGraphFamily
    from jiancha.resolve.services import family_for_recusal

    child, parent, sibling = _family()
    family = dict(family_for_recusal(child))
    names = {
        str(r["idNumber"]): str(r["name"])
        for r in rows("SELECT idNumber, any_value(name) AS name FROM Person GROUP BY 1")
    }
    assert family[names[parent]] == "parent"
    assert names[sibling] in family
    investigator = User.objects.get(username="investigator")
    investigator.first_name, investigator.last_name = names[sibling], ""
    person = SimpleNamespace(name=names[child], identity_id=child)
    found = list(RelationGraphFamily().relations(investigator, person))
    assert found and found[0].source == "relation_graph" and names[sibling] in found[0].relation
    assert (
        list(RelationGraphFamily().relations(investigator, SimpleNamespace(name="x", identity_id=""))) == []
    )


def test_the_graph_takes_a_link_token_bound_to_its_user(resolved):
    from jiancha.pool.services import subject_token

    child, parent, _sibling = _family()
    analyst, investigator = User.objects.get(username="analyst"), User.objects.get(username="investigator")
    token = subject_token("person", child, analyst.pk)
    answer = services.related_parties(analyst, token, "review of alert 12 (R028)", 2)
    assert any(p["ref"].endswith(parent) or parent[-2:] in p["node"] for p in answer.parties)
    with pytest.raises(services.QueryRefused, match="not valid or has expired"):
        services.related_parties(investigator, token, "review of alert 12 (R028)", 2)


def test_an_empty_pool_gives_an_empty_graph(pool_dir):
    from jiancha.pool import store

    g = graph.load(store.connect_files({}))
    assert g.graph.num_nodes() == 0 and g.graph.num_edges() == 0
    assert not g.has("P:330106193206220610") and g.name("P:330106193206220610") == ""
    assert g.sample_people(3, random.Random(1)) == [] and g.evidence_of([]) == {}
