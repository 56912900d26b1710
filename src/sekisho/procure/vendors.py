"""Match manufacturer and supplier names against the covered vendors of the applicable regimes.

Three steps, cheapest first, and the answer for each distinct name string is cached (a
100,000-part BOM names a few thousand distinct makers at most):

1. exact: the normalised name (match.normalize: script-aware transliteration, legal forms
   dropped) equals the normalised form of a covered name, alias, brand or native-script name;
2. fuzzy: `sekisho.match.compare` against the covered names that share a distinctive word (or
   most of a word's letter trigrams: typos, transliteration variants) in any reading; a score
   of `STRONG` or more with every word of the covered name present is a match, any other
   score of at least `DEFAULT_THRESHOLD` a *possible* one, provided that most of the covered
   name's own words (not generic words, legal forms or city names) are in the name;
3. containment: the name contains a whole covered name as a word sequence ("Hikvision Europe
   B.V.", "海康威视(香港)") → a *possible* match.

A match applies the regime's verdict; a possible match is always reported for review (it may
be an affiliate we do not know, or an unrelated firm with a similar name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sekisho.match import DEFAULT_THRESHOLD, compare
from sekisho.match.normalize import LEGAL, NUMBER, WORD, analyze, variants
from sekisho.model import ListedEntity
from sekisho.procure.regimes import Vendor, date_end, date_start

LOOKALIKE = 0.75  # a capped one-word look-alike of a covered vendor: a possible match
STRONG = 0.95  # fuzzy scores at or above this are treated like an exact name match
MIN_CONTAINED_CHARS = 3  # a covered name shorter than this never matches by containment
# a query word is compared with a covered word that shares this share of its letter trigrams
MIN_GRAM_SHARE = 0.4
# Place names in company names ("Hangzhou ...", "(Shanghai)") are no evidence of identity: two
# firms of one city share them. Joined forms cover the syllables of Han names (杭州 → hang zhou).
PLACE_WORDS = frozenset(
    {
        "hangzhou",
        "shenzhen",
        "shanghai",
        "beijing",
        "tianjin",
        "wuhan",
        "hubei",
        "zhejiang",
        "jiangsu",
        "suzhou",
        "guangdong",
        "guangzhou",
        "dongguan",
        "chengdu",
        "sichuan",
        "hefei",
        "anhui",
        "xian",
        "shaanxi",
        "nanjing",
        "xiamen",
        "fujian",
        "qingdao",
        "shandong",
        "chongqing",
        "hongkong",
        "zhuhai",
        "foshan",
        "ningbo",
        "wuxi",
        "changsha",
        "hunan",
        "china",
        "zhongguo",
    }
)
HAN_PLACES = (
    "深圳",
    "杭州",
    "上海",
    "北京",
    "天津",
    "武汉",
    "湖北",
    "浙江",
    "江苏",
    "苏州",
    "广东",
    "广州",
    "东莞",
    "成都",
    "四川",
    "合肥",
    "安徽",
    "西安",
    "南京",
    "厦门",
    "青岛",
    "重庆",
    "香港",
    "珠海",
    "宁波",
    "中国",
    "中國",
    "市",
    "省",
    "区",
    "县",
)
SHORT_WORD = 4  # words this short must be equal, not merely similar (pinyin syllables)
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class CoveredName:
    """One name under which a covered vendor (or a member of its group) may appear."""

    name: str
    vendor: str  # vendor id
    entity: str  # the legal entity or brand this name belongs to
    relation: str  # self, subsidiary, affiliate, brand, parent, former subsidiary
    valid_from: str | None = None
    valid_until: str | None = None
    note: str | None = None
    source: str = "vendors.yaml"  # or the listed entity id it came from

    def valid_on(self, on: date) -> bool:
        start, end = date_start(self.valid_from), date_end(self.valid_until)
        return (start is None or on >= start) and (end is None or on <= end)


@dataclass(frozen=True, slots=True)
class VendorHit:
    covered: CoveredName
    query: str
    score: float
    method: str  # exact, fuzzy, contains
    definite: bool  # False: a possible match, reported for review
    explanation: str


def covered_names(vendor: Vendor) -> Iterator[CoveredName]:
    """Every name of a vendor and of its related companies and brands, with validity windows."""
    for n in (vendor.name, *vendor.names):
        yield CoveredName(n, vendor.id, vendor.name, "self")
    for r in vendor.related:
        for n in (r.name, *r.names):
            yield CoveredName(n, vendor.id, r.name, r.relation, r.valid_from, r.valid_until, r.note)


def list_affiliates(
    entities: Iterable[ListedEntity], vendors: Iterable[Vendor]
) -> list[CoveredName]:
    """Entity List (sublist "EL") entries tied to a covered vendor by name or address.

    A row is tied when one of its names (or its remarks) contains a vendor's `list_keywords` as
    whole words, or its address contains one of `list_address_keywords` ("Huawei Base"). Each name of the row
    becomes a covered name with relation "affiliate" and the entity id as its source.
    """
    rules = []
    for v in vendors:
        words = [re.compile(rf"(?<![^\W_]){re.escape(k)}(?![^\W_])", re.I) for k in v.list_keywords]
        addrs = [
            re.compile(rf"(?<![^\W_]){re.escape(k)}(?![^\W_])", re.I)
            for k in v.list_address_keywords
        ]
        if words or addrs:
            rules.append((v, words, addrs))
    out: list[CoveredName] = []
    for e in entities:
        if e.sublist != "EL":
            continue
        for v, words, addrs in rules:
            by_name = any(p.search(n.value) for n in e.names for p in words) or any(
                p.search(e.remarks or "") for p in words
            )
            by_addr = any(p.search(a.text()) for a in e.addresses for p in addrs)
            if by_name or by_addr:
                why = "name or remarks" if by_name else "address"
                note = f"Entity List entry tied to {v.name} by {why} ({e.id})"
                out.extend(
                    CoveredName(n.value, v.id, e.name, "affiliate", note=note, source=e.id)
                    for n in e.names
                )
                break
    return out


def _keys(name: str, readings: bool = True) -> list[tuple[str, ...]]:
    """Comparison keys of a name: its tokens in order, legal forms left out.

    With `readings`, Han-only text gives both its Chinese and its Japanese reading (a query may
    be either); covered names use their primary reading only, so that a Japanese reading of a
    Chinese name cannot create accidental keys.
    """
    keys = []
    for a in variants(name) if readings else (analyze(name),):
        toks = tuple(t.text for t in a.tokens if t.kind != LEGAL)
        if toks and toks not in keys:
            keys.append(toks)
    return keys


def _words(name: str) -> set[str]:
    """Blocking keys of a name for fuzzy comparison: its distinctive words in every reading,
    plus runs of two or three adjacent words joined ("hua wei" → "huawei", so that 华为 meets
    Huawei). Generic words ("Technology", "Electronics") would send every maker to compare()."""
    out: set[str] = set()
    for a in variants(name):
        toks = [t.text for t in a.tokens if t.kind in (WORD, NUMBER)]
        out.update(toks)
        for size in (2, 3):
            out.update("".join(toks[i : i + size]) for i in range(len(toks) - size + 1))
    return out


@lru_cache(maxsize=65_536)
def _grams(word: str) -> frozenset[str]:
    w = f"^{word}$"
    return frozenset(w[i : i + 3] for i in range(len(w) - 2))


def _distinctive(name: str) -> bool:
    """True when a covered name has a word of its own (not only generic words or legal forms):
    only such names may match by containment. Two-character Han names (华为, 海思, 大华) are
    too often a substring of unrelated names (上海思源) and match exactly or fuzzily only."""
    a = analyze(name)
    if a.script not in (None, "Latn") and len(name.strip()) < 3:
        return False
    return any(t.kind in (WORD, NUMBER) for t in a.tokens)


def _evidence(name: str) -> list[str]:
    """The words of a covered name that identify it: distinctive words of its primary reading
    without place names; a name made only of generic words ("Semiconductor Manufacturing
    International") keeps all its non-legal words."""
    toks = [t for t in analyze(name).tokens if t.kind != LEGAL]
    words = [t.text for t in toks if t.kind in (WORD, NUMBER)]
    kept: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] + words[i + 1] in PLACE_WORDS:
            i += 2
            continue
        if words[i] not in PLACE_WORDS:
            kept.append(words[i])
        i += 1
    return kept or [t.text for t in toks]


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) <= SHORT_WORD:
        return False
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) >= MIN_GRAM_SHARE * max(len(ga), len(gb))


def _han_core(name: str) -> set[str]:
    """Han characters of a name outside its legal form and generic words (大华技术股份有限公司
    → {大, 华}). Pinyin makes homophones equal (达华 and 大华 are both "da hua"); the characters
    tell them apart."""
    core = name
    for t in analyze(name).tokens:
        if t.kind not in (WORD, NUMBER) and _HAN.search(t.surface):
            core = core.replace(t.surface, "")
    for place in HAN_PLACES:
        core = core.replace(place, "")
    return set(_HAN.findall(core))


def _han_ok(query: str, name: str, share: float) -> bool:
    """For a Han covered name and a Han query: more than `share` (or, for 1.0, all) of the
    covered name's core characters occur in the query (true when either side has no Han)."""
    core = _han_core(name)
    if not core or not _HAN.search(query):
        return True
    found = len(core & set(query))
    return found == len(core) if share >= 1 else found > share * len(core)


def _coverage(query_words: set[str], evidence: list[str]) -> tuple[float, bool]:
    """Share of a covered name's evidence words found in the query (exactly or nearly), and
    whether all were found exactly."""
    if not evidence:
        return 0.0, False
    exact = near = 0
    long_words = None
    for w in evidence:
        if w in query_words:
            exact += 1
            near += 1
        elif len(w) > SHORT_WORD:
            if long_words is None:
                long_words = [q for q in query_words if len(q) > SHORT_WORD]
            near += any(_similar(w, q) for q in long_words)
    return near / len(evidence), exact == len(evidence)


class VendorMatcher:
    """Finds covered names in a party name; built once per check, answers cached per string."""

    def __init__(self, names: Iterable[CoveredName], threshold: float | None = None) -> None:
        self.names = list(dict.fromkeys(names))
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self._exact: dict[tuple[str, ...], list[CoveredName]] = {}
        self._contained: dict[tuple[str, ...], list[CoveredName]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._max_len = 1
        for i, cn in enumerate(self.names):
            for key in _keys(cn.name, readings=False):
                self._exact.setdefault(key, []).append(cn)
                if _distinctive(cn.name) and len("".join(key)) >= MIN_CONTAINED_CHARS:
                    self._contained.setdefault(key, []).append(cn)
                    self._max_len = max(self._max_len, len(key))
            for tok in _words(cn.name):
                self._by_word.setdefault(tok, set()).add(i)
        self._evidence = [_evidence(cn.name) for cn in self.names]
        # Vendors with a Han-script name: a Han query is judged on those characters, never on
        # the pinyin of a Latin name alone (东莞市达华 and 大华 both read "da hua").
        self._han_entities = {cn.entity for cn in self.names if _HAN.search(cn.name)}
        self._by_gram: dict[str, set[str]] = {}
        for word in self._by_word:
            for g in _grams(word):
                self._by_gram.setdefault(g, set()).add(word)
        self._cache: dict[str, list[VendorHit]] = {}

    def match(self, query: str) -> list[VendorHit]:
        """Best hit per covered name group (vendor, entity) for one party name; cached."""
        hits = self._cache.get(query)
        if hits is None:
            hits = self._cache[query] = self._match(query)
        return hits

    def _similar_words(self, query: str) -> set[str]:
        """Covered words equal to a query word or sharing most of its trigrams (typos,
        transliteration variants: "Hikvison", "Huawey", "Dahau")."""
        out: set[str] = set()
        for word in _words(query):
            if word in self._by_word:
                out.add(word)
                continue
            if len(word) <= SHORT_WORD:  # short words must be equal (see _similar)
                continue
            grams = _grams(word)
            counts: dict[str, int] = {}
            for g in grams:
                for w in self._by_gram.get(g, ()):
                    counts[w] = counts.get(w, 0) + 1
            for w, n in counts.items():
                if n >= MIN_GRAM_SHARE * len(grams) and len(w) > SHORT_WORD and _similar(word, w):
                    out.add(w)
        return out

    def _match(self, query: str) -> list[VendorHit]:
        keys = _keys(query)
        if not keys:
            return []
        found: dict[tuple[str, str], VendorHit] = {}

        def keep(hit: VendorHit) -> None:
            k = (hit.covered.vendor, hit.covered.entity)
            old = found.get(k)
            if old is None or (hit.definite, hit.score) > (old.definite, old.score):
                found[k] = hit

        for key in keys:
            for cn in self._exact.get(key, ()):
                keep(
                    VendorHit(
                        cn,
                        query,
                        1.0,
                        "exact",
                        True,
                        f"name {query!r} is a known name of {cn.entity}",
                    )
                )
        if found:
            return list(found.values())
        candidates: set[int] = set()
        for word in self._similar_words(query):
            candidates |= self._by_word[word]
        query_words = _words(query)
        query_han = bool(_HAN.search(query))
        for i in sorted(candidates):
            cn = self.names[i]
            # compare() may score two names high on shared generic words, legal forms or a
            # city; a fuzzy hit must also contain most of the covered name's own words. This
            # test is cheap, so it runs first.
            share, all_exact = _coverage(query_words, self._evidence[i])
            if share <= 0.5 or not _han_ok(query, cn.name, 0.5):
                continue
            if query_han and cn.entity in self._han_entities and not _HAN.search(cn.name):
                continue
            cmp = compare(query, cn.name, "Company")
            # compare() holds a one-word look-alike under the threshold, because a sanctions
            # list is full of short brands one letter apart ("Sysco"/"Zisco"); against the few
            # covered vendors a look-alike brand ("Huawey") is how relabelled equipment hides
            lookalike = cmp.features.get("single_fuzzy_word") and cmp.score >= LOOKALIKE
            if cmp.score >= self.threshold or lookalike:
                definite = cmp.score >= STRONG and all_exact
                keep(VendorHit(cn, query, cmp.score, "fuzzy", definite, cmp.explanation))
        for key in keys:
            for size in range(min(self._max_len, len(key)), 0, -1):
                for start in range(len(key) - size + 1):
                    sub = key[start : start + size]
                    if sub == key:
                        continue
                    for cn in self._contained.get(sub, ()):
                        if not _han_ok(query, cn.name, 1.0):
                            continue
                        if query_han and cn.entity in self._han_entities and not _HAN.search(cn.name):
                            continue
                        keep(
                            VendorHit(
                                cn,
                                query,
                                0.0,
                                "contains",
                                False,
                                f"name {query!r} contains {cn.name!r}, a name of {cn.entity}",
                            )
                        )
        return list(found.values())


def store_affiliates(
    vendors: Iterable[Vendor], store: object | None = None
) -> tuple[list[CoveredName], list[str]]:
    """Entity List affiliates from the current snapshots of the list store, and the snapshot
    ids used. Fails (InputError) when no snapshot holds Entity List entries: the user asked
    for them, so silently checking without them would be a false "clear"."""
    from sekisho.errors import InputError
    from sekisho.lists.store import Store

    st = store if store is not None else Store.open()
    snaps = st.current_snapshots()  # type: ignore[attr-defined]
    used: list[str] = []
    entities: list[ListedEntity] = []
    for source in sorted(snaps):
        rows = [e for e in st.entities(snaps[source].id) if e.sublist == "EL"]  # type: ignore[attr-defined]
        if rows:
            used.append(snaps[source].id)
            entities.extend(rows)
    if not entities:
        raise InputError(
            "--with-lists: no Entity List entries (sublist EL) in the current lists; "
            "load the Consolidated Screening List first (sekisho lists load ...)",
            field="--with-lists",
        )
    return list_affiliates(entities, vendors), used
