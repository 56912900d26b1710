"""One exception hierarchy; every message is something a user can act on.

The CLI prints these without a traceback and exits with `exit_code`; the API turns them into
RFC 9457 problem JSON with `http_status`.
"""

from __future__ import annotations

from pathlib import Path


class SekishoError(Exception):
    """Root of every error Sekisho raises on purpose."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(SekishoError):
    """Bad input from the user: a file, a row, a field, an argument. Exit code 2."""

    exit_code = 2
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        where = []
        if self.file:
            where.append(self.file if line is None else f"{self.file}:{line}")
        elif line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.detail = message


class FormatError(InputError):
    """A file is not in the format we expected (or in none we know)."""


class NotFoundError(SekishoError):
    """A named thing (source, snapshot, entity, decision, device) does not exist."""

    exit_code = 2
    http_status = 404


class StoreError(SekishoError):
    """The store cannot be read or written; the previous state is intact."""

    http_status = 503


class DownloadError(SekishoError):
    """A publisher's file could not be fetched or failed verification."""

    http_status = 502


class VerificationError(SekishoError):
    """A signature, proof or checksum did not verify."""

    exit_code = 3
    http_status = 422
