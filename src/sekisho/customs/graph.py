"""Entity resolution of traders and scoring of the clusters behind them.

Shell networks hide behind many "different" traders. Records (one per declared trader) are tied
by evidence: a fuzzy name match (blocked with rapidfuzz, decided by sekisho.match.compare), the
same normalised address, phone, e-mail, e-mail domain, bank account or officer. Each kind of
evidence has a weight; two records are linked when their evidence adds up to 1.0, so a shared
registered-agent address alone (0.6) does not merge two companies but address + officer does.
Clusters are the connected components of the linked graph (networkx).

Cluster score (0..1, noisy-OR of signals, each with a reason in words): many new entities at one
address, round-tripping (exporter is another member, or goods return to their origin), members
on or near a restricted list, controlled electronics shipped via hubs, past fraud.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sekisho.customs.features import CONTROLLED_HS4, HUBS

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

WEIGHTS = {
    "name": 1.0,
    "bank": 1.0,
    "phone": 1.0,
    "email": 1.0,
    "officer": 0.6,
    "address": 0.6,
    "email_domain": 0.5,
}
LINK = 1.0  # evidence needed to link two records
MAX_SHARED = 50  # a value shared by more records than this is a placeholder, not a tie
BLOCK_CUTOFF = 70  # rapidfuzz token_sort_ratio needed before the matching engine is asked
RECENT_DAYS = 180
FREE_MAIL = frozenset({"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "163.com",
                       "qq.com", "yandex.ru", "mail.ru", "icloud.com", "proton.me"})
_ADDR_ABBR = {
    "road": "rd", "street": "st", "avenue": "ave", "boulevard": "blvd", "building": "bldg",
    "floor": "fl", "flat": "unit", "room": "unit", "rm": "unit", "suite": "unit", "ste": "unit",
    "apartment": "unit", "apt": "unit", "no": "", "number": "", "the": "",
}
_LEGAL_WORDS = frozenset({"co", "ltd", "limited", "llc", "l", "c", "inc", "incorporated", "company",
                          "corp", "corporation", "gmbh", "fze", "fzco", "pte", "private", "sdn",
                          "bhd", "sendirian", "berhad", "ooo", "jsc", "llp", "plc", "f", "z", "e",
                          "g", "m", "b", "h", "o"})
PARTY_FIELDS = ("name", "address", "phone", "email", "bank", "officer")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[^\w]+", " ", text).strip()


def normalize_address(text: str | None) -> str:
    """Address key: case, punctuation and abbreviations folded, tokens sorted (order varies)."""
    if not text:
        return ""
    tokens = [_ADDR_ABBR.get(t, t) for t in _fold(text).split()]
    return " ".join(sorted(t for t in tokens if t))


def normalize_phone(text: str | None) -> str:
    digits = re.sub(r"\D", "", str(text or ""))
    return digits[-9:] if len(digits) >= 7 else ""


def normalize_name(text: str | None) -> str:
    """Blocking key for names: folded, legal forms dropped."""
    return " ".join(t for t in _fold(text or "").split() if t not in _LEGAL_WORDS)


def _matcher() -> tuple[Callable[[str, str], float], str]:
    """sekisho.match.compare when importable, else rapidfuzz token_sort_ratio (and say so)."""
    try:
        from sekisho.match import DEFAULT_THRESHOLD, compare

        def score(a: str, b: str) -> float:
            return compare(a, b, "Company").score

        return score, f"sekisho.match.compare (threshold {DEFAULT_THRESHOLD})"
    except ImportError:
        from rapidfuzz.fuzz import token_sort_ratio

        def score(a: str, b: str) -> float:
            return token_sort_ratio(normalize_name(a), normalize_name(b)) / 100.0

        return score, "rapidfuzz token_sort_ratio (sekisho.match not importable)"


def _threshold() -> float:
    try:
        from sekisho.match import DEFAULT_THRESHOLD

        return float(DEFAULT_THRESHOLD)
    except ImportError:
        return 0.90


@dataclass
class Cluster:
    id: int
    members: list[str]
    score: float
    reasons: list[str]
    signals: dict[str, float] = field(default_factory=dict)


@dataclass
class Resolution:
    records: pd.DataFrame  # one row per trader record (key, name, address, ..., first_date)
    graph: nx.Graph  # linked records with evidence on edges
    clusters: list[Cluster]  # size >= 2, highest score first
    matcher: str

    def cluster_of(self) -> dict[str, int]:
        return {m: c.id for c in self.clusters for m in c.members}


def trader_records(frame: pd.DataFrame, prefix: str = "importer") -> pd.DataFrame:
    """One record per declared trader: the most frequent spelling of each party field."""
    import pandas as pd

    name_col = f"{prefix}_name"
    if name_col not in frame:
        raise ValueError(f"declarations carry no {name_col} column: nothing to resolve")
    key = frame[f"{prefix}_id"].astype(str) if f"{prefix}_id" in frame else (
        frame[name_col].astype(str) + "|" + frame.get(f"{prefix}_address", "").astype(str)
    )
    cols = {f: f"{prefix}_{f}" for f in PARTY_FIELDS if f"{prefix}_{f}" in frame}
    data = pd.DataFrame({"key": key, **{f: frame[c].fillna("").astype(str) for f, c in cols.items()}})
    data["date"] = frame["date"].to_numpy()
    grouped = data.groupby("key", sort=True)
    recs = pd.DataFrame({"first_date": grouped["date"].min(), "declarations": grouped.size()})
    for f in cols:  # most frequent spelling per key; ties broken alphabetically
        counts = data.groupby(["key", f], sort=False).size().reset_index(name="n")
        counts = counts.sort_values(["key", "n", f], ascending=[True, False, True], kind="stable")
        recs[f] = counts.drop_duplicates("key").set_index("key")[f]
    for f in PARTY_FIELDS:
        if f not in recs:
            recs[f] = ""
    return recs.reset_index()


def _evidence(recs: pd.DataFrame, matcher: Callable[[str, str], float], threshold: float):
    """Pairs of record indices with the evidence that ties them."""
    from rapidfuzz import process
    from rapidfuzz.fuzz import token_sort_ratio

    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)
    keys = {
        "address": recs["address"].map(normalize_address),
        "phone": recs["phone"].map(normalize_phone),
        "email": recs["email"].str.strip().str.casefold(),
        "email_domain": recs["email"].str.strip().str.casefold().str.split("@").str[-1].where(
            recs["email"].str.contains("@", regex=False), ""
        ),
        "bank": recs["bank"].str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper(),
        "officer": recs["officer"].map(_fold),
    }
    keys["email_domain"] = keys["email_domain"].where(~keys["email_domain"].isin(FREE_MAIL), "")
    for kind, series in keys.items():
        groups: dict[str, list[int]] = defaultdict(list)
        for i, v in enumerate(series.tolist()):
            if v:
                groups[v].append(i)
        for v, idx in groups.items():
            if 2 <= len(idx) <= MAX_SHARED:
                for a in range(len(idx)):
                    for b in range(a + 1, len(idx)):
                        pairs[(idx[a], idx[b])][kind] = v
    names = recs["name"].tolist()
    blocked = [normalize_name(n) for n in names]
    step = 2000  # bounded memory: a step x n matrix of uint8 at a time
    for start in range(0, len(blocked), step):
        sims = process.cdist(
            blocked[start : start + step], blocked, scorer=token_sort_ratio,
            score_cutoff=BLOCK_CUTOFF, dtype=np.uint8, workers=1,
        )
        for a, b in zip(*np.nonzero(sims), strict=True):
            i = start + int(a)
            j = int(b)
            if i >= j or not names[i] or not names[j]:
                continue
            s = matcher(names[i], names[j])
            if s >= threshold:
                pairs[(i, j)]["name"] = round(float(s), 3)
    return pairs


def resolve(
    frame: pd.DataFrame,
    *,
    listed: Iterable[str] | None = None,
    screen: Callable[[str], tuple[float, str] | None] | None = None,
    prefix: str = "importer",
    recent_days: int = RECENT_DAYS,
) -> Resolution:
    """Resolve traders in `frame` into linked clusters and score each cluster.

    `listed` is an iterable of restricted names; `screen` a callable name -> (score, listed name)
    or None (e.g. the screening engine). Either marks members on or near a restricted list.
    """
    import networkx as nx

    matcher, matcher_name = _matcher()
    threshold = _threshold()
    recs = trader_records(frame, prefix)
    pairs = _evidence(recs, matcher, threshold)
    graph = nx.Graph()
    for row in recs.itertuples(index=False):
        graph.add_node(row.key, name=row.name, address=row.address, first_date=str(row.first_date.date()))
    keys = recs["key"].tolist()
    for (i, j), ev in pairs.items():
        weight = sum(WEIGHTS[k] for k in ev)
        if weight >= LINK:
            graph.add_edge(keys[i], keys[j], weight=weight, evidence=ev)
    components = [sorted(c) for c in nx.connected_components(graph) if len(c) >= 2]
    components.sort(key=lambda c: (-len(c), c[0]))
    scorer = _ClusterScorer(frame, recs, matcher, threshold, listed, screen, prefix, recent_days)
    clusters = [scorer.score(i, members) for i, members in enumerate(components)]
    clusters.sort(key=lambda c: (-c.score, c.id))
    return Resolution(recs, graph, clusters, matcher_name)


class _ClusterScorer:
    def __init__(self, frame, recs, matcher, threshold, listed, screen, prefix, recent_days):
        self.frame = frame
        self.recs = recs.set_index("key")
        self.matcher = matcher
        self.threshold = threshold
        self.screen = screen
        self.listed = [n for n in (listed or []) if n]
        self.listed_block = [normalize_name(n) for n in self.listed]
        self.key_col = f"{prefix}_id" if f"{prefix}_id" in frame else None
        self.end = frame["date"].max()
        self.recent_days = recent_days
        self.by_key = (
            {k: idx for k, idx in frame.groupby(frame[self.key_col].astype(str)).indices.items()}
            if self.key_col
            else {}
        )

    def _listed_hit(self, name: str) -> tuple[float, str] | None:
        best: tuple[float, str] | None = None
        if self.screen is not None:
            best = self.screen(name)
        if self.listed:
            from rapidfuzz import process
            from rapidfuzz.fuzz import token_sort_ratio

            for _, _, idx in process.extract(normalize_name(name), self.listed_block,
                                             scorer=token_sort_ratio, score_cutoff=BLOCK_CUTOFF,
                                             limit=5):
                s = self.matcher(name, self.listed[idx])
                if s >= self.threshold and (best is None or s > best[0]):
                    best = (s, self.listed[idx])
        return best

    def _is_member(self, name: str, names: set[str]) -> bool:
        """Is `name` one of the cluster's names (exactly or by the matching engine)?"""
        from rapidfuzz import process
        from rapidfuzz.fuzz import token_sort_ratio

        if name in names:
            return True
        listed = sorted(names)
        hits = process.extract(normalize_name(name), [normalize_name(n) for n in listed],
                               scorer=token_sort_ratio, score_cutoff=BLOCK_CUTOFF, limit=3)
        return any(self.matcher(name, listed[i]) >= self.threshold for _, _, i in hits)

    def score(self, cid: int, members: list[str]) -> Cluster:
        recs = self.recs.loc[members]
        reasons: list[str] = []
        signals: dict[str, float] = {}
        # many new entities at one address
        recent = recs["first_date"] >= self.end - np.timedelta64(self.recent_days, "D")
        addr = recs["address"].map(normalize_address)
        new_at = Counter(a for a, r in zip(addr, recent, strict=True) if a and r)
        most = max(new_at.values(), default=0)
        if most >= 2:
            signals["new_at_address"] = min(1.0, 0.25 * most)
            reasons.append(f"{most} entities first seen in the last {self.recent_days} days share one address")
        n_new = int(recent.sum())
        if n_new == len(members) and len(members) >= 3:
            signals["all_new"] = 0.3
            reasons.append(f"all {len(members)} members first seen in the last {self.recent_days} days")
        # declarations of the members
        rows = np.concatenate([self.by_key.get(m, np.array([], int)) for m in members]) if self.by_key else np.array([], int)
        decl = self.frame.iloc[rows]
        names = set(recs["name"])
        if len(decl):
            rt = 0
            if "exporter_name" in decl:
                exp = decl["exporter_name"].fillna("").astype(str)
                member = {e: self._is_member(e, names) for e in exp.unique() if e}
                rt += int(exp.map(member).fillna(False).sum())
            back = 0
            if "destination" in decl and "origin" in decl:
                back = int(((decl["destination"] == decl["origin"]) & (decl["departure"] != decl["origin"])).sum())
            if rt:
                signals["round_trip"] = min(1.0, 0.4 + 0.1 * rt)
                reasons.append(f"round-tripping: {rt} declaration(s) where the exporter is another member")
            elif back:
                signals["round_trip"] = min(0.6, 0.2 + 0.05 * back)
                reasons.append(f"{back} declaration(s) return goods to their origin country via another country")
            hs4 = decl["hs"].astype(str).str[:4] if "hs" in decl else None
            controlled = float(hs4.isin(CONTROLLED_HS4).mean()) if hs4 is not None else 0.0
            hub = float(decl["departure"].isin(HUBS).mean()) if "departure" in decl else 0.0
            if controlled >= 0.5 and hub >= 0.5:
                signals["controlled_via_hub"] = 0.4 * controlled * hub
                reasons.append(
                    f"{controlled:.0%} controlled electronics, {hub:.0%} shipped from a hub"
                )
            if "label" in decl and decl["label"].notna().any():
                fr = float(decl["label"].mean())
                if fr >= 0.3:
                    signals["past_fraud"] = 0.5 * fr
                    reasons.append(f"{fr:.0%} of the members' declarations were found fraudulent")
        # restricted list
        hits = []
        for key, name in recs["name"].items():
            hit = self._listed_hit(name)
            if hit:
                hits.append((key, name, hit))
        if hits:
            best = max(hits, key=lambda h: h[2][0])
            signals["restricted"] = 0.9 * best[2][0]
            reasons.append(
                f"member {best[1]!r} matches restricted party {best[2][1]!r} ({best[2][0]:.2f})"
                + (f" and {len(hits) - 1} more" if len(hits) > 1 else "")
            )
        score = 1.0 - float(np.prod([1.0 - v for v in signals.values()])) if signals else 0.0
        if not reasons:
            reasons.append(f"{len(members)} linked records, no risk signal")
        return Cluster(cid, members, round(score, 4), reasons, signals)


def recovery(
    resolution: Resolution, truth: dict[str, str | None], flag: float = 0.5
) -> dict[str, float]:
    """How well planted groups were recovered and shell networks flagged.

    `truth` maps record keys to a group id: "S..." for planted shell networks, anything else for
    ordinary related companies, None for independent traders. Entity resolution is measured by
    pairwise precision/recall over record pairs placed in one cluster (all groups) and by the
    share of groups matched by a cluster with Jaccard >= 0.5; risk scoring by the precision and
    recall of flagged clusters (score >= flag) against the shell networks.
    """
    from itertools import combinations

    groups: dict[str, set[str]] = defaultdict(set)
    for k, g in truth.items():
        if g is not None:
            groups[str(g)].add(k)
    shells = {g: m for g, m in groups.items() if g.startswith("S")}
    true_pairs = {p for m in groups.values() for p in combinations(sorted(m), 2)}
    pred_pairs = {p for c in resolution.clusters for p in combinations(sorted(c.members), 2)}
    tp = len(true_pairs & pred_pairs)
    clusters = [set(c.members) for c in resolution.clusters]
    flagged = [set(c.members) for c in resolution.clusters if c.score >= flag]

    def jaccard(members: set[str], others: Iterable[set[str]]) -> float:
        return max((len(members & o) / len(members | o) for o in others), default=0.0)

    def share(items, others) -> float:
        items = list(items)
        return sum(jaccard(i, others) >= 0.5 for i in items) / len(items) if items else float("nan")

    return {
        "pair_precision": tp / len(pred_pairs) if pred_pairs else float("nan"),
        "pair_recall": tp / len(true_pairs) if true_pairs else float("nan"),
        "groups": len(groups),
        "groups_recovered": share(groups.values(), clusters),
        "shell_networks": len(shells),
        "clusters": len(clusters),
        "flagged": len(flagged),
        "flagged_precision": share(flagged, shells.values()),
        "flagged_recall": share(shells.values(), flagged),
    }
