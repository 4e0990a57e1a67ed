"""Learned collusion scores on the price screens (串通投标识别模型), for bodies with proven cases.

The screens (CV, SPD, DIFFP, RD, SKEW, KURT, KS) are computed by the same SQL as the staged
``price_screens`` table. The model is a class-balanced, L2-regularised logistic regression fitted by
Newton's method in numpy: small, inspectable (its coefficients are saved as JSON) and needing no new
dependency. Evaluation never uses tender ids or dates as features: folds are grouped by tender, and a
split by time trains on the earlier tenders and tests on the later ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from django.conf import settings

from . import engine

FEATURES = ("cv", "spd", "diffp", "rd", "skew", "kurt", "ks")
RIDGE = 1.0


class ScreensError(ValueError):
    """A bid table that cannot be read; the message names the file and column."""


@dataclass
class Columns:
    tender: str = "tender"
    bid: str = "bid"
    winner: str = "winner"
    label: str = "collusive"
    date: str = "date"


def _screens_sql() -> str:
    return next(s for s in engine._statements(engine.STAGE_SQL) if "TABLE price_screens AS" in s)


def screens_from_csv(
    path: Path, columns: Columns
) -> tuple[list[str], np.ndarray, np.ndarray, list[str | None]]:
    """Per tender: id, screen matrix, label (1 collusive), first date (or None)."""
    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false")
    try:
        connection.execute(
            "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true)", [str(path)]
        )
    except duckdb.Error as error:
        raise ScreensError(f"{path.name}: cannot read as CSV ({str(error).splitlines()[0]})") from None
    names = {r[0] for r in connection.execute("DESCRIBE raw").fetchall()}
    for role, name in (("tender", columns.tender), ("bid", columns.bid), ("label", columns.label)):
        if name not in names:
            raise ScreensError(
                f"{path.name}: no column {name!r} for the {role} (columns: {', '.join(sorted(names))})"
            )
    has_date = columns.date in names

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    connection.execute(
        f"""
        CREATE TABLE valid_priced_bid AS
        SELECT dense_rank() OVER (ORDER BY {q(columns.tender)}) AS line, {q(columns.tender)} AS ocid,
            TRY_CAST({q(columns.bid)} AS DOUBLE) AS amount, row_number() OVER () AS position
        FROM raw WHERE TRY_CAST({q(columns.bid)} AS DOUBLE) IS NOT NULL
        """
    )
    connection.execute(_screens_sql())
    date = f"min(TRY_CAST(r.{q(columns.date)} AS DATE))::VARCHAR" if has_date else "NULL"
    rows = connection.execute(
        f"""
        SELECT s.ocid, {", ".join(f"s.{f}" for f in FEATURES)},
            max(CASE WHEN lower(trim(r.{q(columns.label)})) IN ('1', 'true', 'yes', 'y', 't', '是') THEN 1 ELSE 0 END),
            {date}
        FROM price_screens AS s JOIN raw AS r ON r.{q(columns.tender)} = s.ocid
        GROUP BY s.ocid, {", ".join(f"s.{f}" for f in FEATURES)} ORDER BY s.ocid
        """
    ).fetchall()
    connection.close()
    if not rows:
        raise ScreensError(f"{path.name}: no tender with a numeric bid")
    ids = [str(r[0]) for r in rows]
    x = np.array([[np.nan if v is None else float(v) for v in r[1:8]] for r in rows])
    y = np.array([int(r[8]) for r in rows])
    return ids, x, y, [r[9] for r in rows]


@dataclass
class Model:
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray  # intercept first

    def _design(self, x: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(x), self.medians, x)
        return np.hstack([np.ones((len(x), 1)), (filled - self.means) / self.scales])

    def probability(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self._design(x) @ self.weights)))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "medians": self.medians.tolist(), "means": self.means.tolist(),
                "scales": self.scales.tolist(), "weights": self.weights.tolist()}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        return cls(*(np.array(data[k], dtype=float) for k in ("medians", "means", "scales", "weights")))


def fit(x: np.ndarray, y: np.ndarray) -> Model:
    medians = (
        np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0) if len(x) else np.zeros(len(FEATURES))
    )
    medians = np.nan_to_num(medians)
    filled = np.where(np.isnan(x), medians, x)
    means, scales = filled.mean(axis=0), filled.std(axis=0)
    scales[scales == 0] = 1.0
    model = Model(medians, means, scales, np.zeros(len(FEATURES) + 1))
    design = model._design(x)
    # Class-balanced weights, so that 0.5 is a sensible cut when proven cases are rare.
    positives = max(int(y.sum()), 1)
    negatives = max(len(y) - int(y.sum()), 1)
    sample = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * negatives))
    ridge = RIDGE * np.eye(design.shape[1])
    ridge[0, 0] = 0.0
    w = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (sample * (p - y)) + ridge @ w
        hessian = design.T @ (design * (sample * p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model.weights = w
    return model


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """The Mann–Whitney form: the chance a collusive tender scores above a clean one (ties count half)."""
    pos, neg = score[y == 1], score[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def balanced_accuracy(y: np.ndarray, predicted: np.ndarray) -> float:
    rates = [float((predicted[y == c] == c).mean()) for c in (0, 1) if (y == c).any()]
    return float(np.mean(rates)) if rates else float("nan")


def evaluate(
    x: np.ndarray, y: np.ndarray, dates: list[str | None], folds: int = 5, seed: int = 7
) -> dict[str, Any]:
    """Cross-validation grouped by tender (one row per tender here), and a split by time if dated."""
    order = np.random.default_rng(seed).permutation(len(y))
    scores = np.zeros(len(y))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        scores[test] = fit(x[train], y[train]).probability(x[test])
    result: dict[str, Any] = {
        "n_tenders": len(y),
        "n_collusive": int(y.sum()),
        "folds": folds,
        "roc_auc": roc_auc(y, scores),
        "balanced_accuracy": balanced_accuracy(y, (scores >= 0.5).astype(int)),
    }
    if all(d is not None for d in dates) and len(y) >= 10:
        by_time = np.argsort(np.array(dates, dtype=str), kind="stable")
        cut = int(len(y) * 0.7)
        train, test = by_time[:cut], by_time[cut:]
        later = fit(x[train], y[train]).probability(x[test])
        result["time_split"] = {
            "train_tenders": len(train),
            "test_tenders": len(test),
            "roc_auc": roc_auc(y[test], later),
            "balanced_accuracy": balanced_accuracy(y[test], (later >= 0.5).astype(int)),
        }
    return result


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "detect" / "screens_model.json"


def save(model: Model, path: Path | None = None) -> Path:
    target = path or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(model.to_json(), indent=2), encoding="utf-8")
    return target


def load() -> Model | None:
    path = model_path()
    return Model.from_json(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None
