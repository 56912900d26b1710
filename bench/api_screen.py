"""HTTP API throughput and latency: `sekisho serve` in a subprocess, httpx as the client.

Loads real lists from ../shared/data/lists into a temporary SEKISHO_HOME (OFAC SDN, UN SC,
METI EUL by default), starts the server, then sends POST /screen and yente-style
POST /match/default requests: names of listed entities (hits) and made-up company names
(mostly no hit). Prints the first-request time (screener build), p50/p99 latency and
requests per second, sequential and with concurrent clients.

    .venv/bin/python bench/api_screen.py [--requests 2000] [--concurrency 4] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LISTS = ("us-ofac-sdn", "un-sc-consolidated", "jp-meti-end-user-list")
WORDS = ("Pacific", "Northern", "Golden", "Blue", "River", "Summit", "Harbor", "Crystal",
         "Maple", "Orion", "Sakura", "Lion", "Cedar", "Delta", "Nova")
KINDS = ("Trading", "Logistics", "Electronics", "Components", "Foods", "Textiles", "Capital")
FORMS = ("Co., Ltd.", "LLC", "GmbH", "Pte. Ltd.", "K.K.", "S.A.", "Limited")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queries(home: Path, n: int, rng: random.Random) -> list[str]:
    from sekisho.lists.store import Store
    from sekisho.settings import Settings

    listed = [e.name for e in Store.open(Settings.load(home=home)).current_entities()]
    out = []
    for i in range(n):
        if i % 2:
            out.append(rng.choice(listed))
        else:
            out.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} "
                       f"{rng.choice(FORMS)}")
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(client: httpx.Client, path: str, bodies: list[dict], concurrency: int) -> dict:
    def one(body: dict) -> float:
        t = time.perf_counter()
        r = client.post(path, json=body)
        r.raise_for_status()
        return time.perf_counter() - t

    t0 = time.perf_counter()
    if concurrency == 1:
        lat = [one(b) for b in bodies]
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            lat = list(pool.map(one, bodies))
    wall = time.perf_counter() - t0
    return {"n": len(bodies), "rps": len(bodies) / wall, "p50_ms": pct(lat, 50) * 1000,
            "p99_ms": pct(lat, 99) * 1000, "mean_ms": statistics.fmean(lat) * 1000}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    lists = [args.data / "lists" / d for d in LISTS]
    if not all(p.is_dir() for p in lists):
        print(f"real lists not found under {args.data / 'lists'}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "SEKISHO_HOME": str(home)}
        env.pop("SEKISHO_API_KEYS", None)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sekisho", "lists", "load", *map(str, lists)],
                       env=env, check=True, capture_output=True)
        print(f"lists loaded in {time.perf_counter() - t:.1f} s")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "sekisho", "serve", "--port", str(port),
                                   "--log-level", "warning"], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=120,
                              limits=httpx.Limits(max_connections=args.concurrency + 2)) as c:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        c.get("/health")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                t = time.perf_counter()
                first = c.post("/screen", json={"name": "warm up"}).json()
                print(f"first screen (builds the screener): {time.perf_counter() - t:.2f} s; "
                      f"outcome {first['outcome']}, {len(first['snapshots'])} snapshots")
                rng = random.Random(7)
                names = queries(home, args.requests, rng)
                screen = [{"name": n} for n in names]
                match = [{"queries": {"q": {"schema": "LegalEntity", "properties": {"name": [n]}}}}
                         for n in names]
                for label, path, bodies in (("POST /screen", "/screen", screen),
                                            ("POST /match/default", "/match/default", match)):
                    for conc in (1, args.concurrency):
                        r = run(c, path, bodies, conc)
                        print(f"{label:22s} concurrency {conc}: {r['n']} requests, "
                              f"{r['rps']:.0f} req/s, p50 {r['p50_ms']:.1f} ms, "
                              f"p99 {r['p99_ms']:.1f} ms")
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
