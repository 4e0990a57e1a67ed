"""A relation graph drawn on the server as SVG (no script, no CDN): a radial layout around the subject.

Hop-1 parties sit on the inner ring, hop-2 parties on the outer ring near the party that leads to them.
The page's CSP allows no inline script or style; SVG presentation attributes are neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SIZE = 760
RINGS = {0: 0.0, 1: 170.0, 2: 320.0, 3: 360.0, 4: 370.0}
COLOURS = {"P": "#2f6fb3", "C": "#c0712b"}
MAX_NODES = 80


@dataclass(frozen=True)
class Placed:
    node: str
    name: str
    kind: str  # P person, C company
    hops: int
    x: float
    y: float
    link: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    kind: str

    @property
    def mx(self) -> float:
        return round((self.x1 + self.x2) / 2, 1)

    @property
    def my(self) -> float:
        return round((self.y1 + self.y2) / 2, 1)


def layout(
    subject_ref: str, subject: str, kind: str, parties: list[dict[str, Any]]
) -> tuple[list[Placed], list[Line]]:
    """Place the subject in the middle and its parties on rings; lines follow each party's path.

    Parties and hops carry ``ref``/``source_ref``/``target_ref`` (opaque node handles) and the text shown.
    """
    centre = SIZE / 2
    shown = parties[:MAX_NODES]
    placed: dict[str, Placed] = {subject_ref: Placed(subject_ref, subject, kind, 0, centre, centre, "")}
    first = [p for p in shown if p["hops"] == 1]
    angle_of: dict[str, float] = {}
    for i, party in enumerate(first):
        angle_of[party["ref"]] = 2 * math.pi * i / max(len(first), 1)
    later = [p for p in shown if p["hops"] > 1]
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for party in later:
        by_parent.setdefault(party["path"][0]["target_ref"], []).append(party)
    spread = 2 * math.pi / max(len(first), 1)
    for parent, children in by_parent.items():
        base = angle_of.get(parent, 0.0)
        for j, child in enumerate(children):
            offset = (j - (len(children) - 1) / 2) * spread / max(len(children), 1)
            angle_of[child["ref"]] = base + offset
    for party in shown:
        radius, angle = RINGS.get(party["hops"], 370.0), angle_of.get(party["ref"], 0.0)
        placed[party["ref"]] = Placed(
            party["ref"],
            party["name"] or party["node"],
            party["kind"],
            party["hops"],
            round(centre + radius * math.cos(angle), 1),
            round(centre + radius * math.sin(angle), 1),
            party.get("link", ""),
        )
    lines: list[Line] = []
    seen: set[tuple[str, str]] = set()
    for party in shown:
        for hop in party["path"]:
            key = (hop["source_ref"], hop["target_ref"])
            a, b = placed.get(key[0]), placed.get(key[1])
            if key in seen or a is None or b is None:
                continue
            seen.add(key)
            lines.append(Line(a.x, a.y, b.x, b.y, hop.get("short") or hop["kind"], hop["kind"]))
    return list(placed.values()), lines
