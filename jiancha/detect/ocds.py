"""OCDS compiled releases → the four procurement tables the indicators read (开放缔约数据标准).

Each JSON line (or each release of a release package, or each element of a JSON array) is one
contracting process. Values are kept only when their JSON type is the one OCDS gives them — a
string status, a numeric amount, an integer ``numberOfTenderers`` — because Cardinal's rules treat
any other value as missing, and the fixtures test exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

# Where each row came from: a pool feed and batch, or an OCDS file and its line.
PROVENANCE = [("_feed", pa.string()), ("_batch", pa.int64()), ("_file", pa.string()), ("_row", pa.int64())]
PROCESS = pa.schema(
    [
        ("line", pa.int64()),
        ("ocid", pa.string()),
        ("buyer_id", pa.string()),
        ("buyer_name", pa.string()),
        ("title", pa.string()),  # 项目名称
        ("procuring_entity_id", pa.string()),
        ("tender_status", pa.string()),
        ("procurement_method", pa.string()),
        ("procurement_method_details", pa.string()),
        ("period_start", pa.timestamp("us", tz="UTC")),
        ("period_end", pa.timestamp("us", tz="UTC")),
        ("number_of_tenderers", pa.int64()),
        ("value_amount", pa.float64()),
        ("has_awards", pa.bool_()),
        ("has_bids", pa.bool_()),
        *PROVENANCE,
    ]
)
BID = pa.schema(
    [
        ("ocid", pa.string()),
        ("line", pa.int64()),
        ("position", pa.int64()),
        ("status", pa.string()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("date", pa.timestamp("us", tz="UTC")),
        ("tenderer_ids", pa.list_(pa.string())),
        ("tenderer_count", pa.int64()),
        ("tenderer_names", pa.list_(pa.string())),
        *PROVENANCE,
    ]
)
AWARD = pa.schema(
    [
        ("ocid", pa.string()),
        ("line", pa.int64()),
        ("position", pa.int64()),
        ("status", pa.string()),
        ("supplier_ids", pa.list_(pa.string())),
        ("supplier_count", pa.int64()),
        ("supplier_names", pa.list_(pa.string())),
        ("amount", pa.float64()),
        ("date", pa.timestamp("us", tz="UTC")),
        *PROVENANCE,
    ]
)
AWARD_ITEM = pa.schema(
    [
        ("ocid", pa.string()),
        ("line", pa.int64()),
        ("award_position", pa.int64()),
        ("classification_id", pa.string()),
    ]
)


class OcdsError(ValueError):
    """A file that is not OCDS JSON; the message names the file and line."""


@dataclass
class Flattened:
    process: list[dict[str, Any]] = field(default_factory=list)
    bid: list[dict[str, Any]] = field(default_factory=list)
    award: list[dict[str, Any]] = field(default_factory=list)
    award_item: list[dict[str, Any]] = field(default_factory=list)

    def tables(self) -> dict[str, pa.Table]:
        return {
            "process": pa.Table.from_pylist(self.process, schema=PROCESS),
            "bid": pa.Table.from_pylist(self.bid, schema=BID),
            "award": pa.Table.from_pylist(self.award, schema=AWARD),
            "award_item": pa.Table.from_pylist(self.award_item, schema=AWARD_ITEM),
        }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    # bool is an int in Python, but not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _array(value: object) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _timestamp(value: object) -> datetime | None:
    """RFC 3339 date-times only; anything else (``"invalid"``, a bare date without zone) is missing."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _ids(parties: list[Any] | None) -> tuple[list[str], int | None, list[str]]:
    if parties is None:
        return [], None, []
    # Names line up with ids (a party without a string id is not counted by any indicator).
    named = [p for p in parties if isinstance(p, dict) and isinstance(p.get("id"), str)]
    return [p["id"] for p in named], len(parties), [_text(p.get("name")) or "" for p in named]


def flatten(releases: Iterable[tuple[int, object]], file_name: str = "") -> Flattened:
    """Flatten (line number, compiled release) pairs; a release without a string ``ocid`` is skipped."""
    out = Flattened()
    for line, release in releases:
        if not isinstance(release, dict) or not isinstance(release.get("ocid"), str):
            continue
        ocid = release["ocid"]
        tender = _object(release.get("tender"))
        period = _object(tender.get("tenderPeriod"))
        bids = _array(_object(release.get("bids")).get("details"))
        awards = _array(release.get("awards"))
        provenance = {"_feed": None, "_batch": None, "_file": file_name, "_row": line}
        out.process.append(
            {
                "line": line,
                "ocid": ocid,
                "buyer_id": _text(_object(release.get("buyer")).get("id")),
                "buyer_name": _text(_object(release.get("buyer")).get("name")),
                "title": _text(tender.get("title")),
                "procuring_entity_id": _text(_object(tender.get("procuringEntity")).get("id")),
                "tender_status": _text(tender.get("status")),
                "procurement_method": _text(tender.get("procurementMethod")),
                "procurement_method_details": _text(tender.get("procurementMethodDetails")),
                "period_start": _timestamp(period.get("startDate")),
                "period_end": _timestamp(period.get("endDate")),
                "number_of_tenderers": _integer(tender.get("numberOfTenderers")),
                "value_amount": _number(_object(tender.get("value")).get("amount")),
                "has_awards": awards is not None,
                "has_bids": bids is not None,
                **provenance,
            }
        )
        for position, bid in enumerate(bids or []):
            bid = _object(bid)
            value = _object(bid.get("value"))
            ids, count, names = _ids(_array(bid.get("tenderers")))
            out.bid.append(
                {
                    "ocid": ocid,
                    "line": line,
                    "position": position,
                    "status": _text(bid.get("status")),
                    "amount": _number(value.get("amount")),
                    "currency": _text(value.get("currency")),
                    "date": _timestamp(bid.get("date")),
                    "tenderer_ids": ids,
                    "tenderer_count": count,
                    "tenderer_names": names,
                    **provenance,
                }
            )
        for position, award in enumerate(awards or []):
            award = _object(award)
            ids, count, names = _ids(_array(award.get("suppliers")))
            out.award.append(
                {
                    "ocid": ocid,
                    "line": line,
                    "position": position,
                    "status": _text(award.get("status")),
                    "supplier_ids": ids,
                    "supplier_count": count,
                    "supplier_names": names,
                    "amount": _number(_object(award.get("value")).get("amount")),
                    "date": _timestamp(award.get("date")),
                    **provenance,
                }
            )
            for item in _array(award.get("items")) or []:
                code = _text(_object(_object(item).get("classification")).get("id"))
                if code is not None:
                    out.award_item.append(
                        {"ocid": ocid, "line": line, "award_position": position, "classification_id": code}
                    )
    return out


def read_releases(path: Path) -> Iterator[tuple[int, object]]:
    """JSON lines, a release package (``releases``), a record package (``records[].compiledRelease``)
    or a JSON array. Blank lines are skipped; a line that is not JSON is an error naming file and line."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped.rstrip()):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise OcdsError(f"{path.name}, line {error.lineno}: not JSON ({error.msg})") from None
        yield from enumerate(_unpack(document), start=1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise OcdsError(f"{path.name}, line {number}: not JSON ({error.msg})") from None


def _unpack(document: object) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("releases"), list):
            return list(document["releases"])
        if isinstance(document.get("records"), list):
            return [_object(r).get("compiledRelease") for r in document["records"]]
    return [document]


def load(path: Path) -> dict[str, pa.Table]:
    return flatten(read_releases(path), path.name).tables()
