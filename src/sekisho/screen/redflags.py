"""Machine-checkable diversion red flags (BIS Know-Your-Customer guidance, FinCEN/BIS alerts).

Each flag names its source (redflags.yaml). A red flag never clears and never blocks by itself:
it holds the transaction for review with its reason. Some flags look at what Sekisho remembers
about counterparties (shared addresses, usual quantities) through a `History` object; without
one they use the transaction alone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Protocol

from sekisho.model import Item, Outcome, PartyRole, Reason, Transaction, TransactionParty
from sekisho.screen.items import parse_eccn
from sekisho.screen.policy import Policy

_BUYER_ROLES = (PartyRole.BUYER, PartyRole.END_USER, PartyRole.CONSIGNEE)


class History(Protocol):
    """What the records know about earlier transactions (see records.repo)."""

    def parties_at_address(self, address_key: str) -> int:
        """Distinct remembered counterparties at this normalised address."""
        ...

    def max_quantity(self, party_key: str, item_class: str) -> float | None:
        """Largest quantity of this item class in the party's earlier transactions."""
        ...


def address_key(address: str | None) -> str | None:
    """Normalised address for comparison: NFKC, casefold, punctuation and spaces collapsed."""
    if not address:
        return None
    text = unicodedata.normalize("NFKC", address).casefold()
    text = re.sub(r"[^\w]+", " ", text).strip()
    return text or None


def party_key(party: TransactionParty) -> str:
    """Stable key of a counterparty: normalised name + country."""
    name = re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", party.name).casefold()).strip()
    return f"{party.country or '??'}:{name}"


def item_class(item: Item) -> str:
    """Coarse class for hubs and reference values: advanced_computing, electronics, other."""
    eccn = parse_eccn(item.eccn)
    if eccn and eccn.advanced_computing:
        return "advanced_computing"
    if item.tpp is not None and item.tpp >= 1600:
        return "advanced_computing"
    if eccn and eccn.base[:1] in ("3", "4", "5"):
        return "electronics"
    if (item.hs or "")[:4] in ("8471", "8473", "8517", "8542", "8486"):
        return "electronics"
    return "other"


class RedFlagChecker:
    """The red flags of one policy."""

    def __init__(self, policy: Policy) -> None:
        cfg = policy.redflags
        self.sources: dict[str, str] = cfg.get("sources", {})
        self.flags: dict[str, dict] = cfg.get("flags", {})
        fwd = self.flags["FORWARDER_AS_END_USER"]
        ascii_words = [w.casefold() for w in fwd["name_words"] if w.isascii()]
        other = [w for w in fwd["name_words"] if not w.isascii()]
        self._fwd_re = re.compile(
            "|".join([rf"(?<!\w){re.escape(w)}(?!\w)" for w in ascii_words] + [re.escape(w) for w in other]),
            re.IGNORECASE)
        self._res_re = re.compile("|".join(re.escape(w.casefold()) for w in
                                           self.flags["RESIDENTIAL_ADDRESS"]["words"]))

    def _reason(self, code: str, message: str, **kw) -> Reason:
        flag = self.flags[code]
        rule = "; ".join(self.sources.get(s, s) for s in flag.get("source", ()))
        return Reason(code, message, Outcome.REVIEW, rule=rule, **kw)

    def check(self, tx: Transaction, history: History | None = None,
              today: date | None = None) -> list[Reason]:
        out: list[Reason] = []
        for fn in (self._forwarder, self._addresses, self._route, self._third_country, self._payment,
                   self._values, self._quantity, self._registered, self._end_use):
            out.extend(fn(tx, history, today))
        return out

    def _forwarder(self, tx, history, today) -> list[Reason]:
        cfg = self.flags["FORWARDER_AS_END_USER"]
        out = []
        for p in tx.by_role(PartyRole.END_USER):
            m = self._fwd_re.search(p.name)
            word = m.group(0).casefold() if m else None
            if (p.kind in cfg["kinds"]) or word:
                out.append(self._reason(
                    "FORWARDER_AS_END_USER",
                    f"end user {p.name!r} is a freight forwarder or trading company ({p.kind or word})",
                    party=f"end_user: {p.name}", evidence={"kind": p.kind, "word": word}))
        if not tx.by_role(PartyRole.END_USER) and tx.by_role(PartyRole.FORWARDER) and not any(
                tx.by_role(r) for r in (PartyRole.CONSIGNEE,)):
            out.append(self._reason(
                "FORWARDER_AS_END_USER", "no end user or consignee given: the forwarder is the final destination",
                evidence={}))
        return out

    def _addresses(self, tx, history, today) -> list[Reason]:
        out = []
        by_address: dict[str, set[str]] = {}
        for p in tx.all_parties():
            key = address_key(p.address)
            if not key:
                continue
            by_address.setdefault(key, set()).add(party_key(p))
            m = self._res_re.search(f" {p.address.casefold()} ")
            word = m.group(0) if m else None
            if word and p.role is not PartyRole.EXPORTER:
                out.append(self._reason(
                    "RESIDENTIAL_ADDRESS", f"{p.role.value} {p.name!r}: address looks residential or a mail drop ({word.strip()!r})",
                    party=f"{p.role.value}: {p.name}", evidence={"address": p.address}))
        minimum = int(self.flags["SHARED_ADDRESS"].get("min_parties", 3))
        for key, parties in by_address.items():
            local = len(parties)
            remembered = history.parties_at_address(key) if history else 0
            if local >= 2 or remembered >= minimum:
                out.append(self._reason(
                    "SHARED_ADDRESS",
                    f"{max(local, remembered)} different parties share the address {key!r}",
                    evidence={"address": key, "in_transaction": local, "remembered": remembered}))
        return out

    def _route(self, tx, history, today) -> list[Reason]:
        hubs: dict[str, list[str]] = self.flags["TRANSSHIPMENT_ROUTE"]["hubs"]
        classes = {item_class(i) for i in tx.items}
        dests = {p.country for r in (PartyRole.END_USER,) for p in tx.by_role(r)}
        places = [("transit", c) for c in tx.route.transit]
        places += [(f"{p.role.value} {p.name!r}", p.country) for p in tx.parties
                   if p.role in (PartyRole.CONSIGNEE, PartyRole.FORWARDER, PartyRole.INTERMEDIARY)
                   and p.country not in dests]
        if tx.route.ship_to not in dests:
            places.append(("ship-to", tx.route.ship_to))
        out = []
        for cls in sorted(classes):
            for where, country in places:
                if country and country in hubs.get(cls, ()) and country != tx.exporter.country:
                    out.append(self._reason(
                        "TRANSSHIPMENT_ROUTE",
                        f"{where} in {country}, a known transshipment hub for {cls.replace('_', ' ')} items",
                        evidence={"country": country, "item_class": cls, "where": where}))
        return out

    def _third_country(self, tx, history, today) -> list[Reason]:
        """Forwarders / intermediaries neither at origin nor at destination (BIS red flag:
        "the shipping route is abnormal for the product and destination")."""
        expected = {tx.exporter.country, tx.route.ship_from, tx.route.ship_to}
        expected |= {p.country for r in _BUYER_ROLES for p in tx.by_role(r)}
        out = []
        for p in tx.parties:
            if p.role in (PartyRole.FORWARDER, PartyRole.INTERMEDIARY) and p.country \
                    and p.country not in expected:
                out.append(self._reason(
                    "ABNORMAL_ROUTE",
                    f"{p.role.value} {p.name!r} is in {p.country}, neither the origin nor the destination",
                    party=f"{p.role.value}: {p.name}",
                    evidence={"country": p.country, "origin": tx.route.ship_from,
                              "destination": tx.route.ship_to}))
        return out

    def _payment(self, tx, history, today) -> list[Reason]:
        if not tx.payment_origin:
            return []
        expected = {p.country for r in _BUYER_ROLES for p in tx.by_role(r) if p.country}
        if not expected or tx.payment_origin in expected:
            return []
        return [self._reason(
            "PAYMENT_COUNTRY_MISMATCH",
            f"payment from {tx.payment_origin}, but buyer / end user are in {', '.join(sorted(expected))}",
            evidence={"payment_origin": tx.payment_origin, "party_countries": sorted(expected)})]

    def _values(self, tx, history, today) -> list[Reason]:
        cfg = self.flags["LOW_UNIT_VALUE"]
        out = []
        for index, item in enumerate(tx.items):
            eccn = parse_eccn(item.eccn)
            if item.unit_value is None or eccn is None:
                continue
            ref = cfg["reference_usd"].get(str(eccn)) or cfg["reference_usd"].get(
                f"{eccn.base}.{(eccn.paragraph or '')[:1]}")
            rate = cfg["usd_per_unit"].get(item.currency)
            if ref is None or rate is None:
                continue
            usd = item.unit_value * rate
            if usd < ref * float(cfg["ratio"]):
                out.append(self._reason(
                    "LOW_UNIT_VALUE",
                    f"item {index} ({eccn}) declared at {usd:,.0f} USD a unit, far below the reference {ref:,} USD",
                    item=index, evidence={"unit_value_usd": round(usd, 2), "reference_usd": ref}))
        return out

    def _quantity(self, tx, history, today) -> list[Reason]:
        cfg = self.flags["QUANTITY_UNUSUAL"]
        caps: dict[str, float] = cfg["max_quantity"]
        out = []
        buyers = [p for r in (PartyRole.BUYER, PartyRole.END_USER) for p in tx.by_role(r)]
        for index, item in enumerate(tx.items):
            cls = item_class(item)
            if cls != "advanced_computing":
                continue
            for p in buyers:
                cap = caps.get(p.kind or "")
                if cap is not None and item.quantity > cap:
                    out.append(self._reason(
                        "QUANTITY_UNUSUAL",
                        f"{p.role.value} {p.name!r} ({p.kind}) orders {item.quantity:g} of item {index}; more than {cap:g} is out of line with that business",
                        party=f"{p.role.value}: {p.name}", item=index,
                        evidence={"quantity": item.quantity, "cap": cap, "kind": p.kind}))
                    continue
                if history is not None:
                    previous = history.max_quantity(party_key(p), cls)
                    factor = float(cfg["history_factor"])
                    if previous and item.quantity > previous * factor:
                        out.append(self._reason(
                            "QUANTITY_UNUSUAL",
                            f"{p.role.value} {p.name!r} orders {item.quantity:g} of item {index}, over {factor:g}x its earlier largest order ({previous:g})",
                            party=f"{p.role.value}: {p.name}", item=index,
                            evidence={"quantity": item.quantity, "previous_max": previous}))
        return out

    def _registered(self, tx, history, today) -> list[Reason]:
        days = int(self.flags["RECENTLY_REGISTERED"]["days"])
        ref = date.fromisoformat(tx.date) if tx.date else (today or date.today())
        out = []
        for p in tx.parties:
            if p.role in _BUYER_ROLES and p.registered_on:
                age = (ref - date.fromisoformat(p.registered_on)).days
                if age < days:
                    out.append(self._reason(
                        "RECENTLY_REGISTERED",
                        f"{p.role.value} {p.name!r} was registered {age} days before the shipment",
                        party=f"{p.role.value}: {p.name}",
                        evidence={"registered_on": p.registered_on, "age_days": age}))
        return out

    def _end_use(self, tx, history, today) -> list[Reason]:
        vague = {v.casefold() for v in self.flags["END_USE_MISSING"]["vague"]}
        text = (tx.end_use or "").strip().casefold().rstrip(".")
        if text in vague:
            return [self._reason(
                "END_USE_MISSING",
                "no end use given" if not text else f"end use {tx.end_use!r} is too vague",
                evidence={"end_use": tx.end_use})]
        return []


def check_redflags(tx: Transaction, policy: Policy, history: History | None = None,
                   today: date | None = None) -> list[Reason]:
    return RedFlagChecker(policy).check(tx, history, today)
