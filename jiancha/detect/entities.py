"""Who an alert is about (涉及主体).

Until entity resolution (``jiancha.resolve``) is available, an alert's entities are keyed on what
the record itself carries: a valid resident ID number (a person), a valid USCC (a company or unit),
or else the OCDS party id. Every alert goes through :func:`entity_ref`, so that resolved identities
can replace these keys in one place later.
"""

from __future__ import annotations

from typing import TypedDict

from jiancha.identifiers import is_valid_resident_id, is_valid_uscc, normalize_resident_id, normalize_uscc


class EntityRef(TypedDict):
    kind: str  # person, company, party, process
    key: str
    name: str
    role: str


def entity_ref(key: str, name: str = "", role: str = "") -> EntityRef:
    """The entity a record key stands for."""
    text = key.strip()
    if is_valid_resident_id(text):
        return {"kind": "person", "key": normalize_resident_id(text), "name": name, "role": role}
    if is_valid_uscc(text):
        return {"kind": "company", "key": normalize_uscc(text), "name": name, "role": role}
    return {"kind": "party", "key": text, "name": name, "role": role}


def process_ref(ocid: str) -> EntityRef:
    return {"kind": "process", "key": ocid, "name": "", "role": "process"}
