"""CycloneDX JSON (1.0–1.6) BOM reader: nested components to any depth, plus `dependencies`.

Containment comes from nesting (`components` inside a component) and from the `dependencies`
graph (a component that another one `dependsOn` is its part). Top-level components hang under
`metadata.component` (the product being bought) unless a dependency gives them another parent.

Services (`services`, nested to any depth) are parts too; their maker is `provider.name`.
Party names read per component: `manufacturer.name` (1.6), `author` (older BOMs), `supplier.name`,
`publisher`, and the Sekisho properties `sekisho:brand` / `sekisho:oem`. Other properties we use:

- `sekisho:essential` (true/false): the part is a "substantial or essential component";
- `sekisho:critical-technology` (true/false): the part is "critical technology";
- `sekisho:exception`: comma-separated exception ids of a regime the buyer claims (documented);
- `sekisho:purpose`: comma-separated intended uses (e.g. `office`, `public-safety`), on the
  product or any part, for regimes that reach a vendor only for some uses;
- `sekisho:produced` or `cdx:device:prodTimestamp`: production date (for ownership history);
- `cdx:device:quantity`: quantity when the component gives no other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sekisho.errors import FormatError, InputError
from sekisho.procure.bom import Bom, BomBuilder, Part, parse_bool, parse_quantity

_SPEC = re.compile(r"1\.[0-6]")
BRAND_PROPS = ("sekisho:brand", "sekisho:oem")


def sniff(path: Path, head: bytes) -> bool:
    return b'"bomFormat"' in head and b"CycloneDX" in head


def read(path: Path) -> Bom:
    """Parse a CycloneDX JSON file into a validated, expanded `Bom`."""
    src = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 (offset {exc.start})", file=src) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"malformed JSON: {exc.msg} (column {exc.colno})", file=src, line=exc.lineno
        ) from None
    return from_document(doc, src)


def from_document(doc: Any, src: str) -> Bom:
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise FormatError(
            'not a CycloneDX BOM (bomFormat must be "CycloneDX")', file=src, field="bomFormat"
        )
    spec = doc.get("specVersion")
    if not isinstance(spec, str) or not _SPEC.fullmatch(spec):
        raise FormatError(
            f"unsupported specVersion {spec!r} (1.0 to 1.6)", file=src, field="specVersion"
        )
    builder = BomBuilder(src)
    weak: list[tuple[str, str]] = []  # top-level component → metadata.component, unless re-parented
    metadata = doc.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise FormatError("metadata must be an object", file=src, field="metadata")
    root_ref: str | None = None
    if metadata.get("component") is not None:
        fallback = _party(metadata.get("manufacturer"), src, "metadata.manufacturer") or _text(
            (metadata.get("manufacture") or {}).get("name")
            if isinstance(metadata.get("manufacture"), dict)
            else None
        )
        root_ref = _walk(metadata["component"], "metadata.component", None, builder, src, fallback)
    comps = doc.get("components", [])
    if not isinstance(comps, list):
        raise FormatError("components must be an array", file=src, field="components")
    for i, comp in enumerate(comps):
        ref = _walk(comp, f"components[{i}]", None, builder, src, None)
        if root_ref is not None:
            weak.append((root_ref, ref))
    services = doc.get("services", [])
    if not isinstance(services, list):
        raise FormatError("services must be an array", file=src, field="services")
    for i, svc in enumerate(services):  # a service's maker is its provider (FCC covers services)
        ref = _walk(svc, f"services[{i}]", None, builder, src, None, key="services")
        if root_ref is not None:
            weak.append((root_ref, ref))
    deps = doc.get("dependencies", [])
    if not isinstance(deps, list):
        raise FormatError("dependencies must be an array", file=src, field="dependencies")
    for i, dep in enumerate(deps):
        where = f"dependencies[{i}]"
        if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
            raise FormatError("each dependency needs a string 'ref'", file=src, field=where)
        on = dep.get("dependsOn", [])
        if not isinstance(on, list) or not all(isinstance(x, str) for x in on):
            raise FormatError("dependsOn must be an array of bom-refs", file=src, field=where)
        for child in on:
            if child == dep["ref"]:
                raise InputError(f"cyclic BOM: {child!r} depends on itself", file=src, field=where)
            builder.add_edge(dep["ref"], child, f"{where} ({dep['ref']!r} dependsOn {child!r})")
    for parent, child in weak:
        if child not in builder.has_parent and child != parent:
            builder.add_edge(parent, child, f"top-level component {child!r}")
    return builder.build()


def _walk(
    comp: Any,
    where: str,
    parent: str | None,
    builder: BomBuilder,
    src: str,
    fallback: str | None,
    key: str = "components",
) -> str:
    """Declare `comp` and its nested components or services (iteratively: nesting depth is
    unbounded)."""
    root_ref = ""
    stack: list[tuple[Any, str, str | None]] = [(comp, where, parent)]
    while stack:
        c, w, par = stack.pop()
        part = _part(c, w, src, fallback if par is None and w == where else None)
        builder.add_part(part)
        if par is not None:
            builder.add_edge(par, part.ref, f"{w} nested in {par!r}")
        else:
            root_ref = part.ref
        nested = c.get(key, [])
        if not isinstance(nested, list):
            raise FormatError(f"{key} must be an array", file=src, field=f"{w}.{key}")
        for j in range(len(nested) - 1, -1, -1):
            stack.append((nested[j], f"{w}.{key}[{j}]", part.ref))
    return root_ref


def _part(c: Any, w: str, src: str, fallback_maker: str | None) -> Part:
    if not isinstance(c, dict):
        raise FormatError("a component must be an object", file=src, field=w)
    ref = c.get("bom-ref")
    if ref is not None and (not isinstance(ref, str) or not ref.strip()):
        raise FormatError("bom-ref must be a non-empty string", file=src, field=w)
    where = f"{w} (bom-ref {ref!r})" if ref else w
    name = c.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FormatError("component has no name", file=src, field=where)
    props: dict[str, str] = {}
    raw_props = c.get("properties", [])
    if not isinstance(raw_props, list):
        raise FormatError("properties must be an array", file=src, field=where)
    for p in raw_props:
        if not isinstance(p, dict) or not isinstance(p.get("name"), str):
            raise FormatError("each property needs a string 'name'", file=src, field=where)
        value = p.get("value", "")
        if not isinstance(value, str):
            raise FormatError(
                f"property {p['name']!r} value must be a string", file=src, field=where
            )
        props[p["name"]] = value
    manufacturer = (
        _party(c.get("manufacturer"), src, f"{where}.manufacturer")
        or _party(c.get("provider"), src, f"{where}.provider")
        or _text(c.get("author"))
        or fallback_maker
    )
    supplier = _party(c.get("supplier"), src, f"{where}.supplier")
    others = [
        v for v in (_text(c.get("publisher")), *(_text(props.get(k)) for k in BRAND_PROPS)) if v
    ]
    quantity = None
    if "cdx:device:quantity" in props:
        quantity = parse_quantity(
            props["cdx:device:quantity"], file=src, where=f"{where} cdx:device:quantity"
        )
    produced = props.get("sekisho:produced") or props.get("cdx:device:prodTimestamp")
    if produced:
        m = re.match(r"(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4})", produced.strip())
        if not m:
            raise InputError(f"production date {produced!r} is not ISO 8601", file=src, field=where)
        produced = m[1]
    return Part(
        ref=ref or w,
        name=name.strip(),
        where=where,
        part_number=_text(props.get("sekisho:part-number") or props.get("cdx:device:sku"))
        or _text(c.get("version")),
        manufacturer=manufacturer,
        supplier=supplier,
        other_names=tuple(dict.fromkeys(o for o in others if o not in (manufacturer, supplier))),
        description=_text(c.get("description")),
        quantity=quantity,
        kind=_text(c.get("type")),
        essential=parse_bool(
            props.get("sekisho:essential", ""), file=src, where=where, name="sekisho:essential"
        ),
        critical_technology=parse_bool(
            props.get("sekisho:critical-technology", ""),
            file=src,
            where=where,
            name="sekisho:critical-technology",
        ),
        exceptions=_split(props.get("sekisho:exception", "")),
        purposes=_split(props.get("sekisho:purpose", "")),
        produced=produced or None,
        properties=props,
    )


def _party(value: Any, src: str, where: str) -> str | None:
    """Name of a CycloneDX organizationalEntity (or a bare string, as some tools write)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return _text(value.get("name"))
    raise FormatError("must be an organisation object with a name", file=src, field=where)


def _split(value: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in value.split(",") if x.strip())


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None
