"""FollowTheMoney entities as JSON lines (OpenSanctions exports ``entities.ftm.json`` and
``targets.nested.json``).

One entity per line: ``{"id", "schema", "properties": {prop: [values]}, "datasets",
"referents", "first_seen", "last_seen", ...}``. Two layouts exist and both are read:

- flat (``entities.ftm.json``): parties, and separate Sanction / Address / Identification /
  Passport records that point at their party by id (``entity``, ``holder``) or are pointed at
  (``addressEntity``). These are joined onto the party in a second pass.
- nested (``targets.nested.json``): a party's ``properties`` may hold whole entity objects
  (``sanctions``, ``addressEntity``, ``identification``, ``passport``...).

Only parties become ListedEntity records (Person, Organization, Company, LegalEntity,
PublicBody, Vessel, Airplane); links (Ownership, Directorship...) are skipped. FtM country
codes are lower-case ISO-2 and are upper-cased; non-ISO codes (``suhh``, ``zz``) are dropped.
The source is ``ftm_<dataset>`` when every party belongs to exactly one and the same dataset,
else ``ftm``. ``published_at`` is the latest ``last_change``/``last_seen`` in the file (the
export does not carry its own date in the lines). A party without any name (nor ``caption``)
is skipped with a warning (ListedEntity needs a name); every other malformed line is a
FormatError naming its line. The file is read in two streaming passes (plain or gzip), so a
large export is never held whole in memory.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult
from sekisho.lists.formats.common import clean, entity_id, iso_date, script_of
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "ftm_json"
SOURCE = "ftm"

_PARTY = {
    "Person": Schema.PERSON,
    "Organization": Schema.ORGANIZATION,
    "PublicBody": Schema.ORGANIZATION,
    "Company": Schema.COMPANY,
    "LegalEntity": Schema.LEGAL_ENTITY,
    "Vessel": Schema.VESSEL,
    "Airplane": Schema.AIRCRAFT,
    "Aircraft": Schema.AIRCRAFT,
}
_NAME_PROPS = (
    ("name", NameKind.AKA),  # the first `name` becomes primary
    ("alias", NameKind.AKA),
    ("previousName", NameKind.FKA),
    ("weakAlias", NameKind.WEAK),
)
_ID_PROPS = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "taxNumber": "tax_id",
    "vatCode": "vat",
    "registrationNumber": "registration",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "okpoCode": "okpo",
    "kppCode": "kpp",
    "swiftBic": "swift_bic",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "callSign": "call_sign",
    "leiCode": "lei",
    "dunsCode": "duns",
    "uniqueEntityId": "uei",
    "isin": "isin",
    "ricCode": "ric",
    "email": "email",
    "website": "website",
}
_COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "mainCountry", "flag")
_EXTRA_PROPS = {
    "topics": "topics",
    "position": "position",
    "title": "title",
    "gender": "gender",
    "birthPlace": "place_of_birth",
    "sourceUrl": "source_url",
    "classification": "classification",
    "legalForm": "legal_form",
}
_NULLS = {"", "-0-", "-0", "N/A", "n/a", "NULL", "null", "None"}  # as common.clean drops them
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def sniff(path: Path, head: bytes) -> bool:
    """JSON lines whose first record is an FtM entity (id, schema, properties)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"{"):
        return False
    first = text.split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except (ValueError, RecursionError):
        # The first line may be longer than the head: look at its start only.
        return bool(
            re.search(rb'"schema"\s*:\s*"[A-Z][A-Za-z]+"', first)
            and re.search(rb'"properties"\s*:\s*\{', first)
            and re.search(rb'"id"\s*:\s*"', first)
        )
    return (
        isinstance(record, dict)
        and isinstance(record.get("schema"), str)
        and isinstance(record.get("properties"), dict)
        and "id" in record
    )


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    """Two streaming passes, so a large export is never held whole in memory: the first
    validates every line and keeps the small helper records (Sanction, Address,
    Identification...); the second builds the parties."""
    path = paths[0]
    by_id: dict[str, dict[str, Any]] = {}  # helper records by id
    pointing: dict[str, list[dict[str, Any]]] = {}  # party id -> helper records pointing at it
    party_datasets: list[Any] = []
    lines = 0
    for _, rec in _records(path):
        lines += 1
        if rec["schema"] in _PARTY:
            party_datasets.append(rec.get("datasets"))
            continue
        by_id[rec["id"]] = rec
        for prop in ("entity", "holder"):
            for target in _strs(rec["properties"].get(prop)):
                pointing.setdefault(target, []).append(rec)
    if not lines:
        raise FormatError("empty file: no JSON lines", file=path, line=1)
    if not party_datasets:
        raise FormatError(
            "no party entities (Person, Organization, Company, LegalEntity, Vessel, Airplane)",
            file=path,
        )
    source = _source(party_datasets)
    entities: list[ListedEntity] = []
    warnings: list[str] = []
    seen: set[str] = set()
    stamps: list[str] = []
    for line, rec in _records(path):
        if rec["schema"] not in _PARTY:
            continue
        entity = _entity(rec, source, by_id, pointing.get(rec["id"], []))
        if entity is None:
            warnings.append(f"{path}:{line}: {rec['schema']} {rec['id']} has no name; skipped")
            continue
        if entity.id in seen:
            raise FormatError(
                f"duplicate entity id {rec['id']!r}", file=path, line=line, field="id"
            )
        seen.add(entity.id)
        entities.append(entity)
        stamps.extend(
            s for s in (rec.get("last_change"), rec.get("last_seen")) if isinstance(s, str)
        )
    if not entities:
        raise FormatError("no party entity has a name", file=path)
    return ParseResult(
        format=NAME,
        source=source,
        entities=entities,
        files=[path],
        published_at=max(stamps) if stamps else None,
        warnings=warnings,
    )


def _raw_lines(path: Path) -> Iterator[bytes]:
    """Lines of the file, gunzipped when it is gzip; read errors name the file."""
    try:
        with path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        with gzip.open(path, "rb") if gz else path.open("rb") as fh:
            yield from fh
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise FormatError(
            f"cannot read file (corrupt or truncated gzip?): {exc}", file=path
        ) from exc


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(_raw_lines(path), start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"not valid utf-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                file=path,
                line=number,
            ) from exc
        if not line:
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise FormatError(f"not valid JSON: {exc}", file=path, line=number) from exc
        if not isinstance(rec, dict):
            raise FormatError(
                "a line must hold one JSON object (an FtM entity)", file=path, line=number
            )
        if not isinstance(rec.get("id"), str) or not rec["id"]:
            raise FormatError("entity without a string id", file=path, line=number, field="id")
        if not isinstance(rec.get("schema"), str):
            raise FormatError("entity without a schema", file=path, line=number, field="schema")
        props = rec.get("properties", {})
        if not isinstance(props, dict):
            raise FormatError(
                "properties must be an object", file=path, line=number, field="properties"
            )
        rec["properties"] = props
        yield number, rec


def _source(party_datasets: Iterable[Any]) -> str:
    datasets: set[str] = set()
    for ds in party_datasets:
        if not isinstance(ds, list) or len(ds) != 1 or not isinstance(ds[0], str):
            return SOURCE
        datasets.add(ds[0])
        if len(datasets) > 1:
            return SOURCE
    if len(datasets) == 1:
        slug = re.sub(r"[^a-z0-9_]+", "_", datasets.pop().lower()).strip("_")
        if slug:
            return f"{SOURCE}_{slug}"
    return SOURCE


def _strs(value: Any) -> list[str]:
    """String values of one FtM property (nested entity objects are left out)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for v in items:
        if not isinstance(v, str):
            continue
        # FtM values are normally clean already: skip the costly clean() for those.
        if v.isprintable() and "  " not in v and v == v.strip() and v not in _NULLS:
            c: str | None = v
        else:
            c = clean(v)
        if c:
            out.append(c)
    return out


def _objs(value: Any) -> list[dict[str, Any]]:
    """Nested entity objects of one property (targets.nested.json)."""
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, dict) and isinstance(v.get("properties"), dict)]


def _country(value: str) -> str | None:
    code = value.strip().upper()
    return code if re.fullmatch(r"[A-Z]{2}", code) and code not in ("ZZ", "XX") else None


def _add(items: list[Any], value: Any) -> None:
    if value and value not in items:
        items.append(value)


def _linked(
    rec: dict[str, Any], prop: str, by_id: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Entities a property refers to: nested objects, or ids resolved in the same file."""
    value = rec["properties"].get(prop)
    out = _objs(value)
    out.extend(by_id[i] for i in _strs(value) if i in by_id)
    return out


def _entity(
    rec: dict[str, Any],
    source: str,
    by_id: dict[str, dict[str, Any]],
    pointing: list[dict[str, Any]],
) -> ListedEntity | None:
    props: dict[str, Any] = rec["properties"]
    names: list[Name] = []
    for prop, kind in _NAME_PROPS:
        for value in _strs(props.get(prop)):
            script = script_of(value)
            k = kind
            if prop == "name" and not names:
                k = NameKind.PRIMARY
            elif kind is NameKind.AKA and script not in (None, "Latn"):
                k = NameKind.NATIVE
            if all(value != n.value for n in names):
                names.append(Name(value, k, script))
    caption = _strs(rec.get("caption"))
    if not names and caption:  # OpenSanctions exports carry a display caption on every entity
        names.append(Name(caption[0], NameKind.PRIMARY, script_of(caption[0])))
    if not names:
        return None

    countries: list[str] = []
    for prop in _COUNTRY_PROPS:
        for value in _strs(props.get(prop)):
            _add(countries, _country(value))
    addresses: list[Address] = []
    for value in _strs(props.get("address")):
        _add(addresses, Address(full=value))
    for adr in _linked(rec, "addressEntity", by_id) + [
        r for r in pointing if r["schema"] == "Address"
    ]:
        _add(addresses, _address(adr))
    identifiers: list[Identifier] = []
    for prop, kind in _ID_PROPS.items():
        for value in _strs(props.get(prop)):
            _add(identifiers, Identifier(kind, value))
    docs = _linked(rec, "identification", by_id) + _linked(rec, "passport", by_id)
    docs += [r for r in pointing if r["schema"] in ("Identification", "Passport")]
    for doc in docs:
        _add(identifiers, _document(doc))

    programs: list[str] = []
    for value in _strs(props.get("program")) + _strs(props.get("programId")):
        _add(programs, value)
    sanctions = _linked(rec, "sanctions", by_id) + [
        r for r in pointing if r["schema"] == "Sanction"
    ]
    starts: list[str] = []
    ends: list[str] = []
    for s in sanctions:
        sp = s["properties"]
        for value in _strs(sp.get("programId")) + _strs(sp.get("program")):
            _add(programs, value)
        start = _dates(sp.get("listingDate")) or _dates(sp.get("startDate"))
        starts.extend(start)
        end = _dates(sp.get("endDate"))
        ends.append(max(end) if end else "")
    listed = starts or _dates(props.get("createdAt"))
    extra: dict[str, tuple[str, ...]] = {}
    for prop, key in _EXTRA_PROPS.items():
        values = _strs(props.get(prop))
        if values:
            extra[key] = tuple(dict.fromkeys(values))
    for key in ("datasets", "referents"):
        values = _strs(rec.get(key))
        if values:
            extra[key] = tuple(values)
    notes = _strs(props.get("notes"))
    return ListedEntity(
        id=entity_id(source, rec["id"]),
        source=source,
        schema=_PARTY[rec["schema"]],
        names=tuple(names),
        addresses=tuple(addresses),
        countries=tuple(countries),
        identifiers=tuple(identifiers),
        birth_dates=tuple(dict.fromkeys(_dates(props.get("birthDate")))),
        programs=tuple(programs),
        listed_on=min(listed) if listed else None,
        end_date=max(ends) if ends and all(ends) else None,
        remarks="\n".join(notes) if notes else None,
        properties=extra,
    )


def _dates(value: Any) -> list[str]:
    out = []
    for v in _strs(value):
        m = _DATE.match(v)
        if m:
            out.append(iso_date(m[0]) or m[0][:4])
    return [d for d in out if d]


def _address(rec: dict[str, Any]) -> Address | None:
    p = rec["properties"]

    def one(prop: str) -> str | None:
        values = _strs(p.get(prop))
        return values[0] if values else None

    countries = [c for c in (_country(v) for v in _strs(p.get("country"))) if c]
    address = Address(
        full=one("full"),
        street=one("street"),
        city=one("city"),
        region=one("region") or one("state"),
        postal_code=one("postalCode"),
        country=countries[0] if countries else None,
        remarks=one("remarks"),
    )
    return address if address != Address() else None


def _document(rec: dict[str, Any]) -> Identifier | None:
    p = rec["properties"]
    numbers = _strs(p.get("number"))
    if not numbers:
        return None
    kind = (
        "passport"
        if rec.get("schema") == "Passport"
        else (_strs(p.get("type")) or ["national_id"])[0]
    )
    countries = [c for c in (_country(v) for v in _strs(p.get("country"))) if c]
    notes = _strs(p.get("summary"))
    return Identifier(
        kind, numbers[0], countries[0] if countries else None, "; ".join(notes) or None
    )
