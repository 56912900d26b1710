"""`sekisho screen ...`: screen one party or a file of parties against the loaded lists.

    sekisho screen NAME [--country CC] [--schema S] [--dob D] [--id TYPE:VALUE] [--threshold T] [--json]
    sekisho screen batch IN.csv|IN.jsonl --out OUT.jsonl
    sekisho screen clear NAME ENTITY_ID --reason TEXT     (whitelist one reviewed pair)

One command with a first word that may be "batch" or "clear" (a Typer group cannot have both
a default NAME argument and subcommands). Exit codes: 0 no hits and a complete screen;
10 hits found or the screen is incomplete (outcome "review": missing/stale lists); 2 bad input.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sekisho.errors import InputError
from sekisho.screen.party import PartyResult, Screener
from sekisho.screen.partyio import make_party, read_batch, result_json

EXIT_HITS = 10

app = typer.Typer(help="Screen parties against the loaded restricted-party lists.")


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=not stream.isatty())


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
