"""`sekisho spark ...`: the batch jobs of `sekisho.scale` on a local or remote Spark.

    sekisho spark screen IN.csv|IN.jsonl|IN.parquet --out OUT.jsonl|OUT.parquet [--master M]
    sekisho spark customs-score DATA --mapping M --model FILE --out OUT.csv|OUT.parquet

`--master` defaults to $SEKISHO_SPARK_MASTER, else local mode on every core. Exit codes follow
`sekisho screen batch`: 0 every party clear on a complete screen, 10 hits or review rows
(including rows that could not be read, each named by row number), 2 bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Run batch jobs (screening, customs scoring) on Spark.")

EXIT_HITS = 10


def _err() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


@app.command("screen")
def screen(
    path: Path = typer.Argument(..., help="Parties: CSV, JSON Lines or Parquet "
                                "(columns id,name,country,schema,dob,identifier)."),
    out: Path = typer.Option(..., "--out", help="Results: .jsonl (one file) or .parquet (folder)."),
    master: str | None = typer.Option(None, "--master", help="Spark master, e.g. local[2] "
                                      "(default: $SEKISHO_SPARK_MASTER or local[cores])."),
    source: list[str] = typer.Option([], "--source", help="Only these list sources (repeatable)."),
    threshold: float | None = typer.Option(None, "--threshold", min=0.0, max=1.0,
                                           help="Score threshold (default: DEFAULT_THRESHOLD)."),
    limit: int = typer.Option(10, "--limit", min=1, help="Maximum hits per party."),
    partitions: int | None = typer.Option(None, "--partitions", min=1,
                                          help="Partitions (default: by size and cores)."),
    as_json: bool = typer.Option(False, "--json", help="Print the job report as JSON."),
) -> int:
    """Screen a file of parties against the loaded lists (exit 0 clear, 10 review, 2 bad input)."""
    from sekisho.scale.screen_job import output_format, run_screen
    from sekisho.scale.session import get_session

    output_format(out)  # a bad --out fails before Spark starts
    spark = get_session(master)
    report = run_screen(spark, path, out, sources=source or None, threshold=threshold,
                        limit=limit, partitions=partitions)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    con = _err()
    for p in report.problems:
        con.print(f"[bold yellow]review:[/] {p}")
    for row, error in report.bad_examples:
        con.print(f"[bold red]bad row {row}:[/] {error}")
    if report.bad_rows > len(report.bad_examples):
        con.print(f"... {report.bad_rows - len(report.bad_examples)} more bad rows in {out}")
    con.print(f"{report.rows} parties screened in {report.seconds:.1f} s "
              f"({report.partitions} partitions), {report.flagged} with hits or to review, "
              f"{report.bad_rows} unreadable → {out}")
    return EXIT_HITS if report.flagged else 0


@app.command("customs-score")
def customs_score(
    data: list[Path] = typer.Argument(..., help="Declaration files (CSV or Parquet)."),
    mapping: str = typer.Option("kr-customs", "--mapping", "-m",
                                help="Column mapping: kr-customs, generic or a JSON/YAML file."),
    model: Path = typer.Option(..., "--model", help="Model from `sekisho customs train`."),
    out: Path = typer.Option(..., "--out", help="Ranked table: .csv or .parquet."),
    master: str | None = typer.Option(None, "--master", help="Spark master, e.g. local[2]."),
    reasons_top: int = typer.Option(200, "--reasons-top",
                                    help="Explain the N highest-ranked rows (-1: all, on Spark)."),
    strict: bool = typer.Option(False, "--strict", help="Any bad row is an error (exit 2)."),
    partitions: int | None = typer.Option(None, "--partitions", min=1),
    as_json: bool = typer.Option(False, "--json", help="Print the job report as JSON."),
) -> None:
    """Rank declarations by risk on Spark (same scores and ranks as `customs score`)."""
    from sekisho.scale.customs_job import output_format, run_customs_score
    from sekisho.scale.session import get_session

    output_format(out)
    spark = get_session(master)
    report = run_customs_score(spark, data, out, mapping=mapping, model_path=model,
                               reasons_top=None if reasons_top < 0 else reasons_top,
                               strict=strict, partitions=partitions)
    con = _err()
    if report.issues:
        con.print(report.issues, markup=False)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    con.print(f"scored {report.rows:,} declarations ({report.bad_rows} refused) in "
              f"{report.seconds:.1f} s: features {report.seconds_features:.1f} s in the driver, "
              f"model on {report.partitions} partitions {report.seconds_scoring:.1f} s → {out}")
