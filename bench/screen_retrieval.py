"""Retrieval recall on perturbed real list names, and false positives on real negatives.

Every shared list is parsed with Sekisho's own parsers and loaded into one Screener. For a
seeded sample of entities (stratified by source; --all for every entity) each primary name
is perturbed (benign: typo, reordered person name, dropped/added legal form, trade
abbreviation, case/punctuation; adversarial: homoglyphs, invisible characters, Latin→Cyrillic
transliteration, native→Latin romanisation, initials, two typos) and screened; recall = the
right entity is among the hits at DEFAULT_THRESHOLD (limit 25: one party is often listed
by ten or more lists, and all of those hits are right). A second figure gives the
recall of the candidate retrieval alone (entity among index.search top 50).

False positives: real company names (S&P 500, Forbes 2000, Fortune Global 500, China A-shares
in Chinese, Tokyo- and Korea-listed companies in Japanese and Korean) and yente's synthetic
persons are screened; a query whose normalised name equals a listed name exactly is "really
listed" and dropped (counted and shown), and so is one of the companies in
bench/negatives_listed.csv, each checked by hand to BE a listed party under another name or
script (the entity id and the reason are in the file; subsidiaries, parents and namesakes are
not in it: they stay false positives). Any other query with a hit is a false positive; both
rates, before and after that file, are printed.

Run: .venv/bin/python bench/screen_retrieval.py [--sample 3000] [--all] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import time
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import icu

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _lists import DATA, load_all  # noqa: E402
from sekisho.match import DEFAULT_THRESHOLD  # noqa: E402
from sekisho.match.normalize import LEGAL, PLACE, analyze  # noqa: E402
from sekisho.model import ListedEntity, Schema  # noqa: E402
from sekisho.screen.party import Party, Screener  # noqa: E402

LIMIT = 25
HOMOGLYPHS = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "A": "А",
    "E": "Е",
    "O": "О",
    "P": "Р",
    "C": "С",
    "H": "Н",
    "K": "К",
    "M": "М",
    "T": "Т",
    "B": "В",
    "X": "Х",
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
ABBREV = [
    ("international", "Intl"),
    ("company", "Co"),
    ("technology", "Tech"),
    ("technologies", "Tech"),
    ("corporation", "Corp"),
    ("limited", "Ltd"),
    ("group", "Grp"),
    ("industrial", "Ind"),
    ("industries", "Inds"),
    ("electronics", "Elec"),
    ("communications", "Comm"),
    ("manufacturing", "Mfg"),
    ("engineering", "Eng"),
    ("equipment", "Equip"),
    ("holdings", "Hldgs"),
]
LEGAL_SUFFIXES = ["Ltd.", "Co., Ltd.", "LLC", "Inc.", "GmbH", "JSC", "S.A."]
_LAT2CYR = icu.Transliterator.createInstance("Latin-Cyrillic")
_ANY2LAT = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII")


def latin_name(e: ListedEntity) -> str | None:
    for n in e.names:
        if re.search("[A-Za-z]", n.value) and not re.search("[^\\x00-\\u024f]", n.value):
            return n.value
    return None


def native_name(e: ListedEntity) -> str | None:
    for n in e.names:
        if re.search(
            "[\\u0370-\\u03ff\\u0400-\\u04ff\\u0590-\\u06ff\\u3040-\\u9fff\\uac00-\\ud7af]", n.value
        ):
            return n.value
    return None


def same_name(a: ListedEntity, b: ListedEntity) -> bool:
    return analyze(a.name).latin == analyze(b.name).latin


def typo(name: str, rng: random.Random) -> str | None:
    words = name.split()
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return None
    i = rng.choice(idx)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice(["sub", "del", "swap", "ins"])
    letters = "aeiourstnl"
    if op == "sub":
        w = (
            w[:p] + rng.choice(letters).upper()
            if w.isupper()
            else w[:p] + rng.choice(letters) + w[p + 1 :]
        )
        w = w if len(w) == len(words[i]) else words[i][:p] + rng.choice(letters) + words[i][p + 1 :]
    elif op == "del":
        w = w[:p] + w[p + 1 :]
    elif op == "swap":
        w = w[:p] + w[p + 1] + w[p] + w[p + 2 :]
    else:
        w = w[:p] + rng.choice(letters) + w[p:]
    words[i] = w
    return " ".join(words)


def variants(e: ListedEntity, rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, class, query) triples; class is benign or adversarial."""
    out: list[tuple[str, str, str]] = []
    base = latin_name(e)
    person = e.schema is Schema.PERSON
    if base:
        t = typo(base, rng)
        if t:
            out.append(("typo", "benign", t))
        words = base.replace(",", " ").split()
        if person and len(words) >= 2:
            out.append(("reorder", "benign", " ".join(words[1:] + words[:1])))
        toks = analyze(base).tokens
        if toks and toks[-1].kind == LEGAL and len(toks) > 1:
            n_legal = len(toks[-1].surface.split())
            stripped = " ".join(base.replace(",", " ").split()[:-n_legal])
            if stripped.strip():
                out.append(("drop_legal_form", "benign", stripped))
        elif not person:
            out.append(("add_legal_form", "benign", f"{base} {rng.choice(LEGAL_SUFFIXES)}"))
        ab = base
        for long, short in ABBREV:
            ab = re.sub(rf"\b{long}\b", short, ab, flags=re.I)
        if ab != base:
            out.append(("abbreviation", "benign", ab))
        out.append(("case_punct", "benign", re.sub(r"[.,\-'\"()]", " ", base).lower()))
        chars = list(base)
        pos = [i for i, c in enumerate(chars) if c in HOMOGLYPHS]
        for i in rng.sample(pos, min(2, len(pos))):
            chars[i] = HOMOGLYPHS[chars[i]]
        if pos:
            out.append(("homoglyphs", "adversarial", "".join(chars)))
        chars = list(base)
        for _ in range(2):
            chars.insert(rng.randrange(1, len(chars)), rng.choice(INVISIBLE))
        out.append(("invisible_chars", "adversarial", "".join(chars)))
        out.append(("latin_to_cyrillic", "adversarial", _LAT2CYR.transliterate(base)))
        if person and len(words) >= 2:
            if "," in base:  # "LAST, Given Middle" -> "G. LAST"
                last, given = base.split(",", 1)
                if given.split() and last.strip():
                    out.append(
                        ("initials", "adversarial", f"{given.split()[0][0]}. {last.strip()}")
                    )
            elif len(words[0]) > 2:
                out.append(("initials", "adversarial", f"{words[0][0]}. {' '.join(words[1:])}"))
        t2 = typo(typo(base, rng) or base, rng)
        if t2 and t2 != base:
            out.append(("two_typos", "adversarial", t2))
    nat = native_name(e)
    if nat:
        out.append(("native_to_latin", "adversarial", _ANY2LAT.transliterate(nat)))
    return [(k, c, q) for k, c, q in out if q.strip()]


# ------------------------------------------------------------------------------- negatives


def read_negatives(data: Path) -> list[tuple[str, str, Party]]:
    base = data / "eval" / "negatives"
    out: list[tuple[str, str, Party]] = []

    def rows(path: Path, delimiter: str = ",", encoding: str = "utf-8"):
        with open(path, newline="", encoding=encoding, errors="replace") as fh:
            yield from csv.DictReader(fh, delimiter=delimiter)

    companies: dict[str, str] = {}
    for r in rows(base / "sp500/constituents.csv"):
        companies.setdefault(r["Security"], "sp500")
    for r in rows(base / "forbes-global-2000/capstone_forbes_global_2000_2025.csv"):
        companies.setdefault(r["Company"], "forbes2000")
    for r in rows(base / "fortune-global-500/fortune500_data.csv"):
        companies.setdefault(r["Company"], "fortune500")
    for r in rows(base / "fortune-global-500/Fortune-Global-2019.tsv", "\t"):
        companies.setdefault(r["Company"], "fortune500")
    raw = (base / "china-a-shares/stock_basic.csv").read_bytes().decode("gbk", errors="replace")
    reader = csv.reader(io.StringIO(raw))
    next(reader)
    for r in reader:
        if len(r) >= 4 and r[3].strip():
            companies.setdefault(r[3].strip(), "china_a_shares")
    for name in _jpx_names(base / "jpx-japan/data_j.xls"):
        companies.setdefault(name, "jpx_japan")
    for name in _krx_names(base / "krx-korea/상장법인목록.xls"):
        companies.setdefault(name, "krx_korea")
    for name, src in companies.items():
        if name.strip():
            out.append((src, "company", Party(name)))
    for f in ("negatives_global_1000.csv", "negatives_us_1000.csv"):
        for r in rows(base / "yente-persons" / f):
            if not (r["full_name"] or "").strip():
                continue
            out.append(("yente_persons", "person", Party(r["full_name"], schema="Person")))
            out.append(
                (
                    "yente_persons+dob",
                    "person",
                    Party(r["full_name"], schema="Person", dob=r["date_of_birth"] or None),
                )
            )
    return out


def _jpx_names(path: Path) -> list[str]:
    """Companies listed on the Tokyo exchange (short Japanese names); funds, ETFs and REITs
    are not companies a party would be."""
    import xlrd  # dev extra: the JPX list is an Excel 97 workbook

    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    header = sheet.row_values(0)
    name_col, market_col = header.index("銘柄名"), header.index("市場・商品区分")
    return [
        str(sheet.cell_value(r, name_col)).strip()
        for r in range(1, sheet.nrows)
        if "株式" in str(sheet.cell_value(r, market_col))
        or sheet.cell_value(r, market_col) == "PRO Market"
    ]


class _FirstColumn(HTMLParser):
    """The first cell of every table row (KRX's "xls" download is an HTML table)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self._cell: list[str] | None = None
        self._col = -1

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "tr":
            self._col = -1
        elif tag == "td":
            self._col += 1
            self._cell = [] if self._col == 0 else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _krx_names(path: Path) -> list[str]:
    """Companies listed on the Korea Exchange (Korean names, column 회사명)."""
    parser = _FirstColumn()
    parser.feed(path.read_bytes().decode("euc-kr", errors="replace"))
    return [n for n in parser.rows if n]


ADJUDICATED = Path(__file__).with_name("negatives_listed.csv")


def adjudicated_listed(entities: list[ListedEntity]) -> dict[str, str]:
    """Negatives checked by hand to be a listed party: name -> entity id (which must exist)."""
    ids = {e.id for e in entities}
    out: dict[str, str] = {}
    with ADJUDICATED.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if row["entity_id"] not in ids:
                raise SystemExit(f"{ADJUDICATED.name}:{line}: no entity {row['entity_id']!r}")
            out[row["name"]] = row["entity_id"]
    return out


def exact_listed(name: str, listed: set[str]) -> bool:
    a = analyze(name)
    key = " ".join(t.text for t in a.tokens if t.kind != LEGAL)
    return key in listed


def words_key(name: str) -> str:
    """A name's words run together, legal forms and place qualifiers aside: "中科曙光" and
    "Zhongke Shuguang", "诺禾致源" and "Beijing Nuohe Zhiyuan" give the same key."""
    return "".join(t.text for t in analyze(name).tokens if t.kind not in (LEGAL, PLACE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--sample", type=int, default=3000)
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=8, help="examples of misses / FPs to print")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    entities = load_all(args.data)
    t = time.perf_counter()
    screener = Screener.from_entities(entities, snapshots=["bench"])
    print(
        f"{len(entities)} entities, {len(screener.index)} names indexed in "
        f"{time.perf_counter() - t:.1f}s"
    )
    screenable = [e for e in entities if not e.source.startswith("allow_")]
    if args.all:
        sample = screenable
    else:
        by_source: dict[str, list[ListedEntity]] = defaultdict(list)
        for e in screenable:
            by_source[e.source].append(e)
        per = max(1, args.sample // len(by_source))
        sample = []
        for _src, ents in sorted(by_source.items()):
            sample.extend(rng.sample(ents, min(per, len(ents))))
    total: Counter[tuple[str, str]] = Counter()
    found: Counter[tuple[str, str]] = Counter()
    retrieved: Counter[tuple[str, str]] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    t = time.perf_counter()
    n_queries = 0
    for e in sample:
        for kind, cls, q in variants(e, rng):
            n_queries += 1
            total[(cls, kind)] += 1
            schema = "Person" if e.schema is Schema.PERSON else None
            res = screener.screen(Party(q, schema=schema), limit=LIMIT)
            # the same party listed by several lists counts: a hit on a duplicate listing with
            # the same normalised primary name is the party the officer is looking for
            if any(h.entity.id == e.id or same_name(h.entity, e) for h in res.hits):
                found[(cls, kind)] += 1
            else:
                misses[kind].append(f"{q!r} -> {e.id} {e.name!r}")
            if any(c.entity_id == e.id for c in screener.index.search(q, limit=50)):
                retrieved[(cls, kind)] += 1
    dt = time.perf_counter() - t
    print(
        f"\n## Recall of the right entity among hits (threshold {DEFAULT_THRESHOLD}, limit {LIMIT})"
    )
    print(f"{len(sample)} entities, {n_queries} perturbed queries in {dt:.1f}s")
    for cls in ("benign", "adversarial"):
        tt = sum(v for (c, _), v in total.items() if c == cls)
        ff = sum(v for (c, _), v in found.items() if c == cls)
        rr = sum(v for (c, _), v in retrieved.items() if c == cls)
        print(f"{cls:12s} recall {ff / tt:.4f} ({ff}/{tt})   retrieval-only top-50 {rr / tt:.4f}")
        for (c, kind), v in sorted(total.items()):
            if c == cls:
                print(
                    f"   {kind:20s} {found[(c, kind)] / v:.4f}  ({found[(c, kind)]}/{v})"
                    f"   retrieval {retrieved[(c, kind)] / v:.4f}"
                )
    if args.show:
        print("\nexamples of misses:")
        for kind, items in sorted(misses.items()):
            for m in items[: max(1, args.show // 4)]:
                print(f"   [{kind}] {m}")

    # false positives
    listed = set()
    listed_words = set()
    for e in entities:
        if e.source.startswith("allow_"):
            continue
        for n in e.names:
            a = analyze(n.value)
            listed.add(" ".join(t.text for t in a.tokens if t.kind != LEGAL))
            listed_words.add(words_key(n.value))
    negs = read_negatives(args.data)
    checked = adjudicated_listed(entities)
    # queries, dropped, fp, of those fp how many name a listed name's words exactly, fp on
    # names adjudicated as listed (and hits on them that are not the adjudicated entity)
    per_src: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    fps: list[str] = []
    dropped: list[str] = []
    for src, _kind, party in negs:
        if exact_listed(party.name, listed):
            per_src[src][1] += 1
            dropped.append(party.name)
            continue
        per_src[src][0] += 1
        res = screener.screen(party, limit=3)
        if res.hits:
            per_src[src][2] += 1
            per_src[src][3] += words_key(party.name) in listed_words
            per_src[src][4] += party.name in checked
            h = res.hits[0]
            fps.append(
                f"[{src}] {party.name!r} ~ {h.matched_name!r} ({h.entity.id}, {h.score:.2f})"
            )
    print(f"\n## False positives on real negatives at threshold {DEFAULT_THRESHOLD}")
    tq = tfp = tw = ta = 0
    for src, (q, d, fp, w, a) in sorted(per_src.items()):
        print(
            f"   {src:20s} {fp}/{q} = {fp / max(1, q):.4f}   (dropped as really listed: {d};"
            f" of the flagged, {w} are a listed name's words exactly, {a} checked as listed)"
        )
        if src != "yente_persons":  # counted once: with dob, as a real screen would be run
            tq += q
            tfp += fp
            tw += w
            ta += a
    print(f"overall (companies + persons with dob): {tfp}/{tq} = {tfp / max(1, tq):.4f}")
    missed = [n for n in checked if n not in {p.name for _s, _k, p in negs}]
    print(
        f"overall, without the {ta} companies checked by hand to be listed parties "
        f"({ADJUDICATED.name}; {len(checked) - ta - len(missed)} more in it were not flagged"
        f"{', ' + str(len(missed)) + ' not among the negatives' if missed else ''}): "
        f"{tfp - ta}/{tq - ta} = {(tfp - ta) / max(1, tq - ta):.4f}"
    )
    print(
        f"overall, counting a query whose words are exactly a listed name's (legal form and "
        f"place aside) as listed: {tfp - tw}/{tq - tw} = {(tfp - tw) / max(1, tq - tw):.4f}"
    )
    print("really listed (dropped), e.g.: " + "; ".join(dropped[:10]))
    if args.show:
        print("false positives, e.g.:")
        for f in fps[: args.show * 2]:
            print("   " + f)


if __name__ == "__main__":
    main()
