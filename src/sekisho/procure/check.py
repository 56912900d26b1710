"""Check a BOM against procurement regimes for one buyer on one date.

For every node of the expanded BOM, every party name (manufacturer, supplier, brand/OEM) is
matched against the covered vendors of the regimes that bind the buyer and are in force on the
date. A hit becomes a finding with the path through the BOM and a verdict:

- the end product itself (a root of the BOM) → the regime's `on_product` verdict;
- a part, `any_part` test → the regime's `on_part` verdict;
- a part, "substantial or essential" / "critical technology" test → `on_part` only when the BOM
  says the part is one (`sekisho:essential` / `sekisho:critical-technology` = true); otherwise
  needs_review, because Sekisho cannot know;
- a possible (not definite) name match → needs_review;
- a vendor the regime reaches only for some uses (889 and the FCC list for Hytera, Hikvision,
  Dahua) when the BOM declares (`sekisho:purpose`) only other uses → needs_review at most;
  without a declaration the use is assumed to be covered (fail closed);
- an exception of the regime claimed on the part or on an ancestor → allowed_by_exception.

Fail closed: a part whose maker is not named ("", "unknown", "TBD"...) cannot be checked; it is
listed in `unchecked` and turns an otherwise clean result into needs_review (never "clear"
while we do not know).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sekisho.procure.bom import Bom, Part
from sekisho.procure.regimes import Regime, RegimeVendor, date_start
from sekisho.procure.result import (
    ALLOWED,
    CLEAR,
    NEEDS_REVIEW,
    PROHIBITED,
    RANK,
    CheckResult,
    Finding,
    Item,
    Unchecked,
    overall_verdict,
)
from sekisho.procure.vendors import CoveredName, VendorHit, VendorMatcher, covered_names

UNKNOWN_MAKERS = frozenset(
    {
        "",
        "unknown",
        "n/a",
        "na",
        "none",
        "null",
        "tbd",
        "tba",
        "generic",
        "various",
        "unbranded",
        "no name",
        "noname",
        "oem",
        "-",
        "?",
        "misc",
        "miscellaneous",
        "other",
        "不明",
        "未知",
        "不详",
        "不詳",
    }
)


def applicable(
    regimes: Iterable[Regime], buyer: str, on: date
) -> tuple[list[Regime], dict[str, str]]:
    """Regimes that bind `buyer` and are in force on `on`, and why the others do not apply."""
    use: list[Regime] = []
    skipped: dict[str, str] = {}
    for r in regimes:
        if not any(b.category == buyer for b in r.binds):
            skipped[r.id] = f"does not bind buyer category {buyer!r}"
        elif not r.in_force(on):
            skipped[r.id] = f"not in force on {on.isoformat()} (effective {r.effective}" + (
                f", ends {r.ends})" if r.ends else ")"
            )
        elif r.binding(buyer, on) is None:
            b = next(b for b in r.binds if b.category == buyer)
            skipped[r.id] = f"binds {buyer!r} only from {b.valid_from}"
        else:
            use.append(r)
    return use, skipped


def check(
    bom: Bom,
    regimes: Iterable[Regime],
    buyer: str,
    on: date,
    *,
    extra_names: Iterable[CoveredName] = (),
    threshold: float | None = None,
) -> CheckResult:
    """Check every node of `bom`; `extra_names` adds covered names (e.g. Entity List affiliates)."""
    use, skipped = applicable(regimes, buyer, on)
    caveats = [f"{r.id}: {c}" for r in use for c in r.caveats]
    notes: list[str] = []
    if not use:
        notes.append(f"no regime binds buyer category {buyer!r} on {on.isoformat()}")
        return CheckResult(
            CLEAR,
            [],
            [],
            buyer,
            on,
            bom.source,
            len(bom),
            [],
            skipped,
            caveats,
            notes,
            _items(bom, [], []),
        )
    vendor_ids = {rv.vendor.id for r in use for rv in r.vendors}
    names = [cn for r in use for rv in r.vendors for cn in covered_names(rv.vendor)]
    names += [cn for cn in extra_names if cn.vendor in vendor_ids]
    matcher = VendorMatcher(names, threshold)
    by_vendor = {r.id: {rv.vendor.id: rv for rv in r.vendors} for r in use}

    findings: list[Finding] = []
    unchecked: list[Unchecked] = []
    seen_notes: set[str] = set()
    for i, part in enumerate(bom.parts):
        parties = [
            (role, n) for role, n in part.party_names() if n.strip().lower() not in UNKNOWN_MAKERS
        ]
        if not any(role == "manufacturer" for role, _ in parties):
            path = bom.path(i)
            reason = (
                "no manufacturer named"
                if not part.manufacturer
                else f"manufacturer {part.manufacturer!r} is not a company name"
            )
            if parties:
                reason += " (checked supplier/brand only)"
            unchecked.append(Unchecked(i, _names(bom, path), part.ref, reason, part.where))
        if not parties:
            continue
        when = _part_date(part, on)
        for role, name in parties:
            for hit in matcher.match(name):
                cn = hit.covered
                if not cn.valid_on(when):
                    note = f"{name!r}: {cn.entity} is a {cn.relation} of {cn.vendor} only {_window(cn)}; not covered on {when.isoformat()}"
                    if note not in seen_notes:
                        seen_notes.add(note)
                        notes.append(note)
                    continue
                for r in use:
                    rv = by_vendor[r.id].get(cn.vendor)
                    if rv is None or cn.relation not in rv.relations:
                        continue
                    if rv.valid_from and on < date_start(rv.valid_from):  # type: ignore[operator]
                        continue
                    if not r.parts_covered and bom.parents[i] >= 0:
                        continue  # the regime reaches only the end product
                    findings.append(_finding(bom, i, part, r, rv, role, name, hit))
    findings = _dedupe(findings)
    verdict = overall_verdict(findings, unchecked)
    if unchecked:
        notes.append(
            f"{len(unchecked)} part(s) could not be checked (maker unknown): review them before ordering"
        )
    result = CheckResult(
        verdict,
        findings,
        unchecked,
        buyer,
        on,
        bom.source,
        len(bom),
        [r.id for r in use],
        skipped,
        caveats,
        notes,
    )
    result.items = _items(bom, findings, unchecked)
    return result


def _items(bom: Bom, findings: list[Finding], unchecked: list[Unchecked]) -> list[Item]:
    by_root_f: dict[int, list[Finding]] = {}
    by_root_u: dict[int, list[Unchecked]] = {}
    for f in findings:
        by_root_f.setdefault(bom.path(f.node)[0], []).append(f)
    for u in unchecked:
        by_root_u.setdefault(bom.path(u.node)[0], []).append(u)
    out = []
    for r in bom.roots:
        fs, us = by_root_f.get(r, []), by_root_u.get(r, [])
        p = bom.parts[r]
        out.append(Item(r, p.ref, p.name, overall_verdict(fs, us), len(fs), len(us)))
    return out


def _finding(
    bom: Bom,
    i: int,
    part: Part,
    r: Regime,
    rv: RegimeVendor,
    role: str,
    name: str,
    hit: VendorHit,
) -> Finding:
    path = bom.path(i)
    level = "product" if len(path) == 1 else "part"
    test = r.part_test if level == "part" else "end product"
    if level == "product":
        test_applies: bool | None = True
        verdict, reason = (
            r.on_product,
            f"the product itself is made or supplied by {hit.covered.entity}",
        )
    else:
        test_applies = _test(r.part_test, part)
        if test_applies:
            verdict = r.on_part
            reason = {
                "any_part": "the regime covers any part of a covered vendor",
            }.get(
                r.part_test,
                "the BOM marks this part as substantial or essential / critical technology",
            )
        else:
            verdict = NEEDS_REVIEW
            reason = (
                "the BOM does not say whether this part is a substantial or essential component or critical technology"
                if test_applies is None
                else "the BOM says this part is neither substantial nor essential: confirm and keep the evidence"
            )
        if verdict == NEEDS_REVIEW and r.on_part == NEEDS_REVIEW and test_applies:
            reason = (
                "the part is made by a covered vendor; whether the regime reaches components of "
                "other equipment is for review (see the regime's caveats)"
            )
    if rv.purposes:
        declared = _purposes(bom, i)
        if not declared:
            reason += f"; use assumed to be within the covered purposes ({', '.join(rv.purposes)})"
        elif not set(declared) & set(rv.purposes):
            if verdict == PROHIBITED:
                verdict = NEEDS_REVIEW
            reason += (
                f"; the BOM declares the use {', '.join(declared)}, outside the covered purposes "
                f"({', '.join(rv.purposes)}): confirm the use and keep the evidence"
            )
    if not hit.definite:
        if verdict == PROHIBITED:
            verdict = NEEDS_REVIEW
        reason = f"possible match ({hit.method}): {reason}"
    exception = _exception(bom, i, r)
    if exception:
        verdict = ALLOWED
        reason = f"exception {exception} claimed in the BOM: {r.exception(exception).text}"  # type: ignore[union-attr]
    return Finding(
        regime=r.id,
        regime_name=r.name,
        vendor=hit.covered.vendor,
        vendor_name=rv.vendor.name,
        matched_name=hit.covered.name,
        entity=hit.covered.entity,
        relation=hit.covered.relation,
        party_role=role,
        party_name=name,
        node=i,
        path=_names(bom, path),
        path_refs=tuple(bom.parts[j].ref for j in path),
        level=level,
        part_test=test,
        test_applies=test_applies,
        verdict=verdict,
        reason=reason,
        match_method=hit.method,
        match_score=hit.score,
        match_explanation=hit.explanation,
        where=part.where,
        exception=exception,
        scope=rv.scope,
        list_source=hit.covered.source if hit.covered.source != "vendors.yaml" else None,
    )


def _test(test: str, part: Part) -> bool | None:
    if test == "any_part":
        return True
    flags = []
    if "substantial_or_essential" in test:
        flags.append(part.essential)
    if "critical_technology" in test:
        flags.append(part.critical_technology)
    if any(f is True for f in flags):
        return True
    if flags and all(f is False for f in flags):
        return False
    return None


def _purposes(bom: Bom, i: int) -> tuple[str, ...]:
    """The intended use declared nearest to the part (the part itself, else its ancestors)."""
    for j in reversed(bom.path(i)):
        if bom.parts[j].purposes:
            return bom.parts[j].purposes
    return ()


def _exception(bom: Bom, i: int, r: Regime) -> str | None:
    for j in reversed(bom.path(i)):
        for ex in bom.parts[j].exceptions:
            if r.exception(ex):
                return ex
    return None


def _names(bom: Bom, path: list[int]) -> tuple[str, ...]:
    return tuple(bom.parts[j].name for j in path)


def _part_date(part: Part, on: date) -> date:
    """Ownership history is judged at the part's production date when the BOM gives one."""
    return date_start(part.produced) if part.produced else on  # type: ignore[return-value]


def _window(cn: CoveredName) -> str:
    if cn.valid_from and cn.valid_until:
        return f"from {cn.valid_from} until {cn.valid_until}"
    return f"from {cn.valid_from}" if cn.valid_from else f"until {cn.valid_until}"


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per (node, regime, vendor): the most severe, then the most certain."""
    best: dict[tuple[int, str, str], Finding] = {}
    for f in findings:
        k = (f.node, f.regime, f.vendor)
        old = best.get(k)
        if old is None or (RANK[f.verdict], f.match_score) > (RANK[old.verdict], old.match_score):
            best[k] = f
    return sorted(best.values(), key=lambda f: (f.node, f.regime))
