"""Customs analytics benchmark: prints figures, asserts nothing.

1. Ranking quality on the Korean customs declaration dataset (Jeong et al., arXiv:2208.02484)
   with the authors' temporal split (train 2020, validation 2021-Q1, test 2021-Q2), next to the
   paper's Table 3 and a paper-style baseline (label-encoded columns, LightGBM defaults).
2. Scoring throughput: 1,000,000 declarations resampled from the test split, scored on one core
   (features + LightGBM + reasons for the top 200) in a child process that reports its own peak
   memory.
3. Planted-cluster recovery on generated data (sekisho.customs.synth, seed 0).
4. Trade-flow surges in Taiwan's HS 8542 exports by destination.

Run: .venv/bin/python bench/customs.py [--data DIR] [--rows 1000000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy/lightgbm load

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PAPER = {
    "LightGBM": (0.762, 0.641),
    "XGBoost": (0.675, 0.579),
    "CatBoost": (0.621, 0.520),
    "Random Forest": (0.364, 0.339),
}


def _files(data: Path) -> list[Path]:
    d = data / "customs" / "customs-declaration-datasets"
    return [d / f"df_syn_{p}_eng.csv" for p in ("train", "valid", "test")]


def paper_style_baseline(parts) -> dict:
    """The paper's preprocessing: every column label-encoded in order of appearance, LightGBM
    with default parameters, trained on the training split only."""
    import lightgbm as lgb
    import numpy as np

    from sekisho.customs.evaluate import evaluate

    cols = ["office", "importer_id", "declarant_id", "seller_id", "courier_id", "hs", "origin",
            "departure"] + [c for c in parts["train"].columns if c.startswith("cat_")]
    enc = {c: {v: i + 1 for i, v in enumerate(parts["train"][c].astype(str).unique())} for c in cols}

    def matrix(f):
        X = np.column_stack([f[c].astype(str).map(enc[c]).fillna(0).to_numpy(float) for c in cols]
                            + [f[c].to_numpy(float) for c in ("tax_rate", "quantity", "value")])
        return X

    m = lgb.LGBMClassifier(random_state=0, verbose=-1, n_jobs=1)
    m.fit(matrix(parts["train"]), parts["train"]["label"].to_numpy())
    s = m.predict_proba(matrix(parts["test"]))[:, 1]
    return evaluate(parts["test"]["label"].to_numpy(), s)


def ranking(data: Path, model_path: Path) -> None:
    from sekisho.customs.evaluate import evaluate
    from sekisho.customs.load import KR_CUSTOMS, load, split_by_date
    from sekisho.customs.model import train

    frame, report = load(_files(data), "kr-customs")
    parts = split_by_date(frame, KR_CUSTOMS.split)
    print(f"kr-customs: {report.rows_read:,} rows read, {report.bad_rows} refused; "
          + ", ".join(f"{k} {len(v):,}" for k, v in parts.items()))
    t = time.perf_counter()
    model = train(parts["train"], seed=0, extra_history=parts["valid"])
    fit_s = time.perf_counter() - t
    model.save(model_path)
    test = parts["test"]
    scores = model.score_matrix(model.features(test))
    ours = evaluate(test["label"].to_numpy(), scores, revenue=test["value"].to_numpy(),
                    critical=test["critical"].to_numpy())
    base = paper_style_baseline(parts)
    print(f"\nTest split 2021-04-01 … 2021-06-30: {ours['n']:,} declarations, fraud rate "
          f"{ours['fraud_rate']:.1%} (trained in {fit_s:.1f} s on one core)\n")
    print(f"{'model':<44} {'P@1%':>6} {'P@2%':>6} {'P@5%':>6} {'P@10%':>6} {'R@5%':>6} {'AUC':>6}")
    for name, r in (("sekisho LightGBM (time-respecting features)", ours),
                    ("paper-style baseline (label enc., defaults)", base)):
        print(f"{name:<44} {r['precision_at_1']:>6.3f} {r['precision_at_2']:>6.3f} "
              f"{r['precision_at_5']:>6.3f} {r['precision_at_10']:>6.3f} {r['recall_at_5']:>6.3f} {r['auc']:>6.3f}")
    for name, (p5, p10) in PAPER.items():
        print(f"{'paper ' + name:<44} {'':>6} {'':>6} {p5:>6.3f} {p10:>6.3f} {'':>6} {'':>6}")
    print("target: P@5% >= 0.80, P@10% >= 0.68")
    print(f"\nours, more: revenue share @5% {ours['revenue_at_5']:.3f} @10% {ours['revenue_at_10']:.3f} "
          f"(value of caught frauds / value of all frauds); critical-fraud recall @5% "
          f"{ours['critical_recall_at_5']:.3f} @10% {ours['critical_recall_at_10']:.3f}")


def scale_child(data: Path, model_path: Path, rows: int) -> None:
    """Runs in a fresh process: resample, score, print JSON with timings and peak memory."""
    import numpy as np

    from sekisho.customs.load import load
    from sekisho.customs.model import RiskModel

    model = RiskModel.load(model_path)
    test, _ = load(_files(data)[2], "kr-customs")
    rng = np.random.default_rng(0)
    big = test.iloc[np.sort(rng.integers(0, len(test), rows))].reset_index(drop=True)
    big["declaration_id"] = np.arange(rows).astype(str)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # input + model loaded
    cpu0, t0 = time.process_time(), time.perf_counter()
    ranked = model.score(big, reasons_top=200)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    print(json.dumps({"rows": len(ranked), "wall_s": wall, "cpu_s": cpu, "peak_mib": peak, "before_mib": before,
                      "explained": int((ranked["reasons"] != "").sum())}))


def scale(data: Path, model_path: Path, rows: int) -> None:
    out = subprocess.run([sys.executable, __file__, "--scale-child", str(model_path), "--rows",
                          str(rows), "--data", str(data)], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nScoring {r['rows']:,} declarations (resampled from the test split, history of "
          f"45,519 labelled rows), one core: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
          f"peak memory {r['peak_mib']:,.0f} MiB for the whole process ({r['before_mib']:,.0f} MiB "
          f"before scoring: interpreter, libraries, model and the resampled input); "
          f"reasons for the top {r['explained']}. Target: < 60 s, < 2 GB.")


def clusters() -> None:
    from sekisho.customs.graph import recovery, resolve
    from sekisho.customs.synth import generate

    s = generate(0)
    t = time.perf_counter()
    res = resolve(s.declarations, listed=s.restricted)
    r = recovery(res, s.truth)
    print(f"\nPlanted clusters (synth seed 0: {len(s.declarations):,} declarations, {len(s.truth)} "
          f"traders, {r['shell_networks']} shell networks, {r['groups'] - r['shell_networks']} "
          f"ordinary groups), resolved in {time.perf_counter() - t:.1f} s with {res.matcher}:")
    print(f"  entity resolution: pair precision {r['pair_precision']:.3f}, pair recall "
          f"{r['pair_recall']:.3f}, groups recovered (Jaccard >= 0.5) {r['groups_recovered']:.3f}")
    print(f"  flagged clusters (score >= 0.5): {r['flagged']} of {r['clusters']}; precision "
          f"{r['flagged_precision']:.3f}, recall of shell networks {r['flagged_recall']:.3f}")


def flows(data: Path) -> None:
    from sekisho.customs.flows import analyse, load_flows

    path = data / "customs" / "trade-flows-hs8542" / "taiwan_exports_by_country_2013_2025.csv"
    fa = analyse(load_flows(path))
    print(f"\nTaiwan HS 8542 exports, {len(fa.series)} destinations, "
          f"{fa.series.columns[0]}–{fa.series.columns[-1]} (last year partial: {fa.partial_last}):")
    for s in fa.surges:
        print(f"  {'FLAG' if s.flagged else 'note'} {s.reason}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--scale-child", type=Path)
    args = ap.parse_args()
    if args.scale_child:
        scale_child(args.data, args.scale_child, args.rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "kr.zip"
        ranking(args.data, model_path)
        scale(args.data, model_path, args.rows)
    clusters()
    flows(args.data)


if __name__ == "__main__":
    main()
