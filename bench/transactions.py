"""Transaction screening throughput and delta re-screening (issue 7, "Load").

1. Decisions per second on one core: N transactions (default 100,000) of 6 parties (exporter +
   buyer, consignee, end user, forwarder, intermediary) and 3 items each, against every list in
   ../shared/data/lists (parsed by Sekisho's own parsers), with item controls and red flags.
   Party names come from a pool of synthetic companies (a distributor's customer base repeats),
   with a share of real listed names; the screener caches results per (name, country, address),
   so the figure printed names how many distinct parties were actually screened.
2. Delta re-screen: M (default 1,000,000) counterparties stored in a SQLite records database;
   a real CSL update (the 2022 consolidated CSL -> the 2023 extract: every record of the newer
   file is added or changed) is compared against all of them with monitor.delta_screen.
   `--update-sizes` also takes `first`: every entity of every shared list, as in a first
   monitor run with no previous state.

Run: .venv/bin/python bench/transactions.py [--transactions N] [--counterparties M] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lists import DATA, load_all  # noqa: E402
from sekisho.model import ListedEntity  # noqa: E402
from sekisho.records.repo import Records, StoredCounterparty  # noqa: E402
from sekisho.screen.monitor import delta_screen  # noqa: E402
from sekisho.screen.transaction import TransactionScreener  # noqa: E402
from sekisho.screen.txinput import transaction_from_dict  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words("Alpha Apex Aurora Beacon Blue Bright Cedar Coastal Crown Delta Eagle East Emerald "
         "Everest Falcon Forward Golden Grand Green Harbor Horizon Iron Jade Kestrel Lake Lion "
         "Lotus Maple Meridian Nova Oak Ocean Orion Pacific Peak Phoenix Pine Pioneer Prime "
         "Quantum Raven Red River Rock Royal Sapphire Silver Sky Solar Star Stone Summit Sun "
         "Swift Tiger Titan Unity Valley Vector Vista West Zenith Nordic Sakura Fuji Hanse "
         "Rhein Danube Alpine Kanto Kansai Taipei Formosa Penang Malacca Saigon Mekong")
TRADES = _words("Electronics Components Semiconductor Systems Computing Data Logistics Trading "
          "Industrial Instruments Devices Networks Robotics Precision Machinery Supply "
          "Technologies Solutions Engineering Microsystems Photonics Circuits")
FORMS = {"US": ["Inc.", "LLC", "Corp."], "JP": ["KK", "Co., Ltd."], "DE": ["GmbH", "AG"],
         "SG": ["Pte. Ltd."], "MY": ["Sdn. Bhd."], "HK": ["Limited"], "CN": ["Co., Ltd."],
         "KR": ["Co., Ltd."], "AE": ["FZE", "LLC"], "IN": ["Pvt. Ltd."], "NL": ["B.V."],
         "TH": ["Co., Ltd."], "VN": ["JSC"], "GB": ["Ltd"], "FR": ["SAS"], "TR": ["A.S."]}
COUNTRIES = list(FORMS)
ITEMS = [
    {"description": "Laptop computer", "hs": "847130", "eccn": "EAR99", "unit_value": 1200},
    {"description": "Enterprise router", "hs": "851762", "eccn": "5A992", "unit_value": 3000},
    {"description": "GPU accelerator board", "hs": "847330", "eccn": "4A090.a", "unit_value": 30000, "tpp": 15832},
    {"description": "AI inference IC", "hs": "854231", "eccn": "3A090.b", "unit_value": 6000, "tpp": 3000, "performance_density": 2.0},
    {"description": "Microcontroller", "hs": "854231", "eccn": "3A991", "unit_value": 4},
    {"description": "Rack server", "hs": "847150", "eccn": "4A994", "unit_value": 9000},
    {"description": "Industrial sensor", "hs": "903289", "eccn": "EAR99", "unit_value": 150},
    {"description": "Processor (unclassified)", "hs": "854231", "unit_value": 300},
]
ROLES = ("buyer", "consignee", "end_user", "forwarder", "intermediary")


def company(rng: random.Random, country: str | None = None) -> tuple[str, str]:
    country = country or rng.choice(COUNTRIES)
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {rng.choice(FORMS[country])}"
    return name, country


def address(rng: random.Random) -> str:
    return f"{rng.randint(1, 300)} {rng.choice(WORDS)} Road"


def listed_names(entities: list[ListedEntity]) -> list[tuple[str, str | None]]:
    out = []
    for e in entities:
        if e.schema.value in ("Company", "Organization") and e.name.isascii():
            out.append((e.name, e.countries[0] if e.countries else None))
    return out


def make_transactions(n: int, rng: random.Random, pool: list[tuple[str, str]],
                      listed: list[tuple[str, str | None]], listed_share: float) -> list[dict]:
    exporters = [company(rng, c) for c in ("US", "JP", "DE", "KR") for _ in range(10)]
    addresses = {p: address(rng) for p in pool}  # a counterparty keeps its address
    txs = []
    for i in range(n):
        ex_name, ex_country = rng.choice(exporters)
        parties = []
        for role in ROLES:
            if rng.random() < listed_share:
                name, country = rng.choice(listed)
                addr = None
            else:
                name, country = rng.choice(pool)
                addr = addresses[(name, country)]
            parties.append({"role": role, "name": name, "country": country or "CN",
                            **({"address": addr} if addr else {})})
        items = [dict(rng.choice(ITEMS), quantity=rng.randint(1, 50)) for _ in range(3)]
        txs.append({"id": f"bench-{i}", "exporter": {"name": ex_name, "country": ex_country},
                    "parties": parties, "items": items, "ship_to": parties[2]["country"],
                    "end_use": rng.choice(["data center", "factory automation", "resale", "research"]),
                    "payment_origin": rng.choice([parties[0]["country"], "HK", "AE"])})
    return txs


def bench_decisions(entities: list[ListedEntity], n: int, pool_size: int, listed_share: float,
                    seed: int) -> None:
    rng = random.Random(seed)
    sources = {}
    for e in entities:
        sources.setdefault(e.source, f"bench-{e.source}")
    t = time.perf_counter()
    screener = TransactionScreener.from_entities(entities, sources)
    build = time.perf_counter() - t
    pool = [company(rng) for _ in range(pool_size)]
    raw = make_transactions(n, rng, pool, listed_names(entities), listed_share)
    t = time.perf_counter()
    txs = [transaction_from_dict(d) for d in raw]
    parse = time.perf_counter() - t
    outcomes: Counter[str] = Counter()
    t = time.perf_counter()
    for tx in txs:
        outcomes[screener.decide(tx).decision.outcome.value] += 1
    elapsed = time.perf_counter() - t
    distinct = len(screener._cache)
    print(f"lists: {len(entities):,} entities from {len(sources)} sources; screener built in {build:.1f} s")
    print(f"transactions: {n:,} x (6 parties, 3 items); validated in {parse:.1f} s "
          f"({n / parse:,.0f}/s)")
    print(f"first pass: {elapsed:.1f} s, {n / elapsed:,.0f} transactions/s on one core "
          f"({distinct:,} distinct parties screened cold, the rest from the per-party cache)")
    t = time.perf_counter()
    for tx in txs:
        screener.decide(tx)
    warm = time.perf_counter() - t
    print(f"second pass (every counterparty already screened against these snapshots): "
          f"{warm:.1f} s, {n / warm:,.0f} transactions/s on one core")
    print(f"outcomes: {dict(outcomes)}")


def csl_update() -> tuple[list[ListedEntity], int]:
    """Records added or changed between the two real CSL files in the shared data."""
    from sekisho.lists.formats import detect

    def parse(path: Path) -> list[ListedEntity]:
        groups, _ = detect([path])
        return groups[0].format.parse(groups[0].paths).entities

    folder = DATA / "lists" / "us-trade-csl"
    old = {e.id: e for e in parse(folder / "consolidated.csv.gz")}
    new = parse(folder / "csl.csv")
    changed = [e for e in new if e.id not in old or old[e.id].content_hash != e.content_hash]
    return changed, len(old)


def bench_delta(m: int, seed: int, db: Path, sizes: list[int | str | None]) -> None:
    rng = random.Random(seed)
    changed_all, old_count = csl_update()
    records = Records.open(url=f"sqlite:///{db}")
    t = time.perf_counter()
    batch: list[StoredCounterparty] = []
    plants = rng.sample(changed_all, k=min(20, len(changed_all)))  # remembered parties get listed
    names: set[str] = set()
    for i in range(m):
        if i < len(plants):
            name, country = plants[i].name, (plants[i].countries or ("CN",))[0]
        else:
            name, country = company(rng)
            if rng.random() < 0.7:  # most real names are unique: add a place or a branch
                name = f"{rng.choice(WORDS)} {name}" if rng.random() < 0.5 else f"{name} {rng.randint(1, 999)}"
        names.add(name)
        batch.append(StoredCounterparty(f"{country}:{i}:{name.lower()}", name, country, None))
        if len(batch) == 100_000:
            records.add_counterparties(batch)
            batch = []
    if batch:
        records.add_counterparties(batch)
    stored = time.perf_counter() - t
    print(f"counterparties stored: {m:,} ({len(names):,} distinct names; insert {stored:.1f} s "
          f"including the analysis of every name, which is kept with the record; not timed below)")
    print(f"CSL update available: {len(changed_all):,} added or changed records (2022 file of "
          f"{old_count:,} -> 2023 extract)")
    for size in sizes:
        if size == "first":  # no previous state: every record of every list
            changed = load_all()
        elif size is None or size >= len(changed_all):
            changed = changed_all
        else:  # a typical weekly update: this many records, always including the planted ones
            rest = [e for e in changed_all if e not in plants]
            changed = plants + rng.sample(rest, k=max(0, size - len(plants)))
        t = time.perf_counter()
        cpu = time.process_time()
        hits, scanned = delta_screen(records, changed)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        found = {h.entity.id for h in hits} & {p.id for p in plants}
        print(f"delta re-screen, {len(changed):,} changed records x {scanned:,} counterparties: "
              f"{elapsed:.1f} s wall, {cpu:.1f} s CPU; {len(hits):,} possible matches; "
              f"planted listed parties found {len(found)}/{len(plants)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transactions", type=int, default=100_000)
    ap.add_argument("--counterparties", type=int, default=1_000_000)
    ap.add_argument("--pool", type=int, default=5_000, help="distinct synthetic companies")
    ap.add_argument("--listed-share", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="10,000 transactions, 100,000 counterparties")
    ap.add_argument("--skip-decisions", action="store_true")
    ap.add_argument("--skip-delta", action="store_true")
    ap.add_argument("--update-sizes", default="250,all",
                    help="changed-record counts to time (all = the whole real CSL diff, "
                         "first = every entity of every list)")
    args = ap.parse_args()
    if args.quick:
        args.transactions, args.counterparties = 10_000, 100_000
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    if not args.skip_decisions:
        bench_decisions(load_all(), args.transactions, args.pool, args.listed_share, args.seed)
    if not args.skip_delta:
        with tempfile.TemporaryDirectory() as tmp:
            sizes: list[int | str | None] = [
                None if x == "all" else x if x == "first" else int(x)
                for x in args.update_sizes.split(",")]
            bench_delta(args.counterparties, args.seed, Path(tmp) / "records.db", sizes)


if __name__ == "__main__":
    main()
