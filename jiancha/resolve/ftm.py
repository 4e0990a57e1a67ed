"""A relation graph answer as FollowTheMoney entities (JSON lines), for Aleph / OpenSanctions tools.

Entity IDs are the page's opaque node handles (keyed digests), so no resident ID appears in an ID;
ID numbers appear as properties only for users who may see them in full.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from .services import GraphAnswer

# edge kind -> (schema, source property, target property, label property)
EDGE_SCHEMA = {
    "family": ("Family", "person", "relative", "relationship"),
    "ownership": ("Ownership", "owner", "asset", "percentage"),
    "director": ("Directorship", "director", "organization", "role"),
    "legal_representative": ("Directorship", "director", "organization", "role"),
    "employment": ("Employment", "employee", "employer", "role"),
    "social_insurance": ("Employment", "employee", "employer", "role"),
    "payment": ("Payment", "payer", "beneficiary", "summary"),
}


def _id(ref: str) -> str:
    return f"jc-node-{ref}"


def entities(answer: GraphAnswer) -> Iterator[dict[str, Any]]:
    nodes = {answer.subject_ref: (answer.kind, answer.subject_name, answer.subject)}
    for party in answer.parties:
        nodes[party["ref"]] = (party["kind"], party["name"], party["node"])
    for ref, (kind, name, shown) in sorted(nodes.items()):
        schema = "Person" if kind == "P" else "Company"
        properties: dict[str, list[str]] = {"name": [name]} if name else {}
        if answer.full_identifiers or kind == "C":
            properties["idNumber" if kind == "P" else "registrationNumber"] = [shown.split(":", 1)[1]]
        yield {"id": _id(ref), "schema": schema, "properties": properties}
    seen: set[str] = set()
    for party in answer.parties:
        for hop in party["path"]:
            schema, source, target, label = EDGE_SCHEMA.get(
                hop["kind"], ("UnknownLink", "subject", "object", "role")
            )
            key = f"{hop['source_ref']}|{hop['target_ref']}|{hop['kind']}|{hop['label']}"
            if key in seen:
                continue
            seen.add(key)
            properties = {source: [_id(hop["source_ref"])], target: [_id(hop["target_ref"])]}
            text = hop["label"] if hop["kind"] != "legal_representative" else "legal representative"
            if text or hop["kind"].startswith("shared_"):
                properties[label] = [text or hop["kind"]]
            evidence = hop["evidence"][0] if hop["evidence"] else {}
            if evidence:
                properties["sourceUrl"] = [
                    f"jiancha:{evidence['feed']}/{evidence['file']}#row={evidence['row']}"
                ]
            eid = "jc-edge-" + hashlib.sha256(key.encode()).hexdigest()[:24]
            yield {"id": eid, "schema": schema, "properties": properties}


def jsonl(answer: GraphAnswer) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities(answer))
