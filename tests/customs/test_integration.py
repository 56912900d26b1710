"""The full Korean customs dataset with the authors' temporal split (about a minute)."""

from __future__ import annotations

import pytest


@pytest.mark.integration
@pytest.mark.slow
def test_kr_customs_test_split_meets_target(shared_data):
    from sekisho.customs.evaluate import evaluate
    from sekisho.customs.load import KR_CUSTOMS, load, split_by_date
    from sekisho.customs.model import train

    d = shared_data / "customs" / "customs-declaration-datasets"
    frame, report = load([d / f"df_syn_{p}_eng.csv" for p in ("train", "valid", "test")], "kr-customs")
    assert report.rows_read == report.rows_loaded == 54_000
    parts = split_by_date(frame, KR_CUSTOMS.split)
    assert [len(parts[k]) for k in ("train", "valid", "test")] == [37_385, 8_134, 8_481]
    model = train(parts["train"], seed=0, extra_history=parts["valid"])
    test = parts["test"]
    m = evaluate(test["label"].to_numpy(), model.score_matrix(model.features(test)))
    assert m["precision_at_5"] >= 0.80  # paper LightGBM: 0.762
    assert m["precision_at_10"] >= 0.68  # paper LightGBM: 0.641
    assert m["auc"] >= 0.85
