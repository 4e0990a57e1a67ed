"""FollowTheMoney entities as an import format: references resolved, provenance kept, bad files refused."""

import json

import pytest

from jiancha.identifiers import uscc_check_char
from jiancha.pool import ftm, profiles
from jiancha.pool.importer import ImportRefused, import_file, rollback
from jiancha.pool.models import ImportBatch

from .fixtures import CHILD, FATHER, rid

pytestmark = pytest.mark.django_db

USCC = "91331221MA2" + "A0B1C2"
USCC = USCC + uscc_check_char(USCC)


@pytest.fixture
def pool_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    return tmp_path


def entity(eid, schema, **properties):
    return {"id": eid, "schema": schema, "properties": {k: [v] for k, v in properties.items()}}


def write(folder, entities, name="entities.ftm.json"):
    path = folder / name
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities), encoding="utf-8")
    return path


ENTITIES = [
    # the ownership comes before the company it names: references may point forward
    entity("own-1", "Ownership", owner="p-child", asset="c-1", percentage="60", sharesValue="300000"),
    entity("p-child", "Person", name="张伟", idNumber=CHILD, gender="male", birthDate="1988-01-01"),
    entity("p-father", "Person", name="张建国", idNumber=FATHER, deathDate="2025-03-01"),
    entity(
        "c-1", "Company", name="清河伟业建材有限公司", registrationNumber=USCC, incorporationDate="2019-05-06"
    ),
    entity("dir-1", "Directorship", director="p-father", organization="c-1", role="监事"),
    entity("fam-1", "Family", person="p-child", relative="p-father", relationship="father"),
    entity(
        "re-1",
        "RealEstate",
        registrationNumber="浙(2020)清河区不动产权第0001234号",
        address="清河区滨江路8号",
        area="142.5",
    ),
    entity("own-2", "Ownership", owner="p-child", asset="re-1"),
    entity("v-1", "Vehicle", registrationNumber="浙K12345", model="丰田凯美瑞", owner="p-child"),
    entity("note-1", "Note", description="not a fact the pool keeps"),
]


def test_entities_land_in_the_pool_with_references_resolved(pool_dir):
    outcome = import_file("ftm", write(pool_dir, ENTITIES))
    assert outcome.batch.status == "committed" and outcome.batch.rows_read == len(ENTITIES)
    child = profiles.person_profile(CHILD)
    assert child.identity[0]["name"] == "张伟" and child.identity[0]["gender"] == "男"
    company = child.companies[0]
    assert company["uscCode"] == USCC and company["link"] == "shareholder" and company["percentage"] == 60
    assert child.properties[0]["area"] == 142.5 and child.properties[0]["certificateNumber"].endswith(
        "0001234号"
    )
    assert child.vehicles[0]["registrationNumber"] == "浙K12345"
    assert {(f["idNumber"], f["relationship"]) for f in child.family} >= {(FATHER, "father")}
    # provenance: the feed, and the line of the entity the fact came from
    assert company["feed"] == "ftm" and company["row"] == 1
    father = profiles.person_profile(FATHER)
    assert str(father.death[0]["deathDate"]) == "2025-03-01"
    assert any(c["uscCode"] == USCC and "监事" in c["link"] for c in father.companies)


def test_a_profile_exported_as_ftm_imports_back_to_the_same_facts(pool_dir):
    first = import_file("ftm", write(pool_dir, ENTITIES))
    before = profiles.person_profile(CHILD)
    path = pool_dir / "export.ftm.json"
    path.write_text(ftm.to_jsonl(ftm.person_entities(before)), encoding="utf-8")
    rollback(first.batch.pk)
    assert not profiles.person_profile(CHILD).companies
    import_file("ftm", path)
    after = profiles.person_profile(CHILD)

    def facts(profile):
        return (
            {(c["uscCode"], c["link"]) for c in profile.companies},
            {(p["certificateNumber"], p["area"]) for p in profile.properties},
            {v["registrationNumber"] for v in profile.vehicles},
            {(f["idNumber"], f["relationship"]) for f in profile.family},
        )

    assert facts(after) == facts(before) and all(facts(after))


def test_a_line_that_is_not_an_entity_refuses_the_file_and_names_the_line(pool_dir):
    path = write(pool_dir, ENTITIES[:2])
    path.write_text(path.read_text(encoding="utf-8") + '{"id": "x", "properties": {}}\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match="line 3 is not a FollowTheMoney entity"):
        import_file("ftm", path)
    assert not ImportBatch.objects.filter(status="committed").exists()
    with pytest.raises(ImportRefused, match="line 1 is not JSON"):
        broken = pool_dir / "broken.json"
        broken.write_text("{not json\n", encoding="utf-8")
        import_file("ftm", broken)


def test_an_entity_with_a_bad_id_number_is_rejected_and_reported(pool_dir):
    bad = rid("331221", "19880101", "031")[:17] + ("0" if CHILD[17] != "0" else "1")
    entities = [
        entity(f"p-{n}", "Person", name=f"人员{n}", idNumber=rid("331221", "19700101", f"{n:03d}"))
        for n in range(1, 40)
    ]
    entities.append(entity("p-bad", "Person", name="错号", idNumber=bad))
    outcome = import_file("ftm", write(pool_dir, entities))
    assert outcome.batch.rows_rejected == 1
    assert outcome.batch.reject_summary == {"Person.idNumber: checksum": 1}
    assert outcome.table_rows["Person"] == 39
