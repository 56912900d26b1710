"""A company's own lists: parties it refuses (block) and parties it has cleared (allow).

Two spellings of one format (full description with examples: docs/custom-lists.md).

CSV (UTF-8, optional BOM), optional first line ``# list: NAME kind: block|allow``, then the
header ``id,name,aliases,schema,country,dob,identifiers,address,program,notes`` (any order;
only ``name`` is required; unknown columns are an error, so a typo never drops data).
Multi-valued cells (aliases, country, dob, identifiers, address, program) are separated by
``;``; identifiers are ``TYPE:VALUE`` (``uscc:91440300...``, ``passport:X123``).

YAML: ``list: NAME``, ``kind: block|allow``, ``entities:`` a list of mappings with the same
fields, where multi-valued fields may be YAML lists and identifiers may also be mappings
``{type, value, country}``.

Source id: ``custom_<name>`` for block lists, ``allow_<name>`` for allow lists (whitelists);
the name comes from ``list:`` (YAML), the ``# list:`` line (CSV) or the file stem, and must be
lower-case letters, digits and ``_``. Entity ids are ``<source>:<id>``; an empty id becomes a
slug of the name (stable while the name is). Every row is validated — missing name, unknown
schema, country that is not an ISO-2 code or a known country name, date of birth that is not
ISO (``1970``, ``1970-05``, ``1970-05-01``, ``1960/1965``), identifier without ``TYPE:`` —
and the first problem is an InputError naming file, line and field; nothing is half-loaded.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

from sekisho.countries import is_iso2, to_iso2
from sekisho.errors import InputError
from sekisho.lists.formats import ParseResult, open_bytes
from sekisho.lists.formats.common import clean, decode, entity_id, iso_date, script_of, split
from sekisho.model import Address, Identifier, ListedEntity, Name, NameKind, Schema

NAME = "custom_list"
FIELDS = (
    "id",
    "name",
    "aliases",
    "schema",
    "country",
    "dob",
    "identifiers",
    "address",
    "program",
    "notes",
)
KINDS = {"block": "custom", "allow": "allow"}
_SCHEMAS = {s.value.lower(): s for s in Schema} | {
    "individual": Schema.PERSON,
    "entity": Schema.ORGANIZATION,
    "organisation": Schema.ORGANIZATION,
    "airplane": Schema.AIRCRAFT,
}
_LIST_LINE = re.compile(r"#\s*list\s*:\s*(?P<name>\S+)(?:\s+kind\s*:\s*(?P<kind>\S+))?\s*$", re.I)
_LIST_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
_DOB = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def sniff(path: Path, head: bytes) -> bool:
    suffix = path.suffix.lower()
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head[: len(head) - 4].decode("utf-8-sig", "ignore")
    if suffix in (".yaml", ".yml"):
        return bool(re.search(r"^list\s*:", text, re.M) and re.search(r"^entities\s*:", text, re.M))
    if suffix not in (".csv", ".txt"):
        return False
    lines = text.splitlines()
    if lines and _LIST_LINE.match(lines[0].strip()):
        return True
    header = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    cols = [c.strip().lower() for c in header.split(",")]
    return "name" in cols and len(cols) >= 3 and set(cols) <= set(FIELDS)


def companions(path: Path) -> list[Path]:
    return []


def parse(paths: list[Path]) -> ParseResult:
    path = paths[0]
    text = decode(open_bytes(path), path)
    if not text.strip():
        raise InputError("empty file", file=path, line=1)
    if path.suffix.lower() in (".yaml", ".yml"):
        name, kind, rows = _yaml_rows(text, path)
    else:
        name, kind, rows = _csv_rows(text, path)
    source = f"{KINDS[kind]}_{name}"
    entities: list[ListedEntity] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        entity = _entity(row, source, path, line)
        if entity.id in seen:
            raise InputError(
                f"duplicate id {entity.id!r} (first on line {seen[entity.id]})",
                file=path,
                line=line,
                field="id",
            )
        seen[entity.id] = line
        entities.append(entity)
    if not entities:
        raise InputError("the list holds no entities", file=path)
    return ParseResult(format=NAME, source=source, entities=entities, files=[path])


def _check_list(name: Any, kind: Any, path: Path, line: int | None) -> tuple[str, str]:
    name = clean(str(name)) if name is not None else None
    if not name or not _LIST_NAME.fullmatch(name):
        raise InputError(
            f"list name {name!r} must be lower-case letters, digits and '_'",
            file=path,
            line=line,
            field="list",
        )
    kind = (clean(str(kind)) or "block").lower() if kind is not None else "block"
    if kind not in KINDS:
        raise InputError(
            f"kind {kind!r} must be 'block' or 'allow'", file=path, line=line, field="kind"
        )
    return name, kind


def _csv_rows(text: str, path: Path) -> tuple[str, str, list[tuple[int, dict[str, Any]]]]:
    lines = text.splitlines(keepends=True)
    first = lines[0].strip() if lines else ""
    skip = 0
    name: Any = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_")
    kind: Any = "block"
    if first.startswith("#"):
        m = _LIST_LINE.match(first)
        if not m:
            raise InputError(
                "first line must be '# list: NAME kind: block|allow'", file=path, line=1
            )
        name, kind = m["name"], m["kind"]
        skip = 1
    name, kind = _check_list(name, kind, path, 1)
    reader = csv.reader(io.StringIO("".join(lines[skip:])))
    try:
        header = next(reader, None)
        if header is None:
            raise InputError("no header row", file=path, line=skip + 1)
        cols = [c.strip().lower() for c in header]
        unknown = [c for c in cols if c not in FIELDS]
        if unknown or "name" not in cols:
            raise InputError(
                f"header must name columns from {', '.join(FIELDS)} including 'name'; got {header}",
                file=path,
                line=skip + 1,
            )
        if len(set(cols)) != len(cols):
            raise InputError("a column appears twice in the header", file=path, line=skip + 1)
        rows: list[tuple[int, dict[str, Any]]] = []
        for values in reader:
            line = reader.line_num + skip
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(cols):
                raise InputError(
                    f"{len(values)} fields, the header has {len(cols)}", file=path, line=line
                )
            rows.append((line, dict(zip(cols, values, strict=True))))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", file=path, line=reader.line_num + skip) from exc
    return name, kind, rows


def _yaml_rows(text: str, path: Path) -> tuple[str, str, list[tuple[int, dict[str, Any]]]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = _plain(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"malformed YAML: {exc}", file=path, line=mark.line + 1 if mark else None
        ) from exc
    except RecursionError as exc:
        raise InputError("YAML nested too deeply", file=path) from exc
    except _YamlValueError as exc:
        raise InputError(f"unsupported YAML: {exc}", file=path, line=exc.line) from exc
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise InputError(
            "a custom list is a mapping with keys list, kind, entities", file=path, line=1
        )
    unknown = set(data) - {"list", "kind", "entities", "description"}
    if unknown:
        raise InputError(f"unknown top-level keys {sorted(map(str, unknown))}", file=path, line=1)
    name, kind = _check_list(data.get("list"), data.get("kind"), path, _key_line(node, "list"))
    entities = data.get("entities")
    if not isinstance(entities, list):
        raise InputError(
            "'entities' must be a list",
            file=path,
            line=_key_line(node, "entities"),
            field="entities",
        )
    items = _value_node(node, "entities")
    rows = []
    for i, item in enumerate(entities):
        item_node = (
            items.value[i]
            if isinstance(items, yaml.SequenceNode) and i < len(items.value)
            else None
        )
        line = item_node.start_mark.line + 1 if item_node is not None else None
        if not isinstance(item, dict):
            raise InputError("each entity must be a mapping", file=path, line=line)
        bad = [str(k) for k in item if k not in FIELDS]
        if bad:
            raise InputError(
                f"unknown fields {bad}; allowed: {', '.join(FIELDS)}",
                file=path,
                line=line,
                field=bad[0],
            )
        rows.append((line or 0, item))
    return name, kind, rows


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}"
    for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
}
_MAX_NODES = 1_000_000  # aliases can make a small YAML file expand exponentially


def _plain(node: yaml.Node | None, budget: list[int] | None = None) -> Any:
    """Python value of a YAML node with every scalar kept as text.

    YAML 1.1 would turn ``country: NO`` (Norway) into False and ``dob: 1970-05-01`` into a
    date; a list of parties wants the text as written. Raises ValueError on mapping keys that
    are not scalars and on alias bombs.
    """
    budget = budget if budget is not None else [_MAX_NODES]
    if node is None:
        return None
    budget[0] -= 1
    if budget[0] < 0:
        raise _YamlValueError("YAML expands to too many values (alias bomb?)", node)
    if node.tag not in _PLAIN_TAGS:
        raise _YamlValueError(f"tag {node.tag!r} is not allowed", node)
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise _YamlValueError("mapping keys must be plain text", k)
            out[str(k.value)] = _plain(v, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, budget) for v in node.value]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


class _YamlValueError(ValueError):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


def _value_node(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    return None


def _key_line(node: yaml.Node, key: str) -> int | None:
    v = _value_node(node, key)
    return v.start_mark.line + 1 if v is not None else None


def _many(value: Any, path: Path, line: int, field: str) -> list[str]:
    """Values of a multi-valued field: a `;`-separated string or a YAML list of scalars."""
    if value is None:
        return []
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, dict | list):
                raise InputError(
                    "expected a list of text values", file=path, line=line, field=field
                )
            text = clean(str(v)) if v is not None else None
            if text:
                out.append(text)
        return out
    if isinstance(value, dict):
        raise InputError("expected text or a list", file=path, line=line, field=field)
    return split(str(value).replace("；", ";"), ";")


def _one(value: Any, path: Path, line: int, field: str) -> str | None:
    if isinstance(value, dict | list):
        raise InputError("expected a single text value", file=path, line=line, field=field)
    return clean(str(value)) if value is not None else None


def _entity(row: dict[str, Any], source: str, path: Path, line: int) -> ListedEntity:
    name = _one(row.get("name"), path, line, "name")
    if not name:
        raise InputError("missing name", file=path, line=line, field="name")
    schema_text = _one(row.get("schema"), path, line, "schema")
    schema = _SCHEMAS.get(schema_text.lower()) if schema_text else Schema.LEGAL_ENTITY
    if schema is None:
        raise InputError(
            f"unknown schema {schema_text!r}; use one of {', '.join(s.value for s in Schema)}",
            file=path,
            line=line,
            field="schema",
        )
    key = _one(row.get("id"), path, line, "id") or _slug(name)
    names = [Name(name, NameKind.PRIMARY, script_of(name))]
    for alias in _many(row.get("aliases"), path, line, "aliases"):
        script = script_of(alias)
        kind = NameKind.AKA if script in (None, "Latn") else NameKind.NATIVE
        if all(alias != n.value for n in names):
            names.append(Name(alias, kind, script))
    countries: list[str] = []
    for text in _many(row.get("country"), path, line, "country"):
        code = text.upper() if is_iso2(text.upper()) and len(text) == 2 else to_iso2(text)
        if not code:
            raise InputError(
                f"{text!r} is not an ISO 3166 alpha-2 code or a known country",
                file=path,
                line=line,
                field="country",
            )
        if code not in countries:
            countries.append(code)
    dobs = [_dob(v, path, line) for v in _many(row.get("dob"), path, line, "dob")]
    return ListedEntity(
        id=entity_id(source, key),
        source=source,
        schema=schema,
        names=tuple(names),
        addresses=tuple(Address(full=a) for a in _many(row.get("address"), path, line, "address")),
        countries=tuple(countries),
        identifiers=tuple(_identifiers(row.get("identifiers"), path, line)),
        birth_dates=tuple(dict.fromkeys(dobs)),
        programs=tuple(dict.fromkeys(_many(row.get("program"), path, line, "program"))),
        remarks=_one(row.get("notes"), path, line, "notes"),
    )


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-")
    return slug or name


def _dob(value: str, path: Path, line: int) -> str:
    parts = value.split("/")
    valid = len(parts) <= 2 and all(_DOB.fullmatch(p) and iso_date(p) == p for p in parts)
    if valid and (len(parts) == 1 or parts[0] <= parts[1]):
        return value
    raise InputError(
        f"date of birth {value!r} is not ISO 8601 (1970, 1970-05, 1970-05-01 or 1960/1965)",
        file=path,
        line=line,
        field="dob",
    )


def _identifiers(value: Any, path: Path, line: int) -> list[Identifier]:
    items = value if isinstance(value, list) else _many(value, path, line, "identifiers")
    out: list[Identifier] = []
    for item in items:
        if isinstance(item, dict):
            kind, number = (
                _one(item.get("type"), path, line, "identifiers"),
                _one(item.get("value"), path, line, "identifiers"),
            )
            country = _one(item.get("country"), path, line, "identifiers")
        else:
            text = clean(str(item)) if item is not None else None
            if not text:
                continue
            kind, _, number = text.partition(":")
            kind, number, country = clean(kind), clean(number), None
        if not kind or not number:
            raise InputError(
                f"identifier {item!r} must be TYPE:VALUE", file=path, line=line, field="identifiers"
            )
        code = None
        if country:
            code = country.upper() if is_iso2(country.upper()) else to_iso2(country)
            if not code:
                raise InputError(
                    f"unknown identifier country {country!r}",
                    file=path,
                    line=line,
                    field="identifiers",
                )
        out.append(Identifier(kind.lower(), number, code))
    return out
