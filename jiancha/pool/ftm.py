"""FollowTheMoney entities (JSON lines) from pool facts, for the Aleph / OpenSanctions ecosystem.

IDs are stable keyed digests of the identifiers, so two exports of the same person agree and no
resident ID appears in an entity ID. Properties follow FtM's schemata (Person, Company, Ownership,
Directorship, Family, Employment, RealEstate, Vehicle).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from .profiles import CompanyProfile, PersonProfile

Entity = dict[str, Any]


def entity_id(kind: str, key: str) -> str:
    return f"jc-{kind}-" + hashlib.sha256(f"jiancha:{kind}:{key}".encode()).hexdigest()[:24]


def _props(**values: Any) -> dict[str, list[str]]:
    return {k: [str(v)] for k, v in values.items() if v not in (None, "")}


def _entity(schema: str, eid: str, source: dict[str, Any] | None = None, **properties: Any) -> Entity:
    entity: Entity = {"id": eid, "schema": schema, "properties": _props(**properties)}
    if source:
        entity["properties"]["sourceUrl"] = [
            f"jiancha:{source.get('feed')}/{source.get('file')}#row={source.get('row')}"
        ]
    return entity


def person_entities(profile: PersonProfile) -> Iterator[Entity]:
    me = entity_id("person", profile.id_number)
    first = profile.identity[0] if profile.identity else {}
    yield _entity(
        "Person", me, first, name=first.get("name"), idNumber=profile.id_number, birthDate=first.get("birthDate"),
        gender={"男": "male", "女": "female"}.get(str(first.get("gender"))), address=first.get("address"),
        deathDate=profile.death[0].get("deathDate") if profile.death else None, country="cn",
    )  # fmt: skip
    for fact in profile.family:
        # The relationship keeps the pool's code (father, mother, spouse, child): FtM's is free
        # text, and the precise word lets an export be imported back unchanged.
        other = entity_id("person", str(fact["idNumber"]))
        yield _entity("Person", other, fact, name=fact.get("name"), idNumber=fact["idNumber"], country="cn")
        yield _entity(
            "Family", entity_id("family", f"{profile.id_number}:{fact['idNumber']}"), fact,
            person=me, relative=other, relationship=fact["relationship"],
        )  # fmt: skip
    for fact in profile.companies:
        company = entity_id("company", str(fact["uscCode"]))
        yield _entity(
            "Company",
            company,
            fact,
            name=fact.get("name"),
            registrationNumber=fact["uscCode"],
            jurisdiction="cn",
        )
        link = str(fact["link"])
        if link == "shareholder":
            yield _entity(
                "Ownership", entity_id("ownership", f"{profile.id_number}:{fact['uscCode']}"), fact,
                owner=me, asset=company, percentage=fact.get("percentage"), sharesValue=fact.get("sharesValue"),
            )  # fmt: skip
        else:
            role = (
                "legal representative" if link == "legal_representative" else link.removeprefix("officer: ")
            )
            yield _entity(
                "Directorship", entity_id("directorship", f"{profile.id_number}:{fact['uscCode']}:{role}"), fact,
                director=me, organization=company, role=role,
            )  # fmt: skip
    for fact in profile.positions:
        employer = entity_id("organization", str(fact.get("employer") or fact.get("employerName")))
        yield _entity(
            "Organization",
            employer,
            fact,
            name=fact.get("employerName"),
            registrationNumber=fact.get("employer"),
        )
        yield _entity(
            "Employment", entity_id("employment", f"{profile.id_number}:{employer}:{fact.get('role')}"), fact,
            employee=me, employer=employer, role=fact.get("role"), startDate=fact.get("startDate"), endDate=fact.get("endDate"),
        )  # fmt: skip
    for fact in profile.properties:
        estate = entity_id("realestate", str(fact["certificateNumber"]))
        yield _entity(
            "RealEstate", estate, fact,
            name=fact.get("address"), address=fact.get("address"), area=fact.get("area"), registrationNumber=fact["certificateNumber"],
            propertyType=fact.get("use"), createdAt=fact.get("registrationDate"),
        )  # fmt: skip
        # FtM's RealEstate has no owner property: who holds it is an Ownership.
        yield _entity(
            "Ownership", entity_id("ownership", f"{profile.id_number}:{fact['certificateNumber']}"), fact,
            owner=me, asset=estate,
        )  # fmt: skip
    for fact in profile.vehicles:
        yield _entity(
            "Vehicle", entity_id("vehicle", str(fact["registrationNumber"])), fact,
            registrationNumber=fact["registrationNumber"], model=fact.get("model"), type=fact.get("type"), owner=me,
        )  # fmt: skip


def company_entities(profile: CompanyProfile) -> Iterator[Entity]:
    me = entity_id("company", profile.usc_code)
    first = profile.identity[0] if profile.identity else {}
    yield _entity(
        "Company", me, first, name=first.get("name"), registrationNumber=profile.usc_code, incorporationDate=first.get("incorporationDate"),
        address=first.get("address"), sector=first.get("sector"), status=first.get("status"), jurisdiction="cn",
    )  # fmt: skip
    for fact in profile.owners:
        key = fact.get("owner") or fact.get("ownerCompany") or fact.get("ownerName")
        kind = "person" if fact.get("owner") else "company"
        owner = entity_id(kind, str(key))
        yield _entity("Person" if kind == "person" else "Company", owner, fact, name=fact.get("ownerName"))
        yield _entity(
            "Ownership", entity_id("ownership", f"{key}:{profile.usc_code}"), fact,
            owner=owner, asset=me, percentage=fact.get("percentage"), sharesValue=fact.get("sharesValue"),
        )  # fmt: skip
    for fact in profile.officers:
        director = entity_id("person", str(fact.get("director") or fact.get("directorName")))
        yield _entity("Person", director, fact, name=fact.get("directorName"))
        yield _entity(
            "Directorship", entity_id("directorship", f"{director}:{profile.usc_code}:{fact.get('role')}"), fact,
            director=director, organization=me, role=fact.get("role"),
        )  # fmt: skip


def to_jsonl(entities: Iterator[Entity]) -> str:
    seen: set[str] = set()
    lines = []
    for entity in entities:
        if entity["id"] in seen:
            continue
        seen.add(entity["id"])
        lines.append(json.dumps(entity, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines) + ("\n" if lines else "")
