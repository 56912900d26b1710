"""Metrics the way customs-selection papers report them: at an inspection rate.

An officer inspects the top n % of declarations by score. Precision@n is the share of inspected
declarations that are fraudulent, recall@n the share of all frauds caught, revenue@n the share of
the fraudulent value (or recovered revenue, when the data has it) that the inspected frauds carry.
AUC summarises the whole ranking; recall of critical fraud asks whether the dangerous few are in
the inspected set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

RATES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)


def top_k(n: int, rate: float) -> int:
    """Declarations inspected at `rate`: n * rate rounded, at least one."""
    return max(1, int(math.floor(n * rate + 0.5))) if n else 0


def _order(scores: np.ndarray) -> np.ndarray:
    # stable: ties keep input order, so results do not depend on the sort algorithm
    return np.argsort(-scores, kind="stable")


def auc(y: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count half); NaN when only one class is present."""
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def evaluate(
    y: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    *,
    revenue: Sequence[float] | np.ndarray | None = None,
    critical: Sequence[int] | np.ndarray | None = None,
    rates: Sequence[float] = RATES,
) -> dict[str, float | int]:
    """Precision, recall, revenue share and critical-fraud recall at each rate, plus AUC."""
    y = np.asarray(y, dtype=float)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape:
        raise ValueError("labels and scores differ in length")
    if np.isnan(y).any():
        raise ValueError("labels contain missing values")
    n = len(y)
    order = _order(s)
    frauds = y.sum()
    out: dict[str, float | int] = {"n": n, "frauds": int(frauds), "fraud_rate": frauds / n if n else 0}
    rev = np.asarray(revenue, dtype=float) if revenue is not None else None
    crit = np.asarray(critical, dtype=float) == 2 if critical is not None else None
    for rate in rates:
        k = top_k(n, rate)
        sel = order[:k]
        tag = f"{round(rate * 100):g}"
        hits = y[sel].sum()
        out[f"precision_at_{tag}"] = float(hits / k) if k else float("nan")
        out[f"recall_at_{tag}"] = float(hits / frauds) if frauds else float("nan")
        if rev is not None:
            total = np.nansum(rev * y)
            out[f"revenue_at_{tag}"] = float(np.nansum(rev[sel] * y[sel]) / total) if total else float("nan")
        if crit is not None:
            nc = crit.sum()
            out[f"critical_recall_at_{tag}"] = float(crit[sel].sum() / nc) if nc else float("nan")
    out["auc"] = auc(y, s)
    return out


def curve(y: np.ndarray, scores: np.ndarray, points: int = 100) -> dict[str, list[float]]:
    """Precision and recall as the inspection rate grows from 1 % to 100 % (for the report)."""
    y = np.asarray(y, dtype=float)
    order = _order(np.asarray(scores, dtype=float))
    cum = np.cumsum(y[order])
    n, total = len(y), max(y.sum(), 1)
    rates = np.linspace(1 / points, 1.0, points)
    ks = np.array([top_k(n, r) for r in rates])
    return {
        "rate": rates.tolist(),
        "precision": (cum[ks - 1] / ks).tolist(),
        "recall": (cum[ks - 1] / total).tolist(),
    }
