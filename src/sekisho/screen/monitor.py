"""Delta screening: when a list changes, compare only the changed records against every
counterparty Sekisho remembers, and open review cases for new possible matches.

Three steps per remembered counterparty, cheapest first:
1. Blocking: an inverted index over the informative tokens of the changed records' names; a
   counterparty looks up its own tokens there, and a listed name is a candidate only when the
   counterparty holds at least half of its informative tokens and the informative words of
   both read alike (rapidfuzz ratio).
   Place words ("Beijing") are left out of a second ratio try: listed names never count them.
2. Bounds: `quick_bound` (cached per-token answers) then `score_bound` (pair by pair) give,
   without aligning, an upper bound of the score compare() could give; a candidate whose
   bound is under the threshold cannot be a hit.
3. compare() for what is left (a few in a thousand candidates).
Step 2 changes the cost, not the hits: it only drops pairs compare() would score under the
threshold (tests/screen/test_monitor.py checks the bounds against compare()). The bounds need
each counterparty's analysed name; it is stored with the counterparty (`encode_analysis`) so a
run does not analyse a million names again.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import OSA as Levenshtein
from rapidfuzz.distance import LCSseq
from rapidfuzz.fuzz import ratio
from rapidfuzz.process import extract
from sqlalchemy import select

from sekisho.match import DEFAULT_THRESHOLD, compare, vocab
from sekisho.match.compare import (
    CANDIDATE_EXTRA,
    MIN_TOKEN_SIM,
    PERSON_CANDIDATE_EXTRA,
    PERSON_QUERY_EXTRA,
    PREFIX_PLACE,
    SERIES_SCORE,
    _budget,
    _pair_sim,
    _weight,
)
from sekisho.match.normalize import (
    GENERIC,
    INITIAL,
    LEGAL,
    NUMBER,
    PARTICLE,
    PLACE,
    STOP,
    WORD,
    Analysis,
    Token,
    analyze,
    variants,
)
from sekisho.model import ListedEntity
from sekisho.records.models import Counterparty
from sekisho.records.repo import Records, StoredCounterparty
from sekisho.screen.policy import Policy

if TYPE_CHECKING:
    from sekisho.lists.store import Store

_WORDS = re.compile(r"[0-9a-z]{2,}")
_KEEP = {WORD, NUMBER}
_INFORMATIVE = frozenset((WORD, NUMBER))
_NO_FUZZY = frozenset((LEGAL, STOP, PLACE))
_PREFILTER = 60.0  # rapidfuzz ratio of the sorted informative words, 0-100
_PLACES = vocab.PLACE_WORDS  # qualifiers, never informative tokens of a listed name
_ROUNDING = 1e-3  # compare() rounds its score to 4 places: keep a margin under the threshold
_WEAK = frozenset(
    [*vocab.GENERIC, *vocab.STOPWORDS, *vocab.PARTICLES]
    + [p.lower().strip(".") for forms in vocab.LEGAL_FORMS.values() for p in forms if " " not in p]
)


def _cheap_tokens(name: str) -> set[str]:
    """Tokens of a counterparty name: plain split for ASCII, full analysis otherwise."""
    if name.isascii():
        return set(_WORDS.findall(name.lower()))  # the runs of two or more letters or digits
    return {t.text for a in (analyze(name),) for t in a.tokens if t.kind in (WORD, NUMBER)}


def _entity_tokens(name: str) -> set[str]:
    """Informative tokens of a listed name: words and numbers (no generic words, legal forms,
    particles or initials, which would make every "Co., Ltd." a candidate)."""
    return {t.text for t in analyze(name).tokens if t.kind in _KEEP and len(t.text) > 1}


def _readings(name: str) -> tuple[Analysis, ...]:
    """The analyses compare() tries for a listed name: each variant of the name and of its
    slash-separated parts."""
    parts = [name] + ([p for p in name.split("/") if p.strip()] if "/" in name else [])
    return tuple(a for p in parts for a in variants(p))



# ---------------------------------------------------------------------- stored analyses

_KINDS = {k: k for k in (WORD, NUMBER, INITIAL, GENERIC, LEGAL, STOP, PARTICLE, PLACE)}
_SEPARATORS = ("\x1c", "\x1d", "\x1e", "\x1f")
_ANALYSER_FILES = ("match/normalize.py", "match/vocab.py", "lists/formats/common.py")
_ANALYSER_PACKAGES = ("pyicu-wheels", "PyICU", "pypinyin", "pykakasi", "opencc-python-reimplemented")


@lru_cache(maxsize=1)
def analyser_fingerprint() -> str:
    """Changes whenever name analysis may change (its code, vocabularies, transliteration
    libraries): a stored analysis with another fingerprint is never used."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(b"monitor-analysis-1")
    for rel in _ANALYSER_FILES:
        h.update((root / rel).read_bytes())
    for pkg in _ANALYSER_PACKAGES:
        try:
            h.update(f"{pkg}={metadata.version(pkg)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{pkg}=-".encode())
    return h.hexdigest()[:16]


def encode_analysis(name: str) -> str | None:
    """Every reading of a counterparty name, as stored with the counterparty (None when the
    name holds a separator character: such a name is analysed on each run)."""
    if any(s in name for s in _SEPARATORS):
        return None
    parts = [analyser_fingerprint()]
    for a in variants(name):
        if any(s in a.latin or any(s in t.surface for t in a.tokens) for s in _SEPARATORS):
            return None
        parts.append("\x1e".join([a.latin, *map(_token_key, a.tokens)]))
    return "\x1d".join(parts)


def _token_key(t: Token) -> str:
    return f"{t.kind}\x1f{t.text}\x1f{t.surface}\x1f{t.phon}"


def _stored_readings(stored: str | None) -> list[tuple[str, list[str]]] | None:
    """(latin, token keys) of each stored reading, or None when missing or made by another
    analyser."""
    if not stored:
        return None
    parts = stored.split("\x1d")
    if parts[0] != analyser_fingerprint() or len(parts) < 2:
        return None
    out = []
    for part in parts[1:]:
        latin, *keys = part.split("\x1e")
        out.append((latin, keys))
    return out


def decode_analysis(name: str, stored: str | None) -> tuple[Analysis, ...] | None:
    """The readings stored by `encode_analysis`, or None when they are missing or were made
    by another analyser (then the name must be analysed again)."""
    readings = _stored_readings(stored)
    if readings is None:
        return None
    return tuple(Analysis(name, latin, tuple(_token_info(k)[0] for k in keys), None)
                 for latin, keys in readings)


_TOKENS: dict[str, tuple[Token, float, bool, str, str, int]] = {}


def _token_info(key: str, token: Token | None = None) -> tuple[Token, float, bool, str, str, int]:
    """(token, weight, informative, initial, first letter and length as a compound's first
    piece) of a token key; counterparty names share their words, so this is a cache."""
    info = _TOKENS.get(key)
    if info is None:
        if token is None:
            kind, text, surface, phon = key.split("\x1f")
            token = Token(text, _KINDS[kind], surface, phon)
        form = _form(token)
        piece = token.kind not in (LEGAL, NUMBER, STOP) and form
        info = (token, _weight(token), token.kind in _INFORMATIVE,
                token.text[:1] if token.kind not in (LEGAL, STOP) else "",
                form[0] if piece else "", len(form) if piece else 0)
        if len(_TOKENS) > 500_000:
            _TOKENS.clear()
        _TOKENS[key] = info
    return info


# ---------------------------------------------------------------------------- score bound


def _compound_spans(xs: tuple[Token, ...], ys: tuple[Token, ...]) -> list[tuple[int, range]]:
    """Every (x index, y span) that compare()'s compound pass could pair ("hikvision" ~ "hik
    vision"), with no token used yet: a superset of the pairs it makes in any alignment."""
    ny = len(ys)
    if ny < 2:
        return []
    out = []
    forms = [y.surface if y.kind == GENERIC else y.text for y in ys]
    for i, a in enumerate(xs):
        if a.kind not in (WORD, GENERIC) or len(a.text) < 2:
            continue
        target = a.surface if a.kind == GENERIC else a.text
        short_target = len(target) < 4
        limit = _budget(len(target)) // 2 + (1 if len(target) >= 8 else 0)
        for j in range(ny - 1):
            if ys[j].kind in (LEGAL, NUMBER):  # (a stop-word may start one: "van der bilt")
                continue
            first = forms[j]
            if first[0] != target[0] or len(first) >= len(target):
                continue
            joined = first
            for k in range(j + 1, min(j + 10, ny)):
                yk = ys[k]
                if yk.kind in (LEGAL, NUMBER):
                    break
                if short_target and (yk.kind != INITIAL or ys[j].kind != INITIAL):
                    break
                joined += forms[k]
                if len(joined) > len(target) + 2:
                    break
                if Levenshtein.distance(joined, target, score_cutoff=limit) <= limit:
                    out.append((i, range(j, k + 1)))  # every run, not only the first
    return out


def _acronym_spans(xs: tuple[Token, ...], ys: tuple[Token, ...],
                   person: bool) -> list[tuple[int, list[int]]]:
    """Every (x index, y span) compare()'s acronym pass could pair ("pla" ~ "people's
    liberation army"), with no token used yet."""
    out = []
    content: list[int] | None = None
    for i, a in enumerate(xs):
        if a.kind != WORD or not 2 <= len(a.text) <= 5:
            continue
        n = len(a.text)
        if content is None:
            content = [k for k in range(len(ys)) if ys[k].kind not in (LEGAL, STOP)]
        if len(content) < n:
            continue
        for start in range(len(content) - n + 1):
            span = content[start : start + n]
            if span[-1] - span[0] != n - 1 and not all(
                ys[k].kind == STOP for k in range(span[0], span[-1]) if k not in span
            ):
                continue
            if "".join(ys[k].text[0] for k in span) != a.text:
                continue
            if person and len(span) == len(content):
                continue
            out.append((i, span))
    return out


def score_bound(qa: Analysis, ca: Analysis, person: bool) -> float:
    """An upper bound of compare()'s score for two analysed names (one variant each).

    compare() scores matched weight / (matched weight + unmatched query weight + a share of
    the unmatched candidate weight + a substitution penalty), then its guards only lower the
    score. A word or number token that cannot pair with anything on the other side (no equal
    text, no fuzzy similarity above compare's floor, no compound or acronym reading) is
    unmatched in every alignment; counting every other token as matched with similarity 1
    bounds the score from above. Cheap next to compare(): no alignment, no guards, no
    explanation, and it rejects almost every blocked candidate of a delta screen."""
    qt, ct = qa.tokens, ca.tokens
    if not qt or not ct:
        return 0.0
    if qa.latin == ca.latin:
        return 1.0
    # only words and numbers are tested; every other token counts as matched (tokens of
    # those kinds weigh little, and assuming a match only raises the bound)
    q_open = [i for i, a in enumerate(qt) if a.kind in _INFORMATIVE]
    c_open = [j for j, b in enumerate(ct) if b.kind in _INFORMATIVE]
    q_ok = [a.kind not in _INFORMATIVE for a in qt]
    c_ok = [b.kind not in _INFORMATIVE for b in ct]
    ctexts = {b.text for b in ct} | {b.surface for b in ct}
    qtexts = {a.text for a in qt} | {a.surface for a in qt}
    for i in q_open:
        if qt[i].text in ctexts or qt[i].surface in ctexts:
            q_ok[i] = True
    for j in c_open:
        if ct[j].text in qtexts or ct[j].surface in qtexts:
            c_ok[j] = True
    # fuzzy pairs (words only: numbers pair by equal text, already seen above)
    for i, a in enumerate(qt):
        if a.kind in _NO_FUZZY:
            continue
        for j, b in enumerate(ct):
            if (q_ok[i] and c_ok[j]) or b.kind in _NO_FUZZY:
                continue
            if a.kind != WORD and b.kind != WORD:
                continue
            if _pair_sim(a, b, person)[0] >= MIN_TOKEN_SIM:
                q_ok[i] = c_ok[j] = True
    if not all(q_ok) or not all(c_ok):
        for i, span in _compound_spans(qt, ct):
            q_ok[i] = True
            for j in span:
                c_ok[j] = True
        for j, span in _compound_spans(ct, qt):
            c_ok[j] = True
            for i in span:
                q_ok[i] = True
        for i, span in _acronym_spans(qt, ct, person):
            q_ok[i] = True
            for j in span:
                c_ok[j] = True
        for j, span in _acronym_spans(ct, qt, person):
            c_ok[j] = True
            for i in span:
                q_ok[i] = True
    q_all = q_m = c_all = c_m = 0.0
    for a, ok in zip(qt, q_ok, strict=True):
        w = _weight(a)
        if ok:
            q_m += w
            q_all += w
        else:  # a place left over may weigh as little as a city prefix
            q_all += min(w, PREFIX_PLACE) if a.kind == PLACE else w
    for b, ok in zip(ct, c_ok, strict=True):
        w = _weight(b)
        if ok:
            c_m += w
            c_all += w
        else:
            c_all += min(w, PREFIX_PLACE) if b.kind == PLACE else w
    series = _has_number(qt) and _has_number(ct)
    return _ratio_bound(q_all, q_m, c_all, c_m, person, series)


def _has_number(tokens) -> bool:
    return any(t.kind in (NUMBER, INITIAL) for t in tokens)


def _ratio_bound(
    q_all: float, q_m: float, c_all: float, c_m: float, person: bool, series: bool
) -> float:
    """The share compare() computes, with every discount it may give at its most generous:
    query names beyond a listed person's (PERSON_QUERY_EXTRA), a listed father's name (half),
    and a series-number variant shown at SERIES_SCORE."""
    q_left = (q_all - q_m) * (PERSON_QUERY_EXTRA if person else 1.0)
    c_left = (c_all - c_m) * (PERSON_CANDIDATE_EXTRA * 0.5 if person else CANDIDATE_EXTRA)
    denom = q_m + q_left + c_m + c_left
    bound = (q_m + c_m) / denom if denom else 0.0
    return max(bound, SERIES_SCORE) if series else bound


def _near_substring(part: str, target: str, limit: int) -> bool:
    """True when `part` is within `limit` edits of some substring of `target`: necessary for
    `part` to be one piece of a compound written as `target` with at most `limit` edits."""
    if part in target:
        return True
    if not limit:
        return False
    n = len(part)
    if LCSseq.similarity(part, target) < n - limit:  # each edit costs at most one common letter
        return False
    for size in range(max(1, n - limit), n + limit + 1):
        for start in range(len(target) - size + 1):
            if Levenshtein.distance(part, target[start : start + size], score_cutoff=limit) <= limit:
                return True
    return False


class _Reading:
    """One analysis of a listed name, with what the quick bound needs: token weights, which
    tokens always count as matched, and a cache of what each counterparty token could pair
    with (counterparty names share most of their words, so the cache answers nearly always)."""

    __slots__ = ("analysis", "person", "weights", "total", "assumed", "acronyms", "compounds",
                 "initials", "first_pieces", "_pairs")

    def __init__(self, analysis: Analysis, person: bool) -> None:
        self.analysis = analysis
        self.person = person
        tokens = analysis.tokens
        self.weights = [_weight(b) for b in tokens]
        self.total = sum(self.weights)
        self.assumed = sum(1 << j for j, b in enumerate(tokens) if b.kind not in _INFORMATIVE)
        # listed tokens that may stand for several counterparty tokens: an acronym of their
        # initials, or a word the counterparty writes in pieces
        self.acronyms = [(1 << j, b.text) for j, b in enumerate(tokens)
                         if b.kind == WORD and 2 <= len(b.text) <= 5]
        self.compounds = [(1 << j, _form(b)[0], len(_form(b))) for j, b in enumerate(tokens)
                          if b.kind in (WORD, GENERIC) and len(b.text) >= 2 and _form(b)]
        # what a counterparty token needs to be an acronym of listed words, or to be written as
        # several listed tokens (compare()'s compound pass starts from a shorter first piece)
        self.initials = "".join(b.text[:1] for b in tokens if b.kind not in (LEGAL, STOP))
        self.first_pieces: dict[str, int] = {}
        for b in tokens[:-1]:
            f = _form(b)
            if b.kind not in (LEGAL, NUMBER, STOP) and f:
                self.first_pieces[f[0]] = min(self.first_pieces.get(f[0], len(f)), len(f))
        self._pairs: dict[str, tuple[int, int]] = {}  # token key -> masks

    def pairs(self, key: str, a: Token) -> tuple[int, int]:
        """Bit masks of this reading's tokens that counterparty token `a` could pair with, in
        any alignment: (alone, as one of several counterparty tokens). The second kind needs
        the rest of the counterparty name to agree (`_QueryShape.allows`)."""
        masks = self._pairs.get(key)
        if masks is None:
            if len(self._pairs) > 200_000:
                self._pairs.clear()
            masks = self._pairs[key] = self._token_pairs(a)
        return masks

    def _token_pairs(self, a: Token) -> tuple[int, int]:
        ct = self.analysis.tokens
        person = self.person
        mask = 0
        same = {a.text, a.surface}
        for j, b in enumerate(ct):
            if b.text in same or b.surface in same or a.kind == LEGAL == b.kind:
                mask |= 1 << j  # exact pass (and legal forms, which pair with any legal form)
            elif (a.kind not in _NO_FUZZY and b.kind not in _NO_FUZZY
                  and (a.kind == WORD or b.kind == WORD)
                  and _pair_sim(a, b, person)[0] >= MIN_TOKEN_SIM):
                mask |= 1 << j
        one = (a,)
        form = _form(a)
        if (a.kind in (WORD, GENERIC) and len(a.text) >= 2
                and self.first_pieces.get(form[:1], len(form)) < len(form)):
            for _, span in _compound_spans(one, ct):  # `a` written as several listed tokens
                for j in span:
                    mask |= 1 << j
        if a.kind == WORD and 2 <= len(a.text) <= 5 and a.text in self.initials:
            for _, span in _acronym_spans(one, ct, person):  # `a` an acronym of listed tokens
                for j in span:
                    mask |= 1 << j
        several = 0
        if a.kind not in (LEGAL, NUMBER):
            form = _form(a)
            for j, b in enumerate(ct):
                if b.kind not in (WORD, GENERIC) or len(b.text) < 2:
                    continue
                target = _form(b)
                limit = _budget(len(target)) // 2 + (1 if len(target) >= 8 else 0)
                # `a` one piece of a listed token written apart ("hik" + "vision")
                if len(form) < len(target) + 2 and _near_substring(form, target, limit):
                    several |= 1 << j
        if a.kind not in (LEGAL, STOP):
            for j, b in enumerate(ct):  # `a` one of the words a listed acronym stands for
                if b.kind == WORD and 2 <= len(b.text) <= 5 and a.text[:1] in b.text:
                    several |= 1 << j
        return mask, several


def _form(t: Token) -> str:
    """The spelling compare() joins when it looks for compounds."""
    return t.surface if t.kind == GENERIC else t.text


class _QueryShape:
    """One reading of a counterparty name as the quick bound reads it: its tokens (by key),
    weights, the initials of its words in order and the first letters of possible first
    pieces of a compound."""

    __slots__ = ("name", "latin", "items", "total", "initials", "firsts", "_analysis")

    def __init__(self, name: str, latin: str, keys: list[str],
                 tokens: tuple[Token, ...] | None = None) -> None:
        self.name = name
        self.latin = latin
        infos = [_token_info(k, tokens[i] if tokens else None) for i, k in enumerate(keys)]
        self.items = [(k, info[0], info[1], info[2]) for k, info in zip(keys, infos, strict=True)]
        self.total = sum(info[1] for info in infos)
        self.initials = "".join(info[3] for info in infos)
        firsts: dict[str, int] = {}
        for info in infos:
            if info[4]:
                firsts[info[4]] = min(firsts.get(info[4], info[5]), info[5])
        self.firsts = firsts
        self._analysis: Analysis | None = None

    @classmethod
    def of(cls, a: Analysis) -> _QueryShape:
        return cls(a.original, a.latin, [_token_key(t) for t in a.tokens], a.tokens)

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            self._analysis = Analysis(self.name, self.latin,
                                      tuple(item[1] for item in self.items), None)
        return self._analysis

    def allows(self, reading: _Reading) -> int:
        """Bits of the listed tokens that several of this name's tokens could pair with: an
        acronym whose letters are consecutive initials here, or a word whose first piece
        could start here (same first letter, shorter)."""
        allowed = 0
        for bit, text in reading.acronyms:
            if text in self.initials:
                allowed |= bit
        firsts = self.firsts
        for bit, first, n in reading.compounds:
            if firsts.get(first, n) < n:
                allowed |= bit
        return allowed


def quick_bound(query: _QueryShape, reading: _Reading) -> float:
    """A looser upper bound than `score_bound`, from cached per-token answers: each
    counterparty token is looked up, not aligned."""
    if query.latin == reading.analysis.latin:
        return 1.0
    q_all = query.total
    if not q_all:
        return 0.0
    q_m = 0.0
    mask = reading.assumed
    allowed = query.allows(reading)
    cache = reading._pairs
    for key, token, w, informative in query.items:
        masks = cache.get(key)
        if masks is None:
            masks = reading.pairs(key, token)
        m = masks[0] | (masks[1] & allowed)
        mask |= m
        if m or not informative:
            q_m += w
    c_m = sum(w for j, w in enumerate(reading.weights) if mask >> j & 1)
    # places may weigh as little as a city prefix (see score_bound)
    q_slack = sum(w - PREFIX_PLACE for _k, t, w, _i in query.items if t.kind == PLACE)
    c_slack = sum(
        w - PREFIX_PLACE
        for j, (t, w) in enumerate(zip(reading.analysis.tokens, reading.weights, strict=False))
        if t.kind == PLACE and not mask >> j & 1
    )
    c_all = reading.total - max(0.0, c_slack)
    q_all = max(q_m, q_all - max(0.0, q_slack))
    series = _has_number([t for _k, t, _w, _i in query.items]) and _has_number(
        reading.analysis.tokens
    )
    return _ratio_bound(q_all, q_m, c_all, c_m, reading.person, series)


@dataclass(frozen=True)
class MonitorHit:
    counterparty: StoredCounterparty
    entity: ListedEntity
    matched_name: str
    score: float
    explanation: str


class _ListedName:
    """One name of a changed record: what blocking needs, and (made on first use: most names
    of a large update never meet a candidate) the readings compare() analyses."""

    __slots__ = ("entity", "name", "tokens", "core", "person", "_readings")

    def __init__(self, entity: int, name: str, tokens: set[str], person: bool) -> None:
        self.entity = entity  # index into DeltaMatcher.entities
        self.name = name
        self.tokens = frozenset(tokens)  # informative tokens (blocking needs half of them)
        self.core = " ".join(sorted(tokens))  # sorted informative tokens (ratio prefilter)
        self.person = person
        self._readings: tuple[_Reading, ...] | None = None

    @property
    def readings(self) -> tuple[_Reading, ...]:
        if self._readings is None:
            self._readings = tuple(_Reading(a, self.person) for a in _readings(self.name))
        return self._readings

    def may_reach(self, query: list[_QueryShape], floor: float) -> bool:
        """False when compare() cannot score this name at `floor` or above for a
        counterparty with these readings (the quick bound first, then the exact one)."""
        return any(quick_bound(q, r) >= floor
                   and score_bound(q.analysis, r.analysis, self.person) >= floor
                   for q in query for r in self.readings)


class DeltaMatcher:
    """Matches counterparties against a (small) set of changed list records.

    Blocking: a listed name is a candidate for a counterparty only when the counterparty's name
    holds at least half of the listed name's informative tokens (a true match holds most of
    them) and the informative words read alike; a candidate then goes through `score_bound`
    and, when the bound reaches the threshold, through `compare()`."""

    def __init__(self, entities: Iterable[ListedEntity], threshold: float | None = None) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self.entities = list(entities)
        self.names: list[_ListedName] = []
        self.index: dict[str, list[int]] = {}  # token -> indexes into self.names
        self._memo: dict[str, list[tuple[ListedEntity, str, float, str]]] = {}
        self.stats: Counter[str] = Counter()  # candidates, bounded out, compared, hits
        for i, e in enumerate(self.entities):
            person = e.schema.value == "Person"
            for n in dict.fromkeys(n.value for n in e.names):
                tokens = _entity_tokens(n)
                if not tokens:
                    continue
                self.names.append(_ListedName(i, n, tokens, person))
                for tok in tokens:
                    self.index.setdefault(tok, []).append(len(self.names) - 1)

    def match(self, cp: StoredCounterparty) -> list[MonitorHit]:
        found = self._by_name(cp.name)
        return [MonitorHit(cp, *f) for f in found] if found else []

    def _by_name(self, name: str) -> list[tuple[ListedEntity, str, float, str]]:
        """Matches of one counterparty name (memoised: remembered names repeat)."""
        cached = self._memo.get(name)
        if cached is None:
            cached = self._match_name(name)
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[name] = cached
        return cached

    def _candidates(self, cp_name: str) -> dict[int, list[_ListedName]]:
        """Blocking: listed names sharing at least half of their informative tokens with the
        counterparty and reading alike, by entity."""
        index = self.index
        tokens = _cheap_tokens(cp_name) - _WEAK
        shared = Counter(chain.from_iterable(index[t] for t in tokens if t in index))
        if not shared:
            return {}
        core = " ".join(sorted(tokens))
        bare = " ".join(sorted(tokens - _PLACES)) if tokens & _PLACES else None
        names = self.names
        candidates: dict[int, list[_ListedName]] = {}
        for j, count in shared.items():
            ln = names[j]
            # a true match holds at least half of the listed name's informative tokens, and the
            # informative words of both names read alike (cheap prefilter before compare())
            if count * 2 >= len(ln.tokens) and (
                    ratio(core, ln.core, score_cutoff=_PREFILTER)
                    or (bare is not None and ratio(bare, ln.core, score_cutoff=_PREFILTER))):
                candidates.setdefault(ln.entity, []).append(ln)
        return candidates

    def _match_name(self, cp_name: str) -> list[tuple[ListedEntity, str, float, str]]:
        return self._confirm(cp_name, self._candidates(cp_name))

    def block(self, names: list[str]) -> dict[int, dict[int, list[_ListedName]]]:
        """The same blocking as `_candidates` for many counterparty names at once, listed name
        by listed name: {position in `names`: {entity: candidate names}}. The ratio prefilter
        then runs in rapidfuzz over every counterparty holding enough of a listed name's
        tokens (one call per listed name instead of one per pair)."""
        indexed = self.index.keys()
        postings: defaultdict[str, list[int]] = defaultdict(list)
        cores: list[str] = []
        bare: dict[int, str] = {}  # the core without place words, where it has any
        find = _WORDS.findall
        for k, name in enumerate(names):
            # _cheap_tokens, inlined for the common (ASCII) case: this loop sees every name
            tokens = (set(find(name.lower())) if name.isascii() else _cheap_tokens(name)) - _WEAK
            cores.append(" ".join(sorted(tokens)))
            if tokens & _PLACES:
                bare[k] = " ".join(sorted(tokens - _PLACES))
            for t in tokens & indexed:
                postings[t].append(k)
        out: dict[int, dict[int, list[_ListedName]]] = {}
        for ln in self.names:
            lists = [postings[t] for t in ln.tokens if t in postings]
            if not lists:
                continue
            need = (len(ln.tokens) + 1) // 2  # count * 2 >= informative tokens
            if need <= 1:
                cand = list(set().union(*lists)) if len(lists) > 1 else lists[0]
            else:
                counts = Counter(chain.from_iterable(lists))
                cand = [k for k, c in counts.items() if c >= need]
            if not cand:
                continue
            found = extract(ln.core, [cores[k] for k in cand], scorer=ratio,
                            score_cutoff=_PREFILTER, limit=None)
            passed = [cand[pos] for _, _, pos in found]
            if bare:
                # listed names never hold place words (they analyse as qualifiers), so a
                # counterparty's "Beijing" must not sink the prefilter: try without them too
                seen = set(passed)
                rest = [k for k in cand if k in bare and k not in seen]
                if rest:
                    again = extract(ln.core, [bare[k] for k in rest], scorer=ratio,
                                    score_cutoff=_PREFILTER, limit=None)
                    passed += [rest[pos] for _, _, pos in again]
            for k in passed:
                out.setdefault(k, {}).setdefault(ln.entity, []).append(ln)
        return out

    def match_many(self, names: list[str], stored: list[str | None] | None = None,
                   ) -> tuple[dict[str, list[tuple[ListedEntity, str, float, str]]], dict[str, str]]:
        """Hits of many counterparty names ({name: [(entity, matched name, score, why)]}, only
        names with hits) and the analyses made on the way for names whose stored analysis
        (`stored[k]`, from `encode_analysis`) was missing or stale ({name: encoded})."""
        first: dict[str, str | None] = {}
        for k, name in enumerate(names):
            if name not in first:
                first[name] = stored[k] if stored else None
        distinct = list(first)
        out = {}
        made: dict[str, str] = {}
        for k, candidates in self.block(distinct).items():
            name = distinct[k]
            stored = _stored_readings(first[name])
            if stored is None:
                query = [_QueryShape.of(a) for a in variants(name)]
                encoded = encode_analysis(name)
                if encoded:
                    made[name] = encoded
            else:
                query = [_QueryShape(name, latin, keys) for latin, keys in stored]
            found = self._confirm(name, candidates, query)
            if found:
                out[name] = found
        return out, made

    def _confirm(self, cp_name: str, candidates: dict[int, list[_ListedName]],
                 query: list[_QueryShape] | None = None,
                 ) -> list[tuple[ListedEntity, str, float, str]]:
        """Bounds, then compare(), for the blocked candidates of one counterparty name."""
        if not candidates:
            return []
        floor = self.threshold - _ROUNDING
        stats = self.stats
        query = query or [_QueryShape.of(a) for a in variants(cp_name)]
        hits = []
        for i, listed in candidates.items():
            stats["candidates"] += len(listed)
            # a name whose bound is under the threshold scores under it in compare(): it can
            # neither be a hit nor the best name of a hit
            names = [ln.name for ln in listed if ln.may_reach(query, floor)]
            stats["bounded_out"] += len(listed) - len(names)
            if not names:
                continue
            stats["compared"] += len(names)
            e = self.entities[i]
            scored = [(compare(cp_name, n, e.schema.value), n) for n in sorted(names)]
            best, name = max(scored, key=lambda cn: cn[0].score)
            if best.score >= self.threshold:
                hits.append((e, name, best.score, best.explanation))
        stats["hits"] += len(hits)
        return hits


@dataclass
class MonitorReport:
    """What one monitor run compared and found."""

    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> old/new/changed
    counterparties: int = 0
    hits: list[MonitorHit] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    affected_decisions: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "counterparties_checked": self.counterparties,
            "new_cases": self.cases,
            "hits": [{"counterparty": h.counterparty.key, "name": h.counterparty.name,
                      "entity_id": h.entity.id, "listed_name": h.entity.name,
                      "matched_name": h.matched_name, "score": round(h.score, 4),
                      "decisions": self.affected_decisions.get(h.counterparty.key, [])}
                     for h in self.hits],
        }


def changed_records(store: Store, source: str, old: str | None, new: str) -> list[ListedEntity]:
    """Records added or changed between two snapshots (all of `new` when there is no `old`)."""
    if old is None:
        return store.entities(new)
    diff = store.diff(source, old=old, new=new)
    return [*diff.added, *(c.new for c in diff.changed)]


def _stored(records: Records, batch: int = 200_000) -> Iterator[Sequence[Any]]:
    """Every stored counterparty as plain rows (key, name, country, address, analysis),
    streamed in one query: a million `StoredCounterparty` objects would cost more than the
    screening."""
    cols = select(Counterparty.key, Counterparty.name, Counterparty.country,
                  Counterparty.address, Counterparty.name_analysis)
    with records.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(cols)
        yield from result.partitions(batch)


def delta_screen(records: Records, entities: list[ListedEntity],
                 threshold: float | None = None) -> tuple[list[MonitorHit], int]:
    """Compare `entities` against every stored counterparty; (hits, counterparties scanned)."""
    matcher = DeltaMatcher(entities, threshold)
    hits: list[MonitorHit] = []
    n = 0
    if not matcher.index:
        return hits, records.count_counterparties()
    for rows in _stored(records):
        n += len(rows)
        found, made = matcher.match_many([r[1] for r in rows], [r[4] for r in rows])
        for row in rows:
            if row[1] in found:
                cp = StoredCounterparty(*row[:4])
                hits.extend(MonitorHit(cp, *f) for f in found[row[1]])
        if made:  # keep the analyses this run had to make (rows stored before they were kept)
            records.save_name_analyses({r[0]: made[r[1]] for r in rows
                                        if r[1] in made and r[4] != made[r[1]]})
    hits.sort(key=lambda h: (h.counterparty.key, h.entity.id))
    return hits, n


def run_monitor(store: Store, records: Records, *, policy: Policy | None = None,
                threshold: float | None = None, sources: Iterable[str] | None = None,
                dry_run: bool = False) -> MonitorReport:
    """Compare every source whose snapshot changed since the last run; record new cases."""
    policy = policy or Policy.default()
    state = records.monitor_state()
    current = store.current_snapshots()
    wanted = set(sources) if sources else set(current)
    report = MonitorReport()
    changed: list[tuple[str, ListedEntity]] = []
    new_state: dict[str, str] = {}
    for source, snap in sorted(current.items()):
        if source not in wanted or state.get(source) == snap.id:
            continue
        records_changed = changed_records(store, source, state.get(source), snap.id)
        report.sources[source] = {"old": state.get(source), "new": snap.id,
                                  "changed_records": len(records_changed)}
        changed += [(snap.id, e) for e in records_changed]
        new_state[source] = snap.id
    snapshot_of = {e.id: sid for sid, e in changed}
    hits, report.counterparties = delta_screen(records, [e for _, e in changed], threshold)
    if not changed:
        report.counterparties = 0
    report.hits = hits
    cases = []
    for h in hits:
        consequence = policy.rule_for(h.entity)
        what = f"{consequence.code}: {consequence.consequence.value}" if consequence else "no policy rule: review"
        report.affected_decisions[h.counterparty.key] = records.decisions_for(h.counterparty.key)
        cases.append({
            "kind": "monitor", "counterparty_key": h.counterparty.key, "decision_id": None,
            "source": h.entity.source, "snapshot_id": snapshot_of.get(h.entity.id),
            "entity_id": h.entity.id, "score": round(h.score, 4),
            "message": f"{h.counterparty.name!r} may now match {h.entity.name!r} "
                       f"({h.entity.source}{'/' + h.entity.sublist if h.entity.sublist else ''}; {what}): "
                       f"{h.explanation}",
        })
    if not dry_run and (new_state or cases):
        report.cases = records.save_monitor_run(new_state, cases)
    return report

