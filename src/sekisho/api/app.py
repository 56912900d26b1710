"""The FastAPI application: one router per capability, API-key auth, problem+json errors, and
the review UI under /ui.

`create_app(settings)` builds a fresh app (tests make one per SEKISHO_HOME); `sekisho serve`
runs it with uvicorn. Nothing is opened at creation time except the key ring (a bad key file
should stop the server at start, not at the first request); the store and the records
database open on first use.
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from sekisho import __version__
from sekisho.api import check, custody, lists, problems, procure, screen
from sekisho.api.auth import KeyRing
from sekisho.api.services import Services
from sekisho.settings import Settings

DESCRIPTION = """Export-control screening and supply-chain checks.

Send an API key as `Authorization: Bearer KEY` (or `X-API-Key`). Errors are RFC 9457
`application/problem+json` documents. `POST /match/{dataset}` accepts yente's
query-by-example shape. Screening fails closed: with missing or stale lists the answer is
`review`, never an empty "no hits".
"""

# the UI loads only its own script and styles; inline style attributes carry score colours
UI_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new application bound to `settings` (default: Settings.load())."""
    settings = settings or Settings.load()
    keys = KeyRing.load(settings)
    svc = Services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        # build the screener (list index) in the background so the first screen is fast
        threading.Thread(target=svc.warm_up, name="sekisho-warm-up", daemon=True).start()
        yield
        svc.close()

    app = FastAPI(title="Sekisho", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.keys = keys
    app.state.services = svc
    problems.install(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/ui/"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", UI_CSP)
        return response

    @app.get("/health", tags=["meta"], summary="Liveness (no key needed)")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "auth": keys.enabled}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    for module in (lists, screen, check, procure, custody):
        app.include_router(module.router)

    from sekisho.web.routes import mount

    mount(app)
    return app
