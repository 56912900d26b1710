"""BIS Denied Persons List, tab-delimited text with a header (PROVENANCE.md §4.3).

The file has one row per name and address, so a party with three addresses is three rows.
Rows are grouped into one party when their normalised name (upper case, whitespace collapsed,
leading spaces dropped) and their Effective_Date are the same; the FR citations and Action
texts of one party are typed inconsistently row by row, so they are collected, not compared.

Entity id: `us_bis_dpl:<16 hex>` = the first 16 hex digits of SHA-256 over
"<normalised name>|<Effective_Date as ISO>". It is stable across editions as long as BIS keeps
the name and effective date, which is how BIS itself identifies an order.

The list has no type column. Schema: Person when an address names a prison/inmate number;
Organization when the name carries a legal form or business word (LTD, LLC, AIRLINES...);
otherwise LegalEntity (unknown), rather than a guess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, iso_date, script_of, us_date
from sekisho.model import Address, ListedEntity, Name, NameKind, Schema

NAME = "bis_dpl"
SOURCE = "us_bis_dpl"
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
_HEAD = re.compile(rb'^(?:\xef\xbb\xbf)?"?Name"?\t"?Street_Address"?\t"?City"?\t', re.I)
_PRISON = re.compile(r"\b(INMATE|USM NO|REGISTER NUMBER|REG\. NO|PRISONER|CORRECTIONAL|FCI)\b")
_ORG = re.compile(
    r"\b(LTD|LLC|L\.L\.C|INC|CORP|CORPORATION|CO|COMPANY|GMBH|AG|S\.?A|SARL|PLC|LIMITED|"
    r"AIRLINES?|AIRWAYS|AVIATION|TRADING|INTERNATIONAL|GROUP|ENTERPRISES?|INDUSTRIES|"
    r"ELECTRONICS|TECHNOLOG(?:Y|IES)|SERVICES|SYSTEMS|FZE|FZCO|LLP|LP|BV|OOO|ZAO|OAO)\b\.?"
)
_US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
    ]
)
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def sniff(path: Path, head: bytes) -> bool:
    """The DPL's tab header: Name, Street_Address, City..."""
    return bool(_HEAD.match(head))


def companions(path: Path) -> list[Path]:
    return []


def _norm(name: str) -> str:
    return " ".join(name.split()).upper()


def _date(value: str, field: str, where: str, warnings: list[str]) -> str | None:
    """MM/DD/YYYY or YYYY-MM-DD → ISO; an implausible year (3033) → None with a warning."""
    v = clean(value)
    if not v:
        return None
    iso = us_date(v) if "/" in v else iso_date(v)
    year = int(iso[:4]) if iso and iso[:4].isdigit() else None
    if iso is None or year is None or not _MIN_YEAR <= year <= _MAX_YEAR:
        warnings.append(f"{where}: {field} {v!r} is not a plausible date; kept raw")
        return None
    return iso


def parse(paths: list[Path]) -> ParseResult:
    path = Path(paths[0])
    text = decode(open_bytes(path), path, ("utf-8-sig", "cp1252"))
    if not text.strip():
        raise FormatError("empty file", file=path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        header = next(reader)
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if row and any(c.strip() for c in row):
                rows.append((start, row))
    except csv.Error as exc:
        raise FormatError(f"malformed tab-delimited text: {exc}", file=path, line=line) from exc
    got = tuple(h.strip().lower() for h in header)
    if got != tuple(c.lower() for c in COLUMNS):
        raise FormatError(f"not a DPL header (expected {', '.join(COLUMNS)})", file=path, line=1)
    warnings: list[str] = []
    groups: dict[tuple[str, str | None], list[tuple[int, list[str]]]] = {}
    for start, row in rows:
        if len(row) != len(COLUMNS):
            raise FormatError(
                f"expected {len(COLUMNS)} tab-separated fields, found {len(row)}",
                file=path,
                line=start,
            )
        name = clean(row[0])
        if not name:
            raise FormatError("empty name", file=path, line=start, field="Name")
        effective = _date(row[6], "Effective_Date", f"{path.name}:{start}", warnings)
        groups.setdefault((_norm(name), effective), []).append((start, row))
    if not groups:
        raise FormatError("no rows found", file=path)
    entities = [_entity(key, members, path, warnings) for key, members in groups.items()]
    return ParseResult(NAME, SOURCE, entities, [path], None, warnings)


def _entity(
    key: tuple[str, str | None],
    members: list[tuple[int, list[str]]],
    path: Path,
    warnings: list[str],
) -> ListedEntity:
    norm, effective = key
    digest = hashlib.sha256(f"{norm}|{effective or ''}".encode()).hexdigest()[:16]
    first = members[0][1]
    name = clean(first[0]) or norm
    addresses: list[Address] = []
    props: dict[str, list[str]] = {}

    def add(k: str, v: str | None) -> None:
        if v and v not in props.setdefault(k, []):
            props[k].append(v)

    end_dates: list[str] = []
    prison = False
    for line, row in members:
        street, city, state, country_raw, postal = (clean(row[i]) for i in (1, 2, 3, 4, 5))
        country = to_iso2(country_raw) if country_raw else None
        if country is None and not country_raw and state in _US_STATES:
            country = "US"
        remarks = f"country: {country_raw}" if country_raw and not country else None
        if street or city or state or postal or country_raw:
            addresses.append(
                Address(
                    street=street,
                    city=city,
                    region=state,
                    postal_code=postal,
                    country=country,
                    remarks=remarks,
                )
            )
        prison = prison or bool(street and _PRISON.search(street.upper()))
        where = f"{path.name}:{line}"
        end = _date(row[7], "Expiration_Date", where, warnings)
        if end:
            end_dates.append(end)
        last = clean(row[9])
        add("last_update", last)
        if last and _date(row[9], "Last_Update", where, warnings) is None:
            add("last_update_raw", last)
        if clean(row[6]) and effective is None:
            add("effective_date_raw", clean(row[6]))
        if clean(row[7]) and not end:
            add("expiration_date_raw", clean(row[7]))
        add("standard_order", (clean(row[8]) or "").upper() or None)
        add("action", clean(row[10]))
        add("federal_register", clean(row[11]))
    if prison:
        schema = Schema.PERSON
    elif _ORG.search(norm):
        schema = Schema.ORGANIZATION
    else:
        schema = Schema.LEGAL_ENTITY
    countries = tuple(dict.fromkeys(a.country for a in addresses if a.country))
    return ListedEntity(
        id=entity_id(SOURCE, digest),
        source=SOURCE,
        schema=schema,
        names=(Name(name, NameKind.PRIMARY, script_of(name)),),
        addresses=tuple(dict.fromkeys(addresses)),
        countries=countries,
        listed_on=effective,
        end_date=max(end_dates) if end_dates else None,
        properties={k: tuple(v) for k, v in props.items() if v},
    )
