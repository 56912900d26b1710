"""Pairwise name comparison: one calibrated score in [0, 1] and a readable explanation.

How (pure, deterministic, no I/O):
1. Both names are analysed (normalize.analyze): script-aware ASCII tokens, each classified as
   word, number, initial, particle, generic word, stop-word or legal form.
2. Tokens are aligned: exact pairs first; then compounds ("HIKVISION" ~ "Hik Vision", pinyin
   syllables "hua wei" ~ "Huawei"); acronyms ("PLA" ~ "People's Liberation Army"); then a
   greedy best-first fuzzy pass whose token similarity allows edits in proportion to the
   token's length, forgives transliteration variants (phonetic form), nicknames, initials and
   truncations, and never lets two different numbers meet. Order does not matter.
3. Each token weighs by how much it says: words 1, numbers 1.3, initials and particles less,
   generic words ("technology", "trading") 0.2, legal forms and stop-words almost nothing.
   The score is the weighted share of both names that was matched, with unmatched query
   tokens counting fully and unmatched candidate tokens a little less (lists carry middle
   names and qualifiers that a query often omits).
4. Guards keep the known false positives away: no match without at least one informative
   token matched well; generic words and legal forms alone never match; different numbers
   on both sides pull the score down.

One threshold (DEFAULT_THRESHOLD) is used for every schema; the weights were chosen on half
of nomenklatura's name-pair benchmark and checked on the other half (bench/match_quality.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, NamedTuple

from rapidfuzz.distance import (
    OSA as Levenshtein,  # edit distance counting a transposition as one edit
)

from sekisho.match import vocab
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
    skeleton,
    variants,
)

DEFAULT_THRESHOLD = 0.80

WEIGHTS = {
    WORD: 1.0,
    NUMBER: 1.3,
    INITIAL: 0.35,
    PARTICLE: 0.25,
    GENERIC: 0.2,
    LEGAL: 0.03,
    STOP: 0.03,
    PLACE: 0.45,
}
PREFIX_PLACE = 0.3
CANDIDATE_EXTRA = 0.6  # weight factor of candidate tokens the query did not mention
PERSON_CANDIDATE_EXTRA = 0.45
PERSON_QUERY_EXTRA = 0.4  # query names beyond a listed person's names that all matched
MIN_TOKEN_SIM = 0.62
SWAP_PENALTY = 1.5
GENERIC_SWAP = 0.6  # "Trust" vs "Bank", "Technology" vs "Trading": the line of business differs
HOMOPHONE = 0.7  # same pinyin, other Chinese characters ("高石" / "高市"): another name
SERIES_SCORE = 0.82  # same name, another series number: shown, but below a plain match
SIM_POWER = 1.0  # a fuzzy pair counts sim**SIM_POWER of its weight
PERSON_SIM_POWER = 1.0  # the same for people's names
_PERSON = {"Person"}
_SYLLABIC = {"Hang", "Kana", "Hira"}
_DISTINCT = {WORD, NUMBER, INITIAL}
_PLAIN = (WORD, PARTICLE)  # token kinds _pair_sim compares with token_similarity as they are
_WORDISH = (WORD, PARTICLE)  # kinds whose same text is the same token
_ORG = {"Company", "Organization", "LegalEntity", "Vessel", "Aircraft"}


class Comparison:
    """Result of compare(): score in [0, 1], named features, and an explanation in words.

    The explanation is written on first access (most comparisons in a screen are discarded
    unread, so they never pay for it).
    """

    __slots__ = ("score", "features", "_explanation")

    def __init__(
        self,
        score: float,
        features: dict[str, float] | None = None,
        explanation: str | Callable[[], str] = "",
    ) -> None:
        self.score = score
        self.features = features if features is not None else {}
        self._explanation = explanation

    @property
    def explanation(self) -> str:
        if callable(self._explanation):
            self._explanation = self._explanation()
        return self._explanation

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Comparison) and (self.score, self.features, self.explanation) == (
            other.score,
            other.features,
            other.explanation,
        )

    def __hash__(self) -> int:
        return hash((self.score, self.explanation))

    def __repr__(self) -> str:
        return f"Comparison(score={self.score!r}, explanation={self.explanation!r})"


class _Pair(NamedTuple):
    """Aligned token indices of both names (tuples: a cached Comparison keeps its pairs, and a
    tuple of atoms costs the garbage collector nothing once seen)."""

    q: tuple[int, ...]
    c: tuple[int, ...]
    sim: float
    how: str


def _weight(t: Token) -> float:
    w = WEIGHTS[t.kind]
    if t.kind == WORD and len(t.text) <= 2:
        w *= 0.6
    return w


class _Prep:
    """What compare() needs of one name's tokens beyond the tokens themselves, computed once
    per analysed name instead of once per pair (a screen compares one query with dozens of
    names, and list names recur across queries)."""

    __slots__ = (
        "tokens", "weights", "texts", "forms", "inf", "nums", "son", "firsts", "initials",
        "kinds", "text", "surface", "phon", "han", "informative", "legal", "fuzzy", "plain",
        "one", "targets", "acronyms",
    )

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens  # held so that id(tokens) stays this tuple's while cached
        self.weights = [_weight(t) for t in tokens]
        self.texts = frozenset(t.text for t in tokens) | frozenset(t.surface for t in tokens)
        # the tokens' fields as tuples (an index is cheaper than an attribute in the loops)
        self.kinds = _shared_kinds(tuple(t.kind for t in tokens))
        self.text = tuple(t.text for t in tokens)
        surface = tuple(t.surface for t in tokens)
        self.surface = self.text if surface == self.text else surface  # (one copy if equal)
        self.phon = tuple(t.phon for t in tokens)
        self.han = _shared_flags(tuple(bool(_HAN_RE.search(t.surface)) for t in tokens))  # Han
        self.informative = _shared_flags(tuple(t.kind in (WORD, NUMBER) for t in tokens))
        self.legal = _shared_ints(tuple(i for i, t in enumerate(tokens) if t.kind == LEGAL))
        # tokens the fuzzy pass of _align looks at, and those it compares as they are
        self.fuzzy = _shared_ints(
            tuple(i for i, t in enumerate(tokens) if t.kind not in (LEGAL, STOP, PLACE))
        )
        self.plain = _shared_flags(
            tuple(t.kind in _PLAIN and not h for t, h in zip(tokens, self.han, strict=True))
        )
        # the (i,) of a _Pair, made once
        self.one = _ONES if len(tokens) <= len(_ONES) else tuple((i,) for i in range(len(tokens)))
        # tokens that may be written apart in another name (_compounds) and those that may be
        # an acronym (_acronyms)
        self.targets = _shared_ints(tuple(
            i for i, t in enumerate(tokens) if t.kind in (WORD, GENERIC, PLACE) and len(t.text) >= 2
        ))
        self.acronyms = _shared_ints(
            tuple(i for i, t in enumerate(tokens) if t.kind == WORD and 2 <= len(t.text) <= 5)
        )
        self.forms = [t.surface if t.kind == GENERIC else t.text for t in tokens]
        self.inf = [i for i, t in enumerate(tokens) if t.kind in (WORD, NUMBER)]
        self.nums = frozenset(_cardinal(t.text) for t in tokens if t.kind == NUMBER) or _NONE
        self.son = any(t.text in _SON_OF for t in tokens)
        # first letters a compound or an acronym of this name can start with (see there)
        self.firsts = frozenset(f[:1] for f in self.forms[:-1])
        self.initials = frozenset(t.text[:1] for t in tokens if t.kind not in (LEGAL, STOP))


_PREPS: dict[int, _Prep] = {}
_ONES = tuple((i,) for i in range(256))
_NONE: frozenset[str] = frozenset()
# equal tuples of kinds, flags or indices recur from name to name: one copy of each (one table
# per type: (True,) == (1,))
_SHARED_KINDS: dict[tuple[str, ...], tuple[str, ...]] = {}
_SHARED_INTS: dict[tuple[int, ...], tuple[int, ...]] = {}
_SHARED_FLAGS: dict[tuple[bool, ...], tuple[bool, ...]] = {}


def _shared(t: Any, table: dict) -> Any:
    s = table.get(t)
    if s is None:
        if len(table) >= 65_536:  # bounded: past it, t itself
            return t
        s = table[t] = t
    return s


def _shared_kinds(t: tuple[str, ...]) -> tuple[str, ...]:
    return _shared(t, _SHARED_KINDS)


def _shared_ints(t: tuple[int, ...]) -> tuple[int, ...]:
    return _shared(t, _SHARED_INTS)


def _shared_flags(t: tuple[bool, ...]) -> tuple[bool, ...]:
    return _shared(t, _SHARED_FLAGS)
_PREPS_MAX = 131_072


def _prep(tokens: tuple[Token, ...]) -> _Prep:
    """_Prep of a token tuple, cached by identity (analyses are cached, so the same tuple
    comes back; hashing a tuple of tokens would cost more than the work saved)."""
    p = _PREPS.get(id(tokens))
    if p is None or p.tokens is not tokens:
        if len(_PREPS) >= _PREPS_MAX:
            _PREPS.clear()
        p = _PREPS[id(tokens)] = _Prep(tokens)
    return p


_EQUAL: dict[tuple[int, int], _Pair] = {}  # _Pair((i,), (j,), 1.0, "="): the commonest pair


def _equal(i: int, j: int) -> _Pair:
    p = _EQUAL.get((i, j))
    if p is None:
        p = _Pair((i,), (j,), 1.0, "=")
        if i < 64 and j < 64:
            _EQUAL[(i, j)] = p
    return p


def _budget(n: int) -> int:
    """Edits allowed in a token of length n (look-alike and transliteration variants aside)."""
    if n <= 2:
        return 0
    if n == 3:
        return 1
    if n <= 6:
        return 1
    if n <= 10:
        return 2
    return 3


@lru_cache(maxsize=1_048_576)
def token_similarity(a: str, b: str, pa: str, pb: str, person: bool) -> tuple[float, str]:
    """Similarity of two word tokens in [0, 1] and how it was found."""
    if a == b:
        return 1.0, "="
    if a.isdigit() or b.isdigit():
        return 0.0, ""
    if person and len(a) == len(b) >= 4 and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}:
        return 0.0, ""  # "Antonia" / "Antonio", "Maria" / "Mario": a woman's and a man's name
    same_onset = _onset(a) == _onset(b)  # "Aimee" does not sound like "Jimmy"
    if pa == pb and min(len(pa), len(pb)) >= 4 and same_onset:  # ("Cox" sounds "koks")
        return 0.95, "sounds like"
    na, nb = vocab.NICKNAMES.get(a, a), vocab.NICKNAMES.get(b, b)
    if na == nb:
        return 0.9, "short form of"
    la, lb = len(a), len(b)
    n = max(la, lb)
    # distances past the budget are not used: the cutoff lets rapidfuzz stop early
    dist = Levenshtein.distance(a, b, score_cutoff=_budget(n))
    pdist = Levenshtein.distance(pa, pb, score_cutoff=_budget(max(len(pa), len(pb))))
    best = 0.0
    how = ""
    if dist <= _budget(n):
        best, how = 1.0 - dist / (n + 2), "~"
        if dist == 1 and la == lb and sorted(a) == sorted(b):
            how = "has two letters swapped from"  # a typing slip, not another name
    if pdist <= _budget(max(len(pa), len(pb))) and min(la, lb) >= 4 and same_onset:
        s = 0.97 - pdist / (max(len(pa), len(pb)) + 2)
        if s > best:
            best, how = s, "sounds like"
    # abjad romanisation without vowels ("mhmd") vs a vowelled spelling ("mohammed"); two
    # vowelless tokens, or a vowelless one of three letters, are acronyms ("CSX" / "CSSC",
    # "TJX" / "TAJK"): different letters are different names
    va, vb = (_vowelless(a), _vowelless(b)) if best < 0.8 else (False, False)
    if (
        best < 0.8
        and va != vb
        and len(a if va else b) >= 4
        and min(la, lb) >= 3
        and skeleton(a) == skeleton(b)
    ):
        best, how = 0.85, "same consonants as"
    # truncation: a prefix of at least 4 letters ("Compan" / "Company", "Ben" / "Benjamin")
    short, long_ = (a, b) if la < lb else (b, a)
    if (
        (len(short) >= 5 or len(short) * 5 >= len(long_) * 3)
        and len(short) >= 4
        and long_.startswith(short)
        and best < 0.8
        and long_[len(short):] not in _SUFFIXES  # "Progressive" is not a cut "Progress"
    ):
        best, how = 0.8, "truncates"
    elif person and len(short) >= 3 and long_.startswith(short) and best < 0.7:
        best, how = 0.7, "truncates"
    if how == "truncates" and long_.endswith(_PATRONYMIC_ENDINGS):
        return 0.0, ""  # "Oleksandr" is not "Oleksandrovych", his father's name
    return best, how


_SUFFIXES = frozenset(
    ["ive", "ives", "ing", "ings", "ion", "ions", "al", "ed", "er", "ers", "ity", "ic", "ics", "ism", "ist", "ists", "ness", "ment", "ments", "ly", "ous", "ure", "es", "s"]
)
_PATRONYMIC_ENDINGS = ("ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna")


def _ancestral(tokens: tuple[Token, ...], j: int) -> bool:
    """A father's name: a patronymic ("Viktorovich") or a name after "bin"/"ibn"."""
    return tokens[j].text.endswith(_PATRONYMIC_ENDINGS) or (
        j > 0 and tokens[j - 1].text in _SON_OF and j < len(tokens) - 1
    )


_ONSET = {**dict.fromkeys("aeiouy", "a"), **dict.fromkeys("ckqg", "k"), **dict.fromkeys("szx", "s"),
          **dict.fromkeys("vwf", "v"), **dict.fromkeys("jy", "j"), **dict.fromkeys("dt", "t"),
          **dict.fromkeys("bp", "b")}


def _onset(word: str) -> str:
    """The class of a word's first sound: transliterations vary within a class (C/K, S/Z,
    V/W, D/T, U/O), another class is another name."""
    return _ONSET.get(word[:1], word[:1])


_VOWEL = re.compile("[aeiou]")
_JOINT_VENTURE = re.compile(r"(?i)\bjoint[\s-]+venture\b|\bJV\b|合资|合弁")
_HAN_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _vowelless(t: str) -> bool:
    return len(t) >= 3 and not _VOWEL.search(t, 1)


def _syllabic(a: Analysis) -> str | None:
    """"Hang" or "Kana" for a name written in Hangul or kana alone (no kanji), else None."""
    if a.script == "Hang":
        return "Hang"
    if a.script in _SYLLABIC or (a.script == "Jpan" and not _HAN_RE.search(a.original)):
        return "Kana"
    return None


def _is_person(schema: str | None) -> bool:
    return schema in _PERSON


def compare(query: str, candidate: str, schema: str | None = None) -> Comparison:
    """Compare two names; `schema` (Person, Company, ...) tunes name-order and token rules."""
    return _compare(query, candidate, schema)


@lru_cache(maxsize=65_536)
def compare_at_least(
    query: str, candidate: str, schema: str | None, floor: float
) -> Comparison | None:
    """compare(query, candidate, schema) when its score is at least `floor`, else None.

    Why: a screen compares a query with dozens of listed names and keeps only those near the
    threshold; a pair whose score before the guards (which only lower it) is already under
    the floor is dropped without computing features and guards."""
    best = _best(query, candidate, schema, floor)
    return best if best is not None and best.score >= floor else None


@lru_cache(maxsize=65_536)
def _compare(query: str, candidate: str, schema: str | None) -> Comparison:
    best = _best(query, candidate, schema, None)
    assert best is not None
    return best


def _best(query: str, candidate: str, schema: str | None, floor: float | None):
    """Best comparison over the readings of both names (None: all provably under floor)."""
    q_variants = variants(query)
    if len(q_variants) == 1 and "/" not in candidate:
        c_variants = variants(candidate)
        if len(c_variants) == 1:  # one reading each (most names): what the loops below do
            return _compare_analyses(q_variants[0], c_variants[0], schema, floor)
    best: Comparison | None = None
    # "Al-Qa'ida/Islamic Army": a slash often separates aliases written in one field
    # (but "Raytheon/Lockheed Martin Javelin Joint Venture" names a venture of two parents)
    cands = [candidate] + (
        [p for p in candidate.split("/") if p.strip()]
        if "/" in candidate and not _JOINT_VENTURE.search(candidate)
        else []
    )
    q_han = q_variants[0].script == "Hani"
    q_any_han: bool | None = None  # Han anywhere in the query (looked up when needed)
    for qi, qa in enumerate(q_variants):
        q_reading = qi > 0 and q_han  # the Japanese reading of a Han-only name
        for c in cands:
            c_variants = variants(c)
            c_han = q_reading and (c_variants[0].script == "Hani" or bool(_HAN_RE.search(c)))
            for ci, ca in enumerate(c_variants):
                c_reading = ci > 0 and c_variants[0].script == "Hani"
                if c_reading and q_any_han is None:
                    q_any_han = q_han or bool(_HAN_RE.search(query))
                if c_han or (c_reading and q_any_han):
                    continue  # two Han names meet on their characters, not on a reading
                result = _compare_analyses(qa, ca, schema, floor)
                if result is None:
                    continue
                if (q_reading or c_reading) and result.features.get("fuzzy", 0.0):
                    # a kanji reading is one guess among several: it counts only when it
                    # spells the other name exactly ("東芝" = "Toshiba"), never by likeness
                    continue
                if best is None or result.score > best.score:
                    best = result
    if best is None and floor is None:
        best = _compare_analyses(q_variants[0], variants(candidate)[0], schema)
    return best


def _compare_analyses(
    qa: Analysis, ca: Analysis, schema: str | None, floor: float | None = None
) -> Comparison | None:
    person = _is_person(schema)
    qt, ct = qa.tokens, ca.tokens
    if not qt or not ct:
        return Comparison(0.0, {"empty": 1.0}, "one of the names is empty after normalisation")
    if qa.latin == ca.latin and (
        not _HAN_RE.search(qa.original) or all(a.surface == b.surface for a, b in zip(qt, ct, strict=False))
    ):
        # same name once normalised: nothing to weigh
        return Comparison(
            1.0,
            {
                "name_match": 1.0,
                "query_unmatched": 0.0,
                "candidate_unmatched": 0.0,
                "substitution": 0.0,
                "score": 1.0,
            },
            partial(_explain_same, qt, ct),
        )
    # in a syllabic script one other block is another syllable and another name ("김종은" /
    # "김정은"): names written in it on both sides meet only on whole syllables
    q_syl, c_syl = _syllabic(qa), _syllabic(ca)
    exact = q_syl is not None and q_syl == c_syl
    pairs, q_used, c_used = _align(qt, ct, person, exact)
    if (
        floor is not None
        and not pairs
        and floor > 1e-4
        and qa.original.strip() != ca.original.strip()
    ):
        return None  # nothing aligned: the score is 0 (the equal-names case is kept below)
    qp, cp = _prep(qt), _prep(ct)
    qw, cw = qp.weights, cp.weights
    qk, ck = qp.kinds, cp.kinds
    qinf, cinf = qp.informative, cp.informative  # kind in (WORD, NUMBER)
    # a city prefix ("东莞市大华", "Shenzhen ...") says where a firm registered, less than a
    # place that qualifies the name ("Deutsche Bank (Schweiz)")
    if qk[0] == PLACE:
        qw = [PREFIX_PLACE, *qw[1:]]
    if ck[0] == PLACE:
        cw = [PREFIX_PLACE, *cw[1:]]

    # (sums below add in the order sum() would, so every score stays the same to the bit)
    matched_w = 0.0
    matched_mass = 0.0
    informative_hits = 0
    strong_hits = 0.0
    power = PERSON_SIM_POWER if person else SIM_POWER
    initial_pairs = False
    for p in pairs:
        pq, pc, sim, how = p
        wq = 0.0
        hit = False
        for i in pq:
            wq += qw[i]
            hit = hit or qinf[i]
        wc = 0.0
        for j in pc:
            wc += cw[j]
            hit = hit or cinf[j]
        w = wq + wc
        matched_w += w
        matched_mass += w * sim**power
        if sim >= 0.75 and hit:
            informative_hits += 1
            ws = 0.0
            for i in pq:
                if qinf[i]:
                    ws += qw[i]
            strong_hits += ws
        if how == "initial of":
            initial_pairs = True
    # a Chinese name has no middle or father's names: every syllable left over is a
    # different given name ("慧 申" is not "Hui Sheng Shen")
    han_person = person and bool(_HAN_RE.search(qa.original) or _HAN_RE.search(ca.original))
    extra_factor = (
        1.0 if han_person else PERSON_CANDIDATE_EXTRA if person else CANDIDATE_EXTRA
    )
    q_left = [i for i in range(len(qt)) if i not in q_used]
    c_left = [j for j in range(len(ct)) if j not in c_used]
    # sum() of nothing is the int 0 and the feature reads "0", not "0.0": Any keeps that so
    # when mypyc compiles this module (a float variable would turn it into 0.0)
    q_un: Any = sum([qw[i] for i in q_left])
    if (
        person
        and not han_person
        and len(c_used) >= 2
        and not any(ck[j] in _DISTINCT for j in c_left)
        and INITIAL not in [qk[i] for i in q_left]  # "Thomas A. Lind" says "A."
    ):
        # every name of the listed person is in the query, which says more ("Janan Mohammad
        # Ahmed Agha" / "Janan Agha"): father's and grandfather's names are often added
        q_un *= PERSON_QUERY_EXTRA
    # a listed Russian or Ukrainian name carries the father's name, which queries seldom give
    # (and an Arabic one the chain "bin Muhammad ibn Awad" of father's and grandfather's names)
    c_un = sum([
        cw[j] * (0.5 if person and _ancestral(ct, j) else 1.0) for j in c_left
    ]) * extra_factor
    # a substitution (distinctive words left over on BOTH sides) is evidence of a different
    # party, much more than a word one side merely omits ("Barack" vs "Michelle" Obama)
    q_sub = sum([qw[i] if qk[i] in _DISTINCT else GENERIC_SWAP for i in q_left
                 if qk[i] in _DISTINCT or qk[i] == GENERIC])
    c_sub = sum([cw[j] if ck[j] in _DISTINCT else GENERIC_SWAP for j in c_left
                 if ck[j] in _DISTINCT or ck[j] == GENERIC])
    # a full word met only by an initial ("Richardson" ~ "R.") while the other name keeps a
    # word of its own ("John R. Bolton"): another surname, not an abbreviated one
    if initial_pairs:
        q_sub += sum(qw[i] for p in pairs if p.how == "initial of" for i in p.q
                     if qk[i] != INITIAL)
        c_sub += sum(cw[j] for p in pairs if p.how == "initial of" for j in p.c
                     if ck[j] != INITIAL)
    swap = min(q_sub, c_sub) * SWAP_PENALTY
    denom = matched_w + q_un + c_un + swap
    score = matched_mass / denom if denom else 0.0
    # every guard below only lowers the score (keep it so, or move this line): under the
    # floor now (with room for the rounding) is under it for good, unless the names are equal
    # (the one exception, a series-number variant raised to SERIES_SCORE, needs numbers on
    # both sides)
    if (
        floor is not None
        and score < floor - 1e-4
        and qa.original.strip() != ca.original.strip()
        and not (floor - 1e-4 <= SERIES_SCORE and _numbers_of(qt, person)
                 and _numbers_of(ct, person))
    ):
        return None

    features: dict[str, float] = {
        "fuzzy": float(
            sum(
                1 for p in pairs
                if p.how not in ("=", "legal form", "acronym of")
                and not (p.how == "written together as" and p.sim >= 0.98)  # "bei xing"
            )
        ),
        "name_match": round(matched_mass / matched_w, 4) if matched_w else 0.0,
        "query_unmatched": round(q_un, 4),
        "candidate_unmatched": round(c_un, 4),
        "substitution": round(swap, 4),
    }
    notes: list[str] = []
    q_inf = _prep(qt).inf
    c_inf = _prep(ct).inf
    # guard 1: something informative must match; a name made only of generic words matches
    # only when every word matches and there are at least three ("Scientific Research
    # Institute of Communication Management Systems")
    if informative_hits == 0:
        # generic words, initials and places all matched exactly also make a name ("K
        # Logistics (China)")
        generic_pairs = sum(
            1 for p in pairs
            if any(qt[i].kind == GENERIC for i in p.q)
            or (p.how == "=" and all(qt[i].kind in (INITIAL, PLACE) for i in p.q))
        )
        leftovers = any(qt[i].kind in _DISTINCT or qt[i].kind == GENERIC for i in q_left) or any(
            ct[j].kind in _DISTINCT or ct[j].kind == GENERIC for j in c_left
        )
        if leftovers or generic_pairs < 3:
            score = min(score, 0.4)
            notes.append("no distinctive word in common")
            features["generic_only"] = 1.0
    # guard 1b: a match resting on one short word that is only similar ("Cisco" / "Zisco",
    # "FedEx" / "Pedex") is weak evidence: short brand names differ by one letter
    # ("Sysco" / "Zisco", "Alcon" / "OOO Alkon"); when anything else in the names agrees as
    # well (a legal form, "Bank of", "Holding") a slip in the one name word is the likelier
    # story ("Vital Holding S.A." / "Vitol Holding S.A.", "Skyio Inc." / "Skydio Inc.")
    strong = [p for p in pairs if p.sim >= 0.75 and any(qt[i].kind in (WORD, NUMBER) for i in p.q)]
    if len(strong) == 1 and len(pairs) == 1 and strong[0].how in (
        "~", "truncates", "sounds like (other characters)", "same consonants as", "sounds like",
    ):  # (two letters swapped is a typing slip, not another brand: "Elrpom" / "Elprom")
        longest = max(len(qt[i].text) for i in strong[0].q)
        # across scripts sound is all a transliteration keeps ("Хуавей" / "Huawei"), but a
        # romanised Hangul or kana name is spelt by rule, syllable by syllable: a look-alike
        # of it is another name ("씨젠" ssijen / "Si'EN", "オリコン" orikon / "Orion")
        if (longest < 8 and qa.script == ca.script == "Latn") or q_syl != c_syl:
            score = min(score, 0.78)
            features["single_fuzzy_word"] = 1.0
    # a name resting on one word that is only similar and starts with another letter
    # ("Softbank" / "Postbank", "MediaTek" / "Neditek"): a slip rarely hits the first letter
    if len(strong) == 1 and strong[0].how != "=" and not features.get("single_fuzzy_word"):
        p0 = strong[0]
        q0 = "".join(qt[i].text for i in p0.q)
        c0 = "".join(ct[j].text for j in p0.c)
        if (
            q0[:1] != c0[:1]
            and abs(len(q0) - len(c0)) != 1  # one letter dropped before ("Invidia") is a slip
            and p0.how not in ("acronym of", "written together as", "legal form")
        ):
            score = min(score, 0.78)
            features["single_fuzzy_word"] = 1.0
            notes.append("the one shared word starts with another letter")
    # guard 1b': a firm's name resting on one word of three letters or fewer while either
    # name has a word of its own: three letters name thousands of firms ("NEC Engineers
    # Private" is not NEC, "SDS Holdings" not the listed "SDS"); the bare name alone still
    # matches, and so does any name whose other words agree
    if (
        not person
        and len(strong) == 1
        and strong[0].how == "="
        and sum(len(qt[i].text) for i in strong[0].q) <= 3
        and (
            any(qt[i].kind in (WORD, GENERIC) for i in q_left)
            or any(ct[j].kind in (WORD, GENERIC) for j in c_left)
        )
    ):
        score = min(score, 0.78)
        features["short_anchor"] = 1.0
        notes.append("the one shared word is three letters or fewer")
    # guard 1b'': a Chinese word of one or two characters meets a Latin name on its pinyin
    # alone, and dozens of character pairs read alike ("华微" and "华为" are both "huawei"):
    # when that is all that agrees and the Chinese name says more ("华微电子" / "Huawei",
    # "精测电子" / "Shanghai Jingce"), it is a guess, not a match
    if len(strong) == 1 and not features.get("single_fuzzy_word"):
        p0 = strong[0]
        q_han = [i for i in p0.q if qp.han[i]]
        c_han = [j for j in p0.c if cp.han[j]]
        if bool(q_han) != bool(c_han):  # Chinese characters on one side only
            side, han, left = (qt, q_han, q_left) if q_han else (ct, c_han, c_left)
            if sum(len(side[k].surface) for k in han) <= 2 and any(
                side[k].kind in (WORD, GENERIC, PLACE, PARTICLE) for k in left
            ):
                score = min(score, 0.78)
                features["pinyin_only"] = 1.0
                notes.append("a short Chinese name met only by its pinyin, and it says more")
    # guard 1c: for organisations word order carries meaning ("Best Buy" is not "Buy Best")
    if not person and _inverted(pairs, qt, ct):
        score *= 0.8
        features["word_order"] = 1.0
        notes.append("words in another order")
    # guard 1d: different places qualify the names ("(France)" / "(Germany)"); a city prefix
    # ("东莞市大华" / "浙江大华") is where a firm registered and stays a question for the officer
    if any(qt[i].kind == PLACE for i in q_left if i) and any(
        ct[j].kind == PLACE for j in c_left if j
    ):
        score *= 0.8
        features["place_mismatch"] = 1.0
        notes.append("places differ")
    # guard 2: different numbers on both sides
    # (one side's numbers all on the other side is no conflict: "13th Research Institute" vs
    # "13th Research Institute (CETC 13)"; an ordinal and its cardinal are the same number)
    q_nums = _numbers_of(qt, person)
    c_nums = _numbers_of(ct, person)
    if q_nums and c_nums and not (q_nums <= c_nums or c_nums <= q_nums):
        nums = f"{', '.join(sorted(q_nums - c_nums))} vs {', '.join(sorted(c_nums - q_nums))}"
        if _series_only(qt, ct, pairs, q_left, c_left):
            # everything but the series number agrees ("Fund VII" / "Fund VIII", "Trust
            # 2004-1" / "2004-2", vessel "5" / "6"): a sister entity of the same family,
            # which an officer should see, below a plain match
            score = max(score * 0.8, SERIES_SCORE)
            features["series_number"] = 1.0
            notes.append(f"only the series number differs ({nums})")
        else:
            score *= 0.8
            features["number_mismatch"] = 1.0
            notes.append(f"numbers differ ({nums})")
    elif q_nums != c_nums and (q_nums or c_nums):
        score *= 0.92
        features["number_missing"] = 1.0
    # guard 3: a single distinctive query word against a longer distinctive candidate
    c_left_inf = [j for j in c_left if ct[j].kind in (WORD, NUMBER)]
    q_initials = [i for i in q_used if qt[i].kind == INITIAL]  # "V. Putin" says more than "Putin"
    if len(q_inf) == 1 and not q_initials and len(c_inf) >= 2 and c_left_inf and informative_hits:
        score = min(score, 0.7)
        features["single_token"] = 1.0
    elif (
        informative_hits
        and not person
        # a Chinese firm's registered name is place + brand + industry + legal form
        # ("Hebei Sinopack Electronics"): there the industry word is the firm's own
        and ct[0].kind != PLACE
        and (lines := [j for j in c_left if ct[j].kind == GENERIC and ct[j].text in vocab.BUSINESS_LINES])
    ):
        # a name against that name plus a line of business ("Fujitsu" / "Fujitsu Network
        # Solutions", "Pandora" / "Pandora Shipping Co."): one business of that name
        score = min(score, 0.78)
        features["business_line"] = 1.0
        notes.append(
            "the listed name adds a line of business ("
            + ", ".join(f"'{ct[j].surface.upper()}'" for j in lines) + ")"
        )
    # guard 4: father and son swapped around "bin"/"ibn" ("Salman bin Muhammad" is not
    # "Muhammad bin Salman")
    if _patronymic_swap(qt, ct, pairs):
        score *= 0.75
        features["patronymic_swap"] = 1.0
        notes.append("given name and father's name are swapped")
    score = max(0.0, min(1.0, score))
    if qa.original.strip() == ca.original.strip() and qa.original.strip():
        score = 1.0
    features["score"] = round(score, 4)
    return Comparison(
        round(score, 4), features, partial(_explain, qt, ct, pairs, q_left, c_left, notes)
    )


def _explain_same(qt, ct) -> str:
    return "; ".join(
        (
            f"legal form '{a.surface.upper()}' ~ '{b.surface.upper()}'"
            if a.kind == LEGAL
            else f"'{a.surface.upper()}' = '{b.surface.upper()}'"
        )
        for a, b in zip(qt, ct, strict=True)
    )


_ROMAN_LETTER = {"i": "1", "v": "5", "x": "10"}


def _numbers_of(tokens: tuple[Token, ...], person: bool) -> set[str]:
    """Numbers of a name; in an organisation's name a lone I, V or X after the first word
    is a Roman numeral ("Citigroup Capital Trust I"), not an initial."""
    out = {_cardinal(t.text) for t in tokens if t.kind == NUMBER}
    if not person:
        out.update(
            _ROMAN_LETTER[t.text]
            for k, t in enumerate(tokens)
            if k and t.kind == INITIAL and t.text in _ROMAN_LETTER
        )
    return out


def _series_only(qt, ct, pairs: list[_Pair], q_left, c_left) -> bool:
    """True when every word of both names is matched closely and only numbers are left."""
    words = [p for p in pairs if any(qt[i].kind == WORD for i in p.q)]
    if not words or any(p.sim < 0.9 for p in words):
        return False
    left = [qt[i] for i in q_left] + [ct[j] for j in c_left]
    return all(t.kind in (NUMBER, LEGAL, STOP, INITIAL) for t in left) and any(
        t.kind == NUMBER for t in left
    )


def _inverted(pairs: list[_Pair], qt, ct) -> bool:
    if len(pairs) < 2:
        return False
    seq = sorted(
        (min(p.q), min(p.c)) for p in pairs if any(qt[i].kind in (WORD, NUMBER) for i in p.q)
    )
    return any(b[1] < a[1] for a, b in zip(seq, seq[1:], strict=False))


_SON_OF = {"bin", "ibn", "ben", "bint", "ould"}


def _patronymic_swap(qt, ct, pairs: list[_Pair]) -> bool:
    if not (_prep(qt).son and _prep(ct).son):
        return False
    qmap = {i: p.c for p in pairs for i in p.q}
    for i in range(1, len(qt) - 1):
        if qt[i].text not in _SON_OF:
            continue
        before, after = qmap.get(i - 1), qmap.get(i + 1)
        sons = [j for j in range(1, len(ct) - 1) if ct[j].text in _SON_OF]
        for j in sons:
            if before and after and j + 1 in before and j - 1 in after:
                return True
    return False


def _align(qt: tuple[Token, ...], ct: tuple[Token, ...], person: bool, exact: bool = False):
    qp, cp = _prep(qt), _prep(ct)
    pairs: list[_Pair] = []
    q_used: set[int] = set()
    c_used: set[int] = set()
    qk, ck = qp.kinds, cp.kinds
    qx, cx = qp.text, cp.text
    qs, cs = qp.surface, cp.surface
    nq, nc = len(qt), len(ct)
    # 1. exact (same kind families); legal forms pair with any legal form
    ctexts = cp.texts
    for i in range(nq):
        at, asf = qx[i], qs[i]
        if at not in ctexts and asf not in ctexts:
            continue
        ak = qk[i]
        for j in range(nc):
            if j in c_used:
                continue
            bk = ck[j]
            if (
                at == cx[j] and (ak == bk or (ak in _WORDISH and bk in _WORDISH))
            ) or (asf == cs[j] and ((ak != LEGAL and bk != LEGAL) or ak != bk)):
                if ak == WORD and asf != cs[j] and qp.han[i] and cp.han[j]:
                    # same pinyin, other characters: a homophone, not the same name
                    pairs.append(
                        _Pair(qp.one[i], cp.one[j], HOMOPHONE, "sounds like (other characters)")
                    )
                else:
                    pairs.append(_equal(i, j))
                q_used.add(i)
                c_used.add(j)
                break
    if qp.legal and cp.legal:
        for i in qp.legal:
            if i in q_used:
                continue
            for j in cp.legal:
                if j not in c_used:
                    pairs.append(_Pair(qp.one[i], cp.one[j], 0.9, "legal form"))
                    q_used.add(i)
                    c_used.add(j)
                    break
    if len(q_used) == nq or len(c_used) == nc or exact:
        return pairs, q_used, c_used
    # 2. compounds: one token = several adjacent tokens of the other name
    _compounds(qt, ct, q_used, c_used, pairs, False)
    _compounds(ct, qt, c_used, q_used, pairs, True)
    # 3. acronyms: "pla" = people's liberation army
    if nq - len(q_used) != nc - len(c_used):
        _acronyms(qt, ct, q_used, c_used, pairs, False, person)
        _acronyms(ct, qt, c_used, q_used, pairs, True, person)
    # 4. fuzzy, best first (sorted on -similarity, then the indices)
    cands: list[tuple[float, int, int, str]] = []
    c_free = [j for j in cp.fuzzy if j not in c_used]
    cplain, cphon = cp.plain, cp.phon
    for i in qp.fuzzy:
        if i in q_used:
            continue
        if qp.plain[i]:
            at, ap = qx[i], qp.phon[i]
            for j in c_free:
                if cplain[j]:  # what _pair_sim does, minus a call
                    s, how = token_similarity(at, cx[j], ap, cphon[j], person)
                else:
                    s, how = _pair_sim(qt[i], ct[j], person)
                if s >= MIN_TOKEN_SIM:
                    cands.append((-s, i, j, how))
        else:
            a = qt[i]
            for j in c_free:
                s, how = _pair_sim(a, ct[j], person)
                if s >= MIN_TOKEN_SIM:
                    cands.append((-s, i, j, how))
    if cands:
        cands.sort()
        for s, i, j, how in cands:
            if i in q_used or j in c_used:
                continue
            pairs.append(_Pair(qp.one[i], cp.one[j], -s, how))
            q_used.add(i)
            c_used.add(j)
    return pairs, q_used, c_used


def _pair_sim(a: Token, b: Token, person: bool) -> tuple[float, str]:
    if _HAN_RE.search(a.surface) or _HAN_RE.search(b.surface):
        return _han_similarity(a, b)
    if a.kind == INITIAL or b.kind == INITIAL:
        if a.kind == INITIAL and b.kind == INITIAL:
            return (1.0, "=") if a.text == b.text else (0.0, "")
        if not person:  # "T-Motor" is not "Toyota Motor": initials stand for names of people
            return 0.0, ""
        other = b if a.kind == INITIAL else a
        if other.kind in (WORD, PARTICLE) and other.text[0] == (
            a.text if a.kind == INITIAL else b.text
        ):
            return 0.85, "initial of"
        return 0.0, ""
    if a.kind == NUMBER or b.kind == NUMBER:
        return (1.0, "=") if a.text == b.text else (0.0, "")
    if a.kind == GENERIC and b.kind == GENERIC:
        return (1.0, "=") if a.text == b.text else (0.0, "")
    if a.kind == GENERIC or b.kind == GENERIC:
        return max(
            token_similarity(a.text, b.text, a.phon, b.phon, person),
            token_similarity(a.surface, b.surface, a.phon, b.phon, person),
        )
    return token_similarity(a.text, b.text, a.phon, b.phon, person)


def _han_similarity(a: Token, b: Token) -> tuple[float, str]:
    """A Chinese word is its characters: one other syllable is another character and another
    name ("新天" is not "Xinlian", "梦网" is not "凌网"), so no edit distance here. Against a
    Latin spelling only the same pinyin counts."""
    if a.kind in (INITIAL, NUMBER) or b.kind in (INITIAL, NUMBER):
        return 0.0, ""
    if a.text == b.text:
        return 1.0, "="
    # pinyin keeps apart what a sound-alike key folds (x / s / sh, c / k, z / s): "旭光"
    # (xuguang) is not "Shuguang"
    return 0.0, ""


def _compounds(xs, ys, x_used, y_used, pairs, swapped: bool) -> None:
    """One token of xs written as several adjacent tokens of ys ("hikvision" / "hik vision")."""
    ny = len(ys)
    if ny - len(y_used) < 2:
        return
    prep = _prep(ys)
    xprep = _prep(xs)
    forms = prep.forms
    ykinds, yhan = prep.kinds, prep.han
    for i in xprep.targets:  # words, generic words and places of 2 letters or more
        target = xprep.forms[i]  # (the surface of a generic word, else the text)
        if i in x_used or target[:1] not in prep.firsts:  # (no token of ys but the last
            continue  # starts like target)
        short_target = len(target) < 4  # "NA" = "N A": only from single letters
        han = xprep.han[i]
        # Chinese characters spelt in pinyin: the syllables must be the same ones
        limit = 0 if han else _budget(len(target)) // 2 + (1 if len(target) >= 8 else 0)
        for j in range(ny - 1):
            # a name may start with an article or particle written apart ("van der Bilt")
            if j in y_used or ykinds[j] in (LEGAL, NUMBER) or yhan[j]:
                continue
            if ykinds[j] == STOP and (j + 1 >= ny or ykinds[j + 1] == LEGAL):
                continue
            first = forms[j]
            if first[0] != target[0] or len(first) >= len(target):
                continue
            joined = first
            # the closest run wins: "mai kao" is within reach of "maikaoer", "mai kao er" is it
            best: tuple[int, int] | None = None  # (edits, last index)
            for k in range(j + 1, min(j + 16, ny)):
                if k in y_used or ykinds[k] in (LEGAL, NUMBER) or yhan[k]:
                    break
                if short_target and (ykinds[k] != INITIAL or ykinds[j] != INITIAL):
                    break
                joined += forms[k]
                if len(joined) > len(target) + 2:
                    break
                d = Levenshtein.distance(joined, target, score_cutoff=limit)
                if d <= limit and (best is None or d < best[0]):
                    best = (d, k)
                    if d == 0:
                        break
            if best is not None:
                d, k = best
                span = tuple(range(j, k + 1))
                sim = 1.0 - d / (len(target) + 2)
                q, c = ((i,), span) if not swapped else (span, (i,))
                pairs.append(_Pair(q, c, sim * 0.98, "written together as"))
                x_used.add(i)
                y_used.update(span)
                break


def _acronyms(xs, ys, x_used, y_used, pairs, swapped: bool, person: bool) -> None:
    content: list[int] | None = None
    initials = _prep(ys).initials
    for i in _prep(xs).acronyms:  # words of 2 to 5 letters
        a = xs[i]
        if i in x_used or a.text[0] not in initials:  # (no content token of ys starts like it)
            continue
        n = len(a.text)
        if content is None:
            content = [k for k in range(len(ys)) if ys[k].kind not in (LEGAL, STOP)]
        if len(content) < n:
            continue
        for start in range(len(content) - n + 1):
            span = tuple(content[start : start + n])
            if any(k in y_used for k in span):
                continue
            if span[-1] - span[0] != n - 1 and not all(
                ys[k].kind == STOP for k in range(span[0], span[-1]) if k not in span
            ):
                continue
            if "".join(ys[k].text[0] for k in span) != a.text:
                continue
            if person and len(span) == len(content):
                continue  # "N.N." is not Nursultan Nazarbayev
            q, c = ((i,), span) if not swapped else (span, (i,))
            pairs.append(_Pair(q, c, 0.85, "acronym of"))
            x_used.add(i)
            y_used.update(span)
            break


def _explain(qt, ct, pairs: list[_Pair], q_left, c_left, notes: list[str]) -> str:
    parts: list[str] = []
    for p in sorted(pairs, key=lambda p: min(p.q)):
        qs = " ".join(qt[i].surface for i in p.q).upper()
        cs = " ".join(ct[j].surface for j in p.c).upper()
        kinds = {qt[i].kind for i in p.q}
        if LEGAL in kinds:
            parts.append(f"legal form '{qs}' ~ '{cs}'")
        elif p.how == "=":
            parts.append(f"'{qs}' = '{cs}'")
        else:
            parts.append(f"'{qs}' {p.how} '{cs}' ({p.sim:.2f})")
    if q_left:
        parts.append(
            "not found in candidate: " + ", ".join(f"'{qt[i].surface.upper()}'" for i in q_left)
        )
    if c_left:
        parts.append(
            "only in candidate: " + ", ".join(f"'{ct[j].surface.upper()}'" for j in c_left)
        )
    parts.extend(notes)
    return "; ".join(parts)


def _cardinal(number: str) -> str:
    """"13o" (the ordinal marker normalisation adds to "13th") → "13"."""
    return number[:-1] if number.endswith("o") and number[:-1].isdigit() else number
