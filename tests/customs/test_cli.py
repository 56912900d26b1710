"""`sekisho customs ...` end to end on small generated files, and its exit codes."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from sekisho.cli.main import main

    out = tmp_path_factory.mktemp("synth")
    assert main(["customs", "synth", "--out", str(out), "--seed", "5", "--legit", "120", "--shells", "6"]) == 0
    return out


def test_train_score_evaluate_clusters_report(cli, synth_dir, fixtures, tmp_path):
    data = synth_dir / "declarations.csv"
    model = tmp_path / "m.zip"
    r = cli("customs", "train", data, "--mapping", "generic", "--model", model, "--n-estimators", "30")
    assert r.code == 0, r.stderr
    assert model.is_file() and "trained lightgbm" in r.stdout

    ranked = tmp_path / "ranked.csv"
    r = cli("customs", "score", data, "-m", "generic", "--model", model, "--out", ranked, "--reasons-top", "10")
    assert r.code == 0, r.stderr
    lines = ranked.read_text().splitlines()
    assert lines[0] == "declaration_id,date,score,rank,reasons" and len(lines) > 100

    r = cli("customs", "evaluate", data, "-m", "generic", "--model", model, "--json")
    assert r.code == 0, r.stderr
    m = json.loads(r.stdout)
    for key in ("precision_at_1", "precision_at_2", "precision_at_5", "precision_at_10", "recall_at_5", "auc"):
        assert 0.0 <= m[key] <= 1.0

    r = cli("customs", "clusters", data, "--listed", synth_dir / "restricted.txt",
            "--truth", synth_dir / "truth.json", "--json")
    assert r.code == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["recovery"]["flagged_recall"] == 1.0 and c["clusters"][0]["score"] >= 0.5

    r = cli("customs", "flows", fixtures / "customs" / "flows_small.csv", "--json",
            "--chart-dir", tmp_path / "charts")
    assert r.code == 0, r.stderr
    assert [s["destination"] for s in json.loads(r.stdout)["surges"] if s["flagged"]] == ["HK"]
    assert (tmp_path / "charts" / "surge-HK.png").stat().st_size > 1000

    out = tmp_path / "report.html"
    r = cli("customs", "report", data, "-m", "generic", "--model", model, "--out", out,
            "--flows", fixtures / "customs" / "flows_small.csv", "--listed", synth_dir / "restricted.txt")
    assert r.code == 0, r.stderr
    html = out.read_text()
    for section in ("Score distribution", "Precision and recall at k", "Top declarations with reasons",
                    "Trader clusters", "Trade-flow surges"):
        assert section in html
    assert html.count("data:image/png;base64,") >= 4  # histogram, curve, cluster graphs, surge chart
    assert "<script" not in html  # self-contained, static


def test_exit_codes(cli, fixtures, tmp_path):
    kr = fixtures / "customs" / "kr_small.csv"
    r = cli("customs", "train", kr, "--model", tmp_path / "m.zip", "--strict")
    assert r.code == 2 and "kr_small.csv:4" in r.stderr and "Date" in r.stderr
    r = cli("customs", "train", tmp_path / "missing.csv", "--model", tmp_path / "m.zip")
    assert r.code == 2 and "file not found" in r.stderr
    r = cli("customs", "train", kr, "--mapping", "nope", "--model", tmp_path / "m.zip")
    assert r.code == 2
    r = cli("customs", "score", kr, "--model", tmp_path / "missing.zip", "--out", tmp_path / "o.csv")
    assert r.code == 2 and not (tmp_path / "o.csv").exists()
    r = cli("customs", "clusters", kr, "--mapping", "kr-customs")
    assert r.code == 2 and "importer_name" in r.stderr
    bad = tmp_path / "flows.csv"
    bad.write_text("year,destination,value\n2020,Japan,x\n")
    r = cli("customs", "flows", bad)
    assert r.code == 2 and "flows.csv:2" in r.stderr


def test_non_strict_reports_bad_rows_on_stderr(cli, fixtures, tmp_path):
    # 4 good rows are too few to train on, but the bad rows must be listed first
    r = cli("customs", "train", fixtures / "customs" / "kr_small.csv", "--model", tmp_path / "m.zip")
    assert "refused 8 bad row(s)" in r.stderr and "kr_small.csv:5: column 'HS6 Code'" in r.stderr


def test_model_and_data_mapping_must_agree(cli, synth_dir, tmp_path):
    data = synth_dir / "declarations.csv"
    model = tmp_path / "g.zip"
    assert cli("customs", "train", data, "-m", "generic", "--model", model, "--n-estimators", "5").code == 0
    r = cli("customs", "evaluate", data, "-m", "kr-customs", "--model", model)
    assert r.code == 2 and "trained on 'generic' data" in r.stderr
