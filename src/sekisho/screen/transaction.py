"""A whole transaction -> one Decision: parties against the lists, the policy's meaning of each
hit, the 50 % rule, item controls, red flags. Fails closed: missing or stale lists, errors while
screening, unknown ECCNs all give `review` with the reason, never `clear`.

Everything a decision depends on besides the transaction itself is captured in a `Context`
(snapshot ids per source, list problems at the time, what the records said about
counterparties), so that `replay` can re-run it later and show the same answer.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sekisho.model import (
    Decision,
    ListedEntity,
    Outcome,
    Reason,
    Transaction,
    TransactionParty,
)
from sekisho.screen.items import ItemChecker
from sekisho.screen.ownership import Ownership, Stake, name_key
from sekisho.screen.policy import Policy
from sekisho.screen.redflags import History, RedFlagChecker

if TYPE_CHECKING:
    from sekisho.lists.store import Store

log = logging.getLogger(__name__)
_CACHE_MAX = 200_000


class PartyScreener(Protocol):
    """What we need of sekisho.screen.party.Screener."""

    def screen(self, party: Any, *, threshold: float | None = None, limit: int = 10) -> Any: ...


@dataclass
class Context:
    """The world a decision was made in: list snapshots, list problems, remembered facts."""

    sources: dict[str, str]  # source id -> snapshot id
    problems: list[str] = field(default_factory=list)
    facts: dict[str, float] = field(default_factory=dict)  # history answers used
    ownership: list[dict[str, Any]] | None = None  # stakes given with the transaction
    cleared: list[str] = field(default_factory=list)  # "party name|entity id" whitelisted pairs

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"sources": dict(sorted(self.sources.items())),
                             "problems": list(self.problems),
                             "facts": dict(sorted(self.facts.items()))}
        if self.ownership is not None:
            d["ownership"] = self.ownership
        if self.cleared:
            d["cleared"] = sorted(self.cleared)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Context:
        return cls(dict(d.get("sources", {})), list(d.get("problems", [])),
                   dict(d.get("facts", {})), d.get("ownership"), list(d.get("cleared", [])))

    def ownership_graph(self) -> Ownership | None:
        if self.ownership is None:
            return None
        return Ownership([Stake(s["owner"], s["owned"], float(s["share"])) for s in self.ownership])


class _RecordingHistory:
    """Wraps a History and notes every answer in the context (for replay)."""

    def __init__(self, inner: History | None, facts: dict[str, float], replay: bool) -> None:
        self.inner, self.facts, self.replay = inner, facts, replay

    def _ask(self, key: str, fn: Callable[[], float | None]) -> float | None:
        if self.replay:
            return self.facts.get(key)
        value = fn() if self.inner is not None else None
        if value:
            self.facts[key] = value
        return value

    def parties_at_address(self, address_key: str) -> int:
        v = self._ask(f"address:{address_key}",
                      lambda: self.inner.parties_at_address(address_key))  # type: ignore[union-attr]
        return int(v or 0)

    def max_quantity(self, party_key: str, item_class: str) -> float | None:
        return self._ask(f"qty:{party_key}:{item_class}",
                         lambda: self.inner.max_quantity(party_key, item_class))  # type: ignore[union-attr]


@dataclass(frozen=True)
class DecisionResult:
    """A decision together with the context it was made in."""

    decision: Decision
    context: Context
    transaction: Transaction


_PARENS = re.compile(r"\s*[(（][^)）]*[)）]")


def same_name(name: str, entity: ListedEntity) -> bool:
    """True when the party's name is, once normalised, one of the entity's names (with or
    without a parenthesised acronym): a match strong enough to act on whatever the score."""
    from sekisho.screen.party import party_key

    key = party_key(name)
    if not key:
        return False
    for n in entity.names:
        if key == party_key(n.value) or key == party_key(_PARENS.sub("", n.value)):
            return True
    return False


@dataclass(frozen=True)
class _Hits:
    hits: list[Any]


def _label(p: TransactionParty) -> str:
    return f"{p.role.value}: {p.name}"


def _hit_evidence(hit: Any) -> dict[str, Any]:
    e: ListedEntity = hit.entity
    d: dict[str, Any] = {
        "entity_id": e.id,
        "source": e.source,
        "listed_name": e.name,
        "matched_name": hit.matched_name,
        "score": round(float(hit.score), 4),
        "explanation": hit.explanation,
    }
    if e.sublist:
        d["sublist"] = e.sublist
    if e.programs:
        d["programs"] = list(e.programs)
    if e.countries:
        d["countries"] = list(e.countries)
    if e.licence_requirement:
        d["licence_requirement"] = e.licence_requirement
    if e.licence_policy:
        d["licence_policy"] = e.licence_policy
    if e.listed_on:
        d["listed_on"] = e.listed_on
    for key in ("federal_register", "wmd_concern"):
        value = e.properties.get(key)
        if value:
            d[key] = list(value)
    return d


class TransactionScreener:
    """Decides transactions against one screener, one policy and one context."""

    def __init__(
        self,
        screener: PartyScreener,
        *,
        policy: Policy | None = None,
        sources: dict[str, str] | None = None,
        problems: Iterable[str] = (),
        history: History | None = None,
        threshold: float | None = None,
    ) -> None:
        self.screener = screener
        self.policy = policy or Policy.default()
        self.sources = dict(sources or {})
        self.problems = list(problems)
        self.history = history
        self.threshold = threshold
        self.items = ItemChecker(self.policy)
        self.flags = RedFlagChecker(self.policy)
        self._cache: dict[tuple[str, str | None, str | None], Any] = {}

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_store(cls, store: Store, *, policy: Policy | None = None,
                   history: History | None = None, threshold: float | None = None) -> TransactionScreener:
        """Screen against the store's current snapshots; stale or missing lists are problems."""
        from sekisho.screen.party import Screener

        # The screener reports stale or unreadable lists as problems of every party result.
        sources = {s: snap.id for s, snap in store.current_snapshots().items()}
        return cls(Screener(store), policy=policy, sources=sources, history=history,
                   threshold=threshold)

    @classmethod
    def from_entities(cls, entities: Iterable[ListedEntity], sources: dict[str, str], *,
                      policy: Policy | None = None, problems: Iterable[str] = (),
                      history: History | None = None,
                      threshold: float | None = None) -> TransactionScreener:
        """Screen against given entities (tests, benches, replay of recorded snapshots)."""
        from sekisho.screen.party import Screener

        screener = Screener.from_entities(list(entities), snapshots=sorted(set(sources.values())))
        return cls(screener, policy=policy, sources=sources, problems=problems, history=history,
                   threshold=threshold)

    # -- screening -------------------------------------------------------------------------

    def _screen(self, name: str, country: str | None, address: str | None) -> Any:
        from sekisho.screen.party import Party

        key = (name, country, address)
        result = self._cache.get(key)
        if result is None:
            result = self.screener.screen(Party(name=name, country=country, address=address),
                                          threshold=self.threshold)
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = result
        return result

    def decide(self, tx: Transaction, *, now: datetime | None = None,
               ownership: Ownership | None = None, context: Context | None = None) -> DecisionResult:
        """One Decision for `tx`. With `context` (replay), recorded facts replace live ones."""
        now = now or datetime.now(UTC)
        replay = context is not None
        ctx = context or Context(dict(self.sources), list(self.problems))
        history = _RecordingHistory(self.history, ctx.facts, replay)
        if replay:
            ownership = ctx.ownership_graph()
        elif ownership is not None:
            ctx.ownership = [{"owner": s.owner, "owned": s.owned, "share": s.share}
                             for s in ownership.stakes]
        reasons: list[Reason] = []
        snapshots: set[str] = set(ctx.sources.values())
        try:
            party_reasons, problems = self._parties(tx, snapshots, ctx, replay)
            if not replay:
                ctx.problems += [p for p in sorted(problems) if p not in ctx.problems]
            reasons += self._list_state(tx, ctx)
            reasons += party_reasons
            if ownership is not None:
                reasons += self._ownership(tx, ownership)
            reasons += self.items.check_destinations(tx)
            for index, item in enumerate(tx.items):
                reasons += self.items.check_item(tx, index, item)
            today = date.fromisoformat(tx.date) if tx.date else now.date()
            reasons += self.flags.check(tx, history, today)
        except Exception as exc:  # fail closed: an error is a reason to hold, never to clear
            log.exception("screening %s failed", tx.id)
            reasons.append(Reason("SCREENING_ERROR", f"screening failed: {type(exc).__name__}: {exc}",
                                  Outcome.REVIEW))
        if not any(r.outcome is not Outcome.CLEAR for r in reasons):
            reasons.append(Reason(
                "SCREENED", f"{len(tx.all_parties())} parties screened against {len(ctx.sources)} lists; "
                f"{len(tx.items)} items checked; no restriction found", Outcome.CLEAR,
                evidence={"sources": sorted(ctx.sources)}))
        outcome = Outcome.worst(r.outcome for r in reasons)
        decision = Decision(
            id=f"dec_{uuid.uuid4().hex}",
            transaction_id=tx.id,
            outcome=outcome,
            reasons=tuple(reasons),
            snapshots=tuple(sorted(snapshots)),
            policy_version=self.policy.version,
            input_digest=tx.digest,
            decided_at=now.isoformat(timespec="seconds"),
        )
        return DecisionResult(decision, ctx, tx)

    def _list_state(self, tx: Transaction, ctx: Context) -> list[Reason]:
        reasons = [Reason("LISTS_PROBLEM", p, Outcome.REVIEW, rule="fail closed: a clear needs complete, fresh lists")
                   for p in ctx.problems]
        if not ctx.sources:
            reasons.append(Reason("LISTS_MISSING", "no restricted-party list is loaded",
                                  Outcome.REVIEW, rule="fail closed"))
        for req in self.policy.required_sources:
            when = req.get("when") or {}
            if when and tx.exporter.country not in when.get("exporter_in", ()):
                continue
            if not any(s in ctx.sources for s in req["any_of"]):
                reasons.append(Reason(
                    "LIST_MISSING", f"required list not loaded: {' or '.join(req['any_of'])} ({req.get('why', '')})",
                    Outcome.REVIEW, rule="policy required_sources", evidence={"any_of": req["any_of"]}))
        return reasons

    def _hits_reasons(self, tx: Transaction, label: str, result: Any, *, name: str,
                      parent_of: str | None = None) -> list[Reason]:
        reasons: list[Reason] = []
        for hit in result.hits:
            c = self.policy.consequence(hit.entity, tx)
            evidence = _hit_evidence(hit)
            evidence["rule_code"] = c.code
            confirmed = hit.score >= self.policy.confirm_score or same_name(name, hit.entity)
            if parent_of is not None:
                outcome = Outcome.REVIEW if c.outcome is not Outcome.CLEAR else Outcome.CLEAR
                reasons.append(Reason(
                    "PARENT_LISTED" if confirmed else "PARENT_POSSIBLE_MATCH",
                    f"{parent_of}: parent {label!r} {'matches' if confirmed else 'may match'} "
                    f"{hit.entity.name!r} ({c.code}); ownership share unknown, the 50% rule may apply",
                    outcome, rule=c.rule, party=parent_of, evidence=evidence))
                continue
            if confirmed:
                reasons.append(Reason(c.code, f"{label} matches {hit.entity.name!r} on {hit.entity.source}"
                                      f"{'/' + hit.entity.sublist if hit.entity.sublist else ''}",
                                      c.outcome, rule=c.rule, party=label, evidence=evidence))
            else:
                reasons.append(Reason(
                    "POSSIBLE_MATCH", f"{label} may match {hit.entity.name!r} ({c.code}, score {hit.score:.2f})",
                    Outcome.REVIEW, rule=c.rule, party=label, evidence=evidence))
        return reasons

    def _parties(self, tx: Transaction, snapshots: set[str], ctx: Context,
                 replay: bool) -> tuple[list[Reason], set[str]]:
        """Hit reasons of every party (and named parent), and the screener's problems.

        Hits the exporter's whitelist cleared are noted (reason WHITELISTED) and kept in the
        context; a replay suppresses exactly the recorded pairs, whatever the whitelist says now."""
        reasons: list[Reason] = []
        problems: set[str] = set()
        for p in tx.all_parties():
            names = [(p.name, p.country, p.address, None)]
            if p.parent:
                names.append((p.parent, p.parent_country, None, _label(p)))
            for name, country, address, parent_of in names:
                result = self._screen(name, country, address)
                snapshots.update(result.snapshots or ())
                problems.update(result.problems or ())
                hits = list(result.hits)
                if replay:
                    cleared = [h for h in hits if f"{name}|{h.entity.id}" in ctx.cleared]
                    hits = [h for h in hits if h not in cleared]
                else:
                    cleared = list(getattr(result, "cleared", ()) or ())
                    ctx.cleared += [f"{name}|{h.entity.id}" for h in cleared
                                    if f"{name}|{h.entity.id}" not in ctx.cleared]
                label = _label(p) if parent_of is None else name
                for h in cleared:
                    reasons.append(Reason(
                        "WHITELISTED", f"{label}: hit on {h.entity.name!r} was cleared by a reviewer earlier",
                        Outcome.CLEAR, rule="whitelist (cleared while the listed record is unchanged)",
                        party=label, evidence=_hit_evidence(h)))
                reasons += self._hits_reasons(tx, label, _Hits(hits), name=name,
                                              parent_of=parent_of)
        return reasons, problems

    def _ownership(self, tx: Transaction, ownership: Ownership) -> list[Reason]:
        """50 % rule per list rule: owners screened; entities owned >= 50 % count as listed."""
        names = [p.name for p in tx.all_parties()]
        listed: dict[str, dict[str, Any]] = {}  # rule code -> {owner key: (rule, evidence)}
        for owner in ownership.ancestors(names):
            result = self._screen(owner, None, None)
            for hit in result.hits:
                if hit.score < self.policy.confirm_score and not same_name(owner, hit.entity):
                    continue
                rule = self.policy.rule_for(hit.entity)
                if rule is None or rule.fifty_percent is None:
                    continue
                listed.setdefault(rule.code, {})[name_key(owner)] = (rule, _hit_evidence(hit))
        reasons: list[Reason] = []
        for code, owners in listed.items():
            derived = ownership.derived(lambda n, o=owners: name_key(n) in o)
            rule = next(iter(owners.values()))[0]
            for p in tx.all_parties():
                d = derived.get(name_key(p.name))
                if d is None:
                    continue
                outcome = rule.fifty_percent if rule.has_nexus(tx) else Outcome.REVIEW
                reasons.append(Reason(
                    "OWNED_BY_LISTED",
                    f"{_label(p)} is owned {d.share:g}% by parties on the {code} list ({', '.join(d.roots)}): treated as listed",
                    outcome, rule=f"50% rule; {rule.rule}", party=_label(p),
                    evidence={"share": d.share, "listed_owners": list(d.roots),
                              "path": [{"owner": s.owner, "owned": s.owned, "share": s.share} for s in d.via],
                              "owner_hits": [owners[name_key(r)][1] for r in d.roots if name_key(r) in owners]}))
        return reasons
