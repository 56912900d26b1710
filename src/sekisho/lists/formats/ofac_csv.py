"""OFAC legacy "delimited" CSV: sdn.csv + add.csv + alt.csv + sdn_comments.csv (and cons_*).

Four headerless files joined on ent_num (PROVENANCE.md §4.1). Quirks handled: `-0- ` null
marker, CRLF, a trailing Ctrl-Z (0x1A) line, programs split by `] [`, Remarks overflow in the
comments file continued mid-word (joined without a separator), and the semi-structured Remarks
(DOB, passports, a.k.a., Linked To...) which `ofac_remarks` turns into fields. The raw Remarks
text is always kept, so nothing we fail to recognise is lost.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, script_of
from sekisho.lists.formats.ofac_remarks import parse_remarks
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "ofac_csv"

# Primary file stem → (source id, {role: companion stem}).
_SETS = {
    "sdn": ("us_ofac_sdn", {"add": "add", "alt": "alt", "comments": "sdn_comments"}),
    "cons_prim": (
        "us_ofac_cons",
        {"add": "cons_add", "alt": "cons_alt", "comments": "cons_comments"},
    ),
}
_WIDTH = {"prim": 12, "add": 6, "alt": 5, "comments": 2}
_FIRST_ROW = re.compile(rb'^\s*\d+,"[^"\r\n]*",(?:-0- ?|"[A-Za-z]*"),')
_SCHEMAS = {
    "individual": Schema.PERSON,
    "vessel": Schema.VESSEL,
    "aircraft": Schema.AIRCRAFT,
}
_VESSEL_FIELDS = (
    (5, "call_sign"),
    (6, "vessel_type"),
    (7, "tonnage"),
    (8, "gross_registered_tonnage"),
    (9, "flag"),
    (10, "vessel_owner"),
)


def _stem(path: Path) -> str:
    return path.name.lower().removesuffix(".csv")


def sniff(path: Path, head: bytes) -> bool:
    """sdn.csv / cons_prim.csv by name, and a first row shaped like `36,"NAME",-0- ,`."""
    return _stem(path) in _SETS and bool(_FIRST_ROW.match(head))


def _set_of(path: Path) -> str | None:
    """The primary stem ("sdn" / "cons_prim") of a primary or companion file name."""
    stem = _stem(path)
    for prim, (_, roles) in _SETS.items():
        if stem == prim or stem in roles.values():
            return prim
    return None


def companions(path: Path) -> list[Path]:
    """The other files of the set (matched case-insensitively in the same folder).

    For a companion file (add.csv...) this includes its primary, so that `--format ofac_csv`
    on a folder groups the set whichever file comes first; `parse` finds the primary by name.
    """
    prim = _set_of(path)
    if prim is None:
        return []
    try:
        siblings = {p.name.lower(): p for p in path.parent.iterdir() if p.is_file()}
    except OSError:
        return []
    out = []
    for stem in (prim, *_SETS[prim][1].values()):
        found = siblings.get(f"{stem}.csv")
        if found is not None and found != path:
            out.append(found)
    return out


def _role(path: Path, primary: Path) -> str:
    stem = _stem(path)
    if path == primary:
        return "prim"
    for role in ("comments", "add", "alt"):
        if stem.endswith(role) or stem.startswith(role):
            return role
    raise FormatError(
        "not an OFAC companion file (expected add, alt or comments)", file=path, field="name"
    )


def _rows(path: Path, role: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of one OFAC file with their line numbers; checks width and the ent_num column."""
    text = decode(open_bytes(path), path, ("utf-8-sig", "cp1252"))
    if not text.strip(" \r\n\t\x1a"):
        raise FormatError("empty file", file=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if not row or all(not c.strip(" \x1a\t") for c in row):
                continue  # blank line or the trailing Ctrl-Z
            if len(row) != _WIDTH[role]:
                raise FormatError(
                    f"expected {_WIDTH[role]} fields, found {len(row)}", file=path, line=start
                )
            if not row[0].strip().isdigit():
                raise FormatError(
                    f"ent_num {row[0][:20]!r} is not a number",
                    file=path,
                    line=start,
                    field="ent_num",
                )
            yield start, row
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=line) from exc


def _programs(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    parts = (clean(p.strip("[] ")) for p in value.split("] ["))
    return tuple(dict.fromkeys(p for p in parts if p))


def _natural(name: str) -> str | None:
    """ "SURNAME, Given names" → "Given names SURNAME" (None when not in that form)."""
    surname, sep, given = name.partition(", ")
    if not sep or "," in given or not given.strip():
        return None
    return f"{given.strip()} {surname.strip()}"


def _name_key(value: str) -> str:
    return " ".join(value.casefold().split())


def parse(paths: list[Path]) -> ParseResult:
    paths = [Path(p) for p in paths]
    primary = next((p for p in paths if _stem(p) in _SETS), paths[0])
    entry = _SETS.get(_stem(primary))
    source = entry[0] if entry else "us_ofac_sdn"
    warnings: list[str] = []
    by_role: dict[str, Path] = {}
    for p in paths:
        if p == primary:
            continue
        role = _role(p, primary)
        if role in by_role:
            raise FormatError(f"two {role} files given: {by_role[role].name}", file=p)
        by_role[role] = p
    for role in ("add", "alt", "comments"):
        if role not in by_role:
            warnings.append(f"{primary.name}: no {role} file next to it; {role} data not loaded")

    prim = [(line, row) for line, row in _rows(primary, "prim")]
    known = {int(row[0]) for _, row in prim}
    overflow: dict[int, str] = {}
    addresses: dict[int, list[Address]] = {}
    aliases: dict[int, list[Name]] = {}
    orphans: dict[str, int] = {}

    def attach(role: str, ent: int) -> bool:
        if ent in known:
            return True
        orphans[role] = orphans.get(role, 0) + 1
        return False

    if "comments" in by_role:
        for _, row in _rows(by_role["comments"], "comments"):
            ent = int(row[0])
            if attach("comments", ent):
                # Continues mid-word: join without a separator.
                overflow[ent] = overflow.get(ent, "") + row[1].replace("\x1a", "")
    if "add" in by_role:
        for _, row in _rows(by_role["add"], "add"):
            ent = int(row[0])
            if attach("add", ent):
                addr = _address(row)
                if addr is not None:
                    addresses.setdefault(ent, []).append(addr)
    if "alt" in by_role:
        for line, row in _rows(by_role["alt"], "alt"):
            ent = int(row[0])
            if attach("alt", ent):
                alias = _alias(row, by_role["alt"], line)
                if alias is not None:
                    aliases.setdefault(ent, []).append(alias)
    for role, count in sorted(orphans.items()):
        warnings.append(f"{by_role[role].name}: {count} rows for ent_nums not in {primary.name}")

    entities = []
    seen: set[int] = set()
    for line, row in prim:
        ent = int(row[0])
        if ent in seen:
            raise FormatError(f"ent_num {ent} appears twice", file=primary, line=line)
        seen.add(ent)
        if not clean(row[1]):
            raise FormatError("empty name", file=primary, line=line, field="SDN_Name")
        entities.append(
            _entity(source, row, overflow.get(ent), addresses.get(ent, []), aliases.get(ent, []))
        )
    if not entities:
        raise FormatError("no entries found", file=primary)
    files = [primary, *by_role.values()]
    return ParseResult(NAME, source, entities, files, None, warnings)


def _address(row: list[str]) -> Address | None:
    street, city, country_raw, note = (clean(c) for c in row[2:6])
    if not (street or city or country_raw):
        return None
    country = to_iso2(country_raw)
    full = None
    if country_raw and not country:
        full = ", ".join(p for p in (street, city, country_raw) if p)
        note = "; ".join(p for p in (note, f"country: {country_raw}") if p)
    return Address(full=full, street=street, city=city, country=country, remarks=note)


def _alias(row: list[str], path: Path, line: int) -> Name | None:
    alt_type = (clean(row[2]) or "aka").lower().strip(". ")
    value = clean(row[3])
    if not value:
        return None
    note = (clean(row[4]) or "").lower()
    if "weak" in note:
        kind = NameKind.WEAK
    elif alt_type == "fka":
        kind = NameKind.FKA
    elif alt_type in ("aka", "nka"):
        kind = NameKind.AKA
    else:
        raise FormatError(
            f"unknown alt_type {alt_type!r} (expected aka, fka or nka)",
            file=path,
            line=line,
            field="alt_type",
        )
    return Name(value, kind, script_of(value))


def _entity(
    source: str,
    row: list[str],
    overflow: str | None,
    addresses: list[Address],
    aliases: list[Name],
) -> ListedEntity:
    ent = int(row[0])
    name = clean(row[1]) or ""
    sdn_type = (clean(row[2]) or "").lower()
    schema = _SCHEMAS.get(sdn_type, Schema.ORGANIZATION)
    raw_remarks = row[11]
    if overflow:
        raw_remarks = (raw_remarks if clean(raw_remarks) else "") + overflow
    remarks = clean(raw_remarks)
    facts = parse_remarks(remarks)

    names = [Name(name, NameKind.PRIMARY, script_of(name))]
    seen_names = {_name_key(name)}
    for alias in aliases:
        key = _name_key(alias.value)
        if key not in seen_names:
            seen_names.add(key)
            names.append(alias)
    for value, kind in facts.aliases:
        key = _name_key(value)
        if key not in seen_names:
            seen_names.add(key)
            names.append(Name(value, kind, script_of(value)))

    props: dict[str, list[str]] = dict(facts.properties)
    title = clean(row[4])
    if title:
        props.setdefault("title", []).insert(0, title)
    if schema is Schema.PERSON:
        natural = _natural(name)
        if natural:
            props["name_natural"] = [natural]
    identifiers = list(facts.identifiers)
    for idx, key in _VESSEL_FIELDS:
        value = clean(row[idx])
        if value:
            props.setdefault(key, []).insert(0, value)
            if key == "call_sign":
                identifiers.insert(0, Identifier("call_sign", value))
    countries: list[str] = []
    for code in [a.country for a in addresses] + facts.countries:
        if code and code not in countries:
            countries.append(code)
    return ListedEntity(
        id=entity_id(source, ent),
        source=source,
        schema=schema,
        names=tuple(names),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=tuple(countries),
        identifiers=tuple(dict.fromkeys(identifiers)),
        birth_dates=tuple(facts.birth_dates),
        programs=_programs(clean(row[3])),
        listed_on=facts.listed_on,
        remarks=remarks,
        linked_to=tuple(facts.linked_to),
        properties={k: tuple(dict.fromkeys(v)) for k, v in props.items() if v},
    )
