"""Item controls under the EAR: ECCN x destination -> licence requirement, with reasons.

Follows 15 CFR 738.4: take each reason for control of the ECCN (and item paragraph), look up
its Commerce Country Chart column (or the destination set the ECCN names) for the destination;
an X means a licence is required. On top: the advanced-computing rules (3A090 / 4A090 / .z:
classification from TPP and performance density, destinations, the headquarters rule of
742.6(a)(6)(iii), License Exception AIA), embargoes (Part 746), Russia/Belarus (746.8).
Anything Sekisho cannot decide (no ECCN, unknown ECCN, missing paragraph, a destination without
a chart row, an ECCN that refers elsewhere) is a `review` reason, never a silent pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sekisho.model import Item, Outcome, PartyRole, Reason, Transaction
from sekisho.screen.policy import Policy

_ECCN = re.compile(r"^(\d[A-E]\d{3})(?:\.([a-z0-9.]+))?$", re.IGNORECASE)
AC_BASES = frozenset({"3A090", "4A090", "4D090", "4E091"})
Z_BASES = frozenset({"3A001", "4A003", "4A004", "5A002", "5A992", "5D002", "5D992"})
# ECCNs an advanced IC could be hidden under when the exporter under-classified it.
_LOWER_CLASSES = frozenset({"3A991", "4A994", "5A992", "3A001", "4A003", "5A991"})
_DESTINATION_ROLES = (PartyRole.END_USER, PartyRole.CONSIGNEE)


@dataclass(frozen=True)
class Eccn:
    """A parsed classification: base ECCN and item paragraph (lower case), or EAR99."""

    base: str
    paragraph: str | None = None

    def __str__(self) -> str:
        return f"{self.base}.{self.paragraph}" if self.paragraph else self.base

    @property
    def is_ear99(self) -> bool:
        return self.base == "EAR99"

    @property
    def advanced_computing(self) -> bool:
        if self.base in AC_BASES:
            return True
        return self.base in Z_BASES and (self.paragraph or "").startswith("z")


@lru_cache(maxsize=4096)
def parse_eccn(text: str | None) -> Eccn | None:
    """"4a090.A" -> Eccn("4A090", "a"); "EAR99" -> Eccn("EAR99"); None when unparseable."""
    if text is None:
        return None
    t = text.strip().replace(" ", "")
    if t.upper() == "EAR99":
        return Eccn("EAR99")
    m = _ECCN.match(t)
    if not m:
        return None
    return Eccn(m[1].upper(), m[2].lower().strip(".") if m[2] else None)


def destinations(tx: Transaction) -> list[str]:
    """Countries the goods are exported to: ship-to, consignees', end users' (deduplicated)."""
    cached = tx.__dict__.get("_destinations")
    if cached is not None:
        return cached
    out: list[str] = []
    for country in [tx.route.ship_to, *(p.country for r in _DESTINATION_ROLES for p in tx.by_role(r))]:
        if country and country not in out:
            out.append(country)
    object.__setattr__(tx, "_destinations", out)
    return out


def classify_tpp(item: Item, policy: Policy) -> tuple[str | None, str]:
    """3A090 paragraph ("a", "b" or None) implied by the item's TPP / performance density.

    Returns (paragraph, explanation); paragraph "?" when TPP alone cannot decide."""
    if item.tpp is None:
        return None, ""
    tpp = item.tpp
    pd = item.performance_density
    if pd is None and item.die_area_mm2:
        pd = tpp / item.die_area_mm2
    th = policy.ear["advanced_computing"]["thresholds"]
    floor = policy.ear["advanced_computing"]["non_datacenter_tpp_floor"]
    if item.datacenter is False and tpp < floor:
        return None, f"TPP {tpp:g} < {floor} and not designed or marketed for datacenters (3A090 Note 2)"
    if tpp >= th["a"]["tpp_min"]:
        return "a", f"TPP {tpp:g} >= {th['a']['tpp_min']} (3A090.a.1)"
    if pd is None:
        if tpp >= th["a_pd"]["tpp_min"]:
            return "?", f"TPP {tpp:g} >= 1600 but performance density unknown (3A090.a.2/.b)"
        return None, f"TPP {tpp:g} below every 3A090 threshold"
    ap, b1, b2 = th["a_pd"], th["b_1"], th["b_2"]
    if tpp >= ap["tpp_min"] and pd >= ap["pd_min"]:
        return "a", f"TPP {tpp:g} >= 1600 and performance density {pd:.2f} >= 5.92 (3A090.a.2)"
    if b1["tpp_min"] <= tpp < b1["tpp_below"] and b1["pd_min"] <= pd < b1["pd_below"]:
        return "b", f"TPP {tpp:g} in [2400, 4800) and performance density {pd:.2f} in [1.6, 5.92) (3A090.b.1)"
    if tpp >= b2["tpp_min"] and b2["pd_min"] <= pd < b2["pd_below"]:
        return "b", f"TPP {tpp:g} >= 1600 and performance density {pd:.2f} in [3.2, 5.92) (3A090.b.2)"
    return None, f"TPP {tpp:g}, performance density {pd:.2f}: below 3A090 thresholds"


def _selector_state(selector: str, paragraph: str | None) -> str:
    """'yes' if a control's paragraph selector covers the item's paragraph, 'maybe' if the item's
    paragraph is too coarse to tell, 'no' otherwise."""
    if selector == "all":
        return "yes"
    if paragraph is None:
        return "maybe"
    if selector.startswith("for-"):
        return "no"
    if paragraph == selector or paragraph.startswith(selector + "."):
        return "yes"
    if selector.startswith(paragraph + "."):
        return "maybe"
    return "no"


def _applies(control: dict, paragraph: str | None) -> str:
    applies = control.get("applies", "all")
    selectors = ["all"] if applies == "all" else [str(s) for s in applies]
    states = {_selector_state(s, paragraph) for s in selectors}
    return "yes" if "yes" in states else "maybe" if "maybe" in states else "no"


class ItemChecker:
    """Item and destination controls of one policy (tables parsed once, reused per transaction)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        ear = policy.ear
        self.eccns: dict[str, dict] = ear.get("eccns", {})
        self.sets: dict[str, dict] = ear.get("destination_sets", {})
        ac = ear.get("advanced_computing", {})
        self.hq_rule = ac.get("headquarters_rule", {})
        self.aia = ear.get("licence_exceptions", {}).get("AIA", {})
        self.embargoes: dict[str, dict] = ear.get("embargoes", {})
        self.rubl = ear.get("russia_belarus", {})
        self.covered = ear.get("covered_regions", {})
        self.chart = policy.chart

    # -- destinations ----------------------------------------------------------------------

    def _in_set(self, name: str, country: str) -> bool:
        spec = self.sets[name]
        if spec.get("all"):
            return True
        c = self.policy.inherit.get(country, country)
        if c in spec.get("plus", ()) or country in spec.get("plus", ()):
            return True
        if self.policy.in_groups(c, spec.get("except_groups", ())):
            return False
        return self.policy.in_groups(c, spec.get("groups", ()))

    def _chart_mark(self, column: str, country: str) -> bool | None:
        """X in the chart cell; None when the destination has no row (indeterminate)."""
        c = self.chart["inherit"].get(country, country)
        if c not in self.chart["rows"]:
            return None
        return c in self.chart["columns"].get(column, frozenset())

    def hq_parties(self, tx: Transaction) -> list[tuple[str, str]]:
        """(party label, country) of parties headquartered, or with an ultimate parent
        headquartered, in Macau or D:5 (742.6(a)(6)(iii))."""
        out = []
        groups = self.hq_rule.get("groups", ())
        plus = self.hq_rule.get("plus", ())
        for p in tx.parties:
            for country in (p.headquarters, p.parent_country):
                if country and (country in plus or self.policy.in_groups(country, groups)):
                    out.append((f"{p.role.value}: {p.name}", country))
                    break
        return out

    def check_destinations(self, tx: Transaction) -> list[Reason]:
        """Embargoes, covered regions and parties located in embargoed countries."""
        reasons: list[Reason] = []
        dests = destinations(tx)
        for country in dests:
            emb = self.embargoes.get(self.policy.inherit.get(country, country))
            if emb:
                reasons.append(Reason(
                    "EMBARGOED_DESTINATION", f"destination {country} is under embargo: {emb['note']}",
                    Outcome(emb["outcome"]), rule=emb["cite"], evidence={"country": country}))
        for p in tx.all_parties():
            if p.country in self.embargoes and p.country not in dests:
                emb = self.embargoes[p.country]
                reasons.append(Reason(
                    "EMBARGOED_PARTY", f"{p.role.value} {p.name!r} is located in embargoed {p.country}",
                    Outcome(emb["outcome"]), rule=emb["cite"], party=f"{p.role.value}: {p.name}",
                    evidence={"country": p.country}))
        for where, country in [("payment origin", tx.payment_origin),
                               *(("transit", c) for c in tx.route.transit)]:
            if country in self.embargoes:
                reasons.append(Reason(
                    "EMBARGOED_ROUTE", f"{where} {country} is under embargo",
                    Outcome.REVIEW, rule=self.embargoes[country]["cite"], evidence={"country": country}))
        words = [w.casefold() for w in self.covered.get("keywords", ())]
        for p in tx.all_parties():
            text = f"{p.address or ''} {p.name}".casefold()
            hit = next((w for w in words if w in text), None)
            if hit and p.country in (self.covered.get("country"), "RU", None):
                reasons.append(Reason(
                    "COVERED_REGION", f"{p.role.value} {p.name!r} appears to be in a covered region of Ukraine ({hit!r})",
                    Outcome(self.covered.get("outcome", "block")), rule=self.covered.get("cite"),
                    party=f"{p.role.value}: {p.name}", evidence={"keyword": hit, "address": p.address}))
        return reasons

    # -- items -----------------------------------------------------------------------------

    def check_item(self, tx: Transaction, index: int, item: Item) -> list[Reason]:
        reasons: list[Reason] = []
        label = item.description[:60]
        eccn = parse_eccn(item.eccn)
        if item.eccn is None:
            hint = self._hs_hint(item.hs)
            reasons.append(Reason(
                "ECCN_MISSING", f"item {index} ({label}) has no ECCN; classify it before export",
                Outcome.REVIEW, rule="15 CFR 732.3 (classification is the exporter's responsibility)",
                item=index, evidence={"hs": item.hs, "likely_eccns": hint.get("eccns", []),
                                      "hint": hint.get("note")} if hint else {"hs": item.hs}))
            if not hint or not item.tpp:
                return reasons
            eccn = Eccn("4A090" if (item.hs or "").startswith(("8471", "8473")) else "3A090")
        elif eccn is None:
            return [Reason("ECCN_UNKNOWN", f"item {index} ({label}): {item.eccn!r} is not an ECCN",
                           Outcome.REVIEW, item=index, evidence={"eccn": item.eccn})]

        # Advanced-computing classification from the chip parameters.
        para, why = classify_tpp(item, self.policy)
        if para is not None:
            eccn, extra = self._reconcile(index, label, item, eccn, para, why)
            reasons.extend(extra)

        if eccn.is_ear99:
            return reasons + self._ear99(tx, index)
        entry = self.eccns.get(eccn.base)
        if entry is None:
            reasons.append(Reason(
                "ECCN_UNKNOWN", f"item {index} ({label}): ECCN {eccn} is not in Sekisho's control table",
                Outcome.REVIEW, rule="15 CFR Part 774 Supp. 1", item=index, evidence={"eccn": str(eccn)}))
            return reasons
        for country in destinations(tx):
            reasons.extend(self._controls(tx, index, label, eccn, entry, country))
        if eccn.advanced_computing:
            for party, country in self.hq_parties(tx):
                reasons.append(Reason(
                    "ADVANCED_COMPUTING_HQ",
                    f"{party} is headquartered (or has its ultimate parent) in {country}: licence required for {eccn} wherever it is located",
                    Outcome.LICENCE_REQUIRED, rule=self.hq_rule.get("cite"), party=party, item=index,
                    evidence={"eccn": str(eccn), "headquarters": country,
                              "licence_policy": self.hq_rule.get("policy")}))
        for country in destinations(tx):
            c = self.policy.inherit.get(country, country)
            if c in self.rubl.get("countries", ()):
                reasons.append(Reason(
                    "RUSSIA_BELARUS", f"item {index} ({eccn}) to {country}: licence required for every CCL item",
                    Outcome(self.rubl["ccl_outcome"]), rule=self.rubl["cite"], item=index,
                    evidence={"eccn": str(eccn), "destination": country}))
        return reasons

    def _hs_hint(self, hs: str | None) -> dict:
        if not hs:
            return {}
        digits = re.sub(r"\D", "", hs)
        for n in (6, 4):
            hint = self.policy.hs_hints.get(digits[:n])
            if hint:
                return hint
        return {}

    def _reconcile(self, index: int, label: str, item: Item, eccn: Eccn, para: str,
                   why: str) -> tuple[Eccn, list[Reason]]:
        """Bring the declared ECCN in line with what the chip parameters say (stricter wins)."""
        reasons: list[Reason] = []
        if para == "?":
            reasons.append(Reason(
                "PERFORMANCE_DENSITY_NEEDED", f"item {index} ({label}): {why}; 3A090.a or .b cannot be told apart",
                Outcome.REVIEW, rule="3A090 Technical Note (performance density)", item=index,
                evidence={"tpp": item.tpp}))
            para = "a"  # fail closed: evaluate as the stricter paragraph
        if eccn.base in ("3A090", "4A090"):
            if eccn.paragraph is None:
                return Eccn(eccn.base, para), [*reasons, Reason(
                    "CLASSIFIED_FROM_TPP", f"item {index} ({label}): {eccn.base}.{para} from chip parameters: {why}",
                    Outcome.CLEAR, rule=f"ECCN {eccn.base}", item=index,
                    evidence={"tpp": item.tpp, "paragraph": para})]
            if eccn.paragraph[0] != para[0] and not eccn.paragraph.startswith("c"):
                stricter = "a" if "a" in (eccn.paragraph[0], para) else para
                reasons.append(Reason(
                    "ECCN_INCONSISTENT", f"item {index} ({label}): declared {eccn} but {why}",
                    Outcome.REVIEW, rule="3A090 Technical Notes", item=index,
                    evidence={"declared": str(eccn), "implied": f"{eccn.base}.{para}"}))
                return Eccn(eccn.base, stricter), reasons
            return eccn, reasons
        if eccn.is_ear99 or eccn.base in _LOWER_CLASSES and not eccn.advanced_computing:
            base = "4A090" if eccn.base.startswith(("4", "5")) or (item.hs or "").startswith(
                ("8471", "8473")) else "3A090"
            reasons.append(Reason(
                "ECCN_INCONSISTENT",
                f"item {index} ({label}): declared {eccn} but {why}: evaluated as {base}.{para}",
                Outcome.REVIEW, rule="3A090 / 4A090 (and .z paragraphs)", item=index,
                evidence={"declared": str(eccn), "implied": f"{base}.{para}"}))
            return Eccn(base, para), reasons
        return eccn, reasons

    def _ear99(self, tx: Transaction, index: int) -> list[Reason]:
        reasons = []
        for country in destinations(tx):
            c = self.policy.inherit.get(country, country)
            if c in self.rubl.get("countries", ()):
                reasons.append(Reason(
                    "RUSSIA_BELARUS",
                    f"item {index} (EAR99) to {country}: EAR99 items listed by HS code in Supplements 2 and 4 to Part 746 need a licence",
                    Outcome(self.rubl["ear99_outcome"]), rule=self.rubl["cite"], item=index,
                    evidence={"destination": country, "hs": tx.items[index].hs}))
        return reasons

    def _controls(self, tx: Transaction, index: int, label: str, eccn: Eccn, entry: dict,
                  country: str) -> list[Reason]:
        reasons: list[Reason] = []
        c = self.policy.inherit.get(country, country)
        if c in self.chart["embargoed"]:
            return reasons  # check_destinations gives the embargo reason
        if c == "US" and (tx.route.ship_from or tx.exporter.country) == "US":
            return reasons  # a shipment within the United States is not an export (734.13)
        for control in entry.get("controls", ()):
            state = _applies(control, eccn.paragraph)
            if state == "no":
                continue
            reason = control["reason"]
            where, required, cite = self._required(control, country)
            if required is False:
                continue
            evidence = {"eccn": str(eccn), "reason_for_control": reason, "destination": country,
                        "where": where}
            if required is None:
                reasons.append(Reason(
                    "DESTINATION_INDETERMINATE",
                    f"item {index} ({eccn}) to {country}: {where}; Sekisho cannot decide",
                    Outcome.REVIEW, rule=cite, item=index, evidence=evidence))
                continue
            if state == "maybe":
                reasons.append(Reason(
                    "ECCN_PARAGRAPH_NEEDED",
                    f"item {index} ({eccn}) to {country}: {reason} control on {eccn.base} paragraphs {control.get('applies')} requires a licence ({where}); give the item paragraph",
                    Outcome.REVIEW, rule=cite, item=index, evidence=evidence))
                continue
            exception = self._aia(tx, eccn, control, country)
            if exception:
                reasons.append(Reason(
                    "LICENCE_EXCEPTION_AIA",
                    f"item {index} ({eccn}) to {country}: {reason} licence requirement ({where}) overcome by License Exception AIA",
                    Outcome.CLEAR, rule=self.aia.get("cite"), item=index, evidence=evidence))
                continue
            others = self._other_exceptions(tx, eccn, control)
            if others:
                evidence["licence_exceptions_to_check"] = others
            reasons.append(Reason(
                "EAR_LICENCE_REQUIRED",
                f"item {index} ({eccn}, {label}) to {country}: licence required for {reason} reasons ({where})",
                Outcome.LICENCE_REQUIRED, rule=cite, item=index, evidence=evidence))
        return reasons

    def _required(self, control: dict, country: str) -> tuple[str, bool | None, str]:
        """(explanation, licence required?, citation) for one control and destination."""
        if "column" in control:
            col = control["column"]
            mark = self._chart_mark(col, country)
            cite = "15 CFR 738.4; Part 738 Supp. 1"
            if mark is None:
                return f"no Commerce Country Chart row for {country}", None, cite
            return f"Commerce Country Chart {col}: {'X' if mark else 'no X'}", mark, cite
        if "destinations" in control:
            name = control["destinations"]
            spec = self.sets[name]
            cite = "15 CFR " + control.get("cite", spec.get("cite", "742.6"))
            inside = self._in_set(name, country)
            return f"destination set {name} ({cite})", inside, cite
        if "refer" in control:
            cite = "15 CFR " + control["refer"]
            return f"the ECCN refers to {cite}", None, cite
        return "control without a destination rule", None, "policy"

    def _aia(self, tx: Transaction, eccn: Eccn, control: dict, country: str) -> bool:
        """License Exception AIA: worldwide (iii)(A) requirement, Supp. 5 destination, no party
        headquartered in Macau / D:5."""
        if control.get("destinations") != "worldwide" or not eccn.advanced_computing:
            return False
        if control.get("cite"):  # worldwide controls with their own citation (3B001, 4E091)
            return False
        if self.policy.inherit.get(country, country) not in self.aia.get("destinations", ()):
            return False
        return not self.hq_parties(tx)

    def _other_exceptions(self, tx: Transaction, eccn: Eccn, control: dict) -> list[str]:
        if not eccn.advanced_computing or self.hq_parties(tx):
            return []
        exc = self.policy.ear.get("licence_exceptions", {})
        if control.get("destinations") == "worldwide":
            return [f"LPP: {exc.get('LPP', {}).get('cite')} ({exc.get('LPP', {}).get('note')})"]
        if control.get("destinations") == "ac_tier_b":
            return [f"NAC/ACA: {exc.get('NAC_ACA', {}).get('cite')}"]
        return []


def check_items(tx: Transaction, policy: Policy, checker: ItemChecker | None = None) -> list[Reason]:
    """Every item and destination reason for one transaction."""
    checker = checker or ItemChecker(policy)
    reasons = checker.check_destinations(tx)
    for index, item in enumerate(tx.items):
        reasons.extend(checker.check_item(tx, index, item))
    return reasons
