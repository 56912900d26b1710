"""Candidate retrieval: find the few listed names worth comparing, without scanning them all.

Why: compare() is precise but costs tens of microseconds; a screen against ~100,000 listed
names must look at a few dozen. Every name of every entity is analysed once (same
normalisation as compare(): transliterated, legal forms and generic words classified) and
posted under
* its distinctive tokens (words, numbers) and their phonetic forms,
* adjacent token pairs written together ("hik vision" → "hikvision", pinyin "hua wei"),
* character trigrams of each distinctive token (typos, OCR slips, transliteration variants).
A query gathers postings weighted by rarity (IDF) and returns the best-scoring names; very
common postings (a trigram in 5% of all names) are skipped because they say nothing.

The index is plain data (dicts of arrays), so it pickles; `NameIndex.cached()` keeps it on disk
under `settings.home/cache/` keyed by the snapshot ids it was built from.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import os
import pickle
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import neg, truediv
from pathlib import Path

from sekisho.match.normalize import (
    GENERIC,
    INITIAL,
    NUMBER,
    PARTICLE,
    PLACE,
    WORD,
    Analysis,
    analyze,
    variants,
)
from sekisho.match.vocab import PINYIN_SYLLABLES
from sekisho.model import ListedEntity

INDEX_VERSION = 13
_DISTINCT = (WORD, NUMBER)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One retrieved name: which entity (position in the index), which of its names."""

    entity_id: str
    name: str
    score: float
    schema: str


def _trigrams(text: str) -> set[str]:
    t = f"^{text}$"
    return {t[i : i + 3] for i in range(len(t) - 2)}


_MAX_DELETE_LEN = 14
_MAX_RUN = 14  # syllables of one romanised Han chunk joined into a query key
_SOUND_ALIKE = 0.6  # a sound-alike key is weaker evidence than a one-edit neighbour


def _deletions(text: str) -> set[str]:
    """The word with one letter deleted, every way (and the word itself): two words one edit
    apart (substitution, insertion, deletion, transposition) share one of these keys."""
    out = {text}
    out.update(text[:i] + text[i + 1 :] for i in range(len(text)))
    return out


def _keys(analysis: Analysis, fuzzy: bool = True) -> Iterator[tuple[str, float]]:
    """Posting keys of one analysed name with the share of the name each stands for
    (`fuzzy=False`: without the trigram and deletion keys, which a search looks up apart)."""
    toks = analysis.tokens
    for i, t in enumerate(toks):
        if t.kind in _DISTINCT or (t.kind in (GENERIC, PARTICLE) and len(toks) == 1):
            yield "t:" + t.text, 1.0
            if t.kind == WORD and t.phon != t.text:
                yield "p:" + t.phon, 1.0
            if fuzzy and t.kind == WORD and len(t.text) >= 4:
                for g in _trigrams(t.text):
                    yield "g:" + g, 1.0
                if len(t.text) <= _MAX_DELETE_LEN:
                    for d in _deletions(t.text):
                        yield "d:" + d, 1.0
        elif t.kind == PLACE and i:  # "Huawei Technologies (Australia)": tells subsidiaries apart
            yield "t:" + t.text, 1.0
        if (
            i + 1 < len(toks)
            and t.kind in (WORD, GENERIC, PARTICLE, INITIAL)
            and toks[i + 1].kind in (WORD, GENERIC, INITIAL)
        ):
            yield "t:" + t.text + toks[i + 1].text, 1.0
            if i + 2 < len(toks) and toks[i + 2].kind in (WORD, GENERIC):
                yield "t:" + t.text + toks[i + 1].text + toks[i + 2].text, 1.0


def _whole_key(analysis: Analysis) -> str | None:
    """The whole name without legal forms and stop-words: finds "China Electronics Technology
    Group" even though every one of its words is common."""
    parts = [t.text for t in analysis.tokens if t.kind in (WORD, NUMBER, GENERIC, INITIAL)]
    return "n:" + " ".join(sorted(parts)) if parts else None


def _syllabic_whole_key(analysis: Analysis) -> str | None:
    """The whole-name key with each run of pinyin syllables written together ("hua wei" →
    "huawei"), as the pinyin of a Han name is indexed: one word per run of characters."""
    parts: list[str] = []
    run = ""
    for t in analysis.tokens:
        if t.kind in (WORD, INITIAL) and t.text in PINYIN_SYLLABLES:
            run += t.text
            continue
        if run:
            parts.append(run)
            run = ""
        if t.kind in (WORD, NUMBER, GENERIC, INITIAL):
            parts.append(t.text)
    if run:
        parts.append(run)
    return "n:" + " ".join(sorted(parts)) if parts else None


class NameIndex:
    """Inverted index over every name of every entity (see module docstring)."""

    def __init__(self) -> None:
        self.entity_ids: list[str] = []
        self.schemas: list[str] = []
        self.names: list[str] = []  # one row per (entity, name)
        self.owner = array("I")  # row -> entity position
        self.lengths = array("B")  # row -> number of tokens (long names rank a little lower)
        self.postings: dict[str, array] = {}
        self.snapshot_key: str | None = None

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, entities: Iterable[ListedEntity]) -> NameIndex:
        """Index every name of every entity (allow-list sources are indexed too; the screener
        decides what they mean)."""
        idx = cls()
        posts: dict[str, list[int]] = defaultdict(list)
        for ent in entities:
            epos = len(idx.entity_ids)
            idx.entity_ids.append(ent.id)
            idx.schemas.append(ent.schema.value)
            seen: set[str] = set()
            for name in ent.names:
                value = name.value.strip()
                if not value or value in seen:
                    continue
                seen.add(value)
                row = len(idx.names)
                idx.names.append(value)
                idx.owner.append(epos)
                idx.lengths.append(min(255, len(analyze(value).tokens)))
                keys: set[str] = set()
                for analysis in variants(value):
                    keys.update(k for k, _ in _keys(analysis))
                    whole = _whole_key(analysis)
                    if whole:
                        keys.add(whole)
                for k in keys:
                    posts[k].append(row)
        idx.postings = {k: array("I", v) for k, v in posts.items()}
        return idx

    def __len__(self) -> int:
        return len(self.names)

    # -- searching --------------------------------------------------------------------------

    def search(self, name: str, limit: int = 30, *, raw: bool = False) -> list[Candidate]:
        """Best `limit` names for a query name, best first (one entry per entity).

        Rare keys first; a key found in more than 2% of names is only scanned while fewer than
        `limit` candidates are known. Trigrams are used only for the query tokens that have no
        exact or phonetic posting (the misspelt ones), and only their rarer trigrams.
        With `raw=True`, returns the raw (row, score) pairs instead (several per entity).
        """
        n_rows = len(self.names) or 1
        cap = max(500, n_rows // 50)
        gram_cap = max(300, n_rows // 200)
        scores: dict[int, float] = defaultdict(float)
        postings = self.postings
        for analysis in variants(name):
            keys: dict[str, float] = {}  # key -> weight factor
            missing: list[str] = []
            for k, _ in _keys(analysis, fuzzy=False):
                keys[k] = 1.0
            whole = _whole_key(analysis)
            if whole:
                keys[whole] = 2.0
            syllabic = _syllabic_whole_key(analysis)
            if syllabic and syllabic != whole:
                keys[syllabic] = 2.0
            # runs of short words written apart ("hai kang wei shi" for 海康威视 = haikangweishi;
            # "a ge nei si" for 阿格内斯; a long Han chunk has a dozen syllables): one listed
            # word equal to n query words joined stands for all of them, so it weighs more
            toks = analysis.tokens
            for i in range(len(toks)):
                joined = ""
                for k in range(i, min(i + _MAX_RUN, len(toks))):
                    if toks[k].kind not in (WORD, INITIAL) or len(toks[k].text) > 6:
                        break
                    joined += toks[k].text
                    if k - i >= 3:
                        keys["t:" + joined] = (k - i + 1) / 2
            for t in analysis.tokens:
                if (
                    t.kind == WORD
                    and len(t.text) >= 4
                    and "t:" + t.text not in postings  # (a sound-alike may be the wrong one)
                ):
                    missing.append(t.text)
            found = sorted((len(postings[k]), k) for k in keys if k in postings)
            for df, k in found:
                if df > cap and len(scores) >= limit:
                    continue
                w = math.log(1 + n_rows / df) * keys[k]
                if k.startswith("p:"):
                    w *= _SOUND_ALIKE
                for r in postings[k]:
                    scores[r] += w
            near: set[str] = set()  # missing words with an indexed word one edit away
            for text in missing:  # one edit away from an indexed word
                if len(text) > _MAX_DELETE_LEN:
                    continue
                seen_rows: set[int] = set()
                for d in sorted(_deletions(text)):  # sorted: same answer whatever the hash seed
                    rows = postings.get("d:" + d)
                    if rows is None or len(rows) > cap:
                        continue
                    w = math.log(1 + n_rows / len(rows))
                    near.add(text)
                    for r in rows:
                        if r not in seen_rows:
                            seen_rows.add(r)
                            scores[r] += w
            # trigrams are for words two or more edits away: a word with a one-edit neighbour
            # has its explanation ("Heawei" is "Huawei", not "Heavy")
            if len(scores) >= limit:
                missing = [t for t in missing if t not in near]
            if missing or len(scores) < limit:
                toks = missing or [
                    t.text for t in analysis.tokens if t.kind == WORD and len(t.text) >= 4
                ]
                for text in toks:
                    grams = _trigrams(text)
                    share = 3.0 / len(grams)
                    for g in sorted(grams):
                        rows = postings.get("g:" + g)
                        if rows is None or len(rows) > gram_cap:
                            continue
                        w = math.log(1 + n_rows / len(rows)) * share
                        for r in rows:
                            scores[r] += w
        if not scores:
            return []
        # a little length normalisation: among rows sharing the query's words, shorter names
        # (fewer unmatched words) come first ("R. Wu" → "Rosalia Wu" before a 10-syllable name)
        # ranked by (score, -row): best first, ties to the earlier row, so results never
        # depend on hash order (plain tuples: compared in C, no key function per row)
        rows = list(scores)
        keyed = zip(
            map(truediv, scores.values(), map(self._divisors().__getitem__, rows)),
            map(neg, rows),
            strict=True,
        )  # built by C iterators: this runs over every scored row (hundreds to thousands)
        top = heapq.nlargest(limit if raw else limit * 4, keyed)
        ranked = [(-neg_row, sc) for sc, neg_row in top]
        if raw:
            return ranked  # type: ignore[return-value]
        out: list[Candidate] = []
        seen: set[int] = set()
        for row, sc in ranked:
            epos = self.owner[row]
            if epos in seen:
                continue
            seen.add(epos)
            out.append(Candidate(self.entity_ids[epos], self.names[row], sc, self.schemas[epos]))
            if len(out) >= limit:
                break
        return out

    def word_share(self, word: str) -> float:
        """Share of all listed names that contain `word` (a normalised token): how little a
        match resting on that word alone says. Kept with the index, so it is computed once per
        snapshot set and cached with it."""
        return len(self.postings.get("t:" + word, ())) / (len(self.names) or 1)

    def entity_of(self, row: int) -> str:
        return self.entity_ids[self.owner[row]]

    def names_of(self, entity_id: str) -> list[str]:
        """Every indexed name of one entity (used to score all names of a retrieved entity)."""
        pos = self._positions().get(entity_id)
        if pos is None:
            return []
        return [self.names[r] for r in self._rows_by_entity()[pos]]

    def _divisors(self) -> list[float]:
        """Row -> length normalisation divisor of search scores (computed once, not pickled)."""
        cached = self.__dict__.get("_div")
        if cached is None:
            cached = [1.0 + 0.05 * n for n in self.lengths]
            self.__dict__["_div"] = cached
        return cached

    def _positions(self) -> dict[str, int]:
        cached = self.__dict__.get("_pos")
        if cached is None:
            cached = {e: i for i, e in enumerate(self.entity_ids)}
            self.__dict__["_pos"] = cached
        return cached

    def _rows_by_entity(self) -> list[list[int]]:
        cached = self.__dict__.get("_rows")
        if cached is None:
            cached = [[] for _ in self.entity_ids]
            for row, epos in enumerate(self.owner):
                cached[epos].append(row)
            self.__dict__["_rows"] = cached
        return cached

    # -- disk cache -------------------------------------------------------------------------

    def __getstate__(self) -> dict:
        return {
            k: getattr(self, k)
            for k in (
                "entity_ids",
                "schemas",
                "names",
                "owner",
                "lengths",
                "postings",
                "snapshot_key",
            )
        }

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @staticmethod
    def key_for(snapshot_ids: Iterable[str]) -> str:
        h = hashlib.sha256(f"v{INDEX_VERSION}:".encode())
        for sid in sorted(snapshot_ids):
            h.update(sid.encode() + b"\n")
        return h.hexdigest()[:32]

    @classmethod
    def cached(
        cls,
        cache_dir: Path,
        snapshot_ids: list[str],
        entities: Iterable[ListedEntity] | None = None,
        load_entities=None,
    ) -> NameIndex:
        """Load the index for exactly these snapshots from `cache_dir`, or build and save it.

        `load_entities()` is only called when the index must be built. A corrupt cache file is
        rebuilt, never trusted.
        """
        key = cls.key_for(snapshot_ids)
        path = cache_dir / f"name-index-{key}.pickle"
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    idx = pickle.load(fh)
                if isinstance(idx, NameIndex) and idx.snapshot_key == key:
                    return idx
            except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt
                pass
        ents = entities if entities is not None else (load_entities() if load_entities else [])
        idx = cls.build(ents)
        idx.snapshot_key = key
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with tmp.open("wb") as fh:
            pickle.dump(idx, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return idx
