"""UN Security Council consolidated list, XML (https://scsanctions.un.org/resources/xml/en/consolidated.xml).

Root ``<CONSOLIDATED_LIST dateGenerated=...>`` with ``<INDIVIDUALS>`` and ``<ENTITIES>``.
Entity ids are ``un_sc:<REFERENCE_NUMBER>`` (e.g. ``un_sc:QDi.268``): the reference number is
the UN's own permanent, public key (quoted by the EU, UK and Taiwan lists too), whereas DATAID
is an internal database key; DATAID is kept in ``properties["un_dataid"]`` and used as the key
only when a record has no reference number.

Quirks handled: empty placeholder elements (``<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/>``),
alias qualities Good / a.k.a. (aka), Low (weak), f.k.a. (fka); DOB forms EXACT (DATE or
YEAR, sometimes only a NOTE such as "Nov. 1973"), APPROXIMATELY (year, flagged in
``properties["dob_approximate"]``) and BETWEEN (``"1960/1965"``); document types in several
languages; numbers with stray spaces. DTDs and entity declarations are refused.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import (
    clean,
    entity_id,
    iso_date,
    refuse_dtd,
    script_of,
    xml_error,
    xml_root_tag,
)
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "un_xml"
SOURCE = "un_sc"
ROOT = "CONSOLIDATED_LIST"

_QUALITY = {
    "good": NameKind.AKA,
    "a.k.a.": NameKind.AKA,
    "aka": NameKind.AKA,
    "": NameKind.AKA,
    "low": NameKind.WEAK,
    "f.k.a.": NameKind.FKA,
    "fka": NameKind.FKA,
}


def sniff(path: Path, head: bytes) -> bool:
    return xml_root_tag(head) == ROOT


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    data = open_bytes(path)
    if not data.strip():
        raise FormatError("empty file", file=path, line=1)
    refuse_dtd(data, path)
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise xml_error(exc, path) from exc
    if root.tag != ROOT:
        raise FormatError(f"root element is <{root.tag}>, expected <{ROOT}>", file=path, line=1)
    entities: list[ListedEntity] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for group, tag, schema in (
        ("INDIVIDUALS", "INDIVIDUAL", Schema.PERSON),
        ("ENTITIES", "ENTITY", Schema.ORGANIZATION),
    ):
        for node in root.iterfind(f"{group}/{tag}"):
            entity = _entity(node, schema, path)
            if entity.id in seen:
                # Never drop a listed party: keep both, the second keyed by its DATAID too.
                dataid = (entity.properties.get("un_dataid") or ("?",))[0]
                old_id, entity = entity.id, dataclasses.replace(entity, id=f"{entity.id}#{dataid}")
                warnings.append(f"{path}: reference {old_id} appears twice; kept as {entity.id}")
            seen.add(entity.id)
            entities.append(entity)
    if not entities:
        raise FormatError("no INDIVIDUAL or ENTITY records in the file", file=path)
    return ParseResult(
        format=NAME,
        source=SOURCE,
        entities=entities,
        files=[path],
        published_at=clean(root.get("dateGenerated")),
        warnings=warnings,
    )


def _text(node: ET.Element, tag: str) -> str | None:
    return clean(node.findtext(tag))


def _values(node: ET.Element, tag: str) -> list[str]:
    return [v for v in (clean(e.text) for e in node.iterfind(f"{tag}/VALUE")) if v]


def _add(items: list[str], value: str | None) -> None:
    if value and value not in items:
        items.append(value)


def _entity(node: ET.Element, schema: Schema, path: Path) -> ListedEntity:
    ref = _text(node, "REFERENCE_NUMBER")
    dataid = _text(node, "DATAID")
    key = ref or dataid
    if not key:
        raise FormatError(f"<{node.tag}> without REFERENCE_NUMBER or DATAID", file=path)
    eid = entity_id(SOURCE, key)
    primary = " ".join(
        p
        for p in (
            _text(node, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        )
        if p
    )
    names: list[Name] = []
    if primary:
        names.append(Name(primary, NameKind.PRIMARY, script_of(primary)))
    native = _text(node, "NAME_ORIGINAL_SCRIPT")
    if native:
        names.append(Name(native, NameKind.NATIVE, script_of(native)))
    props: dict[str, list[str]] = {}
    birth_dates: list[str] = []
    alias_dobs: list[str] = []  # dates given with an alias: after the main ones
    for alias in node.iterfind(f"{node.tag}_ALIAS"):
        value = _text(alias, "ALIAS_NAME")
        if not value:
            continue
        quality = (_text(alias, "QUALITY") or "").lower()
        kind = _QUALITY.get(quality, NameKind.AKA)
        if kind is not NameKind.WEAK and script_of(value) not in (None, "Latn"):
            kind = NameKind.NATIVE
        name = Name(value, kind, script_of(value))
        if all(value != n.value for n in names):
            names.append(name)
        _add(alias_dobs, iso_date(_text(alias, "DATE_OF_BIRTH")))
    if not names:
        raise FormatError(f"record {key} has no name", file=path, field="FIRST_NAME")

    addresses, countries = _addresses(node)
    nationality: list[str] = []
    for value in _values(node, "NATIONALITY"):
        _add(nationality, to_iso2(value))
    for code in nationality:
        _add(countries, code)
    if nationality:
        props["nationality"] = nationality

    for dob in node.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        value, approximate = _dob(dob)
        _add(birth_dates, value)
        if approximate and value:
            props.setdefault("dob_approximate", []).append(value)
    for value in alias_dobs:
        _add(birth_dates, value)
    for pob in node.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [_text(pob, t) for t in ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY", "NOTE")]
        text = ", ".join(p for p in parts if p)
        if text:
            _add(props.setdefault("place_of_birth", []), text)

    for key_, tag in (
        ("title", "TITLE"),
        ("designation", "DESIGNATION"),
        ("last_updated", "LAST_DAY_UPDATED"),
        ("un_list", "LIST_TYPE"),
    ):
        values = _values(node, tag)
        if values:
            props[key_] = values
    gender = _text(node, "GENDER")
    if gender:
        props["gender"] = [gender]
    if dataid:
        props["un_dataid"] = [dataid]
    program = _text(node, "UN_LIST_TYPE")

    return ListedEntity(
        id=eid,
        source=SOURCE,
        schema=schema,
        names=tuple(names),
        addresses=tuple(addresses),
        countries=tuple(countries),
        identifiers=tuple(_documents(node)),
        birth_dates=tuple(birth_dates),
        programs=(program,) if program else (),
        listed_on=_xsdate(_text(node, "LISTED_ON")),
        remarks=_text(node, "COMMENTS1"),
        properties={k: tuple(v) for k, v in props.items()},
    )


def _addresses(node: ET.Element) -> tuple[list[Address], list[str]]:
    addresses: list[Address] = []
    countries: list[str] = []
    for a in node.iterfind(f"{node.tag}_ADDRESS"):
        country_text = _text(a, "COUNTRY")
        country = to_iso2(country_text)
        note = _text(a, "NOTE")
        if country_text and not country:
            note = "; ".join(p for p in (country_text, note) if p)
        address = Address(
            street=_text(a, "STREET"),
            city=_text(a, "CITY"),
            region=_text(a, "STATE_PROVINCE"),
            postal_code=_text(a, "ZIP_CODE"),
            country=country,
            remarks=note,
        )
        if address != Address() and address not in addresses:
            addresses.append(address)
        _add(countries, country)
    return addresses, countries


def _dob(dob: ET.Element) -> tuple[str | None, bool]:
    """(ISO date or interval, approximate?) for one INDIVIDUAL_DATE_OF_BIRTH."""
    kind = (_text(dob, "TYPE_OF_DATE") or "").upper()
    date = _xsdate(_text(dob, "DATE"))
    year = _year(_text(dob, "YEAR"))
    if kind == "BETWEEN":
        lo, hi = _year(_text(dob, "FROM_YEAR")), _year(_text(dob, "TO_YEAR"))
        if lo and hi:
            return f"{lo}/{hi}", False
        return lo or hi, True
    if kind == "APPROXIMATELY":
        value = year or (date[:4] if date else None)
        return value, True
    value = date or year
    if not value:
        note = _text(dob, "NOTE")
        value = iso_date(note)
        if value is None and note:
            m = re.search(r"\b(1[89]\d\d|20\d\d)\b", note)
            value = m[1] if m else None
    return value, False


def _xsdate(value: str | None) -> str | None:
    """xs:date, which may carry a time zone ("2015-03-27-04:00"), as an ISO date."""
    if value:
        value = re.sub(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})$", r"\1", value)
    return iso_date(value)


def _year(value: str | None) -> str | None:
    return value if value and re.fullmatch(r"\d{4}", value) else None


def _doc_type(label: str | None) -> str:
    text = (label or "").lower()
    if any(w in text for w in ("passport", "passeport", "pasaporte")):
        return "passport"
    if any(
        w in text
        for w in (
            "national identification",
            "national identity",
            "identity card",
            "identification card",
            "tazkira",
        )
    ):
        return "national_id"
    return clean(label) or "document"


def _documents(node: ET.Element) -> list[Identifier]:
    out: list[Identifier] = []
    for d in node.iterfind("INDIVIDUAL_DOCUMENT"):
        label = _text(d, "TYPE_OF_DOCUMENT")
        number = _text(d, "NUMBER")
        notes = [
            _text(d, "TYPE_OF_DOCUMENT2"),
            _text(d, "NOTE"),
            *(f"issued {v}" for v in [_text(d, "DATE_OF_ISSUE")] if v),
            *(f"issued in {v}" for v in [_text(d, "CITY_OF_ISSUE")] if v),
        ]
        note = "; ".join(n for n in notes if n) or None
        if not number:
            if not note:
                continue
            # "Italian Fiscal Code: DAOMMD74T11Z352Z": the number is in the note.
            m = re.fullmatch(r"(.+?)\s*:\s*(\S*\d\S*)", note)
            number, note = (m[2], m[1]) if m else (note, None)
        country_text = _text(d, "ISSUING_COUNTRY") or _text(d, "COUNTRY_OF_ISSUE")
        ident = Identifier(
            _doc_type(label or _text(d, "TYPE_OF_DOCUMENT2")), number, to_iso2(country_text), note
        )
        if ident not in out:
            out.append(ident)
    return out
