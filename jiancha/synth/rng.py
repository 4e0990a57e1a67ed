"""Seeded randomness: every component draws from its own stream, derived from the seed and a label.

Deriving per-component streams (rather than sharing one) keeps each output file stable when another
component changes how many numbers it draws, and lets counties be generated in any order or in
parallel with the same bytes as a result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def derive_seed(seed: int, *labels: object) -> int:
    """A 64-bit seed from the run's seed and a path of labels (stable across processes and runs)."""
    text = "\x1f".join([str(seed), *(str(label) for label in labels)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stream(seed: int, *labels: object) -> random.Random:
    return random.Random(derive_seed(seed, *labels))


class Weighted:
    """A fixed weighted choice with precomputed cumulative weights (fast when drawn from often)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        total = 0.0
        self.cumulative: list[float] = []
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def draw(self, rng: random.Random) -> object:
        return rng.choices(self.items, cum_weights=self.cumulative)[0]


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly drawn date in [start, end]."""
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, max(span, 0)))
