"""Indicators written in Python, for work SQL does badly (graphs, sequences); registered by name."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from . import screens
from .catalogue import register


@register("collusion_score")
def collusion_score(
    connection: duckdb.DuckDBPyConnection, parameters: dict[str, Any]
) -> list[tuple[str, str, float, list[str]]]:
    """Score every process with the trained screens model (``jiancha screens train``); none without one."""
    model = screens.load()
    if model is None:
        return []
    rows = connection.execute(
        f"SELECT ocid, {', '.join(screens.FEATURES)} FROM price_screens WHERE bids >= ? ORDER BY ocid",
        [int(parameters["min_bids"])],
    ).fetchall()
    if not rows:
        return []
    x = np.array([[np.nan if v is None else float(v) for v in r[1:]] for r in rows])
    probability = model.probability(x)
    return [
        ("OCID", str(r[0]), float(p), [str(r[0])])
        for r, p in zip(rows, probability, strict=True)
        if p >= float(parameters["threshold"])
    ]


from . import functions_funds  # noqa: E402, F401  (registers the funds indicators)
