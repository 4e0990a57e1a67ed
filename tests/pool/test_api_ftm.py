import json

import pytest

from jiancha.access.models import User
from jiancha.access.services import issue_token
from jiancha.pool.importer import import_file

from .fixtures import CHILD, FATHER, write_residents

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(tmp_path, monkeypatch, demo_region):
    from jiancha.pool import services

    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    # The cases app requires investigators to name a case of theirs; that check is tested in
    # tests/cases. Here the pool's own behaviour is under test.
    monkeypatch.setattr(services, "_purpose_checks", [])
    import_file("population", write_residents(tmp_path))


def auth(username):
    return {"Authorization": f"Bearer {issue_token(User.objects.get(username=username), 't')}"}


def test_person_profile_through_the_api(client, pool):
    body = {"id_number": CHILD, "purpose": "alert 17 review"}
    response = client.post("/api/pool/person", body, content_type="application/json", headers=auth("analyst"))
    assert response.status_code == 200
    data = response.json()
    assert data["masked"] is True and data["ledger_index"] is not None
    assert data["sections"]["identity"][0]["name"] == "张伟"


def test_api_refuses_without_purpose_or_right(client, pool):
    no_purpose = client.post(
        "/api/pool/person",
        {"id_number": CHILD, "purpose": ""},
        content_type="application/json",
        headers=auth("analyst"),
    )
    assert no_purpose.status_code == 400
    wrong_role = client.post(
        "/api/pool/person",
        {"id_number": CHILD, "purpose": "just looking"},
        content_type="application/json",
        headers=auth("reviewer"),
    )
    assert wrong_role.status_code == 403


def test_ftm_export_is_refused_to_roles_that_see_masked_identifiers(client, pool):
    body = {"id_number": CHILD, "purpose": "share with upper level"}
    response = client.post(
        "/api/pool/person/ftm", body, content_type="application/json", headers=auth("analyst")
    )
    assert response.status_code == 403


def test_analyst_api_answer_holds_no_full_resident_id(client, pool):
    body = {"id_number": CHILD, "purpose": "alert 17 review"}
    raw = client.post(
        "/api/pool/person", body, content_type="application/json", headers=auth("analyst")
    ).content.decode()
    assert CHILD not in raw and FATHER not in raw


def test_ftm_export_is_valid_entities_without_raw_ids_in_entity_ids(client, pool):
    body = {"id_number": CHILD, "purpose": "share with upper level"}
    response = client.post(
        "/api/pool/person/ftm", body, content_type="application/json", headers=auth("investigator")
    )
    entities = [json.loads(line) for line in response.content.decode().splitlines()]
    schemata = {e["schema"] for e in entities}
    assert {"Person", "Family"} <= schemata
    me = next(e for e in entities if e["schema"] == "Person" and e["properties"].get("idNumber") == [CHILD])
    families = [e for e in entities if e["schema"] == "Family"]
    assert any(
        f["properties"]["person"] == [me["id"]] and f["properties"]["relationship"] == ["father"]
        for f in families
    )
    assert all(CHILD not in e["id"] and FATHER not in e["id"] for e in entities)
    assert all(e["properties"]["sourceUrl"][0].startswith("jiancha:population/") for e in entities)
    assert len({e["id"] for e in entities}) == len(entities)
