"""Seeded generator of synthetic declarations with planted shell networks and transshipment routes.

Public declaration data with party names does not exist, so entity resolution and cluster
scoring are measured on data whose truth we planted. Same seed, same bytes.

The world:
- `legit` ordinary importers with invented two-word names ("Kavoro Tenlix Electronics Co Ltd"),
  one address, phone, e-mail, bank account and officer each; a few share a registered-agent
  address (a realistic false lead: a shared address alone must not merge companies). They import
  a broad mix of goods at normal unit values over the whole period; a small share is fraudulent.
- `shells` planted networks of 3-7 records, each built with one of three patterns:
  * address farm: different names registered at one address (written differently each time),
    all first seen in the last months, sharing a phone or e-mail in pairs;
  * name variants: one company re-registered under spelling variants (typos, legal-form changes,
    dropped words), sharing a bank account;
  * officer ring: different names and addresses tied by one officer plus a shared phone/bank.
  Shell declarations are controlled electronics (HS 8542, 8471, 8473, 8517, 8486), undervalued,
  shipped from a producer country through a hub (HK, AE, TR, AM, KZ, ...) and labelled fraud.
  Some shells round-trip: the exporter is another member of the same network and the goods
  return to their origin country. Some networks contain a near-match of a restricted name.
- `groups` ordinary company groups (2-4 subsidiaries sharing an officer and an e-mail domain,
  trading for a long time): related traders that entity resolution should link but the cluster
  score should not flag.
- a restricted list: names of restricted parties (the shells' near-matches plus unrelated ones).

`generate()` returns the declarations (generic mapping columns), the truth (record id -> "S<k>"
for shell networks, "G<k>" for ordinary groups, None otherwise) and the restricted names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

_CONS = list("bdfgklmnprstvz") + ["ch", "sh", "tr", "kr"]
_VOWELS = list("aeiou")
_GENERIC = ["Electronics", "Trading", "Technology", "Logistics", "Industrial", "Components",
            "Semiconductor", "Supply", "Systems", "Devices", "Digital", "Import Export"]
_LEGAL = ["Co Ltd", "Limited", "LLC", "FZE", "Ltd", "GmbH", "Pte Ltd", "Sdn Bhd", "OOO", "Inc"]
_LEGAL_SWAP = {"Co Ltd": "Company Limited", "Limited": "Ltd", "LLC": "L.L.C.", "FZE": "F.Z.E.",
               "Ltd": "Limited", "GmbH": "G.m.b.H.", "Pte Ltd": "Private Limited",
               "Sdn Bhd": "Sendirian Berhad", "OOO": "O.O.O.", "Inc": "Incorporated"}
_STREET = ["Road", "Street", "Avenue"]
_STREET_ABBR = {"Road": "Rd", "Street": "St", "Avenue": "Ave"}
_CITIES = {"HK": "Kowloon", "AE": "Dubai", "TR": "Istanbul", "AM": "Yerevan", "KZ": "Almaty",
           "SG": "Singapore", "MY": "Kuala Lumpur", "KR": "Seoul", "JP": "Osaka", "DE": "Hamburg",
           "US": "Houston", "CN": "Shenzhen", "TW": "Hsinchu", "VN": "Hanoi", "GB": "London"}
HUB_ROUTES = ["HK", "AE", "TR", "AM", "KZ", "SG", "MY"]
PRODUCERS = ["US", "TW", "KR", "JP", "DE"]
CONTROLLED_HS = ["8542310000", "8542320000", "8542390000", "8471500000", "8473300000",
                 "8517620000", "8486200000"]
OTHER_HS = ["8504409000", "3926909000", "9403501000", "6907221000", "8479899099", "7204210000",
            "4016999000", "8536509000", "9018909000", "8708299000", "3004909000", "6208221000",
            "8542310000", "8471300000", "8517130000"]
_FREE_MAIL = ["gmail.com", "outlook.com", "163.com", "yandex.ru", "mail.ru"]


@dataclass
class Party:
    key: str
    name: str
    address: str
    country: str
    phone: str
    email: str
    bank: str
    officer: str
    network: str | None = None  # "S<k>" planted shell network, "G<k>" ordinary company group
    first_day: int = 0


@dataclass
class Synthetic:
    declarations: pd.DataFrame
    truth: dict[str, str | None]  # importer_id -> "S<k>" shell network, "G<k>" group, None
    restricted: list[str]
    parties: list[Party] = field(default_factory=list)


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.used: set[str] = set()

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def word(self) -> str:
        while True:
            n = int(self.rng.integers(2, 4))
            w = "".join(self.pick(_CONS) + self.pick(_VOWELS) for _ in range(n))
            w += self.pick(["x", "n", "r", "s", ""])
            if w not in self.used and len(w) >= 5:
                self.used.add(w)
                return w.capitalize()

    def company(self) -> str:
        return f"{self.word()} {self.word()} {self.pick(_GENERIC)} {self.pick(_LEGAL)}"

    def person(self) -> str:
        return f"{self.word()} {self.word()}"

    def address(self, country: str) -> str:
        return (
            f"Unit {int(self.rng.integers(1, 40))}, {int(self.rng.integers(1, 300))} "
            f"{self.word()} {self.pick(_STREET)}, {_CITIES.get(country, 'Central')}"
        )

    def phone(self, country: str) -> str:
        return f"+{int(self.rng.integers(10, 99))} {int(self.rng.integers(10**7, 10**8))}"

    def bank(self) -> str:
        return f"{self.pick(['AE', 'HK', 'TR', 'GB', 'DE'])}{int(self.rng.integers(10**15, 10**16))}"

    def email(self, name: str) -> str:
        stem = name.split()[0].lower()
        dom = self.pick(_FREE_MAIL) if self.rng.random() < 0.3 else f"{stem}-{self.word().lower()}.com"
        return f"info.{self.word().lower()}@{dom}"


def _variant(g: _Gen, name: str) -> str:
    """A spelling variant of a company name: typo, legal-form change, case, dropped word."""
    parts = name.split()
    kind = g.pick(["typo", "legal", "case", "drop", "legal"])
    if kind == "typo":
        w = parts[0]
        i = int(g.rng.integers(1, len(w) - 1))
        parts[0] = w[:i] + w[i + 1 :] if g.rng.random() < 0.5 else w[:i] + w[i] + w[i:]
        return " ".join(parts)
    if kind == "legal":
        for short, long in _LEGAL_SWAP.items():
            if name.endswith(short):
                return name[: -len(short)] + long
        return name
    if kind == "case":
        return name.upper().replace(" ", "  ", 1)
    return " ".join(p for p in parts if p not in _GENERIC) or name


def _address_variant(g: _Gen, address: str) -> str:
    """The same address written differently (abbreviations, order, case, punctuation)."""
    out = address
    for long, short in _STREET_ABBR.items():
        out = out.replace(long, short) if g.rng.random() < 0.6 else out
    if g.rng.random() < 0.5:
        unit, rest = out.split(", ", 1)
        out = f"{rest} {unit.replace('Unit', 'Flat' if g.rng.random() < 0.5 else 'Unit')}"
        out = out.replace("Flat", "Unit")  # flats and units are one token after normalisation
    if g.rng.random() < 0.4:
        out = out.upper()
    return out.replace(",", "" if g.rng.random() < 0.5 else ",")


def generate(
    seed: int = 0,
    *,
    legit: int = 800,
    shells: int = 25,
    start: str = "2024-01-01",
    days: int = 730,
    restricted_extra: int = 40,
    groups: int = 15,
) -> Synthetic:
    """Declarations, truth and restricted names; deterministic for a given seed and sizes."""
    import pandas as pd

    g = _Gen(seed)
    d0 = date.fromisoformat(start)
    parties: list[Party] = []
    restricted: list[str] = []
    agents = [g.address("HK") for _ in range(4)]  # registered-agent addresses, shared by legit

    for i in range(legit):
        country = g.pick(list(_CITIES))
        name = g.company()
        addr = g.pick(agents) if g.rng.random() < 0.06 else g.address(country)
        parties.append(Party(f"L{i:05d}", name, addr, country, g.phone(country), g.email(name),
                             g.bank(), g.person(), None, int(g.rng.integers(0, days - 30))))

    for k in range(groups):  # ordinary company groups: subsidiaries linked but not shells
        country = g.pick(list(_CITIES))
        officer, domain = g.person(), f"{g.word().lower()}-group.com"
        for j in range(int(g.rng.integers(2, 5))):
            parties.append(Party(f"G{k:03d}{j:02d}", g.company(), g.address(country), country,
                                 g.phone(country), f"{g.word().lower()}@{domain}", g.bank(),
                                 officer, f"G{k}", int(g.rng.integers(0, days // 2))))

    for k in range(shells):
        pattern = ("farm", "variants", "ring")[k % 3]
        m = int(g.rng.integers(3, 8))
        country = g.pick(HUB_ROUTES)
        base_name, base_addr = g.company(), g.address(country)
        phone, bank, officer = g.phone(country), g.bank(), g.person()
        domain = f"{base_name.split()[0].lower()}-{g.word().lower()}.com"
        recent = days - int(g.rng.integers(30, 150))
        for j in range(m):
            key = f"S{k:03d}{j:02d}"
            first = recent + int(g.rng.integers(0, 20))
            prev = parties[-1] if j else None
            tie = g.rng.random() < 0.85 or j == 0  # some members carry no tie but the address
            if pattern == "farm":
                p = Party(key, g.company(), _address_variant(g, base_addr), country,
                          prev.phone if prev and tie and j % 2 else g.phone(country),
                          prev.email if prev and tie and not j % 2 else g.email(base_name),
                          g.bank(), g.person(), f"S{k}", first)
            elif pattern == "variants":
                p = Party(key, _variant(g, base_name) if j else base_name, g.address(country),
                          country, g.phone(country), g.email(base_name), bank, g.person(), f"S{k}", first)
            else:
                p = Party(key, g.company(), g.address(country), country,
                          phone if j % 2 == 0 else g.phone(country),
                          f"{g.word().lower()}@{domain}", g.bank(), officer, f"S{k}", first)
            parties.append(p)
        if k % 3 == 1 or k % 4 == 0:  # this network holds a near-match of a restricted party
            member = next(p for p in reversed(parties) if p.network == f"S{k}")
            restricted.append(_variant(g, member.name))
    restricted += [g.company() for _ in range(restricted_extra)]

    shell_by_net: dict[str, list[Party]] = {}
    for p in parties:
        if p.network is not None and p.network.startswith("S"):
            shell_by_net.setdefault(p.network, []).append(p)

    rows = []
    for p in parties:
        shell = p.network is not None and p.network.startswith("S")
        n = int(g.rng.integers(4, 12)) if shell else int(g.rng.integers(1, 30))
        for _ in range(n):
            day = min(days - 1, p.first_day + int(g.rng.integers(0, max(1, days - p.first_day))))
            if shell:
                hs = g.pick(CONTROLLED_HS)
                origin = g.pick(PRODUCERS)
                departure = p.country
                price = float(np.exp(g.rng.normal(4.0, 0.6)))  # undervalued
                round_trip = g.rng.random() < 0.3
                others = [o for o in shell_by_net[p.network] if o is not p]
                exporter = g.pick(others).name if round_trip and others else g.company()
                destination = origin if round_trip else g.pick(["RU", "BY", "IR", "KP", p.country])
                fraud = int(g.rng.random() < 0.85)
            else:
                hs = g.pick(OTHER_HS)
                origin = g.pick(list(_CITIES))
                departure = origin if g.rng.random() < 0.85 else g.pick(list(_CITIES))
                price = float(np.exp(g.rng.normal(6.0, 0.8)))
                exporter = g.company() if g.rng.random() < 0.3 else f"Exporter {int(g.rng.integers(0, 200))}"
                destination = p.country
                fraud = int(g.rng.random() < 0.03)
            qty = float(np.round(np.exp(g.rng.normal(3.0, 1.0)), 1)) + 1.0
            rows.append({
                "date": (d0 + timedelta(days=day)).isoformat(),
                "hs": hs,
                "value": round(price * qty, 2),
                "quantity": qty,
                "origin": origin,
                "departure": departure,
                "destination": destination,
                "importer_id": p.key,
                "declarant_id": f"D{int(g.rng.integers(0, 60)):03d}",
                "seller_id": f"X{int(g.rng.integers(0, 300)):04d}",
                "importer_name": p.name,
                "importer_address": p.address,
                "importer_phone": p.phone,
                "importer_email": p.email,
                "importer_bank": p.bank,
                "importer_officer": p.officer,
                "exporter_name": exporter,
                "label": fraud,
                "critical": (2 if g.rng.random() < 0.2 else 1) if fraud else 0,
            })
    frame = pd.DataFrame(rows).sort_values(["date", "importer_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "declaration_id", [f"SYN{i:07d}" for i in range(len(frame))])
    frame["date"] = pd.to_datetime(frame["date"])
    frame.attrs["mapping"] = "generic"
    truth = {p.key: p.network for p in parties}
    return Synthetic(frame, truth, restricted, parties)
