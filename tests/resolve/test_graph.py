"""The relation graph, its queries (logged, purpose required, masked), pages, API and FtM export,
and profiles that use resolved identities."""

from __future__ import annotations

import json

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
