"""`sekisho procure ...`: check a BOM against procurement bans before the order.

Exit codes of `check`: 0 no prohibited content found, 10 needs review (including parts that
could not be checked), 12 prohibited, 2 bad input (malformed BOM, cycle, missing parent,
unknown regime or buyer category).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from sekisho.errors import InputError

app = typer.Typer(
    help="Procurement screening: BOMs against procurement bans.", no_args_is_help=True
)


def _console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        file=stream,
        highlight=False,
        soft_wrap=not stream.isatty(),
        width=None if stream.isatty() else 200,
    )


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _date(value: str | None) -> date:
    if not value:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}", field="--date") from None


@app.command()
def check(
    bom_path: Path = typer.Argument(
        ..., metavar="BOM", help="CycloneDX JSON or CSV bill of materials."
    ),
    buyer: str = typer.Option(
        ..., "--buyer", help="Buyer category (see `sekisho procure buyers`)."
    ),
    regime: list[str] = typer.Option([], "--regime", help="Check only this regime (repeatable)."),
    on: str | None = typer.Option(
        None, "--date", help="Date of the purchase, YYYY-MM-DD (default today, UTC)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    report_path: Path | None = typer.Option(
        None, "--report", help="Write an HTML (.html) or Markdown (.md) report."
    ),
    with_lists: bool = typer.Option(
        False,
        "--with-lists",
        help="Add Entity List affiliates of covered vendors from the loaded lists.",
    ),
) -> None:
    """Check a BOM: which parts break which regime, through which path, and why.

    Exit codes: 0 no prohibited content found, 10 needs review (a finding to review, or parts
    whose maker is unknown), 12 prohibited, 2 bad input.
    """
    from sekisho.procure import check as run_check
    from sekisho.procure import read_bom, regimes, report
    from sekisho.procure.vendors import store_affiliates

    catalogue = regimes.load()
    catalogue.buyer(buyer)
    selected = catalogue.select(regime)
    when = _date(on)
    if report_path is not None and report_path.suffix.lower() not in (
        ".html",
        ".htm",
        ".md",
        ".markdown",
    ):
        raise InputError("report must end in .html or .md", file=report_path, field="--report")
    bom = read_bom(bom_path)
    extra, snapshots = ([], [])
    if with_lists:
        extra, snapshots = store_affiliates(catalogue.vendors.values())
    result = run_check(bom, selected, buyer, when, extra_names=extra)
    if snapshots:
        result.notes.append(
            f"Entity List affiliates from snapshots {', '.join(s[:12] for s in snapshots)} ({len(extra)} names)"
        )
    if report_path is not None:
        report.write(report_path, result, bom, selected)
    if as_json:
        d = result.to_dict()
        if snapshots:
            d["snapshots"] = snapshots
        _echo_json(d)
    else:
        _print(result)
    if result.unchecked:
        _console(stderr=True).print(
            f"warning: {len(result.unchecked)} part(s) could not be checked (no usable manufacturer); "
            "they are listed under 'unchecked' and the verdict is at least needs_review"
        )
    raise typer.Exit(result.exit_code)


def _print(result: Any) -> None:
    out = _console()
    out.print(
        f"verdict: [bold]{result.verdict}[/] (buyer {result.buyer}, {result.on.isoformat()}, {result.part_count} parts)"
    )
    out.print(f"regimes applied: {', '.join(result.regimes) or 'none'}")
    if len(result.items) > 1:
        for item in result.items:
            out.print(f"item {item.name}: {item.verdict}")
    for rid, why in result.skipped.items():
        out.print(f"not applied: {rid}: {why}")
    if result.findings:
        table = Table(
            "verdict", "regime", "vendor", "path", "part test", "reason", show_lines=False
        )
        for f in result.findings:
            table.add_row(
                f.verdict,
                f.regime,
                f"{f.vendor_name} ({f.party_name})",
                " > ".join(f.path),
                f.part_test,
                f.reason,
            )
        out.print(table)
    for u in result.unchecked:
        out.print(f"unchecked: {' > '.join(u.path)}: {u.reason}")
    for n in result.notes:
        out.print(f"note: {n}")


@app.command("regimes")
def list_regimes(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """The procurement regimes Sekisho knows, whom they bind and from when."""
    from sekisho.procure import regimes

    cat = regimes.load()
    if as_json:
        _echo_json([r.summary() for r in cat.regimes.values()])
        return
    table = Table("id", "name", "binds", "effective", "parts", "vendors")
    for r in cat.regimes.values():
        table.add_row(
            r.id,
            r.name,
            ", ".join(b.category for b in r.binds),
            r.effective,
            f"{r.part_test} → {r.on_part}" if r.parts_covered else "no",
            ", ".join(v.vendor.id for v in r.vendors),
        )
    _console().print(table)


@app.command()
def buyers(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Buyer categories accepted by `check --buyer`."""
    from sekisho.procure import regimes

    cat = regimes.load()
    if as_json:
        _echo_json(
            [
                {"id": b.id, "name": b.name, "jurisdiction": b.jurisdiction}
                for b in cat.buyers.values()
            ]
        )
        return
    table = Table("id", "name", "regimes")
    for b in cat.buyers.values():
        table.add_row(
            b.id,
            b.name,
            ", ".join(
                r.id for r in cat.regimes.values() if any(x.category == b.id for x in r.binds)
            )
            or "-",
        )
    _console().print(table)
