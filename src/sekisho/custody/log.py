"""Append-only custody log stored in the C2SP tlog-tiles layout, with durable batches.

Why this shape: the directory *is* the published log (checkpoint, tile/<L>/<N>[.p/<W>],
tile/entries/<N>[.p/<W>]), so it can be served by any static web server and verified by any
tlog-tiles client. Durability protocol for one batch:

1. every new or grown tile and entry bundle is written to a temp file, fsynced, renamed into
   place, and its directory fsynced (tiles are content-determined, so rewriting is harmless);
2. the new checkpoint is signed and atomically renamed over `checkpoint` (the commit point);
3. the checkpoint is appended to `.state/checkpoints` (history for audits).

Only then is the batch acknowledged. A crash before (2) leaves the old checkpoint in force and
some unreferenced tiles, which `open` deletes; a crash after (2) is completed by `open`.
Private state lives in `.state/` (signer key, lock, checkpoint history), outside the tlog-tiles
namespace.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sekisho.custody import merkle, note, tiles
from sekisho.custody.merkle import EMPTY_ROOT, leaf_hash, perfect_root
from sekisho.custody.tiles import TILE_WIDTH, TileCache, TileReader, tile_path, tile_width
from sekisho.durable import atomic_write, fsync_dir, write_all
from sekisho.errors import InputError, StoreError

STATE_DIR = ".state"
SKEY_FILE = "skey"
HISTORY_FILE = "checkpoints"
LOCK_FILE = "lock"
VKEY_FILE = "log.vkey"  # published beside the checkpoint for convenience; trust it out of band


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux syncfs(2): one barrier for every dirty file of the filesystem."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


_SYNCFS = _load_syncfs() if sys.platform.startswith("linux") else None
_HAVE_SYNCFS = _SYNCFS is not None


def _barrier(root: Path) -> None:
    """Everything written so far under `root` is on stable storage when this returns."""
    if _SYNCFS is None:
        return  # files were fsynced one by one
    fd = os.open(root, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs failed: {os.strerror(err)}")
    finally:
        os.close(fd)


def _mkdirs(path: Path, created: set[Path]) -> None:
    """mkdir -p that records every directory whose parent must be fsynced."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(exist_ok=True)
        created.add(d.parent)


@dataclass
class _Frontier:
    """The writer's in-memory right edge: partial tiles per level and the partial bundle."""

    size: int
    partial: list[list[bytes]]  # partial[l] = hashes of the rightmost tile at level l
    bundle: list[bytes]  # entries of the rightmost (partial) entry bundle

    def copy(self) -> _Frontier:
        return _Frontier(self.size, [list(p) for p in self.partial], list(self.bundle))


class TileLog:
    """A single-writer tlog-tiles log. Use `create` for a new log, `open` for an existing one."""

    def __init__(self, root: Path, signer: note.Signer, origin: str, *, dedup: bool = True) -> None:
        self.root = Path(root)
        self.signer = signer
        self.origin = origin
        # In-memory leaf-hash index for duplicate detection (~100 bytes per entry). Turn it off
        # only for bulk loads whose entries are known to be unique (the 10M-entry benchmark).
        self.dedup = dedup
        self._lock_fd: int | None = None
        self._front = _Frontier(0, [[]], [])
        self._index: dict[bytes, int] = {}
        self._checkpoint = b""
        self._broken = False  # set when a batch failed half-way: reopen to recover
        self.readonly = False
        self._tile_cache = TileCache(1024)

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def create(
        cls, root: Path, signer: note.Signer, origin: str | None = None, *, dedup: bool = True
    ) -> TileLog:
        """Make a new, empty log in `root` (which must not already hold one)."""
        root = Path(root)
        if (root / "checkpoint").exists() or (root / STATE_DIR).exists():
            raise InputError("a log already exists here", file=root)
        origin = origin or signer.name
        if signer.alg != note.ALG_ED25519:
            raise InputError("the log key must be an Ed25519 (type 0x01) signer key")
        state = root / STATE_DIR
        state.mkdir(parents=True)
        fd = os.open(state / SKEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(signer.skey + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        atomic_write(root / VKEY_FILE, (signer.verifier.vkey + "\n").encode())
        log = cls(root, signer, origin, dedup=dedup)
        log._lock()
        cp = note.sign_checkpoint(note.Checkpoint(origin, 0, EMPTY_ROOT), signer)
        atomic_write(root / "checkpoint", cp)
        log._checkpoint = cp
        log._append_history(cp)
        fsync_dir(root)
        return log

    @classmethod
    def open(cls, root: Path, *, dedup: bool = True, readonly: bool = False) -> TileLog:
        """Open an existing log, recovering from any interrupted batch.

        `readonly=True` takes no lock, repairs nothing and builds no duplicate index: it reads
        the committed checkpoint and its (immutable) tiles, so readers such as the API or
        `proof` can run while a writer appends.
        """
        root = Path(root)
        skey = root / STATE_DIR / SKEY_FILE
        if not skey.exists():
            raise StoreError(f"{root}: no custody log here (missing {STATE_DIR}/{SKEY_FILE})")
        try:
            signer = note.parse_skey(skey.read_text().strip())
            raw = (root / "checkpoint").read_bytes()
        except (OSError, note.NoteError) as exc:
            raise StoreError(f"{root}: cannot open the log ({exc})") from exc
        try:
            text = note.open_note(raw, [signer.verifier]).text
        except note.NoteError as exc:
            raise StoreError(f"{root}/checkpoint: {exc}") from exc
        cp = note.Checkpoint.parse(text)
        log = cls(root, signer, cp.origin, dedup=dedup and not readonly)
        log.readonly = readonly
        if not readonly:
            log._lock()
        log._recover(cp, raw)
        return log

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> TileLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _lock(self) -> None:
        fd = os.open(self.root / STATE_DIR / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise StoreError(f"{self.root}: another process is writing this log") from exc
        self._lock_fd = fd

    def _recover(self, cp: note.Checkpoint, raw: bytes) -> None:
        size = cp.size
        reader = TileReader(self.root, size)
        partial: list[list[bytes]] = []
        level = 0
        while TILE_WIDTH**level <= size or level == 0:
            w = tile_width(level, size // TILE_WIDTH ** (level + 1), size)
            partial.append(reader.read_tile(level, size // TILE_WIDTH ** (level + 1)) if w else [])
            level += 1
        w0 = tile_width(0, size // TILE_WIDTH, size)
        bundle = reader.read_bundle(size // TILE_WIDTH) if w0 else []
        self._front = _Frontier(size, partial, bundle)
        if self._root_of(self._front) != cp.root:
            raise StoreError(f"{self.root}: tiles do not match the checkpoint root; log corrupt")
        self._checkpoint = raw
        if self.readonly:
            return
        self._remove_orphans(size)
        history = self._read_history(repair=True)
        if not history or history[-1] != raw:
            self._append_history(raw)
        if self.dedup:
            for b in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
                for i, h in enumerate(reader.read_tile(0, b)):
                    self._index.setdefault(h, b * TILE_WIDTH + i)

    def _remove_orphans(self, size: int) -> None:
        """Delete tiles and temp files left by a batch that never reached its checkpoint."""
        tile_dir = self.root / "tile"
        if not tile_dir.exists():
            return
        for path in list(tile_dir.rglob("*")):
            if path.is_dir():
                continue
            if path.name.startswith("."):
                path.unlink()
                continue
            rel = path.relative_to(tile_dir).parts
            try:
                level = 0 if rel[0] == "entries" else int(rel[0])
                if len(rel) > 2 and rel[-2].endswith(".p"):
                    groups = [*rel[1:-2], rel[-2].removesuffix(".p")]
                    index, width = tiles.decode_index(groups), int(rel[-1])
                else:
                    index, width = tiles.decode_index(list(rel[1:])), TILE_WIDTH
            except (ValueError, IndexError):
                continue  # not ours; leave it
            span = TILE_WIDTH**level
            if index * TILE_WIDTH * span + width * span > size:
                path.unlink()

    # ---------------------------------------------------------------- reading

    @property
    def size(self) -> int:
        return self._front.size

    @property
    def root_hash(self) -> bytes:
        return self._root_of(self._front)

    @property
    def checkpoint(self) -> bytes:
        """The current signed checkpoint, verbatim."""
        return self._checkpoint

    @property
    def verifier(self) -> note.Verifier:
        return self.signer.verifier

    def index_of(self, entry: bytes) -> int | None:
        """Index of an identical entry already logged (None if new, or dedup is off)."""
        return self._index.get(leaf_hash(entry))

    def reader(self, size: int | None = None) -> TileReader:
        """A reader at `size` sharing this log's tile cache (tiles never change once written)."""
        return TileReader(self.root, self.size if size is None else size, self._tile_cache)

    def entry(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise InputError(f"entry {index} does not exist (log size {self.size})")
        return self.reader().read_bundle(index // TILE_WIDTH)[index % TILE_WIDTH]

    def entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        return self.reader().entries(start)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        return merkle.inclusion_proof(self.reader(size).node, index, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        size2 = self.size if size2 is None else size2
        return merkle.consistency_proof(self.reader(size2).node, size1, size2)

    def receipt(self, index: int) -> bytes:
        """A portable C2SP tlog-proof for entry `index` against the current checkpoint; the
        entry itself rides in the `extra` line so the receipt verifies with the key alone."""
        from sekisho.custody.verify import Receipt

        entry = self.entry(index)
        proof = tuple(self.inclusion_proof(index))
        return Receipt(index, proof, self.checkpoint, entry).to_text()

    def history(self) -> list[bytes]:
        """Every checkpoint this log published, oldest first."""
        return self._read_history(repair=False, tolerant=self.readonly)

    # ---------------------------------------------------------------- writing

    def append(self, entry: bytes) -> int:
        return self.append_batch([entry])[0]

    def append_batch(self, entries: Iterable[bytes]) -> list[int]:
        """Sequence a batch durably; returns each entry's index (existing index if a duplicate).

        Returns only after the batch's checkpoint is on disk.
        """
        if self.readonly:
            raise StoreError(f"{self.root}: opened read-only")
        entries = list(entries)
        for i, e in enumerate(entries):
            if not isinstance(e, bytes | bytearray) or not e:
                raise InputError(f"entry {i} of the batch is empty or not bytes")
            if len(e) > tiles.MAX_ENTRY:
                raise InputError(f"entry {i} is {len(e)} bytes; the limit is {tiles.MAX_ENTRY}")
        front = self._front.copy()
        files: dict[str, bytes] = {}
        result: list[int] = []
        new_index: dict[bytes, int] = {}
        dedup = self.dedup
        for e in entries:
            h = leaf_hash(bytes(e))
            if dedup:
                existing = self._index.get(h, new_index.get(h))
                if existing is not None:
                    result.append(existing)
                    continue
                new_index[h] = front.size
            idx = front.size
            result.append(idx)
            self._push(front, bytes(e), h, files)
        if front.size == self._front.size:
            return result
        self._add_partials(front, files)
        self._commit(front, files)
        self._index.update(new_index)
        return result

    def _push(self, front: _Frontier, entry: bytes, h: bytes, files: dict[str, bytes]) -> None:
        front.bundle.append(entry)
        front.size += 1
        level, value = 0, h
        while True:
            if len(front.partial) <= level:
                front.partial.append([])
            row = front.partial[level]
            row.append(value)
            if len(row) < TILE_WIDTH:
                break
            n = (front.size // TILE_WIDTH ** (level + 1)) - 1
            files[tile_path(level, n)] = b"".join(row)
            if level == 0:
                files[tile_path("entries", n)] = tiles.encode_bundle(front.bundle)
                front.bundle = []
            value = perfect_root(row)
            front.partial[level] = []
            level += 1

    @staticmethod
    def _add_partials(front: _Frontier, files: dict[str, bytes]) -> None:
        for level, row in enumerate(front.partial):
            if row:
                n = front.size // TILE_WIDTH ** (level + 1)
                files[tile_path(level, n, len(row))] = b"".join(row)
        if front.bundle:
            n = front.size // TILE_WIDTH
            files[tile_path("entries", n, len(front.bundle))] = tiles.encode_bundle(front.bundle)

    @staticmethod
    def _root_of(front: _Frontier) -> bytes:
        """Root from the frontier: each partial row is a run of complete subtrees."""
        if front.size == 0:
            return EMPTY_ROOT
        pieces: list[bytes] = []  # complete-subtree roots, largest (leftmost) first
        for level in range(len(front.partial) - 1, -1, -1):
            row = front.partial[level]
            levels = tiles.tile_levels(row) if row else []
            # Binary decomposition of len(row) inside the tile, largest first.
            offset = 0
            for h in range(tiles.TILE_HEIGHT, -1, -1):
                if len(row) - offset >= 1 << h:
                    pieces.append(levels[h][offset >> h])
                    offset += 1 << h
        acc = pieces[-1]
        for p in reversed(pieces[:-1]):
            acc = merkle.node_hash(p, acc)
        return acc

    def _commit(self, front: _Frontier, files: dict[str, bytes]) -> None:
        """Make the batch's tiles durable, then publish its checkpoint (the commit point).

        Tile paths are content-determined and never rewritten: a path that already exists
        belongs to a committed checkpoint (recovery deletes the rest) and is skipped. All temp
        files are written, made durable with one filesystem barrier, renamed, and the renames
        made durable with a second barrier - two barriers per batch instead of one fsync per
        file, which is what makes large batches fast.
        """
        if self._broken:
            raise StoreError(f"{self.root}: an earlier batch failed; reopen the log to recover")
        dirs: set[Path] = set()
        temps: list[tuple[Path, Path, int]] = []
        try:
            for rel, data in files.items():
                path = self.root / rel
                if path.exists():
                    continue
                _mkdirs(path.parent, dirs)
                tmp = path.parent / f".{path.name}.tmp"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                try:
                    write_all(fd, data)
                    if not _HAVE_SYNCFS:
                        os.fsync(fd)
                finally:
                    os.close(fd)
                temps.append((tmp, path, len(data)))
                dirs.add(path.parent)
            _barrier(self.root)  # temp contents durable
            for tmp, path, _ in temps:
                os.replace(tmp, path)
            if _HAVE_SYNCFS:
                _barrier(self.root)  # renames (and new directories) durable
            else:
                for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
                    fsync_dir(d)
            cp = note.sign_checkpoint(
                note.Checkpoint(self.origin, front.size, self._root_of(front)), self.signer
            )
            atomic_write(self.root / "checkpoint", cp)  # commit point
        except OSError as exc:
            self._broken = True
            raise StoreError(
                f"{self.root}: could not write the batch ({exc}); not appended"
            ) from exc
        self._front = front
        self._checkpoint = cp
        self._append_history(cp)

    # ---------------------------------------------------------------- history

    def _append_history(self, cp: bytes) -> None:
        path = self.root / STATE_DIR / HISTORY_FILE
        with open(path, "ab") as fh:
            fh.write(b"%d\n" % len(cp) + cp)
            fh.flush()
            os.fsync(fh.fileno())

    def _read_history(self, *, repair: bool, tolerant: bool = False) -> list[bytes]:
        path = self.root / STATE_DIR / HISTORY_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return []
        out, pos, good = [], 0, 0
        while pos < len(data):
            nl = data.find(b"\n", pos)
            if nl < 0 or not data[pos:nl].isdigit():
                break
            n, start = int(data[pos:nl]), nl + 1
            if start + n > len(data):
                break
            record = data[start : start + n]
            try:
                note.open_note(record, [self.signer.verifier])
            except note.NoteError:
                break
            out.append(record)
            pos = good = start + n
        if good < len(data):
            if tolerant:
                return out  # a writer may be appending the next record right now
            if not repair:
                raise StoreError(f"{path}: corrupt after byte {good}")
            with open(path, "r+b") as fh:  # torn tail from a crash: drop it
                fh.truncate(good)
                fh.flush()
                os.fsync(fh.fileno())
        return out
