"""Party input and output forms shared by the CLI, the API, the review UI and Spark jobs:
validated rows (CLI options, CSV/JSONL batch lines, API bodies) → Party, and PartyResult →
the JSON line every interface prints. One place, so all of them accept and say the same."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from sekisho.countries import to_iso2
from sekisho.errors import InputError
from sekisho.model import Identifier, Schema
from sekisho.screen.party import Party, PartyResult

COLUMNS = ("id", "name", "country", "schema", "dob", "identifier")
_DOB = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?")


def parse_identifier(value: str, *, file: str | None = None, line: int | None = None) -> Identifier:
    """ "TYPE:VALUE" → Identifier; anything else is an InputError naming where."""
    if ":" not in value or not value.split(":", 1)[0].strip() or not value.split(":", 1)[1].strip():
        raise InputError(
            f"identifier {value!r} must be TYPE:VALUE (e.g. passport:X123)",
            file=file,
            line=line,
            field="identifier",
        )
    t, v = value.split(":", 1)
    return Identifier(t.strip().lower(), v.strip())


def make_party(row: dict[str, Any], *, file: str | None = None, line: int | None = None) -> Party:
    """Validate one input row (CLI options or a batch line) into a Party."""
    name = str(row.get("name") or "").strip()
    if not name:
        raise InputError("name is empty", file=file, line=line, field="name")
    country = (str(row.get("country") or "").strip()) or None
    if country and not to_iso2(country):
        raise InputError(f"unknown country {country!r}", file=file, line=line, field="country")
    schema = (str(row.get("schema") or "").strip()) or None
    if schema:
        names = {s.value.lower(): s.value for s in Schema}
        if schema.lower() not in names:
            raise InputError(
                f"unknown schema {schema!r}; one of {', '.join(names.values())}",
                file=file,
                line=line,
                field="schema",
            )
        schema = names[schema.lower()]
    dob = (str(row.get("dob") or "").strip()) or None
    if dob and not _DOB.fullmatch(dob):
        raise InputError(
            f"date of birth {dob!r} must be YYYY, YYYY-MM, YYYY-MM-DD or A/B",
            file=file,
            line=line,
            field="dob",
        )
    raw_ids = row.get("identifier") or row.get("identifiers") or []
    if isinstance(raw_ids, str):
        raw_ids = [p for p in raw_ids.split(";") if p.strip()]
    ids = tuple(parse_identifier(str(v), file=file, line=line) for v in raw_ids)
    address = (str(row.get("address") or "").strip()) or None
    return Party(
        name=name,
        country=to_iso2(country) if country else None,
        schema=schema,
        dob=dob,
        identifiers=ids,
        address=address,
    )


def result_json(result: PartyResult, row_id: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row_id is not None:
        out["id"] = row_id
    out.update(
        {
            "name": result.party.name,
            "outcome": result.outcome,
            "hits": [
                {k: v for k, v in h.to_dict().items() if k != "features"} for h in result.hits
            ],
            "cleared": [h.entity.id for h in result.cleared],
            "snapshots": result.snapshots,
            "problems": result.problems,
        }
    )
    return out


def read_batch(path: Path) -> list[tuple[str, Party]]:
    """Read and validate every row first: one bad row stops the batch before any output."""
    if not path.is_file():
        raise InputError("file not found", file=path)
    text = path.read_bytes().decode("utf-8-sig", errors="strict") if path.stat().st_size else ""
    rows: list[tuple[int, dict[str, Any]]] = []
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise InputError(f"not JSON: {exc}", file=path, line=n) from None
            if not isinstance(obj, dict):
                raise InputError("each line must be a JSON object", file=path, line=n)
            rows.append((n, obj))
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "name" not in header:
            raise InputError(
                f"CSV header must have a 'name' column (columns: {', '.join(COLUMNS)})",
                file=path,
                line=1,
            )
        unknown = [h for h in header if h not in COLUMNS and h != "address"]
        if unknown:
            raise InputError(
                f"unknown columns {unknown}; allowed: {', '.join(COLUMNS)}", file=path, line=1
            )
        reader.fieldnames = header
        for rec in reader:
            rows.append((reader.line_num, rec))
    out = []
    for n, rec in rows:
        party = make_party(rec, file=str(path), line=n)
        out.append((str(rec.get("id") or n), party))
    return out
