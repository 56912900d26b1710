"""Match quality on name pairs nobody here wrote: precision, recall, F1 at DEFAULT_THRESHOLD.

Data (../shared/data/eval/namepairs):
* nomenklatura/cases.csv: OpenSanctions' 826 hard labelled pairs (425 true / 401 false);
* yente/positives_un_{untreated,treated}.csv: 683 UN-listed persons and the same persons with
  typos and reorderings (positives); pairing row i with row i+7 gives 683 negatives of real,
  different listed persons of similar style (a derangement, stated as such).

Next to ours: nomenklatura logic-v2 and logic-v1 run live on the same pairs in their own venv
(/work/bench-venv, see _nomenklatura_runner.py) at their 0.7 threshold; and the frozen
reference run of logic-v2 shipped with the benchmark (logicv2-frozen.csv).

Tuning honesty: pairs are split by a hash of the pair text into "tune" (used while choosing
weights) and "holdout" (only looked at for reporting); both halves are printed.

Run: .venv/bin/python bench/match_quality.py [--data DIR] [--no-nomenklatura] [--sweep]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from sekisho.match import DEFAULT_THRESHOLD, compare

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BENCH_VENV = Path("/work/bench-venv/bin/python")


def split_of(name1: str, name2: str) -> str:
    h = hashlib.sha1(f"{name1}\x00{name2}".encode()).digest()[0]
    return "tune" if h % 2 == 0 else "holdout"


def load_cases(data: Path) -> list[dict]:
    with open(data / "eval/namepairs/nomenklatura/cases.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["label"] = r["is_match"].strip().lower() == "true"
        r["split"] = split_of(r["name1"], r["name2"])
    return rows


def load_un(data: Path) -> list[dict]:
    base = data / "eval/namepairs/yente"
    with open(base / "positives_un_untreated.csv", newline="", encoding="utf-8") as fh:
        listed = [r["full_name"] for r in csv.DictReader(fh)]
    with open(base / "positives_un_treated.csv", newline="", encoding="utf-8") as fh:
        treated = [r["full_name"] for r in csv.DictReader(fh)]
    rows = []
    n = len(listed)
    for i, (q, c) in enumerate(zip(treated, listed, strict=True)):
        rows.append(
            {"schema": "Person", "name1": q, "name2": c, "label": True, "case_group": "un_positive"}
        )
        other = listed[(i + 7) % n]
        if other.strip().lower() != c.strip().lower():
            rows.append(
                {
                    "schema": "Person",
                    "name1": q,
                    "name2": other,
                    "label": False,
                    "case_group": "un_derangement_negative",
                }
            )
    return rows


def prf(labels: list[bool], preds: list[bool]) -> tuple[float, float, float, int]:
    tp = sum(1 for a, b in zip(labels, preds, strict=True) if a and b)
    fp = sum(1 for a, b in zip(labels, preds, strict=True) if not a and b)
    fn = sum(1 for a, b in zip(labels, preds, strict=True) if a and not b)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, len(labels)


def run_nomenklatura(pairs: list[list[str]]) -> dict | None:
    if not BENCH_VENV.exists():
        return None
    runner = Path(__file__).with_name("_nomenklatura_runner.py")
    proc = subprocess.run(
        [str(BENCH_VENV), str(runner)],
        input=json.dumps(pairs),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print("nomenklatura run failed:", proc.stderr[-500:], file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--no-nomenklatura", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="print F1 over thresholds (ours)")
    ap.add_argument("--errors", choices=["tune", "holdout", "all"], help="list our errors")
    args = ap.parse_args()

    cases = load_cases(args.data)
    un = load_un(args.data)
    allrows = cases + un
    t = time.perf_counter()
    for r in allrows:
        r["ours"] = compare(r["name1"], r["name2"], r["schema"] or None).score
    ours_s = time.perf_counter() - t

    frozen = {}
    with open(args.data / "eval/namepairs/nomenklatura/logicv2-frozen.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            frozen[(r["name1"], r["name2"], r["schema"])] = float(r["score"])
    for r in cases:
        r["v2_frozen"] = frozen.get((r["name1"], r["name2"], r["schema"]))

    systems = [("sekisho", "ours", DEFAULT_THRESHOLD)]
    if not args.no_nomenklatura:
        nk = run_nomenklatura(
            [[r["schema"] or "LegalEntity", r["name1"], r["name2"]] for r in allrows]
        )
        if nk:
            for algo, res in nk.items():
                for r, s in zip(allrows, res["scores"], strict=True):
                    r[algo] = s
                systems.append((f"nomenklatura {algo}", algo, res["threshold"]))
        else:
            print("(nomenklatura not available: /work/bench-venv missing or failed; ours only)")

    def table(title: str, groups: dict[str, list[dict]], with_frozen: bool = False) -> None:
        print(f"\n## {title}")
        cols = systems + ([("logic-v2 frozen ref", "v2_frozen", 0.7)] if with_frozen else [])
        print(f"{'group':34s} {'n':>4s}  " + "  ".join(f"{name[:22]:>22s}" for name, _, _ in cols))
        for g, rows in groups.items():
            cells = []
            for _, key, thr in cols:
                rr = [r for r in rows if r.get(key) is not None]
                if not rr:
                    cells.append(f"{'-':>22s}")
                    continue
                p, rec, f, _ = prf([r["label"] for r in rr], [r[key] >= thr for r in rr])
                cells.append(f"P{p:.2f} R{rec:.2f} F1 {f:.3f}".rjust(22))
            print(f"{g:34s} {len(rows):4d}  " + "  ".join(cells))

    by: dict[str, list[dict]] = defaultdict(list)
    by["ALL nomenklatura cases"] = cases
    by["  tune half"] = [r for r in cases if r["split"] == "tune"]
    by["  holdout half"] = [r for r in cases if r["split"] == "holdout"]
    for r in cases:
        by[f"group {r['case_group']}"].append(r)
    for r in cases:
        by[f"schema {r['schema']}"].append(r)
    table("nomenklatura name_bench cases.csv (F1 at each system's threshold)", dict(by), True)

    un_groups = {
        "UN treated vs listed (positives)": [r for r in un if r["label"]],
        "UN derangement (negatives)": [r for r in un if not r["label"]],
        "UN all": un,
    }
    table("yente UN pairs", un_groups)
    print(
        "\n(recall is the figure for positives-only rows; precision for negatives-only rows"
        " is 1.0 when nothing is flagged: read R for positives, 1-FP for negatives)"
    )
    for _, key, thr in systems:
        negs = [r for r in un if not r["label"]]
        fp = sum(1 for r in negs if r[key] >= thr)
        print(f"  {key:10s} false positives on UN derangement: {fp}/{len(negs)}")
    print(
        f"\nours: {len(allrows)} pairs scored in {ours_s:.2f}s (cold caches), "
        f"DEFAULT_THRESHOLD={DEFAULT_THRESHOLD}"
    )

    if args.sweep:
        print("\n## threshold sweep (ours, nomenklatura cases)")
        for part in ("tune", "holdout"):
            rows = [r for r in cases if r["split"] == part]
            line = []
            for thr in [x / 100 for x in range(50, 96, 5)]:
                f = prf([r["label"] for r in rows], [r["ours"] >= thr for r in rows])[2]
                line.append(f"{thr:.2f}:{f:.3f}")
            print(part, " ".join(line))
    if args.errors:
        print("\n## our errors")
        for r in cases:
            if args.errors != "all" and r["split"] != args.errors:
                continue
            pred = r["ours"] >= DEFAULT_THRESHOLD
            if pred != r["label"]:
                kind = "FN" if r["label"] else "FP"
                print(
                    f"{kind} {r['ours']:.3f} {r['schema'][:6]:6s} {r['name1']} | {r['name2']}"
                    f" | {r.get('notes', '')[:50]}"
                )


if __name__ == "__main__":
    main()
