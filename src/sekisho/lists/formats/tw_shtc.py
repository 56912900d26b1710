"""Taiwan's Strategic High-Tech Commodities entity list (出口管制實體名單), CSV.

Published by the MOEA International Trade Administration (formerly the Board of Foreign
Trade); Huawei and SMIC with subsidiaries were added in June 2025. No copy of the real file
was at hand: this parser follows the layout documented in PROVENANCE.md §5 (from the
publisher's page and OpenSanctions' crawler notes) and is tested on fixtures we wrote.

Assumed layout: UTF-8 with a BOM, comma-separated (tab accepted), one header row of bilingual
names such as ``項次item`` / ``編號 No.``, ``名稱name``, ``別名alias``, ``地址address``,
``護照號碼ID Number``, ``國家代碼country code`` / ``國家 Country``. Columns are found by keyword in
either language, so spacing and order may vary; name is required.

Cells:
- names and aliases: several values split by ``;`` or ``；``. The first name is primary.
  ``繁體中文：`` / ``簡體中文：`` prefixes mark Chinese names (NATIVE, lang zh-Hant / zh-Hans);
  other non-Latin names are NATIVE too. ``... alias: X`` inside a name gives an alias; HTML
  (``<span id='alias'>``) is stripped. UN-derived names end in ``（永久參考號：QDi.xxx）``: the
  reference is removed from the name and kept in ``properties["un_reference"]``.
- addresses: split by ``;``/``；``, ``Branch Office N:`` and roman-numeral items ``i)``,
  ``ii)``; a cell part that is only an ISO-2 code is a country, not an address.
- country code: ISO-2 codes split by ``;`` (country names are also accepted).
- ID number (護照號碼ID Number): split by ``;``; kept as ``id_number`` identifiers, since the
  column mixes passport, national id and registration numbers. The list does not say whether
  a party is a person or an organisation, so every record is a LegalEntity.
- A row with an empty name but aliases uses its first alias as the name (with a warning);
  a row with neither is an error.

Ids: the item number is a running number that changes between editions, so it is kept in
``properties["item"]`` and not used as the key. The key is the UN permanent reference when the
name has one, else the first 16 hex digits of SHA-256 over the primary name and countries —
stable as long as the publisher does not rename the party.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from sekisho.countries import is_iso2, to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, script_of
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "tw_shtc"
SOURCE = "tw_shtc"

# Checked in this order; the first matching column wins for each key.
_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("alias", ("別名", "alias", "aka")),
    ("id_number", ("護照", "證號", "證件", "id number", "passport", "identification")),
    ("country", ("國家", "國別", "country")),
    ("address", ("地址", "address")),
    ("item", ("項次", "編號", "序號", "item", "no.", "no")),
    ("name", ("名稱", "姓名", "name")),
)
_CJK_KEYWORDS = ("項次", "編號", "名稱", "別名", "地址", "國家", "護照")
_SEP = re.compile(r"[;；]")
_TAG = re.compile(r"<[^>]{0,200}>")
_UN_REF = re.compile(r"[（(]\s*永久參考號\s*[:：]\s*([^）)]+?)\s*[）)]")
_CHINESE_PREFIX = re.compile(r"^(繁體中文|簡體中文|中文)\s*[:：]\s*")
_ALIAS_IN_NAME = re.compile(r"\s+(?:alias|a\.k\.a\.|aka)\s*[:：]\s*", re.I)
_ADDRESS_SPLIT = re.compile(
    r"[;；]|\bBranch Office\s*\d*\s*[:：]|(?:^|\s)(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)\)\s*",
    re.I,
)


def sniff(path: Path, head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = head[: exc.start].decode("utf-8-sig") if exc.start > len(head) - 4 else ""
    first = text.split("\n", 1)[0]
    cjk = sum(1 for k in _CJK_KEYWORDS if k in first)
    return cjk >= 2 and ("名稱" in first or "name" in first.lower())


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    text = decode(open_bytes(path), path)
    if not text.strip():
        raise FormatError("empty file", file=path, line=1)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    entities: list[ListedEntity] = []
    seen: dict[str, int] = {}
    warnings: list[str] = []
    try:
        header = next(reader)
        cols = _columns(header, path)
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) > len(header):
                raise FormatError(
                    f"{len(row)} fields, the header has {len(header)}", file=path, line=line
                )
            cells = {k: ";".join(row[i] for i in idx if i < len(row)) for k, idx in cols.items()}
            entity = _entity(cells, path, line, warnings)
            if entity.id in seen:
                warnings.append(
                    f"{path}:{line}: same party as an earlier row ({entity.id}); rows merged"
                )
                at = seen[entity.id]
                entities[at] = _merge(entities[at], entity)
                continue
            seen[entity.id] = len(entities)
            entities.append(entity)
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=path, line=reader.line_num) from exc
    if not entities:
        raise FormatError("no entries below the header row", file=path, line=1)
    return ParseResult(
        format=NAME, source=SOURCE, entities=entities, files=[path], warnings=warnings
    )


def _columns(header: list[str], path: Path) -> dict[str, list[int]]:
    """Column indexes per key; several name / alias / address columns (e.g. an English and a
    Chinese name column) are all read."""
    cols: dict[str, list[int]] = {}
    for i, raw in enumerate(header):
        text = raw.strip().lower()
        for key, words in _COLUMNS:
            if any(_has(text, w) for w in words):
                if key in ("name", "alias", "address", "id_number") or key not in cols:
                    cols.setdefault(key, []).append(i)
                break
    if "name" not in cols:
        raise FormatError(
            "not a Taiwan SHTC entity list: no name column (名稱 / name) in the header",
            file=path,
            line=1,
        )
    return cols


def _has(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None
    return word in text


def _parts(cell: str) -> list[str]:
    return [p for p in (clean(_TAG.sub(" ", x)) for x in _SEP.split(cell or "")) if p]


def _name(value: str, default: NameKind) -> tuple[Name | None, str | None]:
    """(Name, UN reference) from one name value."""
    ref = None
    m = _UN_REF.search(value)
    if m:
        ref = clean(m[1])
        value = _UN_REF.sub(" ", value)
    lang = None
    m = _CHINESE_PREFIX.match(value)
    if m:
        lang = "zh-Hans" if m[1] == "簡體中文" else "zh-Hant" if m[1] == "繁體中文" else "zh"
        value = value[m.end() :]
    text = clean(value)
    if not text:
        return None, ref
    script = script_of(text)
    kind = default
    if lang or script not in (None, "Latn"):
        kind = NameKind.NATIVE if default is not NameKind.WEAK else default
    return Name(text, kind, script, lang), ref


def _entity(cells: dict[str, str], path: Path, line: int, warnings: list[str]) -> ListedEntity:
    names: list[Name] = []
    refs: list[str] = []

    def add(value: str, kind: NameKind) -> None:
        for i, piece in enumerate(_ALIAS_IN_NAME.split(value)):
            name, ref = _name(piece, kind if i == 0 else NameKind.AKA)
            if ref and ref not in refs:
                refs.append(ref)
            if name and all(name.value != n.value for n in names):
                names.append(name)

    for i, value in enumerate(_parts(cells.get("name", ""))):
        add(value, NameKind.AKA if i else NameKind.PRIMARY)
    from_name_cell = bool(names)
    for value in _parts(cells.get("alias", "")):
        add(value, NameKind.AKA)
    if not names:
        raise FormatError("row without a name or alias", file=path, line=line, field="name")
    if not from_name_cell:
        warnings.append(f"{path}:{line}: empty name; the first alias is used as the name")
    if names[0].kind is not NameKind.PRIMARY:  # only a Chinese name, or only aliases
        names[0] = Name(names[0].value, NameKind.PRIMARY, names[0].script, names[0].lang)

    countries: list[str] = []
    for value in _parts(cells.get("country", "")):
        code = value.upper() if len(value) == 2 and is_iso2(value.upper()) else to_iso2(value)
        if not code:
            warnings.append(f"{path}:{line}: unknown country code {value!r} ignored")
            continue
        if code not in countries:
            countries.append(code)
    addresses: list[Address] = []
    for part in _ADDRESS_SPLIT.split(cells.get("address", "") or ""):
        text = clean(_TAG.sub(" ", part or ""))
        if not text:
            continue
        text = text.strip(" ,")
        if len(text) == 2 and is_iso2(text.upper()):
            if text.upper() not in countries:
                countries.append(text.upper())
            continue
        address = Address(full=text, country=countries[0] if len(countries) == 1 else None)
        if text and address not in addresses:
            addresses.append(address)
    identifiers = [Identifier("id_number", v) for v in _parts(cells.get("id_number", ""))]
    props: dict[str, tuple[str, ...]] = {}
    item = clean(cells.get("item"))
    if item:
        props["item"] = (item,)
    if refs:
        props["un_reference"] = tuple(refs)
    key = refs[0] if refs else _digest(names[0].value, countries)
    return ListedEntity(
        id=entity_id(SOURCE, key),
        source=SOURCE,
        schema=Schema.LEGAL_ENTITY,
        names=tuple(names),
        addresses=tuple(addresses),
        countries=tuple(countries),
        identifiers=tuple(identifiers),
        properties=props,
    )


def _digest(name: str, countries: list[str]) -> str:
    key = " ".join(name.casefold().split()) + "|" + ",".join(sorted(countries))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _merge(a: ListedEntity, b: ListedEntity) -> ListedEntity:
    """One party listed on two rows (e.g. once per address): union of what the rows say."""

    def union(x: tuple, y: tuple) -> tuple:
        return tuple(dict.fromkeys(x + y))

    props = {
        k: union(a.properties.get(k, ()), b.properties.get(k, ()))
        for k in a.properties.keys() | b.properties.keys()
    }
    return ListedEntity(
        id=a.id,
        source=a.source,
        schema=a.schema if a.schema is b.schema else Schema.LEGAL_ENTITY,
        names=a.names + tuple(n for n in b.names if all(n.value != m.value for m in a.names)),
        addresses=union(a.addresses, b.addresses),
        countries=union(a.countries, b.countries),
        identifiers=union(a.identifiers, b.identifiers),
        properties=props,
    )
