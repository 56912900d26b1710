"""What a procurement check returns: findings, unchecked parts, items, the overall verdict.

Plain frozen dataclasses with `to_dict()` for the CLI's `--json` and for the API; the verdict
and exit-code rules live here so that every interface reports them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

PROHIBITED = "prohibited"
NEEDS_REVIEW = "needs_review"
ALLOWED = "allowed_by_exception"
CLEAR = "no_prohibited_content"
RANK = {ALLOWED: 0, NEEDS_REVIEW: 1, PROHIBITED: 2}


@dataclass(frozen=True)
class Finding:
    regime: str
    regime_name: str
    vendor: str  # vendor id
    vendor_name: str
    matched_name: str  # the covered name that matched
    entity: str  # covered company or brand the name belongs to
    relation: str
    party_role: str  # manufacturer, supplier, brand/OEM
    party_name: str  # what the BOM says
    node: int
    path: tuple[str, ...]
    path_refs: tuple[str, ...]
    level: str  # product or part
    part_test: str
    test_applies: bool | None  # the part test is met (True), not met (False), unknown (None)
    verdict: str
    reason: str
    match_method: str
    match_score: float
    match_explanation: str
    where: str
    exception: str | None = None
    scope: str | None = None
    list_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "regime": self.regime,
            "vendor": self.vendor_name,
            "vendor_id": self.vendor,
            "path": list(self.path),
            "path_refs": list(self.path_refs),
            "verdict": self.verdict,
            "level": self.level,
            "part_test": self.part_test,
            "test_applies": self.test_applies,
            "reason": self.reason,
            "party": {"role": self.party_role, "name": self.party_name},
            "matched": {
                "name": self.matched_name,
                "entity": self.entity,
                "relation": self.relation,
                "method": self.match_method,
                "score": round(self.match_score, 3),
                "explanation": self.match_explanation,
            },
            "where": self.where,
        }
        for key in ("exception", "scope", "list_source"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d


@dataclass(frozen=True)
class Unchecked:
    node: int
    path: tuple[str, ...]
    ref: str
    reason: str
    where: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "ref": self.ref,
            "reason": self.reason,
            "where": self.where,
        }


@dataclass(frozen=True)
class Item:
    """One product of the BOM (a root): what the buyer would order, with its own verdict."""

    node: int
    ref: str
    name: str
    verdict: str
    findings: int
    unchecked: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "name": self.name,
            "verdict": self.verdict,
            "findings": self.findings,
            "unchecked": self.unchecked,
        }


@dataclass
class CheckResult:
    verdict: str
    findings: list[Finding]
    unchecked: list[Unchecked]
    buyer: str
    on: date
    bom: str
    part_count: int
    regimes: list[str]  # applied
    skipped: dict[str, str]  # regime id → why it does not apply
    caveats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {PROHIBITED: 12, NEEDS_REVIEW: 10}.get(self.verdict, 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "buyer": self.buyer,
            "date": self.on.isoformat(),
            "bom": self.bom,
            "parts": self.part_count,
            "regimes": self.regimes,
            "skipped_regimes": self.skipped,
            "items": [i.to_dict() for i in self.items],
            "findings": [f.to_dict() for f in self.findings],
            "unchecked": [u.to_dict() for u in self.unchecked],
            "caveats": self.caveats,
            "notes": self.notes,
        }


def overall_verdict(findings: list[Finding], unchecked: list[Unchecked]) -> str:
    """Worst verdict; allowed-by-exception counts as clear; unchecked parts mean review."""
    worst = max((RANK[f.verdict] for f in findings), default=-1)
    if worst == RANK[PROHIBITED]:
        return PROHIBITED
    if worst == RANK[NEEDS_REVIEW] or unchecked:
        return NEEDS_REVIEW
    return CLEAR
