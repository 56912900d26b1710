"""Features must respect time: a declaration dated d sees only rows dated strictly before d."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sekisho.customs.features import FeatureBuilder, build, prior_sums


@pytest.fixture(scope="module")
def frame(synth_small):
    f = synth_small.declarations
    return f.loc[:, [c for c in f.columns if not c.startswith(("importer_name", "importer_a"))]]


def _alter_from(frame: pd.DataFrame, d: pd.Timestamp, keep: int, seed: int = 1) -> pd.DataFrame:
    """Scramble every row dated >= d except row `keep`, and flip every label dated >= d."""
    rng = np.random.default_rng(seed)
    g = frame.copy()
    later = (g["date"] >= d).to_numpy()
    other = later.copy()
    other[keep] = False
    idx = np.flatnonzero(other)
    g.loc[idx, "value"] = rng.uniform(1, 1e6, len(idx))
    g.loc[idx, "quantity"] = rng.uniform(1, 1e3, len(idx))
    # pile the altered rows onto the kept row's groups so any look-ahead would show
    for col in ("importer_id", "declarant_id", "seller_id", "hs", "origin", "departure"):
        g.loc[idx, col] = g.loc[keep, col]
    g.loc[later, "label"] = 1 - g.loc[later, "label"]
    return g


def test_feature_for_date_d_ignores_rows_dated_d_or_later(frame):
    vocab = FeatureBuilder().fit(frame).vocab
    base = build(frame, vocab)
    dates = frame["date"].sort_values().unique()
    rng = np.random.default_rng(0)
    for d in dates[[len(dates) // 4, len(dates) // 2, -len(dates) // 5]]:
        rows = np.flatnonzero((frame["date"] == d).to_numpy())
        keep = int(rng.choice(rows))
        altered = build(_alter_from(frame, pd.Timestamp(d), keep), vocab)
        pd.testing.assert_series_equal(base.iloc[keep], altered.iloc[keep], check_names=False)
        # and every earlier row is untouched as well
        earlier = (frame["date"] < d).to_numpy()
        pd.testing.assert_frame_equal(base[earlier], altered[earlier])


def test_later_labels_do_not_change_history_features(frame):
    """Sanity check of the test itself: the same alteration does change later rows."""
    vocab = FeatureBuilder().fit(frame).vocab
    d = frame["date"].sort_values().unique()[len(frame["date"].unique()) // 2]
    later = np.flatnonzero((frame["date"] > d).to_numpy())
    base = build(frame, vocab)
    altered = build(_alter_from(frame, pd.Timestamp(d), int(later[0])), vocab)
    assert not base.iloc[later].equals(altered.iloc[later])


def test_prior_sums_exclude_same_day():
    gid = np.array([0, 0, 0, 1, 0])
    day = np.array([1, 1, 2, 2, 5])
    s = prior_sums(gid, day, {"n": np.ones(5), "y": np.array([1.0, 0.0, 1.0, 1.0, 0.0])})
    assert s["n"].tolist() == [0, 0, 2, 0, 3]
    assert s["y"].tolist() == [0, 0, 1, 0, 2]


def test_transform_never_reads_the_scored_rows_labels(frame):
    cut = frame["date"].quantile(0.7)
    train, test = frame[frame["date"] < cut], frame[frame["date"] >= cut].reset_index(drop=True)
    fb = FeatureBuilder()
    fb.fit_transform(train.reset_index(drop=True))
    a = fb.transform(test)
    flipped = test.copy()
    flipped["label"] = 1 - flipped["label"]
    pd.testing.assert_frame_equal(a, fb.transform(flipped))


def test_rescoring_history_rows_does_not_double_count(frame):
    """Scoring rows that are also in the model's history gives the features they had in training."""
    fb = FeatureBuilder()
    train_feats = fb.fit_transform(frame)
    again = fb.transform(frame)
    label_free = [c for c in train_feats.columns if not c.endswith("_fraud_rate")]
    pd.testing.assert_frame_equal(train_feats[label_free], again[label_free])
