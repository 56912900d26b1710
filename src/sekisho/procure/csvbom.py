"""Flat CSV BOM reader: one row per part, `parent` naming the containing part.

UTF-8 (with or without BOM) or, failing that, Shift_JIS (cp932, as Excel saves CSV in Japan).
Required columns: `part number` (or `id`) and `manufacturer`; usual: `parent`, `description`,
`quantity`. Optional: `name`, `supplier`, `brand`, `essential`, `critical technology`,
`exception`, `purpose`, `produced`. Headers are matched case- and punctuation-insensitively
("Part Number", "part_number", "PN", and Japanese or Chinese headers such as 品番, メーカー,
数量, 制造商 all work). A row with an empty parent is a product (root).
The part's key is `id` when that column exists, else the part number; a key repeated on
several rows is one part used under several parents (its other fields must agree).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from sekisho.errors import FormatError, InputError
from sekisho.lists.formats.common import decode
from sekisho.procure.bom import Bom, BomBuilder, Part, parse_bool, parse_quantity

_ALIASES = {
    "parent": (
        "parent",
        "parentid",
        "parentpart",
        "parentpartnumber",
        "assembly",
        "parentref",
        "親",
        "親品番",
        "親部品",
        "上位品番",
        "父项",
        "父件",
        "父级料号",
    ),
    "part_number": (
        "partnumber",
        "pn",
        "partno",
        "mpn",
        "part",
        "partnum",
        "品番",
        "部品番号",
        "型番",
        "料号",
        "零件号",
    ),
    "id": ("id", "ref", "bomref", "key"),
    "manufacturer": (
        "manufacturer",
        "mfr",
        "mfg",
        "maker",
        "manufacturername",
        "製造者",
        "製造元",
        "メーカー",
        "メーカー名",
        "制造商",
        "厂商",
        "生产商",
        "製造商",
    ),
    "description": ("description", "desc", "説明", "摘要", "描述", "说明"),
    "quantity": ("quantity", "qty", "count", "数量", "個数"),
    "name": ("name", "partname", "component", "品名", "部品名", "名称"),
    "supplier": ("supplier", "vendor", "distributor", "仕入先", "供給者", "供应商"),
    "brand": ("brand", "oem"),
    "essential": ("essential", "substantialoressential", "sekishoessential"),
    "critical_technology": ("criticaltechnology", "critical", "sekishocriticaltechnology"),
    "exception": ("exception", "exceptions", "sekishoexception"),
    "produced": ("produced", "productiondate", "proddate"),
    "purpose": ("purpose", "purposes", "use", "用途"),
}
_KEY = re.compile(r"[\W_]+")  # punctuation and spaces; letters of any script stay


def _columns(header: list[str], src: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        k = _KEY.sub("", h.lower())
        for col, names in _ALIASES.items():
            if k in names:
                if col in found:
                    raise FormatError(
                        f"two columns mean {col!r}: {header[found[col]]!r} and {h!r}",
                        file=src,
                        line=1,
                    )
                found[col] = i
    if "part_number" not in found and "id" not in found:
        raise FormatError("no 'part number' (or 'id') column", file=src, line=1)
    if "manufacturer" not in found:
        raise FormatError("no 'manufacturer' column", file=src, line=1)
    return found


def read(path: Path) -> Bom:
    src = str(path)
    text = decode(
        path.read_bytes(), path, ("utf-8-sig", "cp932")
    )  # Excel in Japan writes Shift_JIS
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError("empty file", file=src) from None
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=src, line=1) from None
    cols = _columns(header, src)
    builder = BomBuilder(src)
    first_line: dict[str, int] = {}
    pending: list[tuple[str, str, int]] = []  # (parent, child, line)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise FormatError(
                    f"{len(row)} fields, header has {len(header)}", file=src, line=line
                )

            def get(col: str, row: list[str] = row) -> str:
                i = cols.get(col)
                return " ".join(row[i].split()) if i is not None and i < len(row) else ""

            pn = get("part_number")
            ref = get("id") or pn
            if not ref:
                raise InputError(
                    "no part number",
                    file=src,
                    line=line,
                    field=header[cols.get("id", cols.get("part_number", 0))],
                )
            part = _part(get, ref, pn, src, line)
            if ref in first_line:
                prev = builder.parts[ref]
                for attr in ("manufacturer", "supplier", "part_number"):
                    if getattr(prev, attr) != getattr(part, attr):
                        raise InputError(
                            f"part {ref!r} appears again with another {attr.replace('_', ' ')} "
                            f"({getattr(part, attr)!r}, line {first_line[ref]} says {getattr(prev, attr)!r})",
                            file=src,
                            line=line,
                        )
            else:
                first_line[ref] = line
                builder.add_part(part)
            parent = get("parent")
            if parent:
                if parent == ref:
                    raise InputError(
                        f"cyclic BOM: {ref!r} is its own parent",
                        file=src,
                        line=line,
                        field="parent",
                    )
                pending.append((parent, ref, line))
    except csv.Error as exc:
        raise FormatError(f"malformed CSV: {exc}", file=src, line=reader.line_num) from None
    for parent, child, line in pending:
        if parent not in builder.parts:
            raise InputError(
                f"parent {parent!r} is not a part of this BOM", file=src, line=line, field="parent"
            )
        builder.add_edge(parent, child, f"line {line}")
    return builder.build()


def _part(get: Callable[[str], str], ref: str, pn: str, src: str, line: int) -> Part:
    brand = get("brand")
    return Part(
        ref=ref,
        name=get("name") or get("description") or pn or ref,
        where=f"{src}:{line}",
        part_number=pn or None,
        manufacturer=get("manufacturer") or None,
        supplier=get("supplier") or None,
        other_names=(brand,) if brand else (),
        description=get("description") or None,
        quantity=parse_quantity(get("quantity"), file=src, where="quantity", line=line),
        essential=_flag(get("essential"), src, line, "essential"),
        critical_technology=_flag(get("critical_technology"), src, line, "critical technology"),
        exceptions=tuple(x.strip() for x in get("exception").split(",") if x.strip()),
        purposes=tuple(x.strip() for x in get("purpose").split(",") if x.strip()),
        produced=_date(get("produced"), src, line) or None,
    )


def _flag(value: str, src: str, line: int, name: str) -> bool | None:
    try:
        return parse_bool(value, file=src, where=name, name=name)
    except InputError as exc:
        raise InputError(exc.detail, file=src, line=line, field=name) from None


def _date(value: str, src: str, line: int) -> str:
    if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise InputError(
            f"production date {value!r} is not ISO 8601", file=src, line=line, field="produced"
        )
    return value
