"""`sekisho lists ...`: load, inspect, compare and update the restricted-party lists.

Thin: each command calls one function of `sekisho.lists` and formats its result as a table for
people or JSON for machines (`--json`). Errors are SekishoError subclasses; cli/main.py turns
them into a one-line message and exit code (2 for bad input).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sekisho.errors import NotFoundError, VerificationError
from sekisho.lists import catalog
from sekisho.lists.store import Store, plan_load
from sekisho.model import ListedEntity

app = typer.Typer(
    help="Restricted-party lists: load, status, history, diff, update, show, verify, sources.",
    no_args_is_help=True,
)


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty, width=None if tty else 200)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _short(snapshot_id: str | None) -> str:
    return snapshot_id[:12] if snapshot_id else "-"


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="List files or folders of list files."),
    source: str | None = typer.Option(None, "--source", help="Source id to store them under."),
    format: str | None = typer.Option(None, "--format", help="Parse as this format."),
    as_json: bool = typer.Option(False, "--json", help="Print the load reports as JSON."),
) -> None:
    """Parse list files and store them as new snapshots (all or nothing)."""
    store = Store.open()
    plan = plan_load(paths, format)
    err = _console(stderr=True)
    show_bar = sys.stderr.isatty() and not as_json
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show_bar,
        transient=True,
    ) as bar:
        task = bar.add_task("loading", total=len(plan.groups))

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        reports = store.load_plan(plan, source=source, progress=progress)
    if as_json:
        _echo_json(
            {"loaded": [r.to_dict() for r in reports], "skipped": [str(p) for p in plan.skipped]}
        )
        return
    out = _console()
    table = Table(title="Loaded lists", show_lines=False)
    for col in ("source", "entities", "snapshot", "state", "sublists / files"):
        table.add_column(col, overflow="fold")
    for r in reports:
        state = (
            "new"
            if r.new_snapshot and r.became_current
            else "now current"
            if r.became_current
            else "unchanged"
        )
        subs = ", ".join(f"{k} {v}" for k, v in r.counts.items() if k)
        files = ", ".join(f["name"] for f in r.snapshot.files)
        table.add_row(
            r.source,
            f"{r.snapshot.entity_count:,}",
            _short(r.snapshot.id),
            state,
            f"{subs}  [{files}]" if subs else files,
        )
    out.print(table)
    per_source: dict[str, list] = {}
    for r in reports:
        per_source.setdefault(r.source, []).append(r)
    for src, reps in per_source.items():
        if len(reps) > 1:
            last = reps[-1].snapshot
            out.print(
                f"note: {src}: {len(reps)} editions loaded as successive snapshots (oldest "
                f"first by publisher or listing date); current: {_short(last.id)} "
                f"({', '.join(f['name'] for f in last.files)})",
                markup=False,
            )
    for r in reports:
        for w in r.warnings:
            out.print(f"warning: {r.source}: {w}", markup=False)
    for p in plan.skipped:
        out.print(f"skipped (not a list file): {p}", markup=False)


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Freshness of every source: fresh, stale (older than its maximum age) or missing."""
    rows = Store.open().status()
    if as_json:
        _echo_json([s.to_dict() for s in rows])
        return
    table = Table(title="List status")
    for col in ("source", "state", "age (days)", "max age", "entities", "snapshot", "published"):
        table.add_column(col)
    colour = {"fresh": "green", "stale": "yellow", "missing": "red"}
    for s in rows:
        snap = s.snapshot
        age = "-" if s.age_days is None else f"{s.age_days:.1f} ({s.basis})"
        table.add_row(
            s.source,
            f"[{colour[s.state]}]{s.state}[/]",
            age,
            str(s.max_age_days),
            f"{snap.entity_count:,}" if snap else "-",
            _short(snap.id if snap else None),
            (snap.published_at or "-") if snap else "-",
        )
    _console().print(table)


@app.command()
def history(
    source: str = typer.Argument(..., help="Source id, e.g. us_trade_csl."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Snapshots of one source that became current, oldest first (ids for `lists diff`)."""
    store = Store.open()
    snaps = store.history(source)
    if not snaps:
        raise NotFoundError(f"source {source!r} has no snapshot in the store")
    if as_json:
        _echo_json([s.to_dict() for s in snaps])
        return
    current = store.current(source)
    table = Table(title=f"History of {source}")
    for col in ("#", "snapshot", "loaded", "published", "entities", "files"):
        table.add_column(col, overflow="fold")
    for i, snap in enumerate(snaps, 1):
        mark = " (current)" if current and i == len(snaps) and snap.id == current.id else ""
        table.add_row(
            str(i),
            _short(snap.id) + mark,
            snap.retrieved_at,
            snap.published_at or "-",
            f"{snap.entity_count:,}",
            ", ".join(f["name"] for f in snap.files),
        )
    _console().print(table)


def _entity_line(e: ListedEntity) -> str:
    sub = f" [{e.sublist}]" if e.sublist else ""
    return f"{e.id}{sub}  {e.name}"


@app.command()
def diff(
    source: str = typer.Argument(..., help="Source id, e.g. us_trade_csl."),
    old: str | None = typer.Argument(None, help="Older snapshot id (prefix); default: previous."),
    new: str | None = typer.Argument(None, help="Newer snapshot id (prefix); default: current."),
    as_json: bool = typer.Option(False, "--json", help="Print the full diff as JSON."),
    limit: int = typer.Option(20, "--limit", help="Entities to list per section (tables)."),
    ignore: list[str] | None = typer.Option(
        None,
        "--ignore",
        help="Field whose changes do not count (repeatable), e.g. properties.source_list_url.",
    ),
) -> None:
    """Entities added, removed and changed between two snapshots of one source."""
    d = Store.open().diff(source, old, new, ignore=ignore or ())
    if as_json:
        _echo_json(d.to_dict())
        return
    s = d.summary()
    out = _console()
    out.print(
        f"{source}: {_short(d.old.id)} ({s['old_count']:,} entities) -> "
        f"{_short(d.new.id)} ({s['new_count']:,} entities)",
        markup=False,
    )
    out.print(
        f"added {s['added']:,}  removed {s['removed']:,}  changed {s['changed']:,}  "
        f"unchanged {s['unchanged']:,}",
        markup=False,
    )
    if s["changed_fields"]:
        fields = ", ".join(f"{k} {v}" for k, v in s["changed_fields"].items())
        out.print(f"changed fields: {fields}", markup=False)
    if d.ignored:
        out.print(f"ignored fields: {', '.join(d.ignored)}", markup=False)
    for title, items in (("added", d.added), ("removed", d.removed)):
        if items:
            out.print(f"\n{title} (first {min(limit, len(items))} of {len(items):,}):")
            for e in items[:limit]:
                out.print(f"  {'+' if title == 'added' else '-'} {_entity_line(e)}", markup=False)
    if d.changed:
        out.print(f"\nchanged (first {min(limit, len(d.changed))} of {len(d.changed):,}):")
        for c in d.changed[:limit]:
            out.print(f"  ~ {_entity_line(c.new)}: {', '.join(c.fields)}", markup=False)


@app.command()
def update(
    source: list[str] | None = typer.Option(
        None, "--source", help="Source id (repeatable); default: every downloadable source."
    ),
    mirror: Path | None = typer.Option(
        None, "--mirror", help="Read the publishers' files from this folder (air-gapped)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Download lists from their publishers (or a mirror); a failure keeps the old snapshot."""
    from sekisho.lists.update import update as run_update

    store = Store.open()
    err = _console(stderr=True)
    log = (lambda msg: err.print(msg, markup=False)) if sys.stderr.isatty() else None
    results = run_update(store, source or None, mirror=mirror, log=log)
    if as_json:
        _echo_json([r.to_dict() for r in results])
    else:
        out = _console()
        table = Table(title="List update")
        for col in ("source", "result", "detail"):
            table.add_column(col, overflow="fold")
        colour = {"updated": "green", "unchanged": "green", "skipped": "dim", "failed": "red"}
        for r in results:
            table.add_row(r.source, f"[{colour[r.state]}]{r.state}[/]", r.message)
        out.print(table)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


@app.command()
def show(
    entity_id: str = typer.Argument(..., help="Entity id, e.g. us_ofac_sdn:306."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """One listed entity from the current snapshot of its source."""
    store = Store.open()
    e = store.entity(entity_id)
    if as_json:
        _echo_json(e.to_dict())
        return
    out = _console()
    table = Table(title=e.id, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    d = e.to_dict()
    table.add_row("name", e.name)
    table.add_row("schema", e.schema.value)
    snap = store.current(e.source)
    table.add_row("source", f"{e.source} (snapshot {_short(snap.id if snap else None)})")
    for key, value in d.items():
        if key in ("id", "source", "schema"):
            continue
        if key == "names":
            text = "\n".join(
                f"{n['value']}  ({n.get('kind', 'primary')}"
                + (f", {n['script']}" if n.get("script") else "")
                + ")"
                for n in value
            )
        elif key == "addresses":
            text = "\n".join(a.text() for a in e.addresses)
        elif key == "identifiers":
            text = "\n".join(
                f"{i.type}: {i.value}" + (f" ({i.country})" if i.country else "")
                for i in e.identifiers
            )
        elif key == "properties":
            text = "\n".join(f"{k}: {'; '.join(v)}" for k, v in value.items())
        elif isinstance(value, list):
            text = "; ".join(value)
        else:
            text = str(value)
        table.add_row(key, text)
    out.print(table)


@app.command()
def verify() -> None:
    """Check that every stored snapshot is intact and hashes to its id (exit 3 if not)."""
    store = Store.open()
    problems = store.verify()
    snaps = sum(len(store.history(s)) for s in store.current_snapshots())
    if problems:
        for p in problems:
            typer.echo(f"problem: {p}", err=True)
        raise VerificationError(f"{len(problems)} problem(s) in the store {store.root}")
    typer.echo(f"ok: {snaps} snapshot entries verified in {store.root}")


@app.command()
def sources(
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The catalogue: every known source, its publisher, format, consequence and URL."""
    if as_json:
        _echo_json([s.to_dict() for s in catalog.SOURCES])
        return
    table = Table(title="List sources")
    for col in ("id", "authority", "format", "consequence", "max age", "download"):
        table.add_column(col, overflow="fold")
    for s in catalog.SOURCES:
        dl = "\n".join(d.url for d in s.downloads) if s.downloads else f"(manual) {s.page or ''}"
        table.add_row(s.id, s.authority, s.format, s.consequence, f"{s.max_age_days} d", dl)
    _console().print(table)
