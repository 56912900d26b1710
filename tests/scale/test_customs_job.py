"""Customs scoring on Spark (local[2]) writes the same ranked table as `sekisho customs score`."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("lightgbm")

from sekisho.cli.main import main  # noqa: E402
from sekisho.scale.customs_job import run_customs_score  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    # pyspark 4.3 warns about pandas 3; the equality tests below are what matters
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeded synthetic declarations (generic mapping) and a small LightGBM model."""
    out = tmp_path_factory.mktemp("synth")
    assert main(["customs", "synth", "--out", str(out), "--seed", "5", "--legit", "120",
                 "--shells", "6"]) == 0
    assert main(["customs", "train", str(out / "declarations.csv"), "-m", "generic",
                 "--model", str(out / "m.zip"), "--n-estimators", "30"]) == 0
    return out


@pytest.mark.parametrize("reasons_top", ["10", "-1"])
def test_same_ranked_file_as_local_score(spark, synth: Path, tmp_path: Path, reasons_top):
    data, model = synth / "declarations.csv", synth / "m.zip"
    local, dist = tmp_path / "local.csv", tmp_path / "spark.csv"
    assert main(["customs", "score", str(data), "-m", "generic", "--model", str(model),
                 "--out", str(local), "--reasons-top", reasons_top]) == 0
    report = run_customs_score(spark, [data], dist, mapping="generic", model_path=model,
                               reasons_top=None if reasons_top == "-1" else int(reasons_top),
                               partitions=3)
    assert report.partitions == 3 and report.rows > 100
    # byte for byte: same ids, dates, scores, ranks and reasons in the same order
    assert dist.read_bytes() == local.read_bytes()
    lines = dist.read_text().splitlines()
    explained = sum(1 for ln in lines[1:] if not ln.endswith(","))
    assert explained == (report.rows if reasons_top == "-1" else 10)
    assert not list(tmp_path.glob(".spark.csv.work*"))


def test_no_leakage_later_rows_do_not_change_earlier_scores(spark, synth: Path, tmp_path: Path):
    """A declaration's score depends only on what came before it (and the model's history)."""
    import pandas as pd

    data = synth / "declarations.csv"
    raw = pd.read_csv(data, dtype=str, keep_default_na=False)
    dates = sorted(raw["date"].unique())
    cut = dates[len(dates) // 2]
    early = tmp_path / "early.csv"
    raw[raw["date"] <= cut].to_csv(early, index=False)
    full_out, early_out = tmp_path / "full.parquet", tmp_path / "early.parquet"
    for src, out in ((data, full_out), (early, early_out)):
        run_customs_score(spark, [src], out, mapping="generic", model_path=synth / "m.zip",
                          reasons_top=0)
    full = pd.read_parquet(full_out).set_index("declaration_id")["score"]
    part = pd.read_parquet(early_out).set_index("declaration_id")["score"]
    assert len(part) < len(full)
    assert (full.loc[part.index] == part).all()


def test_cli_customs_score_and_bad_inputs(spark, cli, synth: Path, tmp_path: Path, fixtures):
    out = tmp_path / "r.csv"
    r = cli("spark", "customs-score", synth / "declarations.csv", "-m", "generic",
            "--model", synth / "m.zip", "--out", out, "--master", "local[2]", "--json")
    assert r.code == 0, r.stderr
    assert out.read_text().splitlines()[0] == "declaration_id,date,score,rank,reasons"
    r = cli("spark", "customs-score", synth / "declarations.csv", "-m", "generic",
            "--model", tmp_path / "missing.zip", "--out", out)
    assert r.code == 2 and "model file not found" in r.stderr
    r = cli("spark", "customs-score", synth / "declarations.csv", "-m", "generic",
            "--model", synth / "m.zip", "--out", tmp_path / "r.txt")
    assert r.code == 2 and "--out" in r.stderr
    # bad rows are named (file:line, column) and, with --strict, stop the job
    kr = fixtures / "customs" / "kr_small.csv"
    r = cli("spark", "customs-score", kr, "--model", synth / "m.zip", "--out",
            tmp_path / "kr.csv", "--strict")
    assert r.code == 2 and "kr_small.csv:4" in r.stderr
    assert not (tmp_path / "kr.csv").exists()
