"""EU Financial Sanctions Files (FSF): the consolidated list, XML 1.1 and its CSV twin.

No real sample was at hand (the copies found were Git LFS pointers): this parser follows the
publisher's documented layout (PROVENANCE.md §5) and the element model visible in public
excerpts of ``xmlFullSanctionsList_1_1``, and is tested on fixtures we wrote. Keep it honest
against a real file as soon as one is available.

XML: root ``<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate=...>`` holding
``<sanctionEntity logicalId euReferenceNumber unitedNationId designationDate
designationDetails>``; children ``remark``, ``regulation`` (``programme``, ``numberTitle``,
``publicationDate``, ``entryIntoForceDate``, child ``publicationUrl``), ``subjectType``
(``code`` person | enterprise, ``classificationCode`` P | E), ``nameAlias`` (``wholeName``,
``firstName`` / ``middleName`` / ``lastName``, ``nameLanguage``, ``title``, ``function``,
``gender``, ``strong``), ``citizenship``, ``birthdate`` (``birthdate`` full date, or ``year``
/ ``monthOfYear`` / ``dayOfMonth``; ``circa``; ``city``, ``countryIso2Code``),
``identification`` (``identificationTypeCode``, ``number``/``latinNumber``,
``countryIso2Code``) and ``address`` (``street``, ``city``, ``zipCode``, ``poBox``, ``region``,
``place``, ``countryIso2Code``). Country code ``00`` / description ``UNKNOWN`` means none. The
file is streamed (``iterparse``), DTDs are refused.

CSV: ``;``-separated, UTF-8 with BOM, header starting ``fileGenerationDate;Entity_LogicalId;``,
one row per sub-record; rows sharing ``Entity_LogicalId`` are one entity. Columns are
``Entity_*``, ``NameAlias_*``, ``Address_*``, ``BirthDate_*``, ``Identification_*`` and
``Citizenship_*``, whose suffixes are the XML attribute names (``NameAlias_WholeName`` =
``wholeName``; ``BirthDate_Month`` = ``monthOfYear``...). Both are turned into the same
intermediate record, so XML and CSV give the same entities.

Mapping: id ``eu_fsf:<euReferenceNumber>`` (the EU's public reference, e.g. ``EU.27.28``; the
logical id when absent, which is kept in ``properties["eu_logical_id"]``); the first strong
name is primary, ``strong="false"`` names are weak, non-Latin names are native (with their
language); programmes → programs; designationDate (else the earliest regulation date) →
listed_on; remarks → remarks; UN id, titles, functions, gender, regulations → properties.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import (
    clean,
    decode,
    entity_id,
    iso_date,
    refuse_dtd,
    script_of,
    xml_error,
    xml_root_tag,
)
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "eu_fsf"
SOURCE = "eu_fsf"
NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
_CSV_START = "filegenerationdate;entity_logicalid"
_GROUPS = {  # XML child element -> key in the intermediate record
    "nameAlias": "names",
    "citizenship": "citizenships",
    "birthdate": "births",
    "identification": "ids",
    "address": "addresses",
    "regulation": "regulations",
}
_CSV_GROUPS = {  # CSV column prefix -> key in the intermediate record
    "namealias": "names",
    "citizenship": "citizenships",
    "birthdate": "births",
    "identification": "ids",
    "address": "addresses",
    "entity_regulation": "regulations",
}
_CSV_RENAMES = {  # CSV suffix (lower) -> XML attribute (lower), where they differ
    ("births", "month"): "monthofyear",
    ("births", "day"): "dayofmonth",
    ("ids", "typecode"): "identificationtypecode",
    ("ids", "typedescription"): "identificationtypedescription",
    ("regulations", "type"): "regulationtype",
}
_ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "nationalid": "national_id",
    "regnumber": "registration",
    "fiscalcode": "tax_id",
    "tax": "tax_id",
    "swiftbic": "swift_bic",
    "imo": "imo",
}
_Record = dict[str, Any]


def sniff(path: Path, head: bytes) -> bool:
    if xml_root_tag(head) == "export":
        return NAMESPACE.encode() in head[:4096]
    text = head[:200].removeprefix(b"\xef\xbb\xbf").decode("utf-8", "ignore").lower()
    return text.startswith(_CSV_START)


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    data = open_bytes(path)
    if not data.strip():
        raise FormatError("empty file", file=path, line=1)
    if data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        records, published = _xml_records(data, path)
    else:
        records, published = _csv_records(data, path)
    entities: list[ListedEntity] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for line, rec in records:
        entity = _entity(rec, path, line)
        if entity is None:
            warnings.append(
                f"{path}:{line}: sanction entity {rec['attrs'].get('logicalid')} has no name; skipped"
            )
            continue
        if entity.id in seen:
            # Never drop a listed party: keep both, the second keyed by its logical id too.
            logical = (entity.properties.get("eu_logical_id") or ("?",))[0]
            old_id, entity = entity.id, dataclasses.replace(entity, id=f"{entity.id}#{logical}")
            warnings.append(f"{path}: reference {old_id} appears twice; kept as {entity.id}")
        seen.add(entity.id)
        entities.append(entity)
    if not entities:
        raise FormatError("no sanctionEntity records in the file", file=path)
    return ParseResult(
        format=NAME,
        source=SOURCE,
        entities=entities,
        files=[path],
        published_at=published,
        warnings=warnings,
    )


# --- XML -------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attrs(el: ET.Element) -> dict[str, str]:
    return {k.lower(): v for k, v in el.attrib.items()}


def _xml_records(data: bytes, path: Path) -> tuple[list[tuple[int | None, _Record]], str | None]:
    refuse_dtd(data, path)
    records: list[tuple[int | None, _Record]] = []
    published = None
    root_seen = False
    try:
        for event, el in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if _local(el.tag) != "export":
                        raise FormatError(
                            f"root element is <{_local(el.tag)}>, expected <export> ({NAMESPACE})",
                            file=path,
                            line=1,
                        )
                    published = clean(el.get("generationDate"))
                continue
            if _local(el.tag) != "sanctionEntity":
                continue
            records.append((None, _xml_record(el)))
            el.clear()
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise xml_error(exc, path) from exc
    return records, published


def _xml_record(el: ET.Element) -> _Record:
    rec: _Record = {"attrs": _attrs(el), "remarks": [], "subject": {}}
    for key in _GROUPS.values():
        rec[key] = []
    for child in el:
        tag = _local(child.tag)
        if tag == "remark":
            text = clean(child.text)
            if text:
                rec["remarks"].append(text)
        elif tag == "subjectType":
            rec["subject"] = _attrs(child)
        elif tag in _GROUPS:
            sub = _attrs(child)
            for grandchild in child:
                gtag = _local(grandchild.tag)
                if gtag in ("publicationUrl", "remark") and clean(grandchild.text):
                    sub.setdefault(gtag.lower(), clean(grandchild.text))
            rec[_GROUPS[tag]].append(sub)
    return rec


# --- CSV -------------------------------------------------------------------------------------


def _csv_records(data: bytes, path: Path) -> tuple[list[tuple[int | None, _Record]], str | None]:
    text = decode(data, path)
    reader = csv.reader(io.StringIO(text), delimiter=";")
    by_id: dict[str, tuple[int, _Record]] = {}
    published = None
    try:
        header = next(reader, None)
        if not header or not ";".join(header).lower().startswith(_CSV_START):
            raise FormatError(
                "not an EU FSF file: expected the CSV header 'fileGenerationDate;Entity_LogicalId;...' "
                f'or <export xmlns="{NAMESPACE}">',
                file=path,
                line=1,
            )
        cols = [h.strip().lower() for h in header]
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) > len(cols):
                raise FormatError(
                    f"{len(row)} fields, the header has {len(cols)}", file=path, line=line
                )
            cells = dict(zip(cols, row, strict=False))
            logical = clean(cells.get("entity_logicalid"))
            if not logical:
                raise FormatError(
                    "row without Entity_LogicalId", file=path, line=line, field="Entity_LogicalId"
                )
            published = published or iso_date(cells.get("filegenerationdate"))
            if logical not in by_id:
                by_id[logical] = (line, _csv_entity(cells))
            _csv_add_subrecords(by_id[logical][1], cells)
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=reader.line_num) from exc
    return list(by_id.values()), published


def _csv_entity(cells: dict[str, str]) -> _Record:
    attrs = {}
    for col, value in cells.items():
        if col.startswith("entity_") and not col.startswith("entity_regulation_"):
            attrs[col.removeprefix("entity_").replace("_", "")] = value
    attrs["eureferencenumber"] = cells.get("entity_eu_referencenumber", "")
    attrs["logicalid"] = cells.get("entity_logicalid", "")
    subject_code = (cells.get("entity_subjecttype") or "").strip()
    subject_class = (cells.get("entity_subjecttype_classificationcode") or "").strip()
    rec: _Record = {
        "attrs": attrs,
        "remarks": [],
        "subject": {"code": subject_code, "classificationcode": subject_class},
    }
    for key in _GROUPS.values():
        rec[key] = []
    remark = clean(cells.get("entity_remark"))
    if remark:
        rec["remarks"].append(remark)
    return rec


def _csv_add_subrecords(rec: _Record, cells: dict[str, str]) -> None:
    subs: dict[str, dict[str, str]] = {}
    for col, value in cells.items():
        if not clean(value):
            continue
        for prefix, key in _CSV_GROUPS.items():
            if col.startswith(prefix + "_"):
                suffix = col.removeprefix(prefix + "_").replace("_", "")
                attr = _CSV_RENAMES.get((key, suffix), suffix)
                subs.setdefault(key, {})[attr] = value
                break
    for key, sub in subs.items():
        if set(sub) <= {"logicalid", "regulationlanguage"}:
            continue
        if sub not in rec[key]:
            rec[key].append(sub)


# --- entity ----------------------------------------------------------------------------------


def _get(d: dict[str, str], key: str) -> str | None:
    value = clean(d.get(key))
    return value


def _country(d: dict[str, str]) -> str | None:
    code = (_get(d, "countryiso2code") or "").upper()
    if code == "CS":  # Serbia and Montenegro, as OpenSanctions also maps it
        return "RS"
    if re.fullmatch(r"[A-Z]{2}", code) and code not in ("00", "ZZ"):
        return code
    return None


def _add(items: list[Any], value: Any) -> None:
    if value and value not in items:
        items.append(value)


def _names(rec: _Record) -> tuple[list[Name], dict[str, list[str]]]:
    names: list[Name] = []
    props: dict[str, list[str]] = {}
    for n in rec["names"]:
        whole = _get(n, "wholename") or clean(
            " ".join(
                p for p in (_get(n, "firstname"), _get(n, "middlename"), _get(n, "lastname")) if p
            )
        )
        for key, prop in (("title", "title"), ("function", "position"), ("gender", "gender")):
            value = _get(n, key)
            if value:
                _add(props.setdefault(prop, []), value)
        if not whole:
            continue
        strong = (_get(n, "strong") or "true").lower() != "false"
        if (
            "low quality" in (_get(n, "remark") or "").lower()
        ):  # remark used before `strong` existed
            strong = False
        lang = (_get(n, "namelanguage") or "").lower() or None
        script = script_of(whole)
        if not strong:
            kind = NameKind.WEAK
        elif script not in (None, "Latn"):
            kind = NameKind.NATIVE
        elif not any(x.kind is NameKind.PRIMARY for x in names):
            kind = NameKind.PRIMARY
        else:
            kind = NameKind.AKA
        if all(whole != x.value for x in names):
            names.append(Name(whole, kind, script, lang))
    if names and not any(x.kind is NameKind.PRIMARY for x in names):
        first = names[0]
        names[0] = Name(first.value, NameKind.PRIMARY, first.script, first.lang)
    return names, props


def _birth(b: dict[str, str]) -> str | None:
    full = iso_date(_get(b, "birthdate"))
    if full:
        return full
    year = _get(b, "year")
    if not year or not re.fullmatch(r"\d{4}", year):
        return None
    month, day = _get(b, "monthofyear"), _get(b, "dayofmonth")
    if month and month.isdigit() and 1 <= int(month) <= 12:
        if day and day.isdigit():
            return iso_date(f"{year}-{int(month):02d}-{int(day):02d}") or f"{year}-{int(month):02d}"
        return f"{year}-{int(month):02d}"
    return year


def _entity(rec: _Record, path: Path, line: int | None) -> ListedEntity | None:
    attrs: dict[str, str] = rec["attrs"]
    key = _get(attrs, "eureferencenumber") or _get(attrs, "logicalid")
    if not key:
        raise FormatError(
            "sanctionEntity without euReferenceNumber or logicalId", file=path, line=line
        )
    names, props = _names(rec)
    if not names:
        return None
    subject = {k: (v or "").strip().lower() for k, v in rec["subject"].items()}
    values = {subject.get("code"), subject.get("classificationcode")}
    if values & {"person", "p"}:
        schema = Schema.PERSON
    elif values & {"enterprise", "e"}:
        schema = Schema.ORGANIZATION
    else:
        schema = Schema.LEGAL_ENTITY

    countries: list[str] = []
    nationality: list[str] = []
    for c in rec["citizenships"]:
        _add(nationality, _country(c))
    addresses: list[Address] = []
    for a in rec["addresses"]:
        street = ", ".join(
            p for p in (_get(a, "street"), _get(a, "pobox") and f"PO Box {_get(a, 'pobox')}") if p
        )
        address = Address(
            street=street or None,
            city=_get(a, "city") or _get(a, "place"),
            region=_get(a, "region"),
            postal_code=_get(a, "zipcode"),
            country=_country(a),
            remarks=_get(a, "remark"),
        )
        if address != Address():
            _add(addresses, address)
    for code in nationality + [a.country for a in addresses]:
        _add(countries, code)

    births: list[str] = []
    for b in rec["births"]:
        value = _birth(b)
        _add(births, value)
        if value and (_get(b, "circa") or "").lower() == "true":
            _add(props.setdefault("dob_approximate", []), value)
        place = ", ".join(
            p for p in (_get(b, "city") or _get(b, "place"), _get(b, "region"), _country(b)) if p
        )
        if place:
            _add(props.setdefault("place_of_birth", []), place)

    identifiers: list[Identifier] = []
    for d in rec["ids"]:
        number = _get(d, "number") or _get(d, "latinnumber")
        if not number:
            continue
        code = (_get(d, "identificationtypecode") or "").lower()
        note = "; ".join(
            p for p in (_get(d, "identificationtypedescription"), _get(d, "remark")) if p
        )
        _add(
            identifiers,
            Identifier(_ID_TYPES.get(code, code or "document"), number, _country(d), note or None),
        )

    programs: list[str] = []
    dates: list[str] = []
    for reg in rec["regulations"]:
        _add(programs, _get(reg, "programme"))
        _add(props.setdefault("regulation", []), _get(reg, "numbertitle"))
        _add(props.setdefault("source_url", []), _get(reg, "publicationurl"))
        dates.extend(
            d
            for d in (
                iso_date(_get(reg, "entryintoforcedate")),
                iso_date(_get(reg, "publicationdate")),
            )
            if d
        )
    listed_on = iso_date(_get(attrs, "designationdate")) or (min(dates) if dates else None)
    for key_, attr in (
        ("un_reference", "unitednationid"),
        ("designation_details", "designationdetails"),
    ):
        value = _get(attrs, attr)
        if value:
            props[key_] = [value]
    if nationality:
        props["nationality"] = nationality
    logical = _get(attrs, "logicalid")
    if logical:
        props["eu_logical_id"] = [logical]
    return ListedEntity(
        id=entity_id(SOURCE, key),
        source=SOURCE,
        schema=schema,
        names=tuple(names),
        addresses=tuple(addresses),
        countries=tuple(countries),
        identifiers=tuple(identifiers),
        birth_dates=tuple(births),
        programs=tuple(programs),
        listed_on=listed_on,
        remarks="\n".join(dict.fromkeys(rec["remarks"])) or None,
        properties={k: tuple(v) for k, v in props.items() if v},
    )
