"""Entry point of the `sekisho` command: builds the Typer app and turns errors into exit codes.

Each capability registers its sub-app in `SUBCOMMANDS` (module path, attribute, name). Errors
derived from `SekishoError` are printed as one line without a traceback, with their exit code
(2 for bad input).
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from sekisho import __version__
from sekisho.errors import SekishoError

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

# (module, attribute, command name or None to add the module's commands at top level)
SUBCOMMANDS: list[tuple[str, str, str | None]] = [
    ("sekisho.cli.lists", "app", "lists"),
    ("sekisho.cli.custody", "app", "custody"),
    ("sekisho.cli.screen", "app", None),  # `screen NAME`, `screen batch IN --out OUT`
    ("sekisho.cli.procure", "app", "procure"),
    ("sekisho.cli.customs", "app", "customs"),
    ("sekisho.cli.check", "app", None),  # `check TX.json|TX.csv`
    ("sekisho.cli.check", "decisions_app", "decisions"),
    ("sekisho.cli.check", "monitor_app", "monitor"),
    ("sekisho.cli.serve", "app", None),  # `serve [--host H] [--port P]`
    ("sekisho.cli.batch", "app", "spark"),  # `spark screen IN --out OUT`, `spark customs-score`
]

app = typer.Typer(
    name="sekisho",
    help="Sekisho: export-control and supply-chain security checkpoints.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def _register() -> None:
    for module_name, attr, name in SUBCOMMANDS:
        module = importlib.import_module(module_name)
        sub = getattr(module, attr)
        if name is None:
            for command in sub.registered_commands:
                app.registered_commands.append(command)
            for group in sub.registered_groups:
                app.registered_groups.append(group)
        else:
            app.add_typer(sub, name=name)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; SekishoError becomes a one-line message and its exit code."""
    try:
        rv = app(args=argv, standalone_mode=False)
        if isinstance(rv, int):
            return rv
    except SekishoError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", markup=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 130
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return 2
        raise
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
