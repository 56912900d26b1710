"""Fetch lists from their publishers (or a local mirror) and swap them in atomically.

Each source is fetched into a temporary folder, parsed and stored by `Store.load`; only a
complete, parsable download becomes current. Any failure (HTTP error, timeout, truncated or
oversized body, checksum mismatch, garbage, parse error) leaves the previous snapshot current
and is reported per source, so one broken publisher never blocks the others.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sekisho import __version__
from sekisho.errors import DownloadError, FormatError, NotFoundError, SekishoError
from sekisho.lists import catalog
from sekisho.lists.catalog import Download, Source
from sekisho.lists.store import LoadReport, Store, plan_load
from sekisho.settings import Settings

MAX_BYTES = 512 * 1024 * 1024  # the largest official list (EU FSF XML) is ~25 MB
MAX_SECONDS = 900.0
USER_AGENT = f"sekisho/{__version__} (+https://github.com/sekisho; restricted-party list update)"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}

Log = Callable[[str], None]


@dataclass
class UpdateResult:
    """Outcome for one source. `state`: updated, unchanged, failed, skipped."""

    source: str
    state: str
    message: str = ""
    report: LoadReport | None = None
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state in ("updated", "unchanged", "skipped")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "state": self.state,
            "message": self.message,
            "files": self.files,
            "load": self.report.to_dict() if self.report else None,
        }


def fetch(
    client: httpx.Client,
    download: Download,
    dest: Path,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
) -> dict[str, Any]:
    """Download one file to `dest`, retrying transient failures with exponential backoff.

    Timeouts: the client's per-operation timeout (connect, each read), and `max_seconds` for
    the whole body, so a server that trickles bytes cannot hold an update forever.

    Returns {"name", "url", "sha256", "bytes"}. Raises DownloadError with the reason.
    """
    last: str = "no attempt"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            return _fetch_once(client, download, dest, max_bytes, max_seconds)
        except _Permanent as exc:
            raise DownloadError(f"{download.url}: {exc}") from None
        except _Transient as exc:
            last = str(exc)
        except httpx.TimeoutException as exc:
            last = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:  # redirects, decoding, disk
            raise DownloadError(f"{download.url}: {type(exc).__name__}: {exc}") from None
    raise DownloadError(f"{download.url}: {last} (after {retries + 1} attempts)")


class _Permanent(Exception):
    """A failure retrying will not fix (404, oversize, checksum mismatch)."""


class _Transient(Exception):
    """A failure worth retrying (5xx, truncated body)."""


def _fetch_once(
    client: httpx.Client, download: Download, dest: Path, max_bytes: int, max_seconds: float
) -> dict[str, Any]:
    deadline = time.monotonic() + max_seconds
    digest = hashlib.sha256()
    size = 0
    with client.stream("GET", download.url) as resp:
        if resp.status_code >= 400:
            reason = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
            if resp.status_code in _RETRY_STATUS:
                raise _Transient(reason)
            raise _Permanent(reason)
        declared = resp.headers.get("content-length")
        encoded = resp.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _Permanent(f"file of {declared} bytes exceeds the limit of {max_bytes}")
        raw_size = 0
        with dest.open("wb") as fh:
            for chunk in resp.iter_bytes():
                if time.monotonic() > deadline:  # a server trickling bytes forever
                    raise _Transient(f"download took longer than {max_seconds:.0f} s")
                size += len(chunk)
                if size > max_bytes:
                    raise _Permanent(f"file exceeds the limit of {max_bytes} bytes")
                digest.update(chunk)
                fh.write(chunk)
            raw_size = resp.num_bytes_downloaded
        if declared and declared.isdigit() and not encoded and raw_size != int(declared):
            raise _Transient(f"truncated body: got {raw_size} of {declared} bytes")
    if size == 0:
        raise _Permanent("empty response body")
    sha = digest.hexdigest()
    if download.sha256 and sha != download.sha256.lower():
        raise _Permanent(f"checksum mismatch: got sha256 {sha}, expected {download.sha256}")
    return {"name": download.name, "url": download.url, "sha256": sha, "bytes": size}


def _client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.http_timeout),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    )


def _select(
    sources: Iterable[str | Source] | None, mirror: Path | None
) -> list[tuple[Source, bool]]:
    """(source, named explicitly) pairs to update."""
    if sources:
        return [(s if isinstance(s, Source) else catalog.get(s), True) for s in sources]
    return [
        (s, False) for s in catalog.SOURCES if s.auto_update and (s.downloads or mirror is not None)
    ]


def update(
    store: Store,
    sources: Iterable[str | Source] | None = None,
    *,
    mirror: Path | str | None = None,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    backoff: float = 1.0,
    max_bytes: int = MAX_BYTES,
    max_seconds: float = MAX_SECONDS,
    log: Log | None = None,
) -> list[UpdateResult]:
    """Update the named sources (default: every downloadable catalogue source whose
    `auto_update` is set).

    `sources` holds catalogue ids or `Source` entries (a site may point a source at its own
    proxy URL by passing a modified entry).

    With `mirror`, files are read from that folder instead of the network: either the
    publisher's file names at its top level (`sdn.csv`, `consolidated.xml`...) or a
    sub-folder named after the source id holding the list's files.
    """
    settings = settings or Settings.load()
    mirror_dir = Path(mirror) if mirror is not None else None
    if mirror_dir is not None and not mirror_dir.is_dir():
        raise NotFoundError(f"mirror folder {mirror_dir} does not exist")
    chosen = _select(list(sources) if sources else None, mirror_dir)
    own_client = client is None and mirror_dir is None
    http = _client(settings) if own_client else client
    results: list[UpdateResult] = []
    try:
        for source, explicit in chosen:
            if log:
                log(f"{source.id}: {'reading mirror' if mirror_dir else 'downloading'}")
            if mirror_dir is not None:
                result = _from_mirror(store, source, mirror_dir, explicit)
            else:
                assert http is not None
                limits = {
                    "retries": settings.http_retries,
                    "backoff": backoff,
                    "max_bytes": max_bytes,
                    "max_seconds": max_seconds,
                }
                result = _from_publisher(store, source, http, limits, explicit)
            results.append(result)
            if log:
                log(f"{source.id}: {result.state} {result.message}".rstrip())
    finally:
        if own_client and http is not None:
            http.close()
    return results


def _from_publisher(
    store: Store,
    source: Source,
    client: httpx.Client,
    limits: dict[str, Any],
    explicit: bool,
) -> UpdateResult:
    if not source.downloads:
        msg = f"no stable download URL; get it from {source.page} and run `sekisho lists load`"
        return UpdateResult(source.id, "failed" if explicit else "skipped", msg)
    work = Path(tempfile.mkdtemp(prefix=f"sekisho-{source.id}-"))
    try:
        files = []
        retrieved_at = datetime.now(UTC).isoformat(timespec="seconds")
        for dl in source.downloads:
            try:
                files.append(fetch(client, dl, work / dl.name, **limits))
            except DownloadError as exc:
                return UpdateResult(
                    source.id, "failed", f"{exc}; {_kept(store, source)}", files=files
                )
        return _load(
            store,
            source,
            [work / dl.name for dl in source.downloads],
            "download",
            retrieved_at,
            files,
            {f["name"]: f["url"] for f in files},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _from_mirror(store: Store, source: Source, mirror: Path, explicit: bool) -> UpdateResult:
    folder = mirror / source.id
    if folder.is_dir():
        paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    else:
        paths = [mirror / dl.name for dl in source.downloads]
        present = [p for p in paths if p.is_file()]
        if not present:
            msg = f"not in mirror {mirror} (expected {folder.name}/ or {', '.join(p.name for p in paths) or 'a folder'})"
            return UpdateResult(source.id, "failed" if explicit else "skipped", msg)
        if len(present) < len(paths):
            missing = ", ".join(p.name for p in paths if not p.is_file())
            return UpdateResult(
                source.id, "failed", f"mirror lacks {missing}; {_kept(store, source)}"
            )
    if not paths:
        return UpdateResult(
            source.id, "failed", f"mirror folder {folder} is empty; {_kept(store, source)}"
        )
    files = []
    for p in paths:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        files.append({"name": p.name, "sha256": digest, "bytes": p.stat().st_size})
    pinned = {dl.name: dl.sha256 for dl in source.downloads if dl.sha256}
    for f in files:
        want = pinned.get(f["name"])
        if want and want.lower() != f["sha256"]:
            return UpdateResult(
                source.id,
                "failed",
                f"{f['name']}: checksum mismatch in mirror; {_kept(store, source)}",
                files=files,
            )
    # A mirror copy is as old as the copy: count its age from the oldest file's time.
    oldest = min(p.stat().st_mtime for p in paths)
    retrieved_at = datetime.fromtimestamp(oldest, UTC).isoformat(timespec="seconds")
    return _load(store, source, paths, "mirror", retrieved_at, files, {})


def _kept(store: Store, source: Source) -> str:
    """What stays in use after a failure, for the message."""
    try:
        current = store.current(source.id)
    except SekishoError:
        current = None
    return f"previous snapshot kept ({current.id[:12]})" if current else "nothing loaded"


def _load(
    store: Store,
    source: Source,
    paths: list[Path],
    origin: str,
    retrieved_at: str,
    files: list[dict[str, Any]],
    urls: dict[str, str],
) -> UpdateResult:
    try:
        plan = plan_load(paths)
        for group in plan.groups:
            if source.format != group.format.NAME:
                raise FormatError(
                    f"is in format {group.format.NAME}, not {source.format} as expected for "
                    f"{source.id}",
                    file=group.paths[0].name,
                )
        reports = store.load_plan(
            plan,
            source=source.id,
            origin=origin,
            retrieved_at=retrieved_at,
            urls=urls,
        )
    except SekishoError as exc:
        return UpdateResult(source.id, "failed", f"{exc}; {_kept(store, source)}", files=files)
    report = reports[-1]
    state = "updated" if report.became_current else "unchanged"
    msg = f"{report.snapshot.entity_count} entities, snapshot {report.snapshot.id[:12]}"
    return UpdateResult(source.id, state, msg, report=report, files=files)
