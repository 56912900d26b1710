"""Benchmark: parse and load every shared list into a fresh store, then read it back.

Each phase runs in its own Python process so that peak RSS (ru_maxrss) and cold reads are
measured separately:

  load         parse + validate + write all lists into a fresh store (wall time, RSS)
  load-traced  the same with tracemalloc on (peak Python heap; slower, time not reported)
  read-cold    open the store, read every current entity, in a new process
  read-warm    second read in the same process (in-memory cache), and entity() lookups

Usage: .venv/bin/python bench/load_lists.py [--data DIR] [--no-trace] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def phase_load(store_dir: Path, lists: Path, traced: bool) -> dict:
    from sekisho.lists.store import Store

    store = Store(store_dir)
    per_group: list[tuple[str, float]] = []
    last = [time.perf_counter(), ""]

    marks: dict[str, float] = {}

    def progress(what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if last[1].startswith("parse "):
            per_group.append((last[1].removeprefix("parse "), now - last[0]))
        last[0], last[1] = now, what
        marks[what] = now

    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    reports = store.load([lists], progress=progress)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    sizes = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file())
    return {
        "seconds": elapsed,
        "rss_mb": _rss_mb(),
        "traced_peak_mb": peak,
        "entities": sum(r.snapshot.entity_count for r in reports),
        "snapshots": len(reports),
        "store_mb": sizes / 2**20,
        "groups": per_group,
        "commit_seconds": marks["done"] - marks["write"],
    }


def phase_read(store_dir: Path) -> dict:
    from sekisho.lists.store import Store

    t0 = time.perf_counter()
    store = Store(store_dir)
    entities = list(store.current_entities())
    cold = time.perf_counter() - t0
    rss = _rss_mb()
    t1 = time.perf_counter()
    again = list(store.current_entities())
    warm = time.perf_counter() - t1
    ids = [e.id for e in entities[:: max(1, len(entities) // 1000)]]
    store.entity(ids[0])  # builds the id index once
    t2 = time.perf_counter()
    for i in ids:
        store.entity(i)
    lookup_us = (time.perf_counter() - t2) / len(ids) * 1e6
    assert len(again) == len(entities)
    return {"cold": cold, "warm": warm, "rss_mb": rss, "n": len(entities), "lookup_us": lookup_us}


def _run(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--repeat", type=int, default=1, help="read phases: best of N")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    ns = ap.parse_args()
    lists = ns.data / "lists"
    if ns.phase:
        if ns.phase in ("load", "load-traced"):
            result = phase_load(ns.store, lists, ns.phase == "load-traced")
        else:
            result = phase_read(ns.store)
        print(json.dumps(result))
        return
    if not lists.is_dir():
        sys.exit(f"no lists at {lists}")
    work = Path(tempfile.mkdtemp(prefix="sekisho-bench-"))
    try:
        store = work / "store"
        load = _run(["--phase", "load", "--store", str(store), "--data", str(ns.data)])
        traced = None
        if not ns.no_trace:
            traced = _run(
                ["--phase", "load-traced", "--store", str(work / "traced"), "--data", str(ns.data)]
            )
        reads = [_run(["--phase", "read", "--store", str(store)]) for _ in range(ns.repeat)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    read = min(reads, key=lambda r: r["cold"])
    print(
        f"Lists benchmark: {lists}  (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"{load['snapshots']} snapshots, {load['entities']:,} entities; "
        f"store on disk {load['store_mb']:.1f} MB"
    )
    print()
    rows = [
        (
            "load all lists into a fresh store",
            f"{load['seconds']:.2f} s",
            f"RSS {load['rss_mb']:.0f} MB"
            + (f", tracemalloc peak {traced['traced_peak_mb']:.0f} MB" if traced else ""),
        ),
        (
            "  of which: write snapshots + commit (after parsing)",
            f"{load['commit_seconds']:.2f} s",
            "gzip JSON lines, fsync, rename, refs.json swap",
        ),
        (
            "open store + read all current entities (cold, new process)",
            f"{read['cold']:.2f} s",
            f"RSS {read['rss_mb']:.0f} MB, {read['n']:,} entities",
        ),
        ("read all current entities again (warm, in memory)", f"{read['warm'] * 1000:.1f} ms", ""),
        ("entity(id) lookup (warm)", f"{read['lookup_us']:.1f} µs", ""),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'phase':<{w}}  {'time':>10}  memory / notes")
    for name, t, note in rows:
        print(f"{name:<{w}}  {t:>10}  {note}")
    print()
    print("slowest groups (parse + validate):")
    for name, secs in sorted(load["groups"], key=lambda g: -g[1])[:8]:
        print(f"  {name:<45} {secs:6.2f} s")


if __name__ == "__main__":
    main()
