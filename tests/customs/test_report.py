"""The HTML report: self-contained, every section present, honest notes when data is missing."""

from __future__ import annotations

from sekisho.customs.evaluate import curve, evaluate
from sekisho.customs.flows import analyse, load_flows
from sekisho.customs.graph import resolve
from sekisho.customs.model import train
from sekisho.customs.report import ReportData, write


def test_report_with_labels_clusters_and_flows(synth_small, fixtures, tmp_path):
    f = synth_small.declarations
    cut = f["date"].quantile(0.75)
    tr, te = f[f["date"] < cut].reset_index(drop=True), f[f["date"] >= cut].reset_index(drop=True)
    m = train(tr, seed=0, n_estimators=30)
    ranked = m.score(te, reasons_top=10).join(te.set_index("declaration_id")[["hs", "label"]], on="declaration_id")
    scores = m.score_matrix(m.features(te))
    data = ReportData(
        meta={"mapping": "generic", "declarations": len(te)}, scored=ranked,
        metrics=evaluate(te["label"], scores), curve=curve(te["label"].to_numpy(), scores),
        resolution=resolve(f, listed=synth_small.restricted),
        flows=analyse(load_flows(fixtures / "customs" / "flows_small.csv")), top=10,
    )
    html = write(tmp_path / "r.html", data).read_text()
    for sid in ("summary", "scores", "precision", "top", "clusters", "flows"):
        assert f"id='{sid}'" in html
    assert html.count("<img") >= 4 and "http://" not in html and "https://" not in html
    assert "Hong Kong" in html and "FLAG" in html
    assert not (tmp_path / "r.html.tmp").exists()


def test_report_without_labels_or_names_says_so(synth_small, tmp_path):
    f = synth_small.declarations.drop(columns=["label"])
    m = train(f, seed=0)
    html = write(tmp_path / "r.html", ReportData(scored=m.score(f), cluster_note="no names here")).read_text()
    assert "no labels" in html and "no names here" in html and "No trade-flow file" in html
