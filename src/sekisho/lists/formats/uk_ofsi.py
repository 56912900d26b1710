"""HM Treasury / OFSI Consolidated List, legacy ConList.csv (PROVENANCE.md §4.5).

One row per name variant (and per date-of-birth variant); rows of one designated party share a
Group ID, which is the entity key (`uk_ofsi:<Group ID>`). Quirks handled: Windows-1252 text,
an optional `Last Updated,DD/MM/YYYY` first line (→ published_at), a header with one extra
empty first cell (30 cells over 29-cell rows, as in the stored extract), DD/MM/YYYY dates with
00 for unknown parts, and multi-valued cells written `(1) ... (2) ...`. The 2022-2025 column
names (Name Non-Latin Script, Passport Number, National Identification Number, Alias Quality,
UK Sanctions List Ref...) are read too when present.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, iso_date, script_of
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "uk_ofsi"
SOURCE = "uk_ofsi"
REQUIRED = ("Name 6", "Group Type", "Group ID")
_NAME_PARTS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5")
_ADDRESS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
_SCHEMAS = {
    "individual": Schema.PERSON,
    "entity": Schema.ORGANIZATION,
    "ship": Schema.VESSEL,
}
_ALIAS_KINDS = {
    "prime alias": NameKind.PRIMARY,
    "primary name": NameKind.PRIMARY,
    "aka": NameKind.AKA,
    "alias": NameKind.AKA,
    "fka": NameKind.FKA,
}
_ENUM = re.compile(r"(?:^|\s)\(?\d{1,2}\)(?:\s*-\s*\(?\d{1,2}\))?\s*")
_DOC_NUMBER = re.compile(r"\b([A-Z]{0,3}[0-9][0-9A-Z\-/]{3,})\b")


def _header_cells(head: bytes) -> list[list[str]]:
    text = head.decode("cp1252", errors="replace")
    lines = text.splitlines()[:2]
    return [next(csv.reader([ln]), []) for ln in lines]


def sniff(path: Path, head: bytes) -> bool:
    """The legacy ConList header: cells "Name 6", "Group Type" and "Group ID"."""
    for cells in _header_cells(head):
        stripped = {c.strip() for c in cells}
        if all(col in stripped for col in REQUIRED):
            return True
    return False


def companions(path: Path) -> list[Path]:
    return []


def multi(value: str | None) -> list[str]:
    """Split "(1) a (2) b" / "1) a 2) b" cells; a cell without numbering is one value."""
    v = clean(value)
    if not v:
        return []
    if not _ENUM.match(v):
        return [v]
    parts = [clean(p) for p in _ENUM.split(v)]
    return [p.strip(" ;,") for p in parts if p and p.strip(" ;,")]


def parse(paths: list[Path]) -> ParseResult:
    path = Path(paths[0])
    text = decode(open_bytes(path), path, ("utf-8-sig", "cp1252"))
    if not text.strip():
        raise FormatError("empty file", file=path)
    reader = csv.reader(io.StringIO(text, newline=""))
    published = None
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if row and any(c.strip() for c in row):
                records.append((start, row))
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=line) from exc
    first = records[0][1] if records else []
    if first and len(first) <= 3 and first[0].strip().lower() == "last updated":
        published = iso_date(first[1] if len(first) > 1 else None)
        records = records[1:]
    if not records:
        raise FormatError("no header row", file=path)
    header_line, header = records[0]
    cols = [c.strip() for c in header]
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise FormatError(
            f"not an OFSI ConList header: missing {', '.join(missing)}",
            file=path,
            line=header_line,
        )
    rows = records[1:]
    if not rows:
        raise FormatError("no rows after the header", file=path, line=header_line)
    width = len(rows[0][1])
    if len(cols) == width + 1 and cols[0] == "":
        cols = cols[1:]  # the stored extract's extra empty first header cell
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for start, row in rows:
        if len(row) != len(cols):
            raise FormatError(
                f"expected {len(cols)} fields, found {len(row)}", file=path, line=start
            )
        rec = dict(zip(cols, row, strict=True))
        gid = clean(rec["Group ID"])
        if not gid:
            raise FormatError("empty Group ID", file=path, line=start, field="Group ID")
        groups.setdefault(gid, []).append((start, rec))
    warnings: list[str] = []
    entities = [_entity(gid, members, path, warnings) for gid, members in groups.items()]
    no_prime = sum(1 for w in warnings if "no Prime Alias" in w)
    if no_prime:
        warnings = [w for w in warnings if "no Prime Alias" not in w]
        warnings.append(
            f"{path.name}: {no_prime} groups have no Prime Alias row; their first name is used"
        )
    return ParseResult(NAME, SOURCE, entities, [path], published, warnings)


def _row_name(rec: dict[str, str], schema: Schema) -> str | None:
    last = clean(rec.get("Name 6"))
    given = [p for p in (clean(rec.get(c)) for c in _NAME_PARTS) if p]
    if schema is Schema.PERSON:
        return " ".join([*given, last] if last else given) or None
    return " ".join([last, *given] if last else given) or None


def _entity(
    gid: str, members: list[tuple[int, dict[str, str]]], path: Path, warnings: list[str]
) -> ListedEntity:
    first_line, first = members[0]
    group_type = (clean(first.get("Group Type")) or "").lower()
    schema = _SCHEMAS.get(group_type)
    if schema is None:
        raise FormatError(
            f"unknown Group Type {first.get('Group Type')!r} (expected Individual, Entity or Ship)",
            file=path,
            line=first_line,
            field="Group Type",
        )
    names: list[Name] = []
    primary_seen = False
    props: dict[str, list[str]] = {}

    def add(k: str, v: str | None) -> None:
        if v and v not in props.setdefault(k, []):
            props[k].append(v)

    births: list[str] = []
    countries: list[str] = []
    identifiers: list[Identifier] = []
    addresses: list[Address] = []
    programs: list[str] = []
    remarks: list[str] = []
    listed: list[str] = []
    for _line, rec in members:
        name = _row_name(rec, schema)
        alias_type = (clean(rec.get("Alias Type")) or "aka").lower()
        kind = _ALIAS_KINDS.get(alias_type, NameKind.AKA)
        if (clean(rec.get("Alias Quality")) or "").lower() in ("low", "weak"):
            kind = NameKind.WEAK
        if kind is NameKind.PRIMARY:
            kind = NameKind.AKA if primary_seen else kind
            primary_seen = True
        if name:
            names.append(Name(name, kind, script_of(name)))
        native = clean(rec.get("Name Non-Latin Script"))
        if native:
            lang = clean(rec.get("Non-Latin Script Language"))
            names.append(Name(native, NameKind.NATIVE, script_of(native), lang))
        for dob in multi(rec.get("DOB")):
            date = iso_date(dob)
            if date and date not in births:
                births.append(date)
            elif not date:
                add("birth_date_text", dob)
        towns = multi(rec.get("Town of Birth"))
        lands = multi(rec.get("Country of Birth"))
        for i in range(max(len(towns), len(lands))):
            town = towns[i] if i < len(towns) else None
            land = lands[i] if i < len(lands) else (lands[-1] if lands else None)
            add("place_of_birth", ", ".join(p for p in (town, land) if p))
        for nat in multi(rec.get("Nationality")):
            add("nationality", nat)
            code = to_iso2(nat)
            if code:
                countries.append(code)
        for col, id_slug in (
            ("Passport Details", "passport"),
            ("Passport Number", "passport"),
            ("NI Number", "national_id"),
            ("National Identification Number", "national_id"),
        ):
            for doc in multi(rec.get(col)):
                identifiers.append(_document(id_slug, doc))
        for col, prop in (
            ("Title", "title"),
            ("Position", "position"),
            ("UK Sanctions List Ref", "uk_sanctions_list_ref"),
        ):
            for value in multi(rec.get(col)):
                add(prop, value)
        add("last_updated", iso_date(rec.get("Last Updated")))
        address = _address(rec)
        if address:
            addresses.append(address)
        regime = clean(rec.get("Regime"))
        if regime:
            programs.append(regime)
        other = clean(rec.get("Other Information"))
        if other:
            remarks.append(other)
        on = iso_date(rec.get("Listed On") or rec.get("UK Sanctions List Date Designated"))
        if on:
            listed.append(on)
    if not names:
        raise FormatError(f"group {gid} has no name", file=path, line=first_line, field="Name 6")
    if not primary_seen:
        warnings.append(f"{path.name}: group {gid} has no Prime Alias row")
        names[0] = Name(names[0].value, NameKind.PRIMARY, names[0].script, names[0].lang)
    # Primary first; then each other name once (rows repeat a name per DOB variant).
    names.sort(key=lambda n: n.kind is not NameKind.PRIMARY)
    seen: set[tuple[str, bool]] = set()
    unique = []
    for n in names:
        key = (n.value.casefold(), n.kind is NameKind.NATIVE)
        if key not in seen:
            seen.add(key)
            unique.append(n)
    countries.extend(a.country for a in addresses if a.country)
    return ListedEntity(
        id=entity_id(SOURCE, gid),
        source=SOURCE,
        schema=schema,
        names=tuple(unique),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=tuple(dict.fromkeys(identifiers)),
        birth_dates=tuple(births),
        programs=tuple(dict.fromkeys(programs)),
        listed_on=min(listed) if listed else None,
        remarks="\n".join(dict.fromkeys(remarks)) or None,
        properties={k: tuple(v) for k, v in props.items() if v},
    )


def _document(id_slug: str, text: str) -> Identifier:
    """ "Passport No: 592667 (Qatari passport issued...)" → value 592667, the text as note."""
    m = _DOC_NUMBER.search(text)
    if m and m[1] != text:
        return Identifier(id_slug, m[1], None, text)
    return Identifier(id_slug, text)


def _address(rec: dict[str, str]) -> Address | None:
    lines = [p for p in (clean(rec.get(c)) for c in _ADDRESS) if p]
    postal = clean(rec.get("Post/Zip Code"))
    country_raw = clean(rec.get("Country"))
    if not (lines or postal or country_raw):
        return None
    country = to_iso2(country_raw)
    full = ", ".join([*lines, *(p for p in (postal, country_raw) if p)])
    return Address(
        full=full,
        street=", ".join(lines) or None,
        postal_code=postal,
        country=country,
        remarks=f"country: {country_raw}" if country_raw and not country else None,
    )
