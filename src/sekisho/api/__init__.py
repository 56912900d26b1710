"""HTTP API (FastAPI): `create_app(settings)`; run it with `sekisho serve`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sekisho.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application (imported lazily so `import sekisho.api` stays cheap)."""
    from sekisho.api.app import create_app as _create

    return _create(settings)


__all__: list[Any] = ["create_app"]
