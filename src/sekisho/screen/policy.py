"""The versioned policy: what list hits, items and destinations mean for a decision.

All of it is YAML we write under `sekisho/regimes/` (lists.yaml, redflags.yaml, hs.yaml,
ear/*.yaml). A policy is identified by "<human version>+<12 hex of the SHA-256 of every file's
name and text>", so a decision names the exact rules it was made under, and the records keep the
texts so that an old decision can be replayed against the policy it used.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import yaml

from sekisho.errors import FormatError
from sekisho.model import ListedEntity, Outcome, Transaction

POLICY_FILES = (
    "lists.yaml",
    "redflags.yaml",
    "hs.yaml",
    "ear/country_groups.yaml",
    "ear/country_chart.yaml",
    "ear/eccns.yaml",
)


@dataclass(frozen=True)
class ListRule:
    """One row of lists.yaml: which entities it covers and what a hit means."""

    code: str
    sources: tuple[str, ...]
    sublists: tuple[str, ...]
    programs: tuple[str, ...]
    consequence: Outcome
    rule: str
    fifty_percent: Outcome | None = None
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    otherwise: Outcome = Outcome.REVIEW

    def covers(self, entity: ListedEntity) -> bool:
        if not any(fnmatch.fnmatchcase(entity.source, s) for s in self.sources):
            return False
        if self.sublists and (entity.sublist or "") not in self.sublists:
            return False
        if self.programs:
            progs = " ".join(entity.programs).casefold()
            if not any(p.casefold() in progs for p in self.programs):
                return False
        return True

    def has_nexus(self, tx: Transaction) -> bool:
        """True when the transaction falls under this regime (no `when` = always)."""
        if not self.when:
            return True
        exporter = tx.exporter.country
        if exporter and exporter in self.when.get("exporter_in", ()):
            return True
        ship_from = tx.route.ship_from
        return bool(ship_from and ship_from in self.when.get("ship_from_in", ()))


@dataclass(frozen=True)
class Consequence:
    """What one hit means under the policy for one transaction."""

    code: str
    outcome: Outcome
    rule: str
    in_regime: bool


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


class Policy:
    """All policy tables, parsed from their YAML texts (immutable once built)."""

    def __init__(self, texts: dict[str, str]) -> None:
        missing = [name for name in POLICY_FILES if name not in texts]
        if missing:
            raise FormatError(f"policy incomplete: missing {', '.join(missing)}")
        self.texts = dict(texts)
        self.data: dict[str, Any] = {}
        for name in POLICY_FILES:
            try:
                self.data[name] = yaml.safe_load(texts[name]) or {}
            except yaml.YAMLError as exc:
                raise FormatError(f"policy file is not valid YAML: {exc}", file=name) from exc
        lists = self.data["lists.yaml"]
        self.human_version = str(lists.get("version", "0"))
        digest = hashlib.sha256()
        for name in POLICY_FILES:
            digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
        self.content_hash = digest.hexdigest()
        self.version = f"{self.human_version}+{self.content_hash[:12]}"
        self.confirm_score = float(lists.get("match", {}).get("confirm_score", 0.93))
        self.rules = tuple(self._rule(r, i) for i, r in enumerate(lists.get("rules", [])))
        self.required_sources: list[dict[str, Any]] = list(lists.get("required_sources", []))

    @staticmethod
    def _rule(raw: dict[str, Any], index: int) -> ListRule:
        try:
            fifty = raw.get("fifty_percent")
            return ListRule(
                code=str(raw["code"]),
                sources=_tuple(raw["source"]),
                sublists=_tuple(raw.get("sublist")),
                programs=_tuple(raw.get("program")),
                consequence=Outcome(raw["consequence"]),
                rule=str(raw.get("rule", "")),
                fifty_percent=Outcome(fifty) if fifty else None,
                when={k: _tuple(v) for k, v in (raw.get("when") or {}).items()},
                otherwise=Outcome(raw.get("otherwise", "review")),
            )
        except (KeyError, ValueError) as exc:
            raise FormatError(f"bad rule #{index + 1}: {exc}", file="lists.yaml") from exc

    @classmethod
    def default(cls) -> Policy:
        """The policy shipped with this version of Sekisho."""
        return _default_policy()

    @classmethod
    def from_texts(cls, texts: dict[str, str]) -> Policy:
        return cls(texts)

    # -- list hits -------------------------------------------------------------------------

    def rule_for(self, entity: ListedEntity) -> ListRule | None:
        for rule in self.rules:
            if rule.covers(entity):
                return rule
        return None

    def consequence(self, entity: ListedEntity, tx: Transaction) -> Consequence:
        """What a confirmed hit on `entity` means for `tx` (review when no rule knows the list)."""
        rule = self.rule_for(entity)
        if rule is None:
            return Consequence(
                "UNKNOWN_LIST",
                Outcome.REVIEW,
                f"no policy rule for source {entity.source!r} sublist {entity.sublist!r}",
                False,
            )
        if rule.has_nexus(tx):
            return Consequence(rule.code, rule.consequence, rule.rule, True)
        return Consequence(rule.code, rule.otherwise, rule.rule + " (no nexus: review)", False)

    # -- tables ----------------------------------------------------------------------------

    @cached_property
    def groups(self) -> dict[str, frozenset[str]]:
        """EAR country group -> ISO2 members."""
        raw = self.data["ear/country_groups.yaml"].get("groups", {})
        return {g: frozenset(members) for g, members in raw.items()}

    @cached_property
    def inherit(self) -> dict[str, str]:
        return dict(self.data["ear/country_groups.yaml"].get("inherit", {}))

    @cached_property
    def chart(self) -> dict[str, Any]:
        """Parsed country chart: rows, embargoed, column -> frozenset of marked destinations."""
        raw = self.data["ear/country_chart.yaml"]
        rows = frozenset(raw["rows"])
        columns: dict[str, frozenset[str]] = {}
        for col, spec in raw["columns"].items():
            if "marked" in spec:
                columns[col] = frozenset(spec["marked"])
            else:
                columns[col] = rows - frozenset(spec["all_rows_except"])
        return {
            "rows": rows,
            "embargoed": dict(raw.get("embargoed", {})),
            "inherit": dict(raw.get("inherit", {})),
            "columns": columns,
        }

    @property
    def ear(self) -> dict[str, Any]:
        return self.data["ear/eccns.yaml"]

    @property
    def redflags(self) -> dict[str, Any]:
        return self.data["redflags.yaml"]

    @property
    def hs_hints(self) -> dict[str, Any]:
        return self.data["hs.yaml"].get("hints", {})

    def in_groups(self, country: str | None, groups: list[str] | tuple[str, ...]) -> bool:
        """True if `country` (ISO2, after territory inheritance) is in any of `groups`."""
        if not country:
            return False
        country = self.inherit.get(country, country)
        return any(country in self.groups.get(g, frozenset()) for g in groups)


def _package_texts() -> dict[str, str]:
    root = resources.files("sekisho") / "regimes"
    return {name: (root / name).read_text(encoding="utf-8") for name in POLICY_FILES}


@lru_cache(maxsize=1)
def _default_policy() -> Policy:
    return Policy(_package_texts())
