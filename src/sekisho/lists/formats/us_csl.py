"""trade.gov Consolidated Screening List CSV (plain or gzipped), PROVENANCE.md §4.4.

One row per listing on one of the US government's lists (Entity List, SDN, DPL, MEU...).
Known quirks, all tolerated: the header line repeated (skipped, with a warning), a last row
cut off part-way (reported by line, the rest kept), fields with embedded newlines (the csv
module handles them), and two orders of the `ids` triples (2022: "country, number, type";
2023 on: "type, number, country").

Entity ids: `us_trade_csl:<_id>`. Treasury rows carry OFAC's ent_num as `_id`, and the same
ent_num appears once per Treasury sub-list (SDN, SSI, CAP...), so rows of Treasury sub-lists
other than SDN get `us_trade_csl:<SUBLIST>-<_id>` to stay unique and stable. A row repeating
an id already seen is merged into the first (union of URLs), with a warning.

Schema: the `type` column when filled (Treasury rows). Other lists give no type: a row with a
date or place of birth, nationality or citizenship is a Person; rows of the BIS Entity List,
MEU, UVL and CMIC lists are otherwise Organizations (they list companies and institutes; the
few individuals there are not marked); DPL, DTC and ISN rows, which mix people and companies,
are LegalEntity (unknown kind) rather than a guess.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from pathlib import Path

from sekisho.countries import is_iso2 as _is_iso2
from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, iso_date, script_of, split
from sekisho.lists.formats.ofac_remarks import (
    PROPERTY_LABELS,
    id_type,
    is_property_label,
    label_key,
    parse_date_text,
    parse_remarks,
    same_label,
    slug,
)
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "us_csl"
SOURCE = "us_trade_csl"
REQUIRED = ("_id", "source", "name")
_HEAD = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\"?_id\"?,\"?source\"?,\"?entity_number\"?")
_CODE = re.compile(r"\(([A-Z][A-Z0-9\- ]*?)(?: List)?\)")
_LONG_NAMES = (
    ("entity list", "EL"),
    ("specially designated nationals", "SDN"),
    ("denied persons", "DPL"),
    ("unverified list", "UVL"),
    ("military end user", "MEU"),
    ("nonproliferation sanctions", "ISN"),
    ("itar debarred", "DTC"),
    ("military-industrial complex", "CMIC"),
    ("sectoral sanctions", "SSI"),
    ("palestinian legislative council", "PLC"),
    ("foreign sanctions evaders", "FSE"),
    ("menu-based sanctions", "NS-MBS"),
    ("capta", "CAP"),
    ("correspondent account", "CAP"),
)
_TYPES = {
    "individual": Schema.PERSON,
    "entity": Schema.ORGANIZATION,
    "vessel": Schema.VESSEL,
    "aircraft": Schema.AIRCRAFT,
}
_ORG_LISTS = {"EL", "MEU", "UVL", "CMIC", "SDN", "SSI", "CAP", "FSE", "PLC", "NS-MBS"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2} [A-Z][a-z]{2} \d{4}$")
_FR = re.compile(r"^\d+\s*F\.?R\.?\s*\d+")
is_iso2 = lru_cache(maxsize=4096)(_is_iso2)
_VESSEL = (
    ("call_sign", "call_sign"),
    ("vessel_type", "vessel_type"),
    ("gross_tonnage", "tonnage"),
    ("gross_registered_tonnage", "gross_registered_tonnage"),
    ("vessel_flag", "flag"),
    ("vessel_owner", "vessel_owner"),
)


def sniff(path: Path, head: bytes) -> bool:
    """CSL files start with the header `_id,source,entity_number`."""
    return bool(_HEAD.match(head))


def companions(path: Path) -> list[Path]:
    return []


def sublist_of(source: str) -> str | None:
    """Short code of a CSL `source` value: "Entity List (EL) - Bureau..." → "EL"."""
    m = _CODE.search(source)
    if m:
        return m[1].strip()
    low = source.lower()
    for needle, code in _LONG_NAMES:
        if needle in low:
            return code
    return None


def parse(paths: list[Path]) -> ParseResult:
    path = Path(paths[0])
    text = decode(open_bytes(path), path, ("utf-8-sig",))
    if not text.strip():
        raise FormatError("empty file", file=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    warnings: list[str] = []
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        header = next(reader)
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if row:
                records.append((start, row))
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=line) from exc
    cols = [clean(h) or "" for h in header]
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise FormatError(
            f"not a CSL header: missing column(s) {', '.join(missing)}", file=path, line=1
        )
    index = {c: i for i, c in enumerate(cols)}
    entities: dict[str, ListedEntity] = {}
    first_line: dict[str, int] = {}
    unknown: dict[str, int] = {}  # source texts with no known short code → first line
    for n, (start, row) in enumerate(records):
        if [c.strip() for c in row] == cols:
            warnings.append(f"{path.name}:{start}: repeated header line skipped")
            continue
        if len(row) != len(cols):
            if len(row) < len(cols) and n == len(records) - 1:
                warnings.append(
                    f"{path.name}:{start}: last row truncated ({len(row)} of {len(cols)} "
                    "fields), skipped"
                )
                continue
            raise FormatError(
                f"expected {len(cols)} fields, found {len(row)}", file=path, line=start
            )
        rec = {c: row[i] for c, i in index.items()}
        entity = _entity(rec, path, start)
        if entity.sublist and entity.sublist == clean(rec["source"]):
            unknown.setdefault(entity.sublist, start)
        if entity.id in entities:
            entities[entity.id] = _merge(entities[entity.id], entity)
            warnings.append(
                f"{path.name}:{start}: {entity.id} repeats line {first_line[entity.id]}; merged"
            )
            continue
        first_line[entity.id] = start
        entities[entity.id] = entity
    if not entities:
        raise FormatError("no rows found", file=path)
    for text, start in unknown.items():
        warnings.append(f"{path.name}:{start}: unknown CSL source {text!r}; used as sub-list")
    return ParseResult(NAME, SOURCE, list(entities.values()), [path], None, warnings)


def _merge(first: ListedEntity, other: ListedEntity) -> ListedEntity:
    props = dict(first.properties)
    for key, values in other.properties.items():
        props[key] = tuple(dict.fromkeys((*props.get(key, ()), *values)))
    return ListedEntity(**{**_fields(first), "properties": props})


def _fields(e: ListedEntity) -> dict:
    return {k: getattr(e, k) for k in e.__dataclass_fields__}


def _entity(rec: dict[str, str], path: Path, line: int) -> ListedEntity:
    key = clean(rec["_id"])
    name = clean(rec["name"])
    if not key:
        raise FormatError("empty _id", file=path, line=line, field="_id")
    if not name:
        raise FormatError("empty name", file=path, line=line, field="name")
    source_text = clean(rec["source"]) or ""
    sublist = sublist_of(source_text) or source_text or None
    if sublist and sublist != "SDN" and key.isdigit():
        key = f"{sublist}-{key}"

    def g(col: str) -> str | None:
        value = rec.get(col)
        return clean(value) if value else None  # most cells are empty: skip the work

    names = [Name(name, NameKind.PRIMARY, script_of(name))]
    seen = {name.casefold()}
    for alias in split(rec.get("alt_names"), "; "):
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            names.append(Name(alias, NameKind.AKA, script_of(alias)))

    addresses = [_address(a) for a in split(rec.get("addresses"), "; ")]
    props: dict[str, list[str]] = {}

    def add(k: str, v: str | None) -> None:
        if v and v not in props.setdefault(k, []):
            props[k].append(v)

    countries = [a.country for a in addresses if a.country]
    for col, prop in (("nationalities", "nationality"), ("citizenships", "citizenship")):
        for value in split(rec.get(col), "; "):
            add(prop, value)
            code = to_iso2(value)
            if code:
                countries.append(code)
    for place in split(rec.get("places_of_birth"), "; "):
        add("place_of_birth", place)
    births = []
    for value in split(rec.get("dates_of_birth"), "; "):
        date = parse_date_text(value)
        if date:
            births.append(date)
        else:
            add("birth_date_text", value)

    identifiers: list[Identifier] = []
    for triple in split(rec.get("ids"), "; "):
        _id_entry(triple, identifiers, add)
    for col, prop in _VESSEL:
        value = g(col)
        add(prop, value)
        if value and prop == "call_sign":
            identifiers.append(Identifier("call_sign", value))
    add("title", g("title"))
    add("standard_order", g("standard_order"))
    add("source_list_url", g("source_list_url"))
    add("source_information_url", g("source_information_url"))
    add("ofac_ent_num", g("entity_number"))
    fr = g("federal_register_notice")
    if fr:
        parts = [p.strip() for p in fr.split(",") if p.strip()]
        for cite in parts if all(_FR.match(p) for p in parts) else [fr]:
            add("federal_register", cite)
    remarks = g("remarks")
    linked = parse_remarks(remarks.strip("()")).linked_to if remarks else []

    has_person_data = bool(births or props.get("place_of_birth") or props.get("nationality"))
    has_person_data = has_person_data or bool(props.get("citizenship"))
    schema = _TYPES.get((g("type") or "").lower())
    if schema is None:
        if has_person_data:
            schema = Schema.PERSON
        elif sublist in _ORG_LISTS:
            schema = Schema.ORGANIZATION
        else:
            schema = Schema.LEGAL_ENTITY
    return ListedEntity(
        id=entity_id(SOURCE, key),
        source=SOURCE,
        schema=schema,
        names=tuple(names),
        sublist=sublist,
        addresses=tuple(dict.fromkeys(addresses)),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=tuple(dict.fromkeys(identifiers)),
        birth_dates=tuple(dict.fromkeys(births)),
        programs=tuple(dict.fromkeys(split(rec.get("programs"), "; "))),
        listed_on=iso_date(g("start_date")),
        end_date=iso_date(g("end_date")),
        licence_requirement=g("license_requirement"),
        licence_policy=g("license_policy"),
        remarks=remarks,
        linked_to=tuple(linked),
        properties={k: tuple(v) for k, v in props.items() if v},
    )


def _address(text: str) -> Address:
    """ "street, city, postal, CC": the last part is an ISO2 code when the publisher knew it."""
    parts = [p.strip() for p in text.split(",")]
    country = parts[-1] if is_iso2(parts[-1]) else to_iso2(parts[-1])
    return Address(full=text, country=country)


def _id_entry(triple: str, out: list[Identifier], add) -> None:
    """One `ids` entry in either order → an Identifier, or a property for non-id labels."""
    parts = [p.strip() for p in triple.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        return
    forward = id_type(parts[0]) is not None or _is_label(parts[0])
    backward = len(parts) >= 2 and (
        id_type(parts[-1]) is not None
        or _is_label(parts[-1])
        or is_iso2(parts[0])
        or bool(_DATE.match(parts[0]))
    )
    country = None
    dates: list[str] = []
    if backward and not forward:
        # 2022 order: [country,] [dates,] number, type. Country and dates lead.
        label, rest = parts[-1], parts[:-1]
        while len(rest) > 1 and (is_iso2(rest[0]) or _DATE.match(rest[0])):
            head = rest.pop(0)
            if is_iso2(head) and country is None:
                country = head
            else:
                dates.append(head)
    else:
        # 2023 order: type, number[, country][, dates]. Country and dates trail.
        label, rest = parts[0], parts[1:]
        while len(rest) > 1 and (is_iso2(rest[-1]) or _DATE.match(rest[-1])):
            tail = rest.pop()
            if is_iso2(tail) and country is None:
                country = tail
            else:
                dates.insert(0, tail)
    value = ", ".join(rest) if rest else None
    id_slug = id_type(label)
    if id_slug is None:
        if label_key(label) == "gender":
            add("gender", value)
        else:
            add(_prop_key(label), value if value else label)
        return
    if value:
        note = None if same_label(label, id_slug) else label
        if dates:
            note = "; ".join(p for p in (note, " / ".join(dates)) if p)
        out.append(Identifier(id_slug, value, country, note))


def _is_label(text: str) -> bool:
    """Labels of facts that are not identifiers ("Gender", "Aircraft Model", "... -")."""
    return is_property_label(text) or text.rstrip().endswith((":", "-"))


@lru_cache(maxsize=4096)
def _prop_key(label: str) -> str:
    key = label_key(label)
    for known, prop in PROPERTY_LABELS.items():
        if label_key(known) == key:
            return prop
    if any(w in key for w in ("directive", "sanctions", "executive order")):
        return "sanctions_info"
    return slug(key)
