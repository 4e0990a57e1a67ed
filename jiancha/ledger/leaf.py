"""What one ledger entry (存证事件) commits to, as bytes: the RFC 9162 leaf data. No Django.

A leaf is the canonical JSON of the event's metadata (RFC 8785 style for the string and integer
values used here: keys sorted, no whitespace, UTF-8). It holds a salted SHA-256 commitment to the
event's content, never the content: case data stays where it is, and whoever is shown the content
and its salt can check it against the ledger (``content_commitment``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .i18n import gettext as _
from .merkle import leaf_hash

LEAF_VERSION = 1
SALT_SIZE = 16

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
LIMITS = {"kind": 64, "actor": 150, "object_kind": 64, "object_id": 64, "legal_basis": 255}


class EventError(ValueError):
    """An event's fields cannot be recorded as given."""


# One encoder for every call: json.dumps builds a new one each time, which doubles the cost.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_string = json.encoder.encode_basestring  # the C escaper behind ensure_ascii=False


def canonical_json(value: Any) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def content_bytes(content: bytes | str | Mapping[str, Any] | list[Any]) -> bytes:
    """Bytes that a content commitment covers: raw bytes, UTF-8 text, or canonical JSON."""
    if isinstance(content, bytes):
        return content
    try:
        if isinstance(content, str):
            return content.encode("utf-8")
        return canonical_json(content)
    except UnicodeError as error:
        raise EventError(_("the content is not valid Unicode text")) from error


def content_commitment(salt: bytes, content: bytes | str | Mapping[str, Any] | list[Any]) -> bytes:
    """SHA-256(salt ‖ content): hides low-entropy content from readers of the ledger alone."""
    if len(salt) != SALT_SIZE:
        raise EventError(_("a salt is %(size)d bytes") % {"size": SALT_SIZE})
    return hashlib.sha256(salt + content_bytes(content)).digest()


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise EventError(_("event times must be timezone-aware"))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_data(
    index: int,
    uid: str,
    kind: str,
    actor: str,
    time: str,
    object_kind: str,
    object_id: str,
    legal_basis: str,
    content_hash: str,
) -> bytes:
    """The canonical JSON of an event (as ``canonical_json(LeafEvent(...).to_json())``), written out
    by hand because it runs once per append."""
    return (
        '{"actor":'
        + _string(actor)
        + ',"content_hash":'
        + _string(content_hash)
        + ',"index":'
        + str(int(index))
        + ',"kind":'
        + _string(kind)
        + ',"legal_basis":'
        + _string(legal_basis)
        + ',"object_id":'
        + _string(object_id)
        + ',"object_kind":'
        + _string(object_kind)
        + ',"time":'
        + _string(time)
        + ',"uid":'
        + _string(uid)
        + ',"v":'
        + str(LEAF_VERSION)
        + "}"
    ).encode("utf-8")


@dataclass(frozen=True)
class LeafEvent:
    """The fields of an event that its leaf hash commits to."""

    index: int
    uid: str
    kind: str
    actor: str
    time: str  # UTC, microseconds, as format_time writes it
    object_kind: str
    object_id: str
    legal_basis: str
    content_hash: str  # hex

    def to_json(self) -> dict[str, Any]:
        return {
            "v": LEAF_VERSION,
            "index": self.index,
            "uid": self.uid,
            "kind": self.kind,
            "actor": self.actor,
            "time": self.time,
            "object_kind": self.object_kind,
            "object_id": self.object_id,
            "legal_basis": self.legal_basis,
            "content_hash": self.content_hash,
        }

    def data(self) -> bytes:
        return leaf_data(
            self.index,
            self.uid,
            self.kind,
            self.actor,
            self.time,
            self.object_kind,
            self.object_id,
            self.legal_basis,
            self.content_hash,
        )

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.data())

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> LeafEvent:
        expected = {
            "v",
            "index",
            "uid",
            "kind",
            "actor",
            "time",
            "object_kind",
            "object_id",
            "legal_basis",
            "content_hash",
        }
        if not isinstance(value, Mapping) or set(value) != expected:
            raise EventError(
                _("an event must have exactly the fields %(fields)s")
                % {"fields": ", ".join(sorted(expected))}
            )
        if type(value["v"]) is not int or value["v"] != LEAF_VERSION:
            raise EventError(_("unknown event version %(v)r") % {"v": value["v"]})
        if type(value["index"]) is not int:
            raise EventError(_("the event index is not an integer"))
        strings = [name for name in expected - {"v", "index"} if not isinstance(value[name], str)]
        if strings:
            raise EventError(_("not text: %(fields)s") % {"fields": ", ".join(sorted(strings))})
        return cls(**{name: value[name] for name in expected - {"v"}})


def check_fields(kind: str, actor: str, object_kind: str, object_id: str, legal_basis: str) -> None:
    """Refuse what cannot be stored or read back identically (PostgreSQL rejects NUL, for one)."""
    values = {
        "kind": kind,
        "actor": actor,
        "object_kind": object_kind,
        "object_id": object_id,
        "legal_basis": legal_basis,
    }
    for name, value in values.items():
        if not isinstance(value, str):
            raise EventError(_("%(name)s must be text") % {"name": name})
        if len(value) > LIMITS[name]:
            raise EventError(
                _("%(name)s is longer than %(limit)d characters") % {"name": name, "limit": LIMITS[name]}
            )
        if value != value.strip():
            raise EventError(_("%(name)s has leading or trailing spaces") % {"name": name})
        _check_encodable(name, value)
    if _CONTROL.search(kind + actor + object_kind + object_id + legal_basis):
        bad = next(name for name, value in values.items() if _CONTROL.search(value))
        raise EventError(_("%(bad)s contains control characters") % {"bad": bad})
    if not KIND_PATTERN.match(kind):
        raise EventError(
            _("event type %(kind)r must look like 'case.filed' (lower case, dots)") % {"kind": kind}
        )
    for name in ("actor", "object_kind", "object_id"):
        if not values[name]:
            raise EventError(_("%(name)s is required") % {"name": name})


def _check_encodable(name: str, value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeError as error:  # a lone surrogate cannot be stored, hashed or exported
        raise EventError(_("%(name)s is not valid Unicode text") % {"name": name}) from error


def check_object_id(object_id: str) -> None:
    if isinstance(object_id, str):
        _check_encodable("object_id", object_id)
    if (
        not object_id
        or len(object_id) > LIMITS["object_id"]
        or object_id != object_id.strip()
        or _CONTROL.search(object_id)
    ):
        raise EventError(
            _(
                "object ID %(id)r must be 1 to %(limit)d characters, without control characters or spaces around it"
            )
            % {"id": object_id[:80], "limit": LIMITS["object_id"]}
        )
