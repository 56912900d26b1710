"""Hand-made CSV transcriptions of lists published only as HTML or PDF (OpenSanctions' crawlers).

Five layouts, told apart by their header row:

- FCC Covered List (`covered_equipment_or_services,date_of_inclusion_on_covered_list`): free text;
  the named producer or provider ("produced by Huawei Technologies Company, including ...") is
  the party. Category rows that name no party ("Routers produced in a foreign country") are
  reported as warnings, not invented as parties.
- NDAA section 889 (`schema,name,aliases,topics,program,...`).
- DoD section 1260H Chinese military companies (`Name,Clean Name,Alias,Previous Name,...`).
- BIS Military-Intelligence End Users, EAR § 744.22 (`Type,Name,Alias,Country,...`).
- China's countermeasure lists, MOFCOM / MFA (`Type,QID,Name,Alias,Chinese name,...`): one row
  per designation, so rows of one party (same name and country) are merged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, iso_date, script_of, split
from sekisho.model import Address, ListedEntity, Name, NameKind, Schema

NAME = "os_transcribed"

_HEADERS: dict[str, tuple[str, ...]] = {
    "us_fcc_covered": ("covered_equipment_or_services", "date_of_inclusion_on_covered_list"),
    "us_ndaa_889": ("schema", "name", "aliases", "topics", "program"),
    "us_dod_1260h": ("name", "clean name", "alias", "previous name", "parent name"),
    "us_bis_mieu": ("type", "name", "alias", "country", "topics", "program"),
    "cn_countermeasures": ("type", "qid", "name", "alias", "chinese name"),
}

_SCHEMAS = {
    "organization": Schema.ORGANIZATION,
    "organisation": Schema.ORGANIZATION,
    "company": Schema.COMPANY,
    "person": Schema.PERSON,
    "individual": Schema.PERSON,
    "legalentity": Schema.LEGAL_ENTITY,
    "vessel": Schema.VESSEL,
}


def _header_source(first_line: str) -> str | None:
    try:  # a stray carriage return or NUL byte is not a header ("\r\x00" stops csv)
        row = next(csv.reader([first_line.strip("\r\n")]), [])
    except csv.Error:
        return None
    cells = [c.strip().strip('"').lower() for c in row]
    for source, expected in _HEADERS.items():
        if tuple(cells[: len(expected)]) == expected:
            return source
    return None


def sniff(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in (".csv", ".gz"):
        return False
    first = head.decode("utf-8-sig", errors="ignore").split("\n", 1)[0]
    return _header_source(first) is not None


def companions(path: Path) -> list[Path]:
    return []


def _key(*parts: str | None) -> str:
    text = "|".join((p or "").casefold().strip() for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _schema(value: str | None, path: Path, line: int) -> Schema:
    if not value:
        return Schema.ORGANIZATION
    schema = _SCHEMAS.get(value.strip().lower().replace(" ", ""))
    if schema is None:
        raise FormatError(f"unknown entity type {value!r}", file=path, line=line, field="Type")
    return schema


def _names(primary: str, aliases: list[str], previous: list[str] = (), native: list[str] = ()) -> tuple[Name, ...]:
    names = [Name(primary, NameKind.PRIMARY, script_of(primary))]
    seen = {primary.casefold()}
    for kind, values in ((NameKind.AKA, aliases), (NameKind.FKA, previous), (NameKind.NATIVE, native)):
        for v in values:
            if v.casefold() not in seen:
                seen.add(v.casefold())
                names.append(Name(v, kind, script_of(v)))
    return tuple(names)


_FCC_PARTY = re.compile(
    r"(?:produced|provided|supplied)(?:, directly or indirectly,)?(?: or provided)? by "
    r"(?P<name>.+?)(?:,| and its| or any| subject to| to the extent|\.$|$)"
)


def _fcc(row: dict[str, str], line: int, path: Path, warnings: list[str]) -> ListedEntity | None:
    text = clean(row.get("covered_equipment_or_services"))
    if not text:
        raise FormatError("empty covered equipment text", file=path, line=line,
                          field="covered_equipment_or_services")
    m = _FCC_PARTY.search(text)
    if not m or "foreign country" in m["name"]:
        warnings.append(f"{path.name}:{line}: category rule without a named party: {text[:80]}")
        return None
    name = m["name"].strip()
    names = [name]
    sub = re.search(r"wholly-owned subsidiary (.+?)(?: subject|,|$)", text)
    if sub:
        names.append(sub[1].strip())
    return ListedEntity(
        id=entity_id("us_fcc_covered", _key(name)),
        source="us_fcc_covered",
        schema=Schema.COMPANY,
        names=_names(names[0], names[1:]),
        listed_on=iso_date(row.get("date_of_inclusion_on_covered_list")),
        remarks=text,
        programs=("FCC-COVERED-LIST",),
    )


def _ndaa(row: dict[str, str], line: int, path: Path, warnings: list[str]) -> ListedEntity:
    name = clean(row.get("name"))
    if not name:
        raise FormatError("missing name", file=path, line=line, field="name")
    return ListedEntity(
        id=entity_id("us_ndaa_889", _key(name)),
        source="us_ndaa_889",
        schema=_schema(row.get("schema"), path, line),
        names=_names(name, split(row.get("aliases"))),
        countries=tuple(c.upper() for c in split(row.get("country"))),
        programs=("NDAA-889",),
        listed_on=iso_date(row.get("start-date")),
        end_date=iso_date(row.get("end-date")),
        remarks=clean(row.get("notes")),
        properties={k: (v,) for k, v in (("program_text", clean(row.get("program"))),
                                          ("source_url", clean(row.get("source_url")))) if v},
    )


def _dod(row: dict[str, str], line: int, path: Path, warnings: list[str]) -> ListedEntity:
    name = clean(row.get("Clean Name")) or clean((row.get("Name") or "").rstrip("*"))
    if not name:
        raise FormatError("missing name", file=path, line=line, field="Clean Name")
    printed = clean(row.get("Name"))
    parent = clean(row.get("Parent Name"))
    props = {k: (v,) for k, v in (("printed_name", printed), ("parent", parent),
                                  ("source_url", clean(row.get("Source Url")))) if v}
    return ListedEntity(
        id=entity_id("us_dod_1260h", _key(name)),
        source="us_dod_1260h",
        schema=Schema.COMPANY,
        names=_names(name, split(row.get("Alias")), split(row.get("Previous Name"))),
        countries=("CN",),
        programs=("DOD-1260H",),
        listed_on=iso_date(row.get("Start date")),
        end_date=iso_date(row.get("End date")),
        remarks=clean(row.get("Note")),
        linked_to=(parent,) if parent else (),
        properties=props,
    )


def _mieu(row: dict[str, str], line: int, path: Path, warnings: list[str]) -> ListedEntity:
    name = clean(row.get("Name"))
    if not name:
        raise FormatError("missing name", file=path, line=line, field="Name")
    country = clean(row.get("Country"))
    return ListedEntity(
        id=entity_id("us_bis_mieu", _key(name, country)),
        source="us_bis_mieu",
        schema=_schema(row.get("Type"), path, line),
        names=_names(name, split(row.get("Alias"))),
        countries=(country.upper(),) if country else (),
        programs=(clean(row.get("Program")) or "US-BIS-MIEU",),
        listed_on=iso_date(row.get("Date")),
        end_date=iso_date(row.get("End date")),
        properties={"source_url": (u,)} if (u := clean(row.get("Source URL"))) else {},
    )


def _cn(row: dict[str, str], line: int, path: Path, warnings: list[str]) -> ListedEntity:
    name = clean(row.get("Name"))
    if not name:
        raise FormatError("missing name", file=path, line=line, field="Name")
    country = clean(row.get("Country"))
    body = clean(row.get("Body"))
    lst = clean(row.get("List"))
    props = {k: (v,) for k, v in (("qid", clean(row.get("QID"))), ("authority", body),
                                  ("summary", clean(row.get("Summary"))),
                                  ("summary_zh", clean(row.get("Chinese summary"))),
                                  ("source_url", clean(row.get("Source URL")))) if v}
    address = clean(row.get("Address"))
    return ListedEntity(
        id=entity_id("cn_countermeasures", clean(row.get("QID")) or _key(name, country)),
        source="cn_countermeasures",
        schema=_schema(row.get("Type"), path, line),
        names=_names(name, split(row.get("Alias")), native=split(row.get("Chinese name"))),
        sublist=lst,
        countries=(country.upper(),) if country else (),
        addresses=(Address(full=address, country=country.upper() if country else None),) if address else (),
        programs=tuple(p for p in (lst, body) if p),
        listed_on=iso_date(row.get("Date")),
        end_date=iso_date(row.get("End date")),
        properties=props,
    )


_ROW: dict[str, Callable[[dict[str, str], int, Path, list[str]], ListedEntity | None]] = {
    "us_fcc_covered": _fcc,
    "us_ndaa_889": _ndaa,
    "us_dod_1260h": _dod,
    "us_bis_mieu": _mieu,
    "cn_countermeasures": _cn,
}


def _merge(a: ListedEntity, b: ListedEntity) -> ListedEntity:
    """Two designations of one party: union of names, programs, addresses; earliest date."""
    names = list(a.names) + [n for n in b.names if n not in a.names]
    props = dict(a.properties)
    for k, v in b.properties.items():
        props[k] = tuple(dict.fromkeys(props.get(k, ()) + v))
    dates = [d for d in (a.listed_on, b.listed_on) if d]
    return ListedEntity(
        **{
            **{f: getattr(a, f) for f in a.__dataclass_fields__},
            "names": tuple(names),
            "programs": tuple(dict.fromkeys(a.programs + b.programs)),
            "addresses": tuple(dict.fromkeys(a.addresses + b.addresses)),
            "listed_on": min(dates) if dates else None,
            "properties": props,
        }
    )


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    text = decode(open_bytes(path), path)
    if not text.strip():
        raise FormatError("empty file", file=path, line=1)
    source = _header_source(text.split("\n", 1)[0])
    if source is None:
        raise FormatError("header is not one of the known transcription layouts", file=path, line=1)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    width = len(reader.fieldnames or [])
    warnings: list[str] = []
    entities: dict[str, ListedEntity] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row or len(row) != width or any(v is None for v in row.values()):
                raise FormatError(f"expected {width} columns", file=path, line=line)
            entity = _ROW[source](row, line, path, warnings)
            if entity is None:
                continue
            if entity.id in entities:
                entities[entity.id] = _merge(entities[entity.id], entity)
            else:
                entities[entity.id] = entity
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=reader.line_num) from exc
    if not entities:
        raise FormatError("no parties in file", file=path)
    return ParseResult(NAME, source, list(entities.values()), [path], warnings=warnings)
