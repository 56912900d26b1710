"""Procurement screening: is there a banned vendor anywhere in this product, for this buyer?

`read_bom(path)` reads a CycloneDX JSON or flat CSV BOM; `regimes.load()` the bundled
procurement regimes; `check(bom, regimes, buyer, date)` returns a `CheckResult` with findings
(regime, covered vendor, path through the BOM, part test, verdict) and the parts it could not
check; `report.render(result, bom, fmt)` writes the HTML or Markdown report.
"""

from __future__ import annotations

from pathlib import Path

from sekisho.errors import FormatError, InputError
from sekisho.procure.bom import Bom, Part
from sekisho.procure.check import check
from sekisho.procure.result import CheckResult, Finding, Item, Unchecked


def read_bom(path: str | Path) -> Bom:
    """Read a BOM, choosing the reader by content (CycloneDX JSON) or extension (.csv)."""
    from sekisho.procure import csvbom, cyclonedx

    p = Path(path)
    if not p.is_file():
        raise InputError("BOM file not found", file=p)
    head = p.read_bytes()[:65536]
    if p.suffix.lower() == ".json" or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return cyclonedx.read(p)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        return csvbom.read(p)
    raise FormatError("unknown BOM format (expected CycloneDX JSON or CSV)", file=p)


__all__ = ["Bom", "CheckResult", "Finding", "Item", "Part", "Unchecked", "check", "read_bom"]
