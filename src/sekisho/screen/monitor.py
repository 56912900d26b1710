"""Delta screening: when a list changes, compare only the changed records against every
counterparty Sekisho remembers, and open review cases for new possible matches.

Cheap blocking first: an inverted index over the informative tokens of the changed records'
names (a few hundred records at most per update); each remembered counterparty looks up its own
tokens there, and only pairs sharing an informative token go through `compare()`. Re-screening
a million counterparties is then a scan of names, not a million full screenings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz.fuzz import ratio

from sekisho.match import DEFAULT_THRESHOLD, compare, vocab
from sekisho.match.normalize import NUMBER, WORD, analyze
from sekisho.model import ListedEntity
from sekisho.screen.policy import Policy

if TYPE_CHECKING:
    from sekisho.lists.store import Store
    from sekisho.records.repo import Records, StoredCounterparty

_SPLIT = re.compile(r"[^0-9a-z]+")
_KEEP = {WORD, NUMBER}
_PREFILTER = 60.0  # rapidfuzz ratio of the sorted informative words, 0-100
_WEAK = frozenset(
    [*vocab.GENERIC, *vocab.STOPWORDS, *vocab.PARTICLES]
    + [p.lower().strip(".") for forms in vocab.LEGAL_FORMS.values() for p in forms if " " not in p]
)


def _cheap_tokens(name: str) -> set[str]:
    """Tokens of a counterparty name: plain split for ASCII, full analysis otherwise."""
    if name.isascii():
        return {t for t in _SPLIT.split(name.lower()) if len(t) > 1}
    return {t.text for a in (analyze(name),) for t in a.tokens if t.kind in (WORD, NUMBER)}


def _entity_tokens(name: str) -> set[str]:
    """Informative tokens of a listed name: words and numbers (no generic words, legal forms,
    particles or initials, which would make every "Co., Ltd." a candidate)."""
    return {t.text for t in analyze(name).tokens if t.kind in _KEEP and len(t.text) > 1}


@dataclass(frozen=True)
class MonitorHit:
    counterparty: StoredCounterparty
    entity: ListedEntity
    matched_name: str
    score: float
    explanation: str


class DeltaMatcher:
    """Matches counterparties against a (small) set of changed list records.

    Blocking: a listed name is a candidate for a counterparty only when the counterparty's name
    holds at least half of the listed name's informative tokens (a true match holds most of
    them); only candidates go through `compare()`."""

    def __init__(self, entities: Iterable[ListedEntity], threshold: float | None = None) -> None:
        self.threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        self.entities = list(entities)
        self.names: list[tuple[int, str, int, str]] = []  # (entity, name, n tokens, core)
        self.index: dict[str, list[int]] = {}  # token -> indexes into self.names
        self._memo: dict[str, list[tuple[ListedEntity, str, float, str]]] = {}
        for i, e in enumerate(self.entities):
            for n in dict.fromkeys(n.value for n in e.names):
                tokens = _entity_tokens(n)
                if not tokens:
                    continue
                self.names.append((i, n, len(tokens), " ".join(sorted(tokens))))
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

    def _match_name(self, cp_name: str) -> list[tuple[ListedEntity, str, float, str]]:
        tokens = _cheap_tokens(cp_name) - _WEAK
        shared: dict[int, int] = {}
        index = self.index
        for tok in tokens:
            postings = index.get(tok)
            if postings:
                for j in postings:
                    shared[j] = shared.get(j, 0) + 1
        if not shared:
            return []
        core = " ".join(sorted(tokens))
        candidates: dict[int, list[str]] = {}
        for j, count in shared.items():
            i, name, n, name_core = self.names[j]
            # a true match holds at least half of the listed name's informative tokens, and the
            # informative words of both names read alike (cheap prefilter before compare())
            if count * 2 >= n and ratio(core, name_core) >= _PREFILTER:
                candidates.setdefault(i, []).append(name)
        hits = []
        for i, names in candidates.items():
            e = self.entities[i]
            scored = [(compare(cp_name, n, e.schema.value), n) for n in sorted(names)]
            best, name = max(scored, key=lambda cn: cn[0].score)
            if best.score >= self.threshold:
                hits.append((e, name, best.score, best.explanation))
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


def delta_screen(records: Records, entities: list[ListedEntity],
                 threshold: float | None = None) -> tuple[list[MonitorHit], int]:
    """Compare `entities` against every stored counterparty; (hits, counterparties scanned)."""
    matcher = DeltaMatcher(entities, threshold)
    hits: list[MonitorHit] = []
    n = 0
    if not matcher.index:
        return hits, records.count_counterparties()
    for batch in records.counterparties():
        n += len(batch)
        for cp in batch:
            found = matcher.match(cp)
            if found:
                hits.extend(found)
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

