"""RFC 9457 problem details for every error the API returns.

Why one place: a client (or a person reading curl output) gets the same shape for a bad
field, an unknown entity, an unreadable store or a bug: `type`, `title`, `status`, `detail`,
`instance`, and for input errors an `errors` list naming each field (`location` is the path
into the request, e.g. "body.queries.q1.properties.name"). Problem types are relative URIs
under /problems/ that the API itself documents.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sekisho.errors import (
    DownloadError,
    FormatError,
    InputError,
    NotFoundError,
    SekishoError,
    StoreError,
    VerificationError,
)

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

# slug -> (title, what it means for the client)
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "invalid-input": ("Invalid input", "A field of the request is missing or invalid; fix the "
                      "fields named in `errors` and send it again."),
    "format-error": ("Unreadable document", "A submitted document is not in a format Sekisho "
                     "reads (e.g. not CycloneDX JSON)."),
    "not-found": ("Not found", "The named thing (route, entity, source, decision, log entry) "
                  "does not exist."),
    "store-unavailable": ("Store unavailable", "The list store, records database or custody "
                          "log cannot be read or written right now; nothing was changed."),
    "download-failed": ("Download failed", "A publisher's file could not be fetched."),
    "verification-failed": ("Verification failed", "A signature, proof or checksum did not "
                            "verify."),
    "unauthorized": ("Unauthorized", "Send a valid API key (Authorization: Bearer KEY or "
                     "X-API-Key: KEY)."),
    "forbidden": ("Forbidden", "The API key is valid but its role may not do this."),
    "method-not-allowed": ("Method not allowed", "The route exists but not for this method."),
    "http-error": ("HTTP error", "The request could not be served."),
    "internal-error": ("Internal error", "Sekisho failed unexpectedly; the error was logged. "
                       "Nothing was recorded half-way."),
}


def problem(request: Request | None, status: int, slug: str, detail: str,
            *, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A problem+json response of type /problems/<slug>."""
    title = PROBLEM_TYPES.get(slug, PROBLEM_TYPES["http-error"])[0]
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _slug(exc: SekishoError) -> str:
    if isinstance(exc, FormatError):
        return "format-error"
    if isinstance(exc, InputError):
        return "invalid-input"
    if isinstance(exc, NotFoundError):
        return "not-found"
    if isinstance(exc, StoreError):
        return "store-unavailable"
    if isinstance(exc, DownloadError):
        return "download-failed"
    if isinstance(exc, VerificationError):
        return "verification-failed"
    return "internal-error"


def from_sekisho_error(request: Request | None, exc: SekishoError) -> JSONResponse:
    """Map one SekishoError to its problem; input errors name their file, line and field."""
    errors = None
    if isinstance(exc, InputError):
        err: dict[str, Any] = {"detail": exc.detail}
        if exc.field:
            err["field"] = exc.field
        if exc.file:
            err["file"] = exc.file
        if exc.line is not None:
            err["line"] = exc.line
        errors = [err]
    return problem(request, exc.http_status, _slug(exc), exc.message, errors=errors)


def handle_sekisho_error(request: Request, exc: SekishoError) -> JSONResponse:
    """Log what is not the caller's fault, answer with the problem."""
    if not isinstance(exc, InputError | NotFoundError):
        log.warning("%s %s: %s", request.method, request.url.path, exc)
    return from_sekisho_error(request, exc)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic errors -> [{location, field, detail}] (field = the last named part)."""
    out = []
    for e in errors:
        loc = list(e.get("loc", ()))
        named = [p for p in loc if isinstance(p, str) and p not in ("body", "query", "path")]
        item: dict[str, Any] = {"location": _location(loc), "detail": e.get("msg", "invalid")}
        if named:
            item["field"] = named[-1]
        out.append(item)
    return out


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(SekishoError)
    async def _sekisho(request: Request, exc: SekishoError) -> JSONResponse:
        return handle_sekisho_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        fields = ", ".join(e["location"] for e in errors)
        return problem(request, 422, "invalid-input", f"invalid request: {fields}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {401: "unauthorized", 403: "forbidden", 404: "not-found",
                405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return problem(request, exc.status_code, slug, detail,
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "internal-error",
                       f"unexpected {type(exc).__name__}; see the server log")

    @app.get("/problems/{slug}", include_in_schema=False)
    async def _problem_doc(slug: str, request: Request) -> JSONResponse:
        if slug not in PROBLEM_TYPES:
            return problem(request, 404, "not-found", f"no problem type {slug!r}")
        title, meaning = PROBLEM_TYPES[slug]
        return JSONResponse({"type": f"/problems/{slug}", "title": title, "description": meaning})
