"""Procurement regimes as data: load and validate `regimes/procurement/*.yaml`.

Three kinds of file live there: `buyers.yaml` (buyer categories), `vendors.yaml` (covered
companies with their names, subsidiaries, affiliates, brands and ownership history) and one file
per regime (who it binds, from when, which vendors, how far into the parts it reaches, exceptions,
sources). Keeping vendors in one catalogue means Huawei's twenty names are written once, and
every regime that covers Huawei sees the same history.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sekisho.errors import InputError

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "regimes" / "procurement"

RELATIONS = ("self", "subsidiary", "affiliate", "brand", "parent", "former subsidiary")
DEFAULT_RELATIONS = ("self", "subsidiary", "affiliate", "brand", "former subsidiary")
PART_TESTS = (
    "any_part",
    "substantial_or_essential",
    "critical_technology",
    "substantial_or_essential_or_critical_technology",
)
VERDICTS = ("prohibited", "needs_review")


def date_start(value: str | None) -> date | None:
    """First day of an ISO date or partial date ("2017" → 2017-01-01)."""
    if not value:
        return None
    parts = [int(p) for p in str(value).split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def date_end(value: str | None) -> date | None:
    """Last day of an ISO date or partial date ("2023" → 2023-12-31): conservative for `until`."""
    if not value:
        return None
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 3:
        return date(*parts)
    month = parts[1] if len(parts) > 1 else 12
    return date(parts[0], month, calendar.monthrange(parts[0], month)[1])


@dataclass(frozen=True)
class Related:
    """A subsidiary, affiliate, brand, parent or former group member of a covered vendor."""

    name: str
    relation: str
    names: tuple[str, ...] = ()
    valid_from: str | None = None
    valid_until: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Vendor:
    id: str
    name: str
    country: str | None
    names: tuple[str, ...]
    related: tuple[Related, ...]
    list_keywords: tuple[str, ...] = ()
    list_address_keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class RegimeVendor:
    """A covered vendor as one regime covers it: from when, which relations, for which uses.

    `purposes` (empty: any use) lists the uses the regime reaches, e.g. 889's "public safety,
    security of government facilities, physical security surveillance of critical
    infrastructure and other national security purposes" for Hytera, Hikvision and Dahua.
    """

    vendor: Vendor
    valid_from: str | None = None
    scope: str | None = None
    relations: tuple[str, ...] = DEFAULT_RELATIONS
    purposes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Binding:
    category: str
    valid_from: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class RegimeException:
    id: str
    text: str


@dataclass(frozen=True)
class Regime:
    id: str
    name: str
    authority: str
    jurisdiction: str | None
    instrument: str | None
    binds: tuple[Binding, ...]
    effective: str
    ends: str | None
    on_product: str
    parts_covered: bool
    part_test: str
    on_part: str
    vendors: tuple[RegimeVendor, ...]
    exceptions: tuple[RegimeException, ...]
    caveats: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    file: str
    native_name: str | None = None
    notes: str | None = None

    def in_force(self, on: date) -> bool:
        start, end = date_start(self.effective), date_end(self.ends)
        return (start is None or on >= start) and (end is None or on <= end)

    def binding(self, category: str, on: date) -> Binding | None:
        """The binding for `category` if the regime binds that buyer on `on`."""
        for b in self.binds:
            if b.category == category and (b.valid_from is None or on >= date_start(b.valid_from)):  # type: ignore[operator]
                return b
        return None

    def exception(self, ex_id: str) -> RegimeException | None:
        return next((e for e in self.exceptions if e.id == ex_id), None)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "authority": self.authority,
            "jurisdiction": self.jurisdiction,
            "binds": [b.category for b in self.binds],
            "effective": self.effective,
            "ends": self.ends,
            "parts": {
                "covered": self.parts_covered,
                "test": self.part_test,
                "on_part": self.on_part,
            },
            "vendors": [v.vendor.id for v in self.vendors],
            "exceptions": [e.id for e in self.exceptions],
            "sources": [s.get("url") or s.get("title") for s in self.sources],
        }


@dataclass(frozen=True)
class Buyer:
    id: str
    name: str
    jurisdiction: str | None


@dataclass(frozen=True)
class Catalogue:
    regimes: dict[str, Regime]
    vendors: dict[str, Vendor]
    buyers: dict[str, Buyer]

    def select(self, ids: list[str] | None) -> list[Regime]:
        """Regimes by id (all when `ids` is empty); an unknown id is an input error."""
        if not ids:
            return list(self.regimes.values())
        unknown = [i for i in ids if i not in self.regimes]
        if unknown:
            raise InputError(
                f"unknown regime {unknown[0]!r}; known: {', '.join(sorted(self.regimes))}",
                field="--regime",
            )
        return [self.regimes[i] for i in dict.fromkeys(ids)]

    def buyer(self, category: str) -> Buyer:
        if category not in self.buyers:
            raise InputError(
                f"unknown buyer category {category!r}; known: {', '.join(self.buyers)}",
                field="--buyer",
            )
        return self.buyers[category]


def load(directory: Path | None = None) -> Catalogue:
    """Load and validate every YAML file of a regime folder (the bundled one by default)."""
    return _load_cached(str((directory or DEFAULT_DIR).resolve()))


@cache
def _load_cached(directory: str) -> Catalogue:
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("regime folder not found", file=folder)
    buyers_doc = _read(folder / "buyers.yaml", "buyer-categories")
    vendors_doc = _read(folder / "vendors.yaml", "vendor-catalogue")
    buyers = _buyers(buyers_doc, folder / "buyers.yaml")
    vendors = _vendors(vendors_doc, folder / "vendors.yaml")
    regimes: dict[str, Regime] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in ("buyers.yaml", "vendors.yaml"):
            continue
        regime = _regime(_read(path, "procurement-regime"), path, vendors, buyers)
        if regime.id in regimes:
            raise InputError(
                f"regime id {regime.id!r} also defined in {regimes[regime.id].file}",
                file=path,
                field="id",
            )
        regimes[regime.id] = regime
    return Catalogue(regimes, vendors, buyers)


def _read(path: Path, kind: str) -> dict[str, Any]:
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"malformed YAML: {exc}", file=path, line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(doc, dict) or doc.get("kind") != kind:
        raise InputError(f"expected a YAML mapping with kind: {kind}", file=path, field="kind")
    return doc


def _req(d: dict[str, Any], key: str, path: Path, where: str) -> Any:
    if d.get(key) in (None, ""):
        raise InputError(f"missing {key!r}", file=path, field=f"{where}.{key}" if where else key)
    return d[key]


def _date(value: Any, path: Path, where: str) -> str | None:
    if value in (None, ""):
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)
    try:
        date_start(text)
        date_end(text)
    except (ValueError, TypeError):
        raise InputError(f"not an ISO date: {value!r}", file=path, field=where) from None
    return text


def _strs(value: Any, path: Path, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError("must be a list of non-empty strings", file=path, field=where)
    return tuple(v.strip() for v in value)


def _buyers(doc: dict[str, Any], path: Path) -> dict[str, Buyer]:
    out: dict[str, Buyer] = {}
    for i, b in enumerate(doc.get("categories") or []):
        where = f"categories[{i}]"
        bid = _req(b, "id", path, where)
        out[bid] = Buyer(bid, _req(b, "name", path, where), b.get("jurisdiction"))
    if not out:
        raise InputError("no buyer category", file=path, field="categories")
    return out


def _vendors(doc: dict[str, Any], path: Path) -> dict[str, Vendor]:
    out: dict[str, Vendor] = {}
    for i, v in enumerate(doc.get("vendors") or []):
        where = f"vendors[{i}]"
        vid = _req(v, "id", path, where)
        if vid in out:
            raise InputError(f"duplicate vendor id {vid!r}", file=path, field=where)
        related = []
        for j, r in enumerate(v.get("related") or []):
            rw = f"{where}.related[{j}]"
            rel = _req(r, "relation", path, rw)
            if rel not in RELATIONS:
                raise InputError(
                    f"relation {rel!r} not one of {', '.join(RELATIONS)}", file=path, field=rw
                )
            related.append(
                Related(
                    name=_req(r, "name", path, rw),
                    relation=rel,
                    names=_strs(r.get("names"), path, f"{rw}.names"),
                    valid_from=_date(r.get("from"), path, f"{rw}.from"),
                    valid_until=_date(r.get("until"), path, f"{rw}.until"),
                    note=r.get("note"),
                )
            )
        out[vid] = Vendor(
            id=vid,
            name=_req(v, "name", path, where),
            country=v.get("country"),
            names=_strs(v.get("names"), path, f"{where}.names"),
            related=tuple(related),
            list_keywords=_strs(v.get("list_keywords"), path, f"{where}.list_keywords"),
            list_address_keywords=_strs(
                v.get("list_address_keywords"), path, f"{where}.list_address_keywords"
            ),
            sources=_strs(v.get("sources"), path, f"{where}.sources"),
            note=v.get("note"),
        )
    return out


def _regime(
    doc: dict[str, Any], path: Path, vendors: dict[str, Vendor], buyers: dict[str, Buyer]
) -> Regime:
    binds = []
    for i, b in enumerate(_req(doc, "binds", path, "")):
        b = {"category": b} if isinstance(b, str) else b
        cat = _req(b, "category", path, f"binds[{i}]")
        if cat not in buyers:
            raise InputError(f"unknown buyer category {cat!r}", file=path, field=f"binds[{i}]")
        binds.append(Binding(cat, _date(b.get("from"), path, f"binds[{i}].from"), b.get("note")))
    parts = doc.get("parts") or {}
    test = parts.get("test", "any_part")
    if test not in PART_TESTS:
        raise InputError(
            f"part test {test!r} not one of {', '.join(PART_TESTS)}", file=path, field="parts.test"
        )
    for key, value in (
        ("on_product", doc.get("on_product", "prohibited")),
        ("parts.on_part", parts.get("on_part", "prohibited")),
    ):
        if value not in VERDICTS:
            raise InputError(f"{value!r} not one of {', '.join(VERDICTS)}", file=path, field=key)
    rvs = []
    for i, rv in enumerate(_req(doc, "vendors", path, "")):
        vid = _req(rv, "vendor", path, f"vendors[{i}]")
        if vid not in vendors:
            raise InputError(
                f"vendor {vid!r} is not in vendors.yaml", file=path, field=f"vendors[{i}]"
            )
        rels = _strs(rv.get("relations"), path, f"vendors[{i}].relations") or DEFAULT_RELATIONS
        bad = [r for r in rels if r not in RELATIONS]
        if bad:
            raise InputError(
                f"relation {bad[0]!r} not one of {', '.join(RELATIONS)}",
                file=path,
                field=f"vendors[{i}]",
            )
        rvs.append(
            RegimeVendor(
                vendors[vid],
                _date(rv.get("from"), path, f"vendors[{i}].from"),
                rv.get("scope"),
                rels,
                _strs(rv.get("purposes"), path, f"vendors[{i}].purposes"),
            )
        )
    exceptions = tuple(
        RegimeException(
            _req(e, "id", path, f"exceptions[{i}]"), _req(e, "text", path, f"exceptions[{i}]")
        )
        for i, e in enumerate(doc.get("exceptions") or [])
    )
    sources = tuple(
        s if isinstance(s, dict) else {"url": str(s)} for s in (doc.get("sources") or [])
    )
    if not sources:
        raise InputError("a regime must cite its sources", file=path, field="sources")
    return Regime(
        id=_req(doc, "id", path, ""),
        name=_req(doc, "name", path, ""),
        authority=_req(doc, "authority", path, ""),
        jurisdiction=doc.get("jurisdiction"),
        instrument=doc.get("instrument"),
        binds=tuple(binds),
        effective=_date(_req(doc, "effective", path, ""), path, "effective") or "",
        ends=_date(doc.get("ends"), path, "ends"),
        on_product=doc.get("on_product", "prohibited"),
        parts_covered=bool(parts.get("covered", True)),
        part_test=test,
        on_part=parts.get("on_part", "prohibited"),
        vendors=tuple(rvs),
        exceptions=exceptions,
        caveats=_strs(doc.get("caveats"), path, "caveats"),
        sources=sources,
        file=str(path),
        native_name=doc.get("native_name"),
        notes=doc.get("notes"),
    )
