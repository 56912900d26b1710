"""Metrics at inspection rates on a tiny example computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sekisho.customs.evaluate import auc, curve, evaluate, top_k


def test_hand_computed_example():
    # 20 declarations, scores descending by index; frauds at ranks 1, 2, 4, 11 (4 frauds).
    y = np.zeros(20)
    y[[0, 1, 3, 10]] = 1
    s = np.linspace(1.0, 0.05, 20)
    rev = np.arange(1, 21, dtype=float)  # fraud revenue 1 + 2 + 4 + 11 = 18
    crit = np.zeros(20)
    crit[[1, 10]] = 2
    m = evaluate(y, s, revenue=rev, critical=crit, rates=(0.05, 0.10, 0.20))
    # 5 % of 20 = 1 row: rank 1 is fraud
    assert m["precision_at_5"] == 1.0 and m["recall_at_5"] == 0.25
    assert m["revenue_at_5"] == pytest.approx(1 / 18)
    assert m["critical_recall_at_5"] == 0.0
    # 10 % = 2 rows: both fraud
    assert m["precision_at_10"] == 1.0 and m["recall_at_10"] == 0.5
    assert m["revenue_at_10"] == pytest.approx(3 / 18) and m["critical_recall_at_10"] == 0.5
    # 20 % = 4 rows: ranks 1, 2, 4 fraud
    assert m["precision_at_20"] == 0.75 and m["recall_at_20"] == 0.75
    # AUC: each fraud vs 16 clean; clean below: rank1:16, rank2:16, rank4:15, rank11:9 -> 56/64
    assert m["auc"] == pytest.approx(56 / 64)


def test_ties_and_degenerate_cases():
    assert top_k(100, 0.01) == 1 and top_k(50, 0.01) == 1 and top_k(0, 0.05) == 0
    assert auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5  # ties count half
    assert math.isnan(auc(np.ones(3), np.arange(3)))
    with pytest.raises(ValueError):
        evaluate([0, 1], [0.1])


def test_curve_monotone_recall():
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0], dtype=float)
    c = curve(y, -np.arange(10), points=10)
    assert c["recall"][-1] == 1.0 and c["precision"][0] == 1.0
    assert all(a <= b for a, b in zip(c["recall"], c["recall"][1:], strict=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1, allow_nan=False)), min_size=2, max_size=200))
def test_metric_identities(rows):
    y = np.array([r[0] for r in rows], dtype=float)
    s = np.array([r[1] for r in rows])
    m = evaluate(y, s, rates=(0.01, 0.05, 0.10, 0.5))
    frauds = y.sum()
    prev = 0.0
    for tag, rate in (("1", 0.01), ("5", 0.05), ("10", 0.10), ("50", 0.5)):
        k = top_k(len(y), rate)
        assert 0.0 <= m[f"precision_at_{tag}"] <= 1.0
        if frauds:
            assert m[f"precision_at_{tag}"] * k == pytest.approx(m[f"recall_at_{tag}"] * frauds)
            assert m[f"recall_at_{tag}"] >= prev  # more inspections never catch fewer frauds
            prev = m[f"recall_at_{tag}"]
    if 0 < frauds < len(y):
        assert auc(y, -s) == pytest.approx(1.0 - m["auc"])
