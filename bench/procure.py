"""Procurement check on a synthetic 100,000-part BOM, six levels deep (seeded).

Run: .venv/bin/python bench/procure.py [--parts 100000] [--seed 7] [--distinct 3000]

The BOM is product → 10 racks → 100 chassis → 1,000 boards → 10,000 modules → chips (the rest),
written as nested CycloneDX 1.6 JSON and as a flat CSV. Manufacturer strings come from a pool of
`--distinct` synthetic company names (a `--cjk` share in Chinese or Japanese) plus real makers; about 0.2% of parts name a covered vendor
in one of its spellings or scripts, 0.5% name no maker. Prints read times, check time per buyer
(wall and CPU, one process, one core) and peak memory (tracemalloc peak of the check, and the
process's maximum RSS).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from sekisho.match.normalize import analyze, variants
from sekisho.procure import check, read_bom, regimes

REAL = [
    "Intel Corporation",
    "Texas Instruments Incorporated",
    "Samsung Electronics Co., Ltd.",
    "Murata Manufacturing Co., Ltd.",
    "TDK Corporation",
    "Broadcom Inc.",
    "NXP Semiconductors N.V.",
    "Renesas Electronics Corporation",
    "Analog Devices, Inc.",
    "Infineon Technologies AG",
    "STMicroelectronics N.V.",
    "Rohm Co., Ltd.",
    "Kioxia Corporation",
    "SK hynix Inc.",
    "Realtek Semiconductor Corp.",
    "MediaTek Inc.",
    "Delta Electronics, Inc.",
    "TE Connectivity Ltd.",
    "Molex LLC",
    "株式会社村田製作所",
    "太陽誘電株式会社",
    "京瓷株式会社",
]
COVERED = [
    "HiSilicon Technologies Co., Ltd.",
    "海康威视",
    "HIKVISION",
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "Zhejiang Dahua Technology Co., Ltd.",
    "ZTE Corporation",
    "Micron Technology, Inc.",
    "美光",
    "Crucial",
    "Yangtze Memory Technologies Co., Ltd.",
    "SMIC",
    "Hytera Communications Corporation Limited",
    "Hikvision Europe B.V.",
]
SYLL = [
    "ka",
    "to",
    "ri",
    "ven",
    "tek",
    "lo",
    "mar",
    "zen",
    "qua",
    "dro",
    "pol",
    "sin",
    "tar",
    "vel",
    "nor",
    "bex",
    "cy",
    "fu",
]
FORMS = ["Co., Ltd.", "Inc.", "GmbH", "Ltd.", "Corporation", "LLC", "S.A.", "K.K.", "B.V.", "AG"]
LEVELS = [1, 10, 100, 1_000, 10_000]  # levels 0..4; level 5 holds the remaining parts


HAN = "华星光电子微创新源达通信宏芯博瑞泰科联盛智恒安鑫海德天宇美晶川东北"
CITIES = ["深圳市", "上海", "东莞市", "苏州", "杭州", "成都", "北京"]
KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロ"


def makers(rng: random.Random, distinct: int, cjk: float = 0.0) -> list[str]:
    pool = set(REAL)
    while len(pool) < distinct:
        r = rng.random()
        if r < cjk * 0.7:  # Chinese company names
            core = "".join(rng.choice(HAN) for _ in range(rng.randint(2, 3)))
            kind = rng.choice(["电子", "科技", "微电子", "半导体", "通信"])
            pool.add(f"{rng.choice(CITIES)}{core}{kind}有限公司")
            continue
        if r < cjk:  # Japanese company names
            core = "".join(rng.choice(KANA) for _ in range(rng.randint(3, 5)))
            pool.add(rng.choice([f"株式会社{core}", f"{core}電子株式会社", f"{core}工業株式会社"]))
            continue
        word = "".join(rng.choice(SYLL) for _ in range(rng.randint(2, 4))).capitalize()
        kind = rng.choice(
            ["Electronics", "Semiconductor", "Components", "Micro", "Systems", "Technology", ""]
        )
        pool.add(" ".join(x for x in (word, kind, rng.choice(FORMS)) if x))
    return sorted(pool)


def build(n: int, seed: int, distinct: int, cjk: float = 0.0) -> tuple[list[dict], list[list[str]]]:
    """Nested CycloneDX components and the equivalent flat CSV rows."""
    rng = random.Random(seed)
    pool = makers(rng, distinct, cjk)
    sizes = LEVELS + [n - sum(LEVELS)]
    nodes: list[dict] = []
    rows: list[list[str]] = []
    level_nodes: list[list[dict]] = []
    for depth, size in enumerate(sizes):
        current = []
        for k in range(size):
            ref = f"L{depth}-{k}"
            r = rng.random()
            maker = rng.choice(COVERED) if r < 0.002 else ("" if r < 0.007 else rng.choice(pool))
            comp = {"type": "device", "bom-ref": ref, "name": f"part {ref}"}
            if maker:
                comp["manufacturer"] = {"name": maker}
            if rng.random() < 0.05:
                comp["properties"] = [{"name": "sekisho:essential", "value": "true"}]
            parent = level_nodes[-1][k * len(level_nodes[-1]) // size] if depth else None
            if parent is not None:
                parent.setdefault("components", []).append(comp)
            current.append(comp)
            nodes.append(comp)
            rows.append([parent["bom-ref"] if parent else "", ref, maker, comp["name"], "1"])
        level_nodes.append(current)
    return level_nodes[0], rows


def _cold() -> None:
    analyze.cache_clear()
    variants.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--distinct", type=int, default=3_000)
    ap.add_argument("--cjk", type=float, default=0.25, help="share of Chinese/Japanese maker names")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):  # one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    roots, rows = build(args.parts, args.seed, args.distinct, args.cjk)
    catalogue = regimes.load()
    with tempfile.TemporaryDirectory() as tmp:
        jpath, cpath = Path(tmp) / "bom.json", Path(tmp) / "bom.csv"
        jpath.write_text(
            json.dumps(
                {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": roots},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        with cpath.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["parent", "part number", "manufacturer", "description", "quantity"])
            w.writerows(rows)
        t, c = time.perf_counter(), time.process_time()
        bom = read_bom(jpath)
        t_json, c_json = time.perf_counter() - t, time.process_time() - c
        tracemalloc.start()
        read_bom(jpath)
        read_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        t, c = time.perf_counter(), time.process_time()
        bom_csv = read_bom(cpath)
        t_csv, c_csv = time.perf_counter() - t, time.process_time() - c
    depth = max(len(bom.path(i)) for i in range(0, len(bom), 97))
    distinct = len({p.manufacturer for p in bom.parts})
    print(
        f"BOM: {len(bom):,} parts, {depth} levels, {distinct:,} distinct manufacturer strings (seed {args.seed})"
    )
    print(
        f"read CycloneDX JSON: {t_json:.2f} s wall, {c_json:.2f} s CPU; "
        f"read CSV: {t_csv:.2f} s wall, {c_csv:.2f} s CPU ({len(bom_csv):,} parts)"
    )
    print(f"peak memory while reading the CycloneDX BOM: {read_peak / 2**20:.0f} MiB (tracemalloc)")
    t, c = time.perf_counter(), time.process_time()
    variants("華為技術有限公司")  # loads the transliteration dictionaries (pykakasi, OpenCC, ICU)
    analyze("ファーウェイ株式会社")
    print(
        f"one-time start-up of name normalisation: {time.perf_counter() - t:.2f} s wall, "
        f"{time.process_time() - c:.2f} s CPU"
    )
    on = date(2028, 1, 1)
    for buyer in ("jp-central-government", "us-federal-contractor", "cn-cii-operator"):
        _cold()  # every check starts with empty name-normalisation caches: worst case
        t, c = time.perf_counter(), time.process_time()
        result = check(bom, catalogue.select(None), buyer, on)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        counts = {
            v: sum(f.verdict == v for f in result.findings)
            for v in ("prohibited", "needs_review", "allowed_by_exception")
        }
        print(
            f"check {buyer} on {on}: {wall:.2f} s wall, {cpu:.2f} s CPU; verdict {result.verdict}; "
            f"findings {counts}; unchecked {len(result.unchecked):,}; regimes {result.regimes}"
        )
    _cold()
    tracemalloc.start()
    check(bom, catalogue.select(None), "us-federal-contractor", on)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory: check allocations {peak / 2**20:.1f} MiB (tracemalloc, cold caches); process max RSS {rss:.0f} MiB "
        "(includes both BOMs, the JSON text and the matcher)"
    )


if __name__ == "__main__":
    main()
