"""Batch screening on Spark vs one process: 100,000 synthetic parties against all shared lists.

    .venv/bin/python bench/spark_screen.py [--rows 100000] [--sample 10000] [--master local[2]]

Loads every list in ../shared/data/lists into a temporary store (the real `Store.load` path),
builds the Screener once, writes a seeded synthetic party file (a fifth are listed names,
upper-cased, reordered or with a typo; the rest are made-up company and person names), then
* screens the whole file with `sekisho.scale.screen_job.run_screen` on Spark,
* screens a sample with `Screener.screen` in this process,
and prints wall times, rows per second, and whether the Spark rows of the sample equal the
single-process results (same hits, same scores).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

ADJ = ["Global", "Pacific", "Northern", "United", "Bright", "Golden", "Silver", "Blue", "Green",
       "Eastern", "Western", "Royal", "Prime", "Modern", "Swift", "Grand", "Crystal", "Summit"]
NOUN = ["Harbor", "Valley", "Ridge", "Bridge", "Textile", "Ceramics", "Logistics", "Foods",
        "Plastics", "Paper", "Furniture", "Orchard", "Bakery", "Printing", "Dental", "Garden",
        "Bicycle", "Pottery", "Carpet", "Glassworks", "Dairy", "Timber", "Tiles", "Optics"]
FORM = ["Ltd", "LLC", "GmbH", "S.A.", "Co., Ltd.", "Inc.", "K.K.", "B.V.", "Pty Ltd", "AB", ""]
FIRST = ["Anna", "Kenji", "Maria", "Lars", "Chloe", "Pedro", "Yuki", "Olga", "Samuel", "Ines",
         "Tomasz", "Priya", "Hannah", "Mateo", "Sofia", "Lucas", "Emma", "Noah", "Aiko", "Omar"]
LAST = ["Lindqvist", "Tanaka", "Moreau", "Fischer", "Okafor", "Novak", "Rossi", "Sato",
        "Jensen", "Alvarez", "Kowalski", "Dubois", "Nakamura", "Svensson", "Haddad", "Costa"]
COUNTRIES = ["JP", "DE", "US", "FR", "BR", "SE", "IT", "NL", "AU", "KR", ""]


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def parties(entities: list, n: int, seed: int = 7) -> list[dict[str, str]]:
    """Seeded synthetic parties: 20% listed names (perturbed), 80% made-up names."""
    rng = random.Random(seed)
    listed = [e for e in entities if not e.source.startswith("allow_")]
    rows: list[dict[str, str]] = []
    for i in range(n):
        r = {"id": f"s{i}", "name": "", "country": "", "schema": "", "dob": "", "identifier": ""}
        if rng.random() < 0.2:
            e = rng.choice(listed)
            name = rng.choice(e.names).value
            how = rng.random()
            if how < 0.3:
                name = name.upper()
            elif how < 0.6:
                name = " ".join(reversed(name.replace(",", " ").split()))
            elif how < 0.8:
                name = _typo(name, rng)
            r["name"] = name
            r["country"] = (e.countries or [""])[0] if rng.random() < 0.5 else ""
        elif rng.random() < 0.6:
            r["name"] = " ".join(p for p in (rng.choice(ADJ), rng.choice(NOUN),
                                             rng.choice(FORM)) if p)
            r["country"] = rng.choice(COUNTRIES)
        else:
            r["name"] = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            r["schema"] = "Person"
            if rng.random() < 0.3:
                r["dob"] = str(rng.randrange(1940, 2000))
        rows.append(r)
    return rows


def _brief(result: dict) -> list:
    return [(h["entity_id"], h["score"], h["matched_name"]) for h in result["hits"]]


def cold(screener_file: Path, rows_file: Path) -> None:
    """Child process: screen rows with a freshly unpickled screener (cold caches), as a new
    `sekisho screen batch` process or a Spark worker starts; prints JSON timings."""
    from sekisho.cli.screen import make_party

    t = time.perf_counter()
    with screener_file.open("rb") as fh:
        screener = pickle.load(fh)
    t_load = time.perf_counter() - t
    rows = json.loads(rows_file.read_text(encoding="utf-8"))
    t = time.perf_counter()
    for r in rows:
        screener.screen(make_party(r))
    print(json.dumps({"load": t_load, "screen": time.perf_counter() - t, "rows": len(rows)}))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--cold":
        cold(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=10_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    if not (args.data / "lists").is_dir():
        sys.exit(f"no lists at {args.data / 'lists'}")

    from sekisho.cli.screen import make_party, result_json
    from sekisho.lists.store import Store
    from sekisho.scale.screen_job import run_screen
    from sekisho.scale.session import get_session
    from sekisho.screen.party import Screener
    from sekisho.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="sekisho-spark-bench-"))
    try:
        t = time.perf_counter()
        store = Store.open(Settings.load(home=work / "home"))
        store.load([args.data / "lists"])
        t_load = time.perf_counter() - t
        t = time.perf_counter()
        screener = Screener(store)
        t_screener = time.perf_counter() - t
        blob = len(pickle.dumps(screener, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"lists loaded into a temp store: {len(screener.entities):,} entities, "
              f"{len(screener.snapshots)} snapshots, {t_load:.1f} s; Screener built in "
              f"{t_screener:.1f} s; pickled screener {blob / 1e6:.1f} MB")
        if screener.problems:
            print(f"  screener problems (rows will be 'review'): {len(screener.problems)}, "
                  f"e.g. {screener.problems[0]}")

        rows = parties(list(screener.entities.values()), args.rows)
        src = work / "parties.csv"
        with src.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)

        t = time.perf_counter()
        spark = get_session(args.master)
        t_start = time.perf_counter() - t
        out = work / "out.jsonl"
        report = run_screen(spark, src, out, screener=screener)
        print(f"spark {args.master}: session start {t_start:.1f} s; job {report.seconds:.1f} s "
              f"for {report.rows:,} rows in {report.partitions} partitions = "
              f"{report.rows / report.seconds:,.0f} rows/s (wall, incl. shipping the screener, "
              f"writing JSONL); outcomes {report.outcomes}; bad rows {report.bad_rows}")
        for row, error in report.bad_examples[:3]:
            print(f"  bad row {row}: {error}")

        rng = random.Random(11)
        sample = rng.sample(range(len(rows)), min(args.sample, len(rows)))
        t = time.perf_counter()
        local = {}
        for i in sample:
            r = rows[i]
            local[r["id"]] = result_json(screener.screen(make_party(r)), r["id"])
        t_local = time.perf_counter() - t
        print(f"single process, warm (the driver, whose caches the index build filled): "
              f"{len(sample):,} rows in {t_local:.1f} s = {len(sample) / t_local:,.0f} rows/s "
              f"(extrapolated {args.rows:,} rows: {t_local * args.rows / len(sample):.0f} s)")
        (work / "screener.pickle").write_bytes(pickle.dumps(screener, pickle.HIGHEST_PROTOCOL))
        (work / "sample.json").write_text(json.dumps([rows[i] for i in sample]),
                                          encoding="utf-8")
        res = subprocess.run([sys.executable, __file__, "--cold", str(work / "screener.pickle"),
                              str(work / "sample.json")], capture_output=True, text=True,
                             check=True)
        c = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"single process, cold (new process, unpickled screener, like `screen batch`): "
              f"unpickle {c['load']:.1f} s, {c['rows']:,} rows in {c['screen']:.1f} s = "
              f"{c['rows'] / c['screen']:,.0f} rows/s (extrapolated {args.rows:,} rows: "
              f"{c['load'] + c['screen'] * args.rows / c['rows']:.0f} s)")

        same = differ = 0
        with out.open(encoding="utf-8") as fh:
            for line in fh:
                got = json.loads(line)
                exp = local.get(got["id"])
                if exp is None:
                    continue
                if {k: got[k] for k in exp} == exp:
                    same += 1
                else:
                    differ += 1
                    if differ <= 3:
                        print(f"  differs: {exp['name']!r}\n    local {_brief(exp)}\n"
                              f"    spark {_brief(got)}")
        hits = sum(1 for v in local.values() if v["hits"])
        print(f"equality on the sample: {same:,} rows identical, {differ} differ; "
              f"{hits:,} of the sample have hits")
        spark_rate = report.rows / report.seconds
        print(f"spark rows/s vs one process: {spark_rate / (len(sample) / t_local):.2f}x warm, "
              f"{spark_rate / (c['rows'] / c['screen']):.2f}x cold "
              f"(load average {os.getloadavg()[0]:.1f})")
        spark.stop()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
