"""`sekisho check`, `sekisho decisions show|replay|list`, `sekisho monitor run`.

Thin: reading and deciding live in `sekisho.screen`, recording in `sekisho.records`.
Exit codes of `check`: 0 clear, 10 review, 11 licence required, 12 block (the worst decision of a
batch); 2 bad input (a batch with bad records still decides and records the good ones, reports
each bad one with its line and field on stderr, and exits 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from sekisho.model import Decision, Outcome
from sekisho.records.repo import Records
from sekisho.screen.ownership import Ownership
from sekisho.screen.replay import decision_json, replay_decision, same_answer
from sekisho.screen.transaction import TransactionScreener
from sekisho.screen.txinput import read_batch
from sekisho.settings import Settings

EXIT_CODES = {Outcome.CLEAR: 0, Outcome.REVIEW: 10, Outcome.LICENCE_REQUIRED: 11, Outcome.BLOCK: 12}
_STYLE = {"clear": "green", "review": "yellow", "licence_required": "magenta", "block": "bold red"}

app = typer.Typer(help="Check transactions before export approval.")
decisions_app = typer.Typer(help="Recorded decisions: show, replay, list.", no_args_is_help=True)
monitor_app = typer.Typer(help="Re-screen remembered counterparties when lists change.",
                          no_args_is_help=True)


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, highlight=False, soft_wrap=not tty, width=None if tty else 200)


def _print_decision(d: Decision, console: Console) -> None:
    style = _STYLE[d.outcome.value]
    console.print(f"[{style}]{d.outcome.value.upper()}[/]  transaction {d.transaction_id}  "
                  f"decision {d.id}")
    table = Table(show_header=True, header_style="bold")
    for col in ("code", "outcome", "reason", "rule"):
        table.add_column(col)
    for r in d.reasons:
        table.add_row(r.code, f"[{_STYLE[r.outcome.value]}]{r.outcome.value}[/]", r.message,
                      r.rule or "")
    console.print(table)
    console.print(f"policy {d.policy_version}  snapshots "
                  f"{', '.join(s[:12] for s in d.snapshots) or '-'}")


@app.command("check")
def check(
    path: Path = typer.Argument(..., help="Transaction file: JSON object, JSON array, JSON Lines or CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print decisions as JSON (one per line in a batch)."),
    ownership: Path | None = typer.Option(None, "--ownership", help="Ownership file (CSV or YAML) for the 50% rule."),
    record: bool = typer.Option(True, "--record/--no-record", help="Record the decisions (default: yes)."),
) -> None:
    """Decide transactions: clear, review, licence_required or block, with every reason."""
    good, bad = read_batch(path)
    single = not bad and len(good) == 1 and not _is_batch_file(path)
    if not good and len(bad) == 1 and not _is_batch_file(path):
        raise bad[0].error
    graph = Ownership.load(ownership) if ownership else None
    settings = Settings.load()
    from sekisho.lists.store import Store

    store = Store.open(settings)
    records = Records.open(settings)
    screener = TransactionScreener.from_store(store, history=records)
    results = [screener.decide(tx, ownership=graph) for tx in good]
    if record and results:
        records.save_decisions(results, screener.policy, actor="cli")
    out = _console()
    for r in results:
        if as_json:
            typer.echo(json.dumps(decision_json(r.decision), ensure_ascii=False,
                                  indent=2 if single else None))
        else:
            _print_decision(r.decision, out)
    err = _console(stderr=True)
    for b in bad:
        err.print(f"[bold red]bad record {b.index + 1}:[/] {b.error}", markup=True)
    if bad:
        err.print(f"{len(good)} decided, {len(bad)} rejected")
        raise typer.Exit(2)
    raise typer.Exit(max((EXIT_CODES[r.decision.outcome] for r in results), default=0))


def _is_batch_file(path: Path) -> bool:
    if path.suffix.lower() in (".jsonl", ".csv", ".tsv"):
        return True
    try:
        with path.open(encoding="utf-8-sig") as fh:
            return fh.read(64).lstrip().startswith("[")
    except OSError:
        return False


@decisions_app.command("show")
def show(decision_id: str = typer.Argument(...),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a recorded decision with its transaction and context."""
    stored = Records.open().decision(decision_id)
    if as_json:
        typer.echo(json.dumps({**decision_json(stored.decision), "transaction": stored.transaction,
                               "context": stored.context}, ensure_ascii=False, indent=2))
        return
    _print_decision(stored.decision, _console())


@decisions_app.command("replay")
def replay(decision_id: str = typer.Argument(...),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Re-decide against the recorded snapshots and policy; exit 0 when the answer is the same."""
    from sekisho.lists.store import Store

    records = Records.open()
    original, result = replay_decision(records, decision_id, Store.open())
    same = same_answer(original, result.decision)
    records.audit(actor="cli", action="decision.replay", subject=decision_id,
                  payload={"same": same, "outcome": result.decision.outcome.value})
    if as_json:
        typer.echo(json.dumps({"decision_id": decision_id, "same": same,
                               "original": decision_json(original),
                               "replayed": decision_json(result.decision)},
                              ensure_ascii=False, indent=2))
    else:
        console = _console()
        console.print(f"replayed {decision_id}: {original.outcome.value} -> "
                      f"{result.decision.outcome.value}: "
                      + ("[green]same answer[/]" if same else "[bold red]DIFFERENT[/]"))
        if not same:
            _print_decision(result.decision, console)
    raise typer.Exit(0 if same else 1)


@decisions_app.command("list")
def list_decisions(limit: int = typer.Option(20, "--limit"),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """The most recent decisions."""
    ds = Records.open().decisions(limit)
    if as_json:
        for d in ds:
            typer.echo(json.dumps(decision_json(d), ensure_ascii=False))
        return
    table = Table("decided at", "decision", "transaction", "outcome")
    for d in ds:
        table.add_row(d.decided_at, d.id, d.transaction_id,
                      f"[{_STYLE[d.outcome.value]}]{d.outcome.value}[/]")
    _console().print(table)


@monitor_app.command("run")
def monitor_run(
    as_json: bool = typer.Option(False, "--json"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report, record nothing."),
    source: list[str] = typer.Option(None, "--source", help="Only these sources."),
    threshold: float | None = typer.Option(None, "--threshold"),
) -> None:
    """Compare list changes since the last run against every remembered counterparty."""
    from sekisho.lists.store import Store
    from sekisho.screen.monitor import run_monitor

    report = run_monitor(Store.open(), Records.open(), threshold=threshold,
                         sources=source or None, dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    console = _console()
    for src, info in report.sources.items():
        console.print(f"{src}: {str(info['old'])[:12]} -> {info['new'][:12]}, "
                      f"{info['changed_records']} changed records")
    console.print(f"{report.counterparties} counterparties checked, {len(report.hits)} new "
                  f"possible matches, {len(report.cases)} review cases opened")
    for h in report.hits:
        decs = report.affected_decisions.get(h.counterparty.key, [])
        console.print(f"  {h.counterparty.name!r} ~ {h.entity.name!r} ({h.entity.id}, "
                      f"{h.score:.2f}); decisions: {', '.join(decs) or '-'}")

