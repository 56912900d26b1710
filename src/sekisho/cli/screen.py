"""`sekisho screen ...`: screen one party or a file of parties against the loaded lists.

    sekisho screen NAME [--country CC] [--schema S] [--dob D] [--id TYPE:VALUE] [--threshold T] [--json]
    sekisho screen batch IN.csv|IN.jsonl --out OUT.jsonl
    sekisho screen clear NAME ENTITY_ID --reason TEXT     (whitelist one reviewed pair)

One command with a first word that may be "batch" or "clear" (a Typer group cannot have both
a default NAME argument and subcommands). Exit codes: 0 no hits and a complete screen;
10 hits found or the screen is incomplete (outcome "review": missing/stale lists); 2 bad input.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sekisho.countries import to_iso2
from sekisho.errors import InputError
from sekisho.model import Identifier, Schema
from sekisho.screen.party import Party, PartyResult, Screener

EXIT_HITS = 10
COLUMNS = ("id", "name", "country", "schema", "dob", "identifier")
_DOB = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?")

app = typer.Typer(help="Screen parties against the loaded restricted-party lists.")


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=not stream.isatty())


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


@app.command("screen")
def screen(
    words: list[str] = typer.Argument(
        ...,
        metavar="NAME | batch IN --out OUT | clear NAME ENTITY_ID",
        help="Party name (quote it), or 'batch IN', or 'clear NAME ENTITY_ID'.",
    ),
    country: str | None = typer.Option(None, "--country", help="Country (ISO-2 or name)."),
    schema: str | None = typer.Option(
        None, "--schema", help="Person, Company, Organization, Vessel..."
    ),
    dob: str | None = typer.Option(None, "--dob", help="Date of birth: YYYY[-MM[-DD]] or A/B."),
    ids: list[str] = typer.Option([], "--id", help="Identifier TYPE:VALUE (repeatable)."),
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Score threshold (default: sekisho.match.DEFAULT_THRESHOLD).",
    ),
    limit: int = typer.Option(10, "--limit", min=1, help="Maximum hits per party."),
    source: list[str] = typer.Option([], "--source", help="Only these list sources (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Path | None = typer.Option(None, "--out", help="batch: output JSON Lines file."),
    reason: str | None = typer.Option(None, "--reason", help="clear: why the pair is not a match."),
) -> int:
    """Screen a party (exit 0: no hits; 10: hits or incomplete screen, review; 2: bad input)."""
    from sekisho.lists.store import Store

    if words[0] == "batch" and len(words) == 2:
        return _batch(Path(words[1]), out, threshold, limit, source)
    if words[0] == "clear" and len(words) == 3:
        return _clear(words[1], words[2], reason)
    party = make_party(
        {
            "name": " ".join(words),
            "country": country,
            "schema": schema,
            "dob": dob,
            "identifier": ids,
        }
    )
    screener = Screener(Store.open(), sources=source or None, threshold=threshold)
    result = screener.screen(party, limit=limit)
    if as_json:
        typer.echo(json.dumps(result_json(result), ensure_ascii=False, indent=2))
    else:
        _print(result)
    return 0 if result.outcome == "clear" else EXIT_HITS


def _print(result: PartyResult) -> None:
    con = _console()
    for p in result.problems:
        con.print(f"[bold yellow]review:[/] {p}")
    if not result.hits:
        con.print("no hits" + (" (but the screen is incomplete)" if result.problems else ""))
    else:
        table = Table(show_lines=False)
        for col in ("score", "entity", "source", "schema", "listed name", "matched", "why"):
            table.add_column(col)
        for h in result.hits:
            table.add_row(
                f"{h.score:.2f}",
                h.entity.id,
                h.entity.source,
                h.entity.schema.value,
                h.entity.name,
                h.matched_name,
                h.explanation,
            )
        con.print(table)
    for h in result.cleared:
        con.print(f"cleared earlier: {h.entity.id} ({h.matched_name})")
    con.print(f"snapshots: {', '.join(s[:12] for s in result.snapshots) or '-'}")


def _batch(
    path: Path, out: Path | None, threshold: float | None, limit: int, sources: list[str]
) -> int:
    from sekisho.lists.store import Store

    if out is None:
        raise InputError("batch needs --out OUT.jsonl", field="--out")
    parties = read_batch(path)
    screener = Screener(Store.open(), sources=sources or None, threshold=threshold)
    flagged = 0
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            tmp.open("w", encoding="utf-8") as fh,
            Progress(
                TextColumn("screening"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=_console(stderr=True),
                disable=not sys.stderr.isatty(),
            ) as progress,
        ):
            task = progress.add_task("screen", total=len(parties))
            for row_id, party in parties:
                result = screener.screen(party, limit=limit)
                if result.outcome != "clear":
                    flagged += 1
                fh.write(json.dumps(result_json(result, row_id), ensure_ascii=False) + "\n")
                progress.advance(task)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    _console(stderr=True).print(
        f"{len(parties)} parties screened, {flagged} with hits or to review → {out}"
    )
    return EXIT_HITS if flagged else 0


def _clear(name: str, entity_id: str, reason: str | None) -> int:
    from sekisho.lists.store import Store
    from sekisho.screen.party import Whitelist
    from sekisho.settings import Settings

    if not reason:
        raise InputError("clear needs --reason", field="--reason")
    store = Store.open()
    entity = store.entity(entity_id)
    wl = Whitelist(Settings.load().home / "whitelist.json")
    rec = wl.clear(name, entity, reason=reason, by=os.environ.get("USER", ""))
    typer.echo(
        f"cleared {name!r} vs {entity_id} while record {rec['content_hash'][:12]} is unchanged"
    )
    return 0
