"""Shared domain types: what a listed entity and a list snapshot are.

Frozen dataclasses, so records can be hashed, cached and shared between threads. Every type
round-trips through plain JSON (`to_dict` / `from_dict`), which is what the store writes and
what the API returns. Field names follow FollowTheMoney where it has the concept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class Schema(StrEnum):
    """What kind of party a record describes (FollowTheMoney schema names)."""

    PERSON = "Person"
    ORGANIZATION = "Organization"
    COMPANY = "Company"
    LEGAL_ENTITY = "LegalEntity"  # unknown whether person or organisation
    VESSEL = "Vessel"
    AIRCRAFT = "Aircraft"


class NameKind(StrEnum):
    """Role of one name of an entity."""

    PRIMARY = "primary"
    AKA = "aka"  # also known as (incl. OFAC "nka", UN "Good quality" aliases)
    WEAK = "weak"  # low-quality alias (OFAC weak a.k.a., UN "Low" quality)
    FKA = "fka"  # formerly known as
    NATIVE = "native"  # the name in its original (non-Latin) script


@dataclass(frozen=True, slots=True)
class Name:
    """One name of an entity. `script` is an ISO 15924 code (Latn, Hani, Cyrl, Arab, Jpan...)."""

    value: str
    kind: NameKind = NameKind.PRIMARY
    script: str | None = None
    lang: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"value": self.value, "kind": self.kind.value}
        if self.script is not None:
            d["script"] = self.script
        if self.lang is not None:
            d["lang"] = self.lang
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Name:
        return cls(d["value"], NameKind(d.get("kind", "primary")), d.get("script"), d.get("lang"))


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; `country` is ISO 3166-1 alpha-2 (upper case) when known."""

    full: str | None = None
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    remarks: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k in _ADDRESS_FIELDS if (v := getattr(self, k)) is not None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Address:
        return cls(**{f.name: d.get(f.name) for f in fields(cls)})

    def text(self) -> str:
        """One-line form for display and address matching."""
        if self.full:
            return self.full
        parts = [self.street, self.city, self.region, self.postal_code, self.country]
        return ", ".join(p for p in parts if p)


_ADDRESS_FIELDS = ("full", "street", "city", "region", "postal_code", "country", "remarks")


@dataclass(frozen=True, slots=True)
class Identifier:
    """A registration number, passport, tax id, ISIN, IMO number, SWIFT/BIC...

    `type` is a short lowercase slug where we know it (passport, national_id, tax_id, uscc,
    isin, imo, swift_bic, lei, duns, registration, website, email, crypto_wallet...), else the
    publisher's label verbatim.
    """

    type: str
    value: str
    country: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "value": self.value}
        if self.country is not None:
            d["country"] = self.country
        if self.note is not None:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Identifier:
        return cls(d["type"], d["value"], d.get("country"), d.get("note"))


def _tuple(items: Any) -> tuple[Any, ...]:
    return tuple(items) if items else ()


@dataclass(frozen=True)
class ListedEntity:
    """One party on one restricted-party list, as the publisher describes it.

    `id` is stable across snapshots: `"{source}:{publisher's own key}"`.
    `sublist` is the list within a consolidated source (CSL's "EL", "DPL", "SDN", "MEU"...)
    or None when the source is a single list. Dates are ISO 8601; a birth date may be partial
    ("1961", "1961-05") or an interval ("1960/1965") for "between" and "circa" forms.
    `properties` holds source-specific extras (e.g. `federal_register`, `source_url`,
    `wmd_concern`, `place_of_birth`, `nationality`, `title`, `gender`) as string tuples.
    """

    id: str
    source: str
    schema: Schema
    names: tuple[Name, ...]
    sublist: str | None = None
    addresses: tuple[Address, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    birth_dates: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    listed_on: str | None = None
    end_date: str | None = None
    licence_requirement: str | None = None
    licence_policy: str | None = None
    remarks: str | None = None
    linked_to: tuple[str, ...] = ()
    properties: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.names:
            raise ValueError(f"entity {self.id!r} has no name")

    @property
    def name(self) -> str:
        """The primary name (first name of kind primary, else the first name)."""
        for n in self.names:
            if n.kind is NameKind.PRIMARY:
                return n.value
        return self.names[0].value

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form, keys in a fixed order; empty fields left out."""
        d: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "schema": self.schema.value,
            "names": [n.to_dict() for n in self.names],
        }
        if self.sublist:
            d["sublist"] = self.sublist
        if self.addresses:
            d["addresses"] = [a.to_dict() for a in self.addresses]
        if self.identifiers:
            d["identifiers"] = [i.to_dict() for i in self.identifiers]
        for key in ("countries", "birth_dates", "programs", "linked_to"):
            value = getattr(self, key)
            if value:
                d[key] = list(value)
        for key in (
            "listed_on",
            "end_date",
            "licence_requirement",
            "licence_policy",
            "remarks",
        ):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        if self.properties:
            d["properties"] = {k: list(v) for k, v in sorted(self.properties.items()) if v}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ListedEntity:
        return cls(
            id=d["id"],
            source=d["source"],
            schema=Schema(d["schema"]),
            names=tuple(Name.from_dict(n) for n in d["names"]),
            sublist=d.get("sublist"),
            addresses=tuple(Address.from_dict(a) for a in d.get("addresses", ())),
            countries=_tuple(d.get("countries")),
            identifiers=tuple(Identifier.from_dict(i) for i in d.get("identifiers", ())),
            birth_dates=_tuple(d.get("birth_dates")),
            programs=_tuple(d.get("programs")),
            listed_on=d.get("listed_on"),
            end_date=d.get("end_date"),
            licence_requirement=d.get("licence_requirement"),
            licence_policy=d.get("licence_policy"),
            remarks=d.get("remarks"),
            linked_to=_tuple(d.get("linked_to")),
            properties={k: tuple(v) for k, v in d.get("properties", {}).items()},
        )

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON form: changes exactly when the record changes."""
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            cached = hashlib.sha256(canonical_json(self.to_dict())).hexdigest()
            object.__setattr__(self, "_content_hash", cached)
        return cached


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes (sorted keys, no spaces, UTF-8) for hashing and digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Snapshot:
    """One immutable, content-addressed load of one source.

    `id` is the SHA-256 of the sorted entity content hashes (so the same list content loaded
    twice gives the same id). `published_at` is the publisher's own date when the file says.
    """

    id: str
    source: str
    format: str
    retrieved_at: str
    entity_count: int
    published_at: str | None = None
    files: tuple[dict[str, Any], ...] = ()  # [{"name", "sha256", "bytes"}]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        d["warnings"] = list(self.warnings)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Snapshot:
        return cls(
            id=d["id"],
            source=d["source"],
            format=d["format"],
            retrieved_at=d["retrieved_at"],
            entity_count=int(d["entity_count"]),
            published_at=d.get("published_at"),
            files=tuple(d.get("files", ())),
            warnings=tuple(d.get("warnings", ())),
        )


# ---------------------------------------------------------------------------------------------
# Transactions (owner: transaction-screening helper). A transaction submitted before export
# approval, and the Decision Sekisho gives on it. Parsing and validation of user input live in
# `sekisho.screen.txinput`; these types only hold already-validated values.
# ---------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    """What the exporter may do. Ordered by severity: the worst reason decides."""

    CLEAR = "clear"
    REVIEW = "review"
    LICENCE_REQUIRED = "licence_required"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _OUTCOME_RANK[self]

    @classmethod
    def worst(cls, outcomes: Any) -> Outcome:
        """The most severe outcome of an iterable (clear when empty)."""
        return max(outcomes, key=lambda o: o.rank, default=cls.CLEAR)


_OUTCOME_RANK = {
    Outcome.CLEAR: 0,
    Outcome.REVIEW: 1,
    Outcome.LICENCE_REQUIRED: 2,
    Outcome.BLOCK: 3,
}


class PartyRole(StrEnum):
    """Role of a party in a transaction (EAR Part 748 vocabulary where it has one)."""

    EXPORTER = "exporter"
    SELLER = "seller"
    BUYER = "buyer"  # purchaser
    CONSIGNEE = "consignee"  # (intermediate or ultimate) consignee
    END_USER = "end_user"
    FORWARDER = "forwarder"
    INTERMEDIARY = "intermediary"


@dataclass(frozen=True)
class TransactionParty:
    """One party of a transaction. Countries are ISO2; `headquarters` and `parent_country` say
    where the entity and its ultimate parent are headquartered (EAR 742.6(a)(6)(iii) reaches
    entities headquartered in D:5 or Macau wherever they are)."""

    role: PartyRole
    name: str
    country: str | None = None
    address: str | None = None
    parent: str | None = None
    parent_country: str | None = None
    headquarters: str | None = None
    kind: str | None = None  # line of business: distributor, forwarder, university, individual...
    registered_on: str | None = None  # ISO date of incorporation / registration
    identifiers: tuple[Identifier, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role.value, "name": self.name}
        for key in (
            "country",
            "address",
            "parent",
            "parent_country",
            "headquarters",
            "kind",
            "registered_on",
        ):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        if self.identifiers:
            d["identifiers"] = [i.to_dict() for i in self.identifiers]
        return d


@dataclass(frozen=True)
class Item:
    """One line item. `eccn` is a CCL number with paragraph ("4A090.a"), "EAR99", or None when
    the exporter did not classify it. `tpp` / `performance_density` describe the most capable
    integrated circuit in the item (3A090 Technical Notes)."""

    description: str
    hs: str | None = None
    eccn: str | None = None
    quantity: float = 1
    unit_value: float | None = None
    currency: str = "USD"
    tpp: float | None = None
    performance_density: float | None = None
    die_area_mm2: float | None = None
    datacenter: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"description": self.description}
        for key in ("hs", "eccn", "quantity", "unit_value", "currency", "tpp",
                    "performance_density", "die_area_mm2", "datacenter"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d


@dataclass(frozen=True)
class Route:
    """Where the goods physically go: from, through (in order), to. ISO2 codes."""

    ship_from: str | None
    ship_to: str
    transit: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transaction:
    """A proposed export, as submitted for screening (already validated and normalised)."""

    id: str
    exporter: TransactionParty
    parties: tuple[TransactionParty, ...]
    items: tuple[Item, ...]
    route: Route
    end_use: str | None = None
    payment_origin: str | None = None
    date: str | None = None  # ISO date of the proposed shipment; decision time when absent

    def all_parties(self) -> tuple[TransactionParty, ...]:
        return (self.exporter, *self.parties)

    def by_role(self, role: PartyRole) -> tuple[TransactionParty, ...]:
        roles = self.__dict__.get("_roles")
        if roles is None:
            roles = {}
            for p in self.all_parties():
                roles.setdefault(p.role, []).append(p)
            roles = {r: tuple(ps) for r, ps in roles.items()}
            object.__setattr__(self, "_roles", roles)
        return roles.get(role, ())

    def to_dict(self) -> dict[str, Any]:
        """The normalised JSON form (the input shape of issue 7); its digest identifies it."""
        d: dict[str, Any] = {
            "id": self.id,
            "exporter": {k: v for k, v in self.exporter.to_dict().items() if k != "role"},
            "parties": [p.to_dict() for p in self.parties],
            "items": [i.to_dict() for i in self.items],
            "ship_to": self.route.ship_to,
            "route": list(self.route.transit),
        }
        if self.route.ship_from is not None:
            d["ship_from"] = self.route.ship_from
        for key in ("end_use", "payment_origin", "date"):
            value = getattr(self, key)
            if value is not None:
                d[key] = value
        return d

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of the normalised transaction."""
        return hashlib.sha256(canonical_json(self.to_dict())).hexdigest()


@dataclass(frozen=True)
class Reason:
    """One reason behind a decision: the rule (with citation), what it implies, the evidence."""

    code: str
    message: str
    outcome: Outcome
    rule: str | None = None  # citation: "15 CFR 744.11", "OFAC 50% rule", "BIS red flags #3"
    party: str | None = None  # "end_user: Huawei Technologies Co., Ltd."
    item: int | None = None  # index into Transaction.items
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message,
                             "outcome": self.outcome.value}
        if self.rule is not None:
            d["rule"] = self.rule
        if self.party is not None:
            d["party"] = self.party
        if self.item is not None:
            d["item"] = self.item
        if self.evidence:
            d["evidence"] = self.evidence
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reason:
        return cls(d["code"], d["message"], Outcome(d["outcome"]), d.get("rule"),
                   d.get("party"), d.get("item"), dict(d.get("evidence", {})))


@dataclass(frozen=True)
class Decision:
    """The answer on one transaction, with everything needed to reproduce it."""

    id: str
    transaction_id: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    snapshots: tuple[str, ...]
    policy_version: str
    input_digest: str
    decided_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "transaction_id": self.transaction_id,
            "outcome": self.outcome.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "snapshots": list(self.snapshots),
            "policy_version": self.policy_version,
            "input_digest": self.input_digest,
            "decided_at": self.decided_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decision:
        return cls(
            id=d["id"],
            transaction_id=d["transaction_id"],
            outcome=Outcome(d["outcome"]),
            reasons=tuple(Reason.from_dict(r) for r in d.get("reasons", ())),
            snapshots=tuple(d.get("snapshots", ())),
            policy_version=d["policy_version"],
            input_digest=d["input_digest"],
            decided_at=d["decided_at"],
        )
