"""Third-party JSON of restricted parties (casslab-kaist/restricted-parties-db), demo use only.

Not an authority's format: a JSON array of records {id, name {english, native, korean},
aliases, countries (Korean country names), listing_rationale, remarks, source {list_id,
list_name, authority, ...}}. It is the only 2026 Entity List name set at hand, so we read it
for name-matching demos; the catalogue marks the source `kaist_derived` as informational.
"""

from __future__ import annotations

import json
from pathlib import Path

from sekisho.countries import to_iso2
from sekisho.errors import FormatError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, script_of
from sekisho.model import ListedEntity, Name, NameKind, Schema

NAME = "kaist_json"
SOURCE = "kaist_derived"


def sniff(path: Path, head: bytes) -> bool:
    text = head.lstrip()[:4000].decode("utf-8", errors="ignore")
    return text.startswith("[") and '"schema_version"' in text and '"listing_rationale"' in text


def companions(path: Path) -> list[Path]:
    return []


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    text = decode(open_bytes(path), path)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno) from exc
    if not isinstance(records, list):
        raise FormatError("expected a JSON array of records", file=path, line=1)
    entities: list[ListedEntity] = []
    warnings: list[str] = []
    for i, rec in enumerate(records):
        where = f"record {i}"
        if not isinstance(rec, dict) or not isinstance(rec.get("name"), dict):
            raise FormatError(f"{where}: expected an object with a 'name' object", file=path)
        name = rec["name"]
        english = clean(name.get("english"))
        native = clean(name.get("native"))
        korean = clean(name.get("korean"))
        primary = english or native
        if not primary or not rec.get("id"):
            raise FormatError(f"{where}: record without id or name", file=path, field="name")
        names = [Name(primary, NameKind.PRIMARY, script_of(primary))]
        seen = {primary.casefold()}
        for value, kind in [(native, NameKind.NATIVE), (korean, NameKind.AKA)] + [
            (clean(a), NameKind.AKA) for a in rec.get("aliases") or [] if isinstance(a, str)
        ]:
            if value and value.casefold() not in seen:
                seen.add(value.casefold())
                names.append(Name(value, kind, script_of(value)))
        countries = []
        for c in rec.get("countries") or []:
            code = to_iso2(c) if isinstance(c, str) else None
            if code:
                countries.append(code)
            elif c:
                warnings.append(f"{where}: unknown country {c!r}")
        src = rec.get("source") or {}
        entities.append(
            ListedEntity(
                id=entity_id(SOURCE, rec["id"]),
                source=SOURCE,
                schema=Schema.LEGAL_ENTITY,
                names=tuple(names),
                sublist=clean(src.get("list_id")),
                countries=tuple(dict.fromkeys(countries)),
                programs=tuple(p for p in (clean(src.get("list_name")),) if p),
                remarks=clean(rec.get("remarks")),
                properties={
                    k: (v,)
                    for k, v in (
                        ("listing_rationale", clean(rec.get("listing_rationale"))),
                        ("authority", clean(src.get("authority"))),
                    )
                    if v
                },
            )
        )
    if not entities:
        raise FormatError("no records", file=path)
    unknown = sorted({w.split("unknown country ")[1] for w in warnings})
    summary = [f"{len(warnings)} country names not recognised: {', '.join(unknown[:10])}"] if warnings else []
    return ParseResult(NAME, SOURCE, entities, [path], warnings=summary)
