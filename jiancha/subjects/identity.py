"""Who a record is about: the person key (人员标识) of the registry.

For now a person is their valid 18-digit resident ID number, normalised. Entity resolution
(jiancha.resolve) will give resolved identities; when it does, this function and its SQL twin are the
one place to change: every registry entry, change and found holder is keyed by what they return.
"""

from __future__ import annotations

from jiancha.identifiers import is_valid_resident_id, normalize_resident_id


def person_key(id_number: str | None) -> str | None:
    """The registry's key for a resident ID as a feed gives it; None when it is not a valid one."""
    if not id_number or not is_valid_resident_id(id_number):
        return None
    return normalize_resident_id(id_number)


def person_key_sql(column: str) -> str:
    """The same key in DuckDB SQL: the pool's resident_id columns are already normalised and checked
    on import (invalid ones are rejected), so the key is the column itself."""
    return column
