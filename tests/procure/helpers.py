"""BOM builders shared by the procurement tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def device(
    ref: str,
    name: str,
    maker: str | None = None,
    *,
    children: list[dict[str, Any]] | None = None,
    supplier: str | None = None,
    props: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A CycloneDX 1.6 device component."""
    c: dict[str, Any] = {"type": "device", "bom-ref": ref, "name": name}
    if maker:
        c["manufacturer"] = {"name": maker}
    if supplier:
        c["supplier"] = {"name": supplier}
    if props:
        c["properties"] = [{"name": k, "value": v} for k, v in props.items()]
    if children:
        c["components"] = children
    return c


def write_cdx(
    path: Path, root: dict[str, Any] | None, components: list[dict[str, Any]], **extra: Any
) -> Path:
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": components,
    }
    if root is not None:
        doc["metadata"] = {"component": root}
    doc.update(extra)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path
