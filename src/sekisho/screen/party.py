"""One party → ranked hits against every loaded list, failing closed.

Why this shape: the name score (match.compare) says how alike two names are; a compliance
officer also knows the party's country, date of birth and identifiers, so the hit score adds
that evidence: a strong identifier match is near-certain, a conflicting identifier of the same
type or a different birth date lowers the score, a person is not a company. Every hit carries
the snapshot ids it came from and an explanation in words.

Fail closed: with no current snapshot, or a stale source, the result lists the problem and
its outcome is "review", never an empty "no hits". A stale source is a problem; a catalogue
source that was never loaded is one only when the caller asked for it (`sources=`).

Whitelist: a cleared (party, listed entity) pair is remembered with the listed record's
content hash (`Whitelist`, a JSON file in SEKISHO_HOME); it suppresses the hit only while the
record is unchanged. Entities of "allow_*" lists are the company's cleared parties: they are
never hits themselves, and a party that matches one says so in each remaining hit.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein

from sekisho.countries import to_iso2
from sekisho.errors import InputError, StoreError
from sekisho.match import DEFAULT_THRESHOLD, compare
from sekisho.match.compare import compare_at_least
from sekisho.match.index import NameIndex
from sekisho.match.normalize import GENERIC, LEGAL, NUMBER, WORD, analyze
from sekisho.model import Identifier, ListedEntity, Schema

if TYPE_CHECKING:
    from sekisho.lists.store import Store

ALLOW_PREFIX = "allow_"
_BEYOND_LATIN = re.compile("[^\x00-\u024f\u1e00-\u1eff]")
RETRIEVE = 60  # index rows (names) compared per query at most
RELATIVE_FLOOR = 0.3  # rows scoring under 30% of the best row are not compared
_PERSON = {Schema.PERSON.value}
_ORGS = {Schema.COMPANY.value, Schema.ORGANIZATION.value}
_THINGS = {Schema.VESSEL.value, Schema.AIRCRAFT.value}
# a hit that rests on one shared word while the party's name says more is weak evidence when
# that word is common in the lists ("Gen Digital" ~ "JSC Digital Solutions"): above this share
# of all listed names a word counts as common
COMMON_WORD_SHARE = 0.001
COMMON_WORD_MIN = 20  # ... and in at least this many names (a small index says nothing)
COMMON_ANCHOR_FACTOR = 0.85
ORG_VS_PERSON_FACTOR = 0.8  # an unlabelled party with a legal form / business word vs a person
THING_EXTRA_FACTOR = 0.85  # a company name with more words than a listed vessel's / aircraft's
COUNTRY_BONUS = 0.02  # same country as listed
DOB_BONUS = 0.03  # date of birth fits
# the most non-identifier evidence can add to a name score (plus rounding to 4 decimals): an
# entity whose best name score is further below the threshold cannot become a hit, so it is
# not scored further (saves the evidence and the explanation for ~95% of candidates)
_MAX_GAIN = COUNTRY_BONUS + DOB_BONUS + 1e-4


@dataclass(frozen=True)
class Party:
    """Who is being screened (only `name` is required)."""

    name: str
    country: str | None = None
    schema: str | None = None
    dob: str | None = None
    identifiers: tuple[Identifier, ...] = ()
    address: str | None = None


@dataclass(frozen=True)
class Hit:
    """A listed entity the party may be, with the name that matched and why."""

    entity: ListedEntity
    matched_name: str
    score: float
    explanation: str
    features: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity.id,
            "source": self.entity.source,
            "sublist": self.entity.sublist,
            "schema": self.entity.schema.value,
            "name": self.entity.name,
            "matched_name": self.matched_name,
            "score": round(self.score, 4),
            "explanation": self.explanation,
            "features": self.features,
        }


@dataclass(frozen=True)
class PartyResult:
    """Hits for one party; `problems` non-empty means the screen is incomplete (review)."""

    party: Party
    hits: list[Hit]
    snapshots: list[str]
    problems: list[str]
    cleared: list[Hit] = field(default_factory=list)  # hits suppressed by the whitelist

    @property
    def outcome(self) -> str:
        """ "hits" when something matched, "review" when the screen is incomplete, else "clear"."""
        if self.problems:
            return "review"
        return "hits" if self.hits else "clear"


# ------------------------------------------------------------------------------- whitelist


def party_key(name: str) -> str:
    """Normalised form of a party name, so that "ACME Ltd." and "Acme Limited" clear alike."""
    return analyze(name).latin


class Whitelist:
    """Cleared (party, listed entity) pairs, each bound to the listed record's content hash.

    Stored as JSON (`{"cleared": [...]}`) at `path`; written atomically.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.records: list[dict[str, str]] = []
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.records = list(data.get("cleared", []))
            except (OSError, ValueError, AttributeError) as exc:
                raise StoreError(f"whitelist {path} is unreadable: {exc}") from exc

    def clear(
        self, party_name: str, entity: ListedEntity, *, reason: str, by: str = ""
    ) -> dict[str, str]:
        """Record that `party_name` is not `entity` (as the record reads today)."""
        if not reason.strip():
            raise InputError("a reason is required to clear a hit", field="reason")
        rec = {
            "party": party_key(party_name),
            "party_name": party_name,
            "entity_id": entity.id,
            "content_hash": entity.content_hash,
            "reason": reason,
            "by": by,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.records = [
            r
            for r in self.records
            if not (r["party"] == rec["party"] and r["entity_id"] == entity.id)
        ]
        self.records.append(rec)
        self._save()
        return rec

    def lookup(self, party_name: str, entity: ListedEntity) -> tuple[bool, dict | None]:
        """(cleared now?, the record if any). A record whose hash differs no longer clears."""
        key = party_key(party_name)
        for r in self.records:
            if r["party"] == key and r["entity_id"] == entity.id:
                return r["content_hash"] == entity.content_hash, r
        return False, None

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(
            json.dumps({"cleared": self.records}, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        os.replace(tmp, self.path)


# ------------------------------------------------------------------------------- evidence

_ID_CLEAN = re.compile(r"[^0-9A-Za-z]")
_STRONG_IDS = {
    "imo",
    "lei",
    "uscc",
    "isin",
    "swift_bic",
    "passport",
    "national_id",
    "tax_id",
    "registration",
    "duns",
    "crypto_wallet",
    "ogrn",
    "inn",
}


def _id_value(value: str) -> str:
    return _ID_CLEAN.sub("", value).upper()


def _dates_compatible(a: str, b: str) -> bool:
    """Partial dates and ranges: "1961" fits "1961-05-02"; "1960/1965" contains 1963."""

    def span(d: str) -> tuple[str, str]:
        if "/" in d:
            lo, hi = d.split("/", 1)
            return lo.strip(), hi.strip()
        return d.strip(), d.strip()

    alo, ahi = span(a)
    blo, bhi = span(b)
    if "/" not in a and "/" not in b:
        n = min(len(alo), len(blo))
        return alo[:n] == blo[:n]
    # compare on years for ranges
    try:
        return int(alo[:4]) <= int(bhi[:4]) and int(blo[:4]) <= int(ahi[:4])
    except ValueError:
        return False


def _entity_countries(e: ListedEntity) -> set[str]:
    out = {c.upper() for c in e.countries if c}
    out.update(a.country.upper() for a in e.addresses if a.country)
    for key in ("nationality", "citizenship"):
        out.update(c.upper() for c in e.properties.get(key, ()) if len(c) == 2)
    return out


def _schema_family(schema: str | None) -> str | None:
    if schema in _PERSON:
        return "person"
    if schema in _ORGS:
        return "org"
    if schema in _THINGS:
        return "thing"
    return None


# ------------------------------------------------------------------------------- screener


class Screener:
    """Screens parties against the current snapshots of a store (or given entities)."""

    def __init__(
        self,
        store: Store,
        *,
        sources: Iterable[str] | None = None,
        threshold: float | None = None,
        whitelist: Whitelist | None = None,
    ) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        wanted = set(sources) if sources is not None else None
        problems: list[str] = []
        try:
            status = store.status()
            current = store.current_snapshots()
        except Exception as exc:  # noqa: BLE001 - an unreadable store is a problem, not a crash
            status, current = [], {}
            problems.append(f"list store unreadable: {exc}")
        snaps = {s: snap for s, snap in current.items() if wanted is None or s in wanted}
        for st in status:
            if wanted is not None and st.source not in wanted:
                continue
            if st.state == "stale":
                age = (
                    f", {st.age_days:.0f} days old (max {st.max_age_days})"
                    if st.age_days is not None
                    else ""
                )
                problems.append(f"list {st.source} is stale{age}")
            elif st.state == "missing" and wanted is not None:
                problems.append(f"list {st.source} is not loaded")
        if not snaps:
            problems.append("no list snapshot is loaded: nothing was screened")
        snapshot_ids = sorted(snap.id for snap in snaps.values())
        entities: list[ListedEntity] = []
        for snap in snaps.values():
            try:
                entities.extend(store.entities(snap.id))
            except Exception as exc:  # noqa: BLE001
                problems.append(f"snapshot {snap.id[:12]} of {snap.source} unreadable: {exc}")
        root = Path(getattr(store, "root", Path(".")))
        cache_dir = root.parent / "cache" if root.name == "store" else root / "cache"
        index = (
            NameIndex.cached(cache_dir, snapshot_ids, entities) if entities else NameIndex.build([])
        )
        if whitelist is None:
            whitelist = Whitelist(
                root.parent / "whitelist.json" if root.name == "store" else root / "whitelist.json"
            )
        self._init(entities, snapshot_ids, problems, index, whitelist)

    @classmethod
    def from_entities(
        cls,
        entities: Iterable[ListedEntity],
        snapshots: list[str] | None = None,
        *,
        threshold: float | None = None,
        whitelist: Whitelist | None = None,
    ) -> Screener:
        """Screen against given entities (tests, benches, replays); no freshness checks."""
        self = cls.__new__(cls)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        ents = list(entities)
        problems = [] if ents else ["no listed entities given: nothing was screened"]
        self._init(
            ents,
            list(snapshots or []),
            problems,
            NameIndex.build(ents),
            whitelist or Whitelist(None),
        )
        return self

    def _init(
        self,
        entities: list[ListedEntity],
        snapshots: list[str],
        problems: list[str],
        index: NameIndex,
        whitelist: Whitelist,
    ) -> None:
        self.entities = {e.id: e for e in entities}
        self.snapshots = snapshots
        self.problems = problems
        self.index = index
        self.whitelist = whitelist
        self._by_id: dict[str, list[str]] = {}
        for e in entities:
            for ident in e.identifiers:
                v = _id_value(ident.value)
                if len(v) >= 5:
                    self._by_id.setdefault(v, []).append(e.id)

    # -- screening -------------------------------------------------------------------------

    def screen(
        self, party: Party, *, threshold: float | None = None, limit: int = 10
    ) -> PartyResult:
        """Ranked hits at or above `threshold` (default DEFAULT_THRESHOLD), best first."""
        if not party.name or not party.name.strip():
            raise InputError("party name is empty", field="name")
        thr = self.threshold if threshold is None else threshold
        country = to_iso2(party.country) if party.country else None
        if party.country and not country:
            raise InputError(f"unknown country {party.country!r}", field="country")
        # candidate names: the best index rows (several names of one entity may come back);
        # rows far below the best one are not worth a comparison
        pool: dict[str, list[str]] = {}
        ranked = self.index.search(party.name, limit=max(RETRIEVE, limit * 4), raw=True)
        if ranked:
            floor = ranked[0][1] * RELATIVE_FLOOR
            for row, sc in ranked:
                if sc < floor:
                    break
                pool.setdefault(self.index.entity_of(row), []).append(self.index.names[row])
        for ident in party.identifiers:
            for eid in self._by_id.get(_id_value(ident.value), ()):
                pool.setdefault(eid, [n.value for n in self.entities[eid].names])
        hits: list[Hit] = []
        allow_matches: list[str] = []
        for eid in pool:
            entity = self.entities.get(eid)
            if entity is None:
                continue
            hit = self._score(party, country, entity, pool[eid], floor=thr)
            if hit is None:  # provably below the threshold
                continue
            if entity.source.startswith(ALLOW_PREFIX):
                if hit.score >= thr:
                    allow_matches.append(entity.id)
                continue
            if hit.score >= thr:
                hits.append(hit)
        # among equal scores a name written in the party's own script is the more direct
        # evidence (a list that gives a subsidiary its parent's native name must not crowd
        # out the parent itself)
        own = bool(_BEYOND_LATIN.search(party.name))
        hits.sort(
            key=lambda h: (-h.score, bool(_BEYOND_LATIN.search(h.matched_name)) != own, h.entity.id)
        )
        cleared: list[Hit] = []
        kept: list[Hit] = []
        for h in hits:
            ok, rec = self.whitelist.lookup(party.name, h.entity)
            if ok:
                cleared.append(h)
                continue
            if rec is not None:
                h = _annotate(
                    h,
                    f"was cleared on {rec.get('at', '?')} but the listed record has changed since",
                    "whitelist_stale",
                )
            if allow_matches:
                h = _annotate(
                    h, f"party is on allow list ({', '.join(allow_matches[:3])})", "allow_list"
                )
            kept.append(h)
        return PartyResult(party, kept[:limit], list(self.snapshots), list(self.problems), cleared)

    def _score(
        self,
        party: Party,
        country: str | None,
        entity: ListedEntity,
        names: list[str],
        floor: float | None = None,
    ) -> Hit | None:
        """Score one entity; None when `floor` is given and the score cannot reach it (the
        party has no identifier and even full country and birth-date evidence falls short)."""
        schema = party.schema or entity.schema.value
        best = None
        best_name = entity.name
        # names scoring under `name_floor` cannot make a hit: compare_at_least drops them early
        name_floor = floor - _MAX_GAIN if floor is not None and not party.identifiers else None
        for name in names:
            if name_floor is None:
                cmp = compare(party.name, name, schema)
            else:
                cmp = compare_at_least(party.name, name, schema, name_floor)
                if cmp is None:
                    continue
            if best is None or cmp.score > best.score:
                best, best_name = cmp, name
                if cmp.score >= 1.0:
                    break
        if best is None:  # every name provably under the floor
            assert name_floor is not None
            return None
        score = best.score
        features = dict(best.features)
        features["name"] = best.score
        notes: list[str] = []
        person = entity.schema.value in _PERSON

        # identifiers
        ent_ids = {(_id_value(i.value)): i for i in entity.identifiers}
        ent_types = {i.type.lower(): _id_value(i.value) for i in entity.identifiers}
        for ident in party.identifiers:
            v = _id_value(ident.value)
            if v in ent_ids and len(v) >= 5:
                score = max(score, 0.99)
                features["identifier_match"] = 1.0
                notes.append(f"identifier {ident.type}:{ident.value} matches")
                break
            t = ident.type.lower()
            if t in ent_types and ent_types[t] != v and t in _STRONG_IDS:
                score *= 0.8
                features["identifier_conflict"] = 1.0
                notes.append(f"{ident.type} differs ({ident.value} vs listed {ent_types[t]})")
        # country
        ent_countries = _entity_countries(entity)
        if country and ent_countries:
            if country in ent_countries:
                score = min(1.0, score + COUNTRY_BONUS)
                features["country_match"] = 1.0
                notes.append(f"country {country} matches")
            elif "identifier_match" not in features:
                score -= 0.08 if person else 0.04
                features["country_conflict"] = 1.0
                notes.append(f"country {country} not in listed {', '.join(sorted(ent_countries))}")
        # date of birth
        if party.dob and entity.birth_dates and person:
            if any(_dates_compatible(party.dob, d) for d in entity.birth_dates):
                score = min(1.0, score + DOB_BONUS)
                features["dob_match"] = 1.0
                notes.append(f"date of birth {party.dob} fits")
            elif "identifier_match" not in features:
                score -= 0.15
                features["dob_conflict"] = 1.0
                notes.append(
                    f"date of birth {party.dob} differs from listed {', '.join(entity.birth_dates)}"
                )
        # schema
        pf, ef = _schema_family(party.schema), _schema_family(entity.schema.value)
        if pf and ef and pf != ef and "identifier_match" not in features:
            score *= 0.8
            features["schema_mismatch"] = 1.0
            notes.append(f"{party.schema} vs listed {entity.schema.value}")
        elif "identifier_match" not in features and score < 1.0:
            score = self._word_evidence(party, entity, best_name, score, features, notes)
        score = round(max(0.0, min(1.0, score)), 4)
        features["score"] = score
        explanation = best.explanation + ("; " + "; ".join(notes) if notes else "")
        return Hit(entity, best_name, score, explanation, features)


    def _word_evidence(
        self,
        party: Party,
        entity: ListedEntity,
        matched: str,
        score: float,
        features: dict[str, float],
        notes: list[str],
    ) -> float:
        """Lower a name score that rests on little: what kind of party the name looks like,
        and how common in the lists the one shared word is. compare() sees two names only;
        the lists' vocabulary is known here."""
        qa, ca = analyze(party.name), analyze(matched)
        q_words = {t.text for t in qa.tokens if t.kind in (WORD, NUMBER)}
        c_words = {t.text for t in ca.tokens if t.kind in (WORD, NUMBER)}
        c_all = {t.text for t in ca.tokens}
        # party words with no counterpart at all (a misspelt word still has one)
        q_extra = [
            t.text
            for t in qa.tokens
            if t.kind in (WORD, NUMBER, GENERIC) and not any(_counterpart(t.text, c) for c in c_all)
        ]
        business = [t for t in qa.tokens if t.kind in (LEGAL, GENERIC)]
        kind = entity.schema.value
        if not party.schema and kind in _PERSON and business:
            score *= ORG_VS_PERSON_FACTOR
            features["looks_like_org"] = 1.0
            notes.append(
                f"'{business[0].surface.upper()}' suggests an organisation, listed is a person"
            )
        elif party.schema not in _THINGS and kind in _THINGS and q_extra:
            score *= THING_EXTRA_FACTOR
            features["thing_extra_words"] = 1.0
            notes.append(f"listed is a {kind.lower()}; party name has more words")
        shared = q_words & c_words
        person = kind in _PERSON or party.schema in _PERSON  # given names are all common
        # ... a business word of its own counts too ("United Technologies" / "United Company")
        if len(shared) == 1 and q_extra and not person:
            word = next(iter(shared))
            share = self.index.word_share(word)
            if share > COMMON_WORD_SHARE and share * len(self.index) >= COMMON_WORD_MIN:
                score *= COMMON_ANCHOR_FACTOR
                features["common_anchor"] = round(share, 5)
                notes.append(
                    f"only '{word.upper()}' is shared and it is common in the lists "
                    f"({share:.2%} of listed names)"
                )
        return score


def _counterpart(a: str, b: str) -> bool:
    """Could `b` be `a` misspelt, abbreviated or written another way?"""
    return a[:3] == b[:3] or Levenshtein.normalized_similarity(a, b) >= 0.6


def _annotate(hit: Hit, note: str, feature: str) -> Hit:
    features = dict(hit.features)
    features[feature] = 1.0
    return Hit(hit.entity, hit.matched_name, hit.score, f"{hit.explanation}; {note}", features)
