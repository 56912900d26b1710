"""The versioned list store: immutable, content-addressed snapshots per source, with history.

Layout under `settings.store_dir`::

    refs.json                      every source's history and current snapshot (one file, so
                                   one atomic rename commits a whole load)
    snapshots/<id>/manifest.json   Snapshot.to_dict() + checksums of the files below
    snapshots/<id>/entities.jsonl.gz   one ListedEntity.to_dict() per line
    .lock                          held while a load writes, so two loads never interleave
    tmp/                           work area; a snapshot folder appears by one atomic rename

A load parses and validates every group before anything is written; snapshot folders are
written beside the live ones and only the final `os.replace` of refs.json makes them current.
A crash at any point leaves the previous refs.json, hence the previous snapshots, in use.

Reads are cached in memory per snapshot (snapshots never change). A marshal cache of the decoded
records next to the JSON lines was tried and measured: no gain, because building the
dataclasses (ListedEntity.from_dict) dominates a cold read, so it was removed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sekisho.durable import atomic_write, fsync_dir
from sekisho.errors import FormatError, InputError, NotFoundError, SekishoError, StoreError
from sekisho.lists import catalog
from sekisho.lists.formats import Group, ParseResult, detect, expand, get_format, read_head
from sekisho.lists.formats.common import utc_now_iso
from sekisho.model import ListedEntity, Snapshot, canonical_json
from sekisho.settings import Settings

REFS_VERSION = 1
ENTITIES_FILE = "entities.jsonl.gz"
MANIFEST_FILE = "manifest.json"
LOCK_TIMEOUT_S = 120.0
ORIGINS = ("file", "mirror", "download")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MEMORY_CACHE_SIZE = 32

# Files that may sit beside lists in a publisher's folder or a mirror: skipped with a note
# rather than rejected as unknown formats.
NON_LIST_SUFFIXES = frozenset(
    {".pdf", ".md", ".html", ".htm", ".png", ".jpg", ".jpeg", ".gif", ".sha256", ".sig", ".asc"}
)
NON_LIST_STEMS = frozenset(
    {"provenance", "readme", "license", "licence", "notice", "checksums", "sha256sums"}
)

Progress = Callable[[str, int, int], None]  # (what, done, total)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class LoadReport:
    """What one load did for one source."""

    source: str
    snapshot: Snapshot
    new_snapshot: bool  # False: the same content was already stored (same snapshot id)
    became_current: bool  # False: it already was the current snapshot
    previous: str | None  # the snapshot that was current before this load
    counts: dict[str, int]  # entities per sublist ("" when the source has none)
    schemas: dict[str, int]  # entities per schema (Person, Company...)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.snapshot.warnings

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "snapshot": self.snapshot.to_dict(),
            "new_snapshot": self.new_snapshot,
            "became_current": self.became_current,
            "previous": self.previous,
            "counts": self.counts,
            "schemas": self.schemas,
        }


@dataclass(frozen=True)
class SourceStatus:
    """Freshness of one source. `state` is fresh, stale or missing; screening treats anything
    but fresh as a reason to fail closed."""

    source: str
    snapshot: Snapshot | None
    age_days: float | None
    max_age_days: int
    state: str
    basis: str | None = None  # which date the age counts from: "published", "retrieved"
    origin: str | None = None  # how the snapshot arrived: "file", "mirror", "download"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "state": self.state,
            "age_days": self.age_days,
            "max_age_days": self.max_age_days,
            "basis": self.basis,
            "origin": self.origin,
            "snapshot": self.snapshot.to_dict() if self.snapshot else None,
        }


@dataclass(frozen=True)
class EntityChange:
    old: ListedEntity
    new: ListedEntity
    fields: list[str]  # top-level fields of ListedEntity.to_dict() that differ


@dataclass(frozen=True)
class SnapshotDiff:
    source: str
    old: Snapshot
    new: Snapshot
    added: list[ListedEntity]
    removed: list[ListedEntity]
    changed: list[EntityChange]
    ignored: tuple[str, ...] = ()  # fields whose changes were not counted

    def summary(self) -> dict[str, Any]:
        fields: Counter[str] = Counter(f for c in self.changed for f in c.fields)
        return {
            "source": self.source,
            "old": self.old.id,
            "new": self.new.id,
            "old_count": self.old.entity_count,
            "new_count": self.new.entity_count,
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.new.entity_count - len(self.added) - len(self.changed),
            "changed_fields": dict(fields.most_common()),
            "ignored_fields": list(self.ignored),
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.summary()
        d["old_snapshot"] = self.old.to_dict()
        d["new_snapshot"] = self.new.to_dict()
        d["added_entities"] = [e.to_dict() for e in self.added]
        d["removed_entities"] = [e.to_dict() for e in self.removed]
        d["changed_entities"] = [
            {"id": c.new.id, "fields": c.fields, "old": c.old.to_dict(), "new": c.new.to_dict()}
            for c in self.changed
        ]
        return d


# ---------------------------------------------------------------------------------------------
# Planning: which files form which list


@dataclass
class LoadPlan:
    """Groups of files to parse together, and the files skipped as known non-list files."""

    groups: list[Group]
    skipped: list[Path] = field(default_factory=list)


def is_non_list_file(path: Path) -> bool:
    """Documentation, PDFs and checksums that live beside list files."""
    name = path.name.lower()
    stem = name.split(".", 1)[0]
    return path.suffix.lower() in NON_LIST_SUFFIXES or stem in NON_LIST_STEMS


def plan_load(paths: Sequence[Path | str], format: str | None = None) -> LoadPlan:
    """Find the lists among `paths` (files or folders). Files no format claims are an error
    naming them, unless they are known non-list files (then skipped)."""
    if format is None:
        groups, unclaimed = detect([Path(p) for p in paths])
    else:
        groups, unclaimed = _detect_forced([Path(p) for p in paths], format)
    skipped = [p for p in unclaimed if is_non_list_file(p)]
    unknown = [p for p in unclaimed if p not in skipped]
    if unknown:
        first = unknown[0]
        more = f" (and {len(unknown) - 1} more: {', '.join(str(p) for p in unknown[1:4])})"
        try:
            empty = first.stat().st_size == 0
        except OSError:
            empty = False
        what = "empty file" if empty else "no known list format recognises this file"
        raise FormatError(
            f"{what}{more if len(unknown) > 1 else ''}; use --format to name its format",
            file=first,
        )
    if not groups:
        names = ", ".join(str(p) for p in skipped[:4])
        raise InputError(f"no list files to load (skipped non-list files: {names})")
    return LoadPlan(groups, skipped)


def _detect_forced(paths: list[Path], format: str) -> tuple[list[Group], list[Path]]:
    """Groups for `--format`: files the format recognises become primaries with their
    companions (so OFAC's add.csv is never parsed as a primary file); every other file except
    known non-list files (returned apart) is parsed in that format as its own list."""
    mod = get_format(format)
    files = expand(paths)
    if not files:
        raise InputError("no files to load", file=", ".join(str(p) for p in paths) or None)
    groups: list[Group] = []
    claimed: set[Path] = set()
    for path in files:
        if path not in claimed and mod.sniff(path, read_head(path)):
            members = [path, *[c for c in mod.companions(path) if c != path]]
            groups.append(Group(mod, members))
            claimed.update(members)
    non_lists: list[Path] = []
    for path in files:
        if path in claimed:
            continue
        if is_non_list_file(path):
            non_lists.append(path)
        else:
            members = [path, *[c for c in mod.companions(path) if c not in claimed and c != path]]
            groups.append(Group(mod, members))
            claimed.update(members)
    return groups, non_lists


# ---------------------------------------------------------------------------------------------
# Small helpers


def _write_durable(path: Path, data: bytes) -> str:
    """Write a file and fsync it; returns its sha256."""
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def snapshot_id(source: str, entities: Iterable[ListedEntity]) -> str:
    """Content address of a snapshot: SHA-256 over the source and its sorted entity hashes."""
    h = hashlib.sha256(f"sekisho-snapshot-v1\n{source}\n".encode())
    for content_hash in sorted(e.content_hash for e in entities):
        h.update(content_hash.encode() + b"\n")
    return h.hexdigest()


def parse_when(value: str | None) -> datetime | None:
    """ISO 8601 date or datetime (possibly partial, "Z" suffix) → aware UTC datetime."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 4 and text.isdigit():
        text += "-01-01"
    elif len(text) == 7 and text[4] == "-":
        text += "-01"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _latest_listing(entities: Iterable[ListedEntity], retrieved_at: str) -> str | None:
    """Newest plausible listing date in a list (dates after the load are typos, ignored)."""
    limit = (parse_when(retrieved_at) or datetime.now(UTC)).date().isoformat()
    dates = [e.listed_on for e in entities if e.listed_on and e.listed_on[:10] <= limit]
    return max(dates) if dates else None


def _serialise(entity: ListedEntity) -> str:
    """JSON line of an entity; computes its content hash from the same dict (to_dict is the
    costly part of a load, so it runs once per entity instead of twice)."""
    d = entity.to_dict()
    if "_content_hash" not in entity.__dict__:
        # exactly ListedEntity.content_hash (tests check they agree); primes its cache
        digest = hashlib.sha256(canonical_json(d)).hexdigest()
        object.__setattr__(entity, "_content_hash", digest)
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _reassign(entity: ListedEntity, source: str) -> ListedEntity:
    """The entity moved to `source`: id prefix and source field rewritten."""
    key = entity.id.split(":", 1)[1] if ":" in entity.id else entity.id
    return replace(entity, id=f"{source}:{key}", source=source)


# Entities of immutable snapshots, shared by every Store of the process (LRU; the API serves
# requests from threads, hence the lock).
_MEMORY: OrderedDict[tuple[str, str], list[ListedEntity]] = OrderedDict()
_BY_ID: dict[tuple[str, str], dict[str, ListedEntity]] = {}
_MEMORY_LOCK = threading.Lock()


def clear_memory_cache() -> None:
    """Forget cached entities (benchmarks measure cold reads with this)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
        _BY_ID.clear()


def _recall(key: tuple[str, str]) -> list[ListedEntity] | None:
    with _MEMORY_LOCK:
        cached = _MEMORY.get(key)
        if cached is not None:
            _MEMORY.move_to_end(key)
        return cached


# ---------------------------------------------------------------------------------------------
# A parsed, validated list waiting to be committed


@dataclass
class _Prepared:
    source: str
    result: ParseResult
    entities: list[ListedEntity]
    snapshot: Snapshot
    order: int
    lines: list[str]  # JSON of each entity, as written to entities.jsonl.gz
    latest_listing: str | None  # newest listed_on date in the data (a floor for its age)


class Store:
    """Snapshots of every list, their history, and which one of each source is current."""

    def __init__(
        self,
        root: Path,
        *,
        lock_timeout: float = LOCK_TIMEOUT_S,
        max_age_days: dict[str, int] | None = None,
    ) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.max_age_overrides = dict(max_age_days or {})
        self._refs_cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    @classmethod
    def open(cls, settings: Settings | None = None) -> Store:
        """The store in `settings.home`; `[max_age_days]` in config.toml overrides the
        catalogue's maximum age per source (a compliance team's own tolerance)."""
        settings = settings or Settings.load()
        overrides = settings.extra.get("max_age_days") or {}
        if not isinstance(overrides, dict) or not all(
            isinstance(v, int) and v > 0 for v in overrides.values()
        ):
            raise InputError(
                "max_age_days must be a table of source id = positive whole number of days",
                file=settings.home / "config.toml",
                field="max_age_days",
            )
        return cls(settings.store_dir, max_age_days=overrides)

    # -- paths ---------------------------------------------------------------------------------

    @property
    def refs_path(self) -> Path:
        return self.root / "refs.json"

    def _snapshot_dir(self, snapshot_id: str) -> Path:
        if not _HEX64.fullmatch(snapshot_id):  # ids come from users and URLs: no path tricks
            raise NotFoundError(f"{snapshot_id[:80]!r} is not a snapshot id (64 hex characters)")
        return self.root / "snapshots" / snapshot_id

    # -- refs (the only mutable state) ----------------------------------------------------------

    def _read_refs(self) -> dict[str, Any]:
        """The index, re-read only when the file changed: a commit replaces the file, which
        changes its inode, mtime or size (a load in this process also drops the cache)."""
        try:
            st = self.refs_path.stat()
        except FileNotFoundError:
            return {"version": REFS_VERSION, "sources": {}}
        except OSError as exc:
            raise StoreError(f"cannot read the store index {self.refs_path}: {exc}") from exc
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._refs_cache is not None and self._refs_cache[0] == key:
            return self._refs_cache[1]
        refs = self._parse_refs()
        self._refs_cache = (key, refs)
        return refs

    def _parse_refs(self) -> dict[str, Any]:
        try:
            raw = self.refs_path.read_bytes()
        except FileNotFoundError:
            return {"version": REFS_VERSION, "sources": {}}
        except OSError as exc:
            raise StoreError(f"cannot read the store index {self.refs_path}: {exc}") from exc
        try:
            refs = json.loads(raw)
            if not isinstance(refs, dict) or not isinstance(refs.get("sources"), dict):
                raise ValueError("no 'sources' object")
        except ValueError as exc:
            raise StoreError(
                f"store index {self.refs_path} is corrupt ({exc}); restore it from a backup "
                "or move the store folder away and load the lists again"
            ) from exc
        if refs.get("version") != REFS_VERSION:
            raise StoreError(
                f"store index {self.refs_path} has unsupported version {refs.get('version')!r}"
            )
        return refs

    def _write_refs(self, refs: dict[str, Any]) -> None:
        data = json.dumps(refs, ensure_ascii=False, indent=1, sort_keys=True).encode()
        atomic_write(self.refs_path, data)
        self._refs_cache = None  # re-read (and re-key) on next use

    # -- lock -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        fh = path.open("a+")
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise StoreError(f"cannot lock the store {path}: {exc}") from exc
                    if time.monotonic() > deadline:
                        fh.seek(0)
                        holder = fh.read().strip() or "another process"
                        raise StoreError(
                            f"the store {self.root} is locked by {holder} (a load in progress); "
                            "try again when it finishes"
                        ) from exc
                    time.sleep(0.05)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    # -- loading --------------------------------------------------------------------------------

    def load(
        self,
        paths: Sequence[Path | str],
        *,
        source: str | None = None,
        format: str | None = None,
        origin: str = "file",
        retrieved_at: str | None = None,
        urls: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> list[LoadReport]:
        """Parse and store the lists in `paths`; atomic per call.

        Every group is parsed and validated first; if any fails, nothing is written and the
        error names the file and line. Several files of one source (editions) become
        successive snapshots, oldest first (publisher date, else newest listing date, else
        the order given), so the newest ends up current.
        """
        plan = plan_load(paths, format)
        return self.load_plan(
            plan,
            source=source,
            origin=origin,
            retrieved_at=retrieved_at,
            urls=urls,
            progress=progress,
        )

    def load_plan(
        self,
        plan: LoadPlan,
        *,
        source: str | None = None,
        origin: str = "file",
        retrieved_at: str | None = None,
        urls: dict[str, str] | None = None,
        progress: Progress | None = None,
    ) -> list[LoadReport]:
        """Load a plan made by `plan_load` (the CLI makes the plan first to report skips).
        `origin` says how the files arrived: "file", "mirror" or "download"."""
        if origin not in ORIGINS:
            raise InputError(f"unknown origin {origin!r}; use one of {', '.join(ORIGINS)}")
        if source is not None:
            catalog.validate_source_id(source)
            formats = sorted({g.format.NAME for g in plan.groups})
            if len(formats) > 1:
                raise InputError(
                    f"--source {source} names one list, but the files are in {len(formats)} "
                    f"formats ({', '.join(formats)}); load them separately",
                    field="--source",
                )
        retrieved_at = retrieved_at or utc_now_iso()
        total = len(plan.groups)
        prepared: list[_Prepared] = []
        for i, group in enumerate(plan.groups):
            if progress:
                progress(f"parse {group.paths[0].name}", i, total)
            prepared.append(self._prepare(group, i, source, retrieved_at, urls or {}))
        if progress:
            progress("write", total, total)
        # Editions of one source: oldest first (publisher date, else newest listing date, else
        # the order given), so the newest becomes current.
        prepared.sort(
            key=lambda p: (p.source, p.result.published_at or p.latest_listing or "", p.order)
        )
        reports = self._commit(prepared, origin)
        if progress:
            progress("done", total, total)
        return reports

    def _prepare(
        self,
        group: Group,
        order: int,
        override: str | None,
        retrieved_at: str,
        urls: dict[str, str],
    ) -> _Prepared:
        """Parse one group and check it can be stored; raises before anything is written."""
        primary = group.paths[0]
        fmt = getattr(group.format, "NAME", "?")
        try:
            result = group.format.parse(list(group.paths))
        except SekishoError:
            raise
        except RecursionError as exc:
            raise FormatError(f"cannot parse as {fmt}: nesting too deep", file=primary) from exc
        except Exception as exc:  # a parser bug must not crash the CLI or half-load
            raise FormatError(
                f"cannot parse as {fmt}: {type(exc).__name__}: {exc}", file=primary
            ) from exc
        src = self._resolve_source(result, primary, override)
        warnings = list(result.warnings)
        entities: list[ListedEntity] = []
        seen: dict[str, ListedEntity] = {}
        duplicates = 0
        clashes: list[str] = []
        for entity in result.entities:
            if entity.source != src or not entity.id.startswith(f"{src}:"):
                entity = _reassign(entity, src)
            prior = seen.get(entity.id)
            if prior is not None:
                if prior.content_hash == entity.content_hash:
                    duplicates += 1
                    continue
                # The publisher's key is not unique: keep every record (screening must see
                # all of them) under an id made stable by the record's own content.
                entity = replace(entity, id=f"{entity.id}~{entity.content_hash[:10]}")
                clashes.append(entity.id)
                if entity.id in seen:
                    duplicates += 1
                    continue
            seen[entity.id] = entity
            entities.append(entity)
        if not entities:
            raise FormatError(f"no entries found (format {fmt})", file=primary)
        lines = [_serialise(e) for e in entities]
        if duplicates:
            warnings.append(f"{duplicates} exact duplicate record(s) dropped")
        if clashes:
            warnings.append(
                f"{len(clashes)} record(s) share the publisher's key with a different record; "
                f"stored with a content suffix, e.g. {clashes[0]}"
            )
        latest = _latest_listing(entities, retrieved_at)
        if result.published_at is None and not catalog.is_user_source(src):
            warnings.append(
                "the file carries no publisher date: unless downloaded from the publisher, its "
                + (
                    f"age counts from its latest listing date {latest}"
                    if latest
                    else "age counts from this load"
                )
            )
        files = []
        for path in group.paths:
            digest, size = _sha256_file(path)
            entry: dict[str, Any] = {"name": path.name, "sha256": digest, "bytes": size}
            if path.name in urls:
                entry["url"] = urls[path.name]
            files.append(entry)
        snap = Snapshot(
            id=snapshot_id(src, entities),
            source=src,
            format=result.format or fmt,
            retrieved_at=retrieved_at,
            entity_count=len(entities),
            published_at=result.published_at,
            files=tuple(files),
            warnings=tuple(warnings),
        )
        return _Prepared(src, result, entities, snap, order, lines, latest)

    @staticmethod
    def _resolve_source(result: ParseResult, primary: Path, override: str | None) -> str:
        if override:
            return override
        candidates = [result.source, catalog.source_hint(primary)]
        for cand in candidates:
            if not cand:
                continue
            try:
                return catalog.validate_source_id(cand)
            except InputError:
                continue
        raise FormatError(
            f"cannot tell which list this is (parser said {result.source!r}); name it with --source",
            file=primary,
        )

    def _commit(self, prepared: list[_Prepared], origin: str) -> list[LoadReport]:
        try:
            return self._commit_locked(prepared, origin)
        except OSError as exc:  # disk full, permissions...: the old index is still in place
            raise StoreError(
                f"cannot write to the store {self.root}: {exc}; the previous snapshots stay current"
            ) from exc

    def _commit_locked(self, prepared: list[_Prepared], origin: str) -> list[LoadReport]:
        reports: list[LoadReport] = []
        with self._locked():
            tmp_root = self.root / "tmp"
            if tmp_root.exists():  # leftovers of a crashed load; we hold the lock
                shutil.rmtree(tmp_root, ignore_errors=True)
            tmp_root.mkdir(parents=True, exist_ok=True)
            (self.root / "snapshots").mkdir(exist_ok=True)
            new_ids: set[str] = set()
            try:
                for p in prepared:
                    if self._write_snapshot(p, tmp_root):
                        new_ids.add(p.snapshot.id)
            finally:
                shutil.rmtree(tmp_root, ignore_errors=True)
            refs = json.loads(json.dumps(self._read_refs()))  # a private copy to modify
            for p in prepared:
                rec = refs["sources"].setdefault(p.source, {"history": []})
                entry = {
                    **p.snapshot.to_dict(),
                    "origin": origin,
                    "latest_listing": p.latest_listing,
                }
                previous = rec["current"]["id"] if rec.get("current") else None
                if previous == p.snapshot.id:
                    # Same content again: no new history entry, but it was checked just now.
                    rec["current"] = {
                        **rec["current"],
                        "retrieved_at": p.snapshot.retrieved_at,
                        "origin": origin,
                    }
                    became = False
                else:
                    rec["history"].append(entry)
                    rec["current"] = entry
                    became = True
                reports.append(
                    LoadReport(
                        source=p.source,
                        snapshot=p.snapshot,
                        new_snapshot=p.snapshot.id in new_ids,
                        became_current=became,
                        previous=previous,
                        counts=dict(Counter(e.sublist or "" for e in p.entities).most_common()),
                        schemas=dict(Counter(e.schema.value for e in p.entities).most_common()),
                    )
                )
            self._write_refs(refs)
        for p in prepared:  # warm the memory cache: the caller will likely read them next
            _remember(self.root, p.snapshot.id, p.entities)
        return reports

    def _write_snapshot(self, p: _Prepared, tmp_root: Path) -> bool:
        """Write a snapshot folder unless a valid one with this id exists. True if written."""
        final = self._snapshot_dir(p.snapshot.id)
        if final.is_dir():
            try:
                self._read_manifest(p.snapshot.id)
                return False
            except StoreError:
                shutil.rmtree(final)  # a damaged copy: write it again
        work = tmp_root / uuid.uuid4().hex
        work.mkdir()
        lines = p.lines
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
            gz.write("\n".join(lines).encode() + b"\n")
        entities_sha = _write_durable(work / ENTITIES_FILE, buf.getvalue())
        manifest = {
            "snapshot": p.snapshot.to_dict(),
            "store_files": {
                ENTITIES_FILE: {"sha256": entities_sha, "bytes": len(buf.getvalue())},
            },
        }
        _write_durable(work / MANIFEST_FILE, json.dumps(manifest, indent=1).encode())
        fsync_dir(work)
        try:
            os.rename(work, final)
        except OSError as exc:
            if final.is_dir():  # written meanwhile with the same content
                shutil.rmtree(work, ignore_errors=True)
                return False
            raise StoreError(f"cannot write snapshot {p.snapshot.id}: {exc}") from exc
        fsync_dir(final.parent)
        return True

    # -- reading --------------------------------------------------------------------------------

    def _read_manifest(self, snapshot_id: str) -> dict[str, Any]:
        path = self._snapshot_dir(snapshot_id) / MANIFEST_FILE
        try:
            manifest = json.loads(path.read_bytes())
            manifest["snapshot"]["id"]  # noqa: B018 - shape check
            return manifest
        except FileNotFoundError:
            raise NotFoundError(f"no snapshot {snapshot_id} in the store {self.root}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"snapshot {snapshot_id} has a damaged manifest: {exc}") from exc

    def _records(self) -> dict[str, Any]:
        return self._read_refs()["sources"]

    def current(self, source: str) -> Snapshot | None:
        """The current snapshot of `source` (retrieved_at = when it was last loaded or checked)."""
        rec = self._records().get(source)
        if not rec or not rec.get("current"):
            return None
        return Snapshot.from_dict(rec["current"])

    def current_snapshots(self) -> dict[str, Snapshot]:
        return {
            src: Snapshot.from_dict(rec["current"])
            for src, rec in sorted(self._records().items())
            if rec.get("current")
        }

    def history(self, source: str) -> list[Snapshot]:
        """Snapshots that became current, oldest first."""
        rec = self._records().get(source)
        return [Snapshot.from_dict(h) for h in rec["history"]] if rec else []

    def _origin(self, source: str) -> str | None:
        rec = self._records().get(source)
        return rec["current"].get("origin") if rec and rec.get("current") else None

    def snapshot(self, ref: str, source: str | None = None) -> Snapshot:
        """Metadata of a snapshot by id or unique id prefix (at least 6 characters)."""
        sid = self.resolve(ref, source)
        return Snapshot.from_dict(self._read_manifest(sid)["snapshot"])

    def resolve(self, ref: str, source: str | None = None) -> str:
        """Full snapshot id from an id or a unique prefix, optionally within one source."""
        ref = ref.strip().lower()
        if len(ref) < 6 or not all(c in "0123456789abcdef" for c in ref):
            raise InputError(f"{ref!r} is not a snapshot id (give at least 6 hex characters)")
        folder = self.root / "snapshots"
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        hits = [n for n in names if n.startswith(ref)]
        if source is not None:
            hits = [h for h in hits if self._read_manifest(h)["snapshot"]["source"] == source]
        if not hits:
            where = f" of source {source}" if source else ""
            raise NotFoundError(f"no snapshot{where} with id {ref}")
        if len(hits) > 1:
            raise InputError(f"snapshot id prefix {ref} is ambiguous ({len(hits)} snapshots)")
        return hits[0]

    def entities(self, snapshot_id: str) -> list[ListedEntity]:
        """Every entity of a snapshot (cached in memory; do not mutate the list)."""
        key = (str(self.root), snapshot_id)
        cached = _recall(key)
        if cached is not None:
            return cached
        manifest = self._read_manifest(snapshot_id)
        folder = self._snapshot_dir(snapshot_id)
        dicts = self._read_jsonl(folder, manifest)
        try:
            entities = [ListedEntity.from_dict(d) for d in dicts]
        except (KeyError, ValueError, TypeError) as exc:
            raise StoreError(f"snapshot {snapshot_id} holds an unreadable record: {exc}") from exc
        if len(entities) != manifest["snapshot"]["entity_count"]:
            raise StoreError(
                f"snapshot {snapshot_id} holds {len(entities)} records, its manifest says "
                f"{manifest['snapshot']['entity_count']}"
            )
        _remember(self.root, snapshot_id, entities)
        return entities

    @staticmethod
    def _read_jsonl(folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
        sid = manifest["snapshot"]["id"]
        path = folder / ENTITIES_FILE
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise StoreError(f"snapshot {sid}: cannot read {path}: {exc}") from exc
        meta = manifest.get("store_files", {}).get(ENTITIES_FILE, {})
        if hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
            raise StoreError(f"snapshot {sid}: {path} does not match its checksum (damaged)")
        try:
            text = gzip.decompress(raw)
            return [json.loads(line) for line in text.splitlines() if line]
        except (OSError, EOFError, ValueError) as exc:
            raise StoreError(f"snapshot {sid}: {path} is unreadable: {exc}") from exc

    def current_entities(self, sources: Iterable[str] | None = None) -> Iterator[ListedEntity]:
        """Entities of the current snapshots (all sources, or the ones named), by source."""
        current = self.current_snapshots()
        wanted = sorted(current) if sources is None else list(sources)
        for src in wanted:
            snap = current.get(src)
            if snap is not None:
                yield from self.entities(snap.id)

    def entity(self, entity_id: str) -> ListedEntity:
        """One entity of a current snapshot by id (`source:key`)."""
        src = entity_id.split(":", 1)[0]
        rec = self._records().get(src)
        if not rec or not rec.get("current"):
            raise NotFoundError(f"no entity {entity_id!r}: source {src!r} is not loaded")
        sid = rec["current"]["id"]
        key = (str(self.root), sid)
        index = _BY_ID.get(key)
        if index is None:
            index = {e.id: e for e in self.entities(sid)}
            with _MEMORY_LOCK:
                _BY_ID[key] = index
        try:
            return index[entity_id]
        except KeyError:
            raise NotFoundError(
                f"no entity {entity_id!r} in the current {src} snapshot {sid[:12]}"
            ) from None

    # -- integrity ------------------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Check every snapshot the index refers to: its file checksum, its record count, and
        that its id is the content address of its records. Returns the problems found."""
        problems: list[str] = []
        referenced: dict[str, str] = {}
        for src, rec in self._records().items():
            for entry in [*rec.get("history", []), rec.get("current") or {}]:
                if entry.get("id"):
                    referenced[entry["id"]] = src
        for sid, src in sorted(referenced.items()):
            try:
                manifest = self._read_manifest(sid)
                entities = [
                    ListedEntity.from_dict(d)
                    for d in self._read_jsonl(self._snapshot_dir(sid), manifest)
                ]
            except (StoreError, NotFoundError, KeyError, ValueError, TypeError) as exc:
                problems.append(f"{src} snapshot {sid[:12]}: {exc}")
                continue
            if len(entities) != manifest["snapshot"]["entity_count"]:
                problems.append(f"{src} snapshot {sid[:12]}: record count differs from manifest")
            if snapshot_id(src, entities) != sid:
                problems.append(f"{src} snapshot {sid[:12]}: records do not hash to its id")
        return problems

    # -- freshness ------------------------------------------------------------------------------

    def status(self, now: datetime | None = None) -> list[SourceStatus]:
        """Freshness of every catalogue source and every loaded source.

        Age counts from the retrieval time for downloads from the publisher (the file was the
        publisher's current list then), else from the publisher's date when the file gives one
        (a two-year-old file loaded today is two years old).
        """
        now = now or datetime.now(UTC)
        records = self._records()
        known = [s.id for s in catalog.SOURCES]
        ids = known + sorted(set(records) - set(known))
        out: list[SourceStatus] = []
        for src in ids:
            max_age = self.max_age_overrides.get(src) or catalog.max_age_days(src)
            rec = records.get(src)
            if not rec or not rec.get("current"):
                out.append(SourceStatus(src, None, None, max_age, "missing"))
                continue
            snap = Snapshot.from_dict(rec["current"])
            origin = rec["current"].get("origin")
            retrieved = parse_when(snap.retrieved_at)
            published = parse_when(snap.published_at)
            basis, since = "retrieved", retrieved
            if origin != "download":
                # A file of unknown provenance is at least as old as the publisher says, or,
                # without a publisher date, as old as its newest listing.
                floor = published or parse_when(rec["current"].get("latest_listing"))
                if floor and (not retrieved or floor < retrieved):
                    basis, since = "published" if published else "latest listing", floor
            if since is None:  # unreadable dates: unknown age is not fresh
                out.append(SourceStatus(src, snap, None, max_age, "stale", None, origin))
                continue
            age = max(0.0, (now - since).total_seconds() / 86400)
            state = "fresh" if age <= max_age else "stale"
            out.append(SourceStatus(src, snap, round(age, 2), max_age, state, basis, origin))
        return out

    # -- diff -----------------------------------------------------------------------------------

    def diff(
        self,
        source: str,
        old: str | None = None,
        new: str | None = None,
        *,
        ignore: Iterable[str] = (),
    ) -> SnapshotDiff:
        """Added, removed and changed entities between two snapshots of one source.

        Defaults: `new` is the current snapshot, `old` the one that was current before it.
        `ignore`: fields whose changes do not count (see `diff_entities`).
        """
        if new is None:
            cur = self.current(source)
            if cur is None:
                raise NotFoundError(f"source {source!r} has no snapshot in the store")
            new_id = cur.id
        else:
            new_id = self.resolve(new, source)
        if old is None:
            earlier = [h.id for h in self.history(source) if h.id != new_id]
            if not earlier:
                raise NotFoundError(
                    f"source {source!r} has only one snapshot; nothing to compare it with"
                )
            # the last distinct snapshot that was current before `new`
            hist = [h.id for h in self.history(source)]
            pos = max((i for i, h in enumerate(hist) if h == new_id), default=len(hist))
            before = [h for h in hist[:pos] if h != new_id]
            old_id = before[-1] if before else earlier[-1]
        else:
            old_id = self.resolve(old, source)
        old_snap = self.snapshot(old_id)
        new_snap = self.snapshot(new_id)
        return diff_entities(
            source, old_snap, new_snap, self.entities(old_id), self.entities(new_id), ignore
        )


def diff_entities(
    source: str,
    old_snap: Snapshot,
    new_snap: Snapshot,
    old_entities: Iterable[ListedEntity],
    new_entities: Iterable[ListedEntity],
    ignore: Iterable[str] = (),
) -> SnapshotDiff:
    """Compare two entity sets by id; `changed` names the top-level fields that differ.

    `ignore` names fields whose changes do not count: top-level fields (`remarks`) or
    property keys (`properties.source_list_url`), e.g. links a publisher rewrites everywhere.
    """
    ignored = tuple(sorted(set(ignore)))
    before = {e.id: e for e in old_entities}
    after = {e.id: e for e in new_entities}
    added = [e for i, e in after.items() if i not in before]
    removed = [e for i, e in before.items() if i not in after]
    changed: list[EntityChange] = []
    for i, e in after.items():
        o = before.get(i)
        if o is None or o.content_hash == e.content_hash:
            continue
        od, nd = _without(o.to_dict(), ignored), _without(e.to_dict(), ignored)
        fields = [k for k in dict.fromkeys([*od, *nd]) if od.get(k) != nd.get(k)]
        if fields:
            changed.append(EntityChange(o, e, fields))
    return SnapshotDiff(source, old_snap, new_snap, added, removed, changed, ignored)


def _without(d: dict[str, Any], ignored: tuple[str, ...]) -> dict[str, Any]:
    if not ignored:
        return d
    props = dict(d.get("properties", {}))
    for name in ignored:
        if name.startswith("properties."):
            props.pop(name.removeprefix("properties."), None)
        else:
            d.pop(name, None)
    if "properties" in d:
        if props:
            d["properties"] = props
        else:
            del d["properties"]
    return d


def _remember(root: Path, snapshot_id: str, entities: list[ListedEntity]) -> None:
    key = (str(root), snapshot_id)
    with _MEMORY_LOCK:
        _MEMORY[key] = entities
        _MEMORY.move_to_end(key)
        while len(_MEMORY) > _MEMORY_CACHE_SIZE:
            old, _ = _MEMORY.popitem(last=False)
            _BY_ID.pop(old, None)
