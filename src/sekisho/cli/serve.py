"""`sekisho serve`: run the HTTP API and the review UI with uvicorn.

Refuses to listen on a non-loopback address while no API key is configured (authentication
would be off and anyone on the network could act as a reviewer).
"""

from __future__ import annotations

import ipaddress

import typer

from sekisho.errors import InputError

app = typer.Typer(help="Run the HTTP API and review UI.")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the API (/docs) and the review UI (/ui/) until interrupted."""
    try:
        import uvicorn

        from sekisho.api import create_app
    except ImportError as exc:  # the [server] extra is not installed
        raise InputError(f"the server needs the [server] extra: pip install 'sekisho[server]' "
                         f"({exc.name} is missing)") from None
    from sekisho.settings import Settings

    settings = Settings.load()
    application = create_app(settings)
    if not application.state.keys.enabled and not _loopback(host):
        raise InputError(f"refusing to listen on {host} without API keys: set SEKISHO_API_KEYS "
                         f"or write {settings.home / 'api-keys'} (NAME:ROLE:KEY per line)",
                         field="--host")
    typer.echo(f"Sekisho on http://{host}:{port}/ui/ (API docs: /docs)", err=True)
    uvicorn.run(application, host=host, port=port, log_level=log_level)
