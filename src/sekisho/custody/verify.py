"""Offline verification: portable receipts (C2SP tlog-proof) and whole-log audits.

Why two paths: a receipt is checked with nothing but the log's verifier key (the entry travels
in the proof's `extra` line, authenticated by the inclusion proof). A log audit re-derives
every root from the *entries* (leaf hashes recomputed, tree folded in a compact range), never
trusting the writer's hash tiles, and then checks the tiles, every published checkpoint and the
consistency proofs between successive checkpoints. Every failure says where it was found.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sekisho.custody import merkle, note
from sekisho.custody.merkle import HASH_SIZE, leaf_hash, node_hash, perfect_root
from sekisho.custody.tiles import (
    TILE_WIDTH,
    TileCache,
    TileError,
    TileReader,
    decode_bundle,
    decode_index,
    tile_path,
    tile_width,
)
from sekisho.errors import VerificationError

PROOF_HEADER = "c2sp.org/tlog-proof@v1"


class ReceiptError(VerificationError):
    """A receipt is malformed or does not verify; the message names the failing part."""


class AuditError(VerificationError):
    """A log failed its audit; the message names the file or checkpoint."""


@dataclass(frozen=True)
class Receipt:
    """A C2SP tlog-proof: entry index, inclusion proof, checkpoint (and the entry as extra)."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def to_text(self) -> bytes:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines += [base64.b64encode(h).decode() for h in self.proof]
        return ("\n".join(lines) + "\n\n").encode() + self.checkpoint

    @classmethod
    def parse(cls, data: bytes) -> Receipt:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReceiptError("receipt is not UTF-8 text") from exc
        head, sep, checkpoint = text.partition("\n\n")
        if not sep:
            raise ReceiptError("receipt has no blank line before the checkpoint")
        lines = head.split("\n")
        if lines[0] != PROOF_HEADER:
            raise ReceiptError(f"receipt line 1: expected {PROOF_HEADER!r}")
        pos, extra = 1, None
        if pos < len(lines) and lines[pos].startswith("extra "):
            extra = _b64(lines[pos][6:], f"receipt line {pos + 1} (extra)")
            pos += 1
        if pos >= len(lines) or not lines[pos].startswith("index "):
            raise ReceiptError(f"receipt line {pos + 1}: expected 'index N'")
        raw_index = lines[pos][6:]
        if not raw_index.isdigit() or (raw_index != "0" and raw_index.startswith("0")):
            raise ReceiptError(f"receipt line {pos + 1}: bad index {raw_index!r}")
        proof = []
        for i, line in enumerate(lines[pos + 1 :], start=pos + 2):
            h = _b64(line, f"receipt line {i} (proof hash)")
            if len(h) != HASH_SIZE:
                raise ReceiptError(f"receipt line {i}: proof hash is {len(h)} bytes, not 32")
            proof.append(h)
        return cls(int(raw_index), tuple(proof), checkpoint.encode(), extra)


def _b64(text: str, where: str) -> bytes:
    try:
        return note.b64decode_strict(text)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise ReceiptError(f"{where}: not valid base64") from exc


@dataclass(frozen=True)
class ReceiptResult:
    """What a verified receipt proves: `entry` is at `index` of the log `origin` of `size`."""

    index: int
    size: int
    origin: str
    root: bytes
    entry: bytes | None
    leaf_hash: bytes
    witnesses: tuple[str, ...] = ()


def verify_receipt(
    data: bytes,
    log_key: note.Verifier,
    *,
    entry: bytes | None = None,
    witnesses: list[note.Verifier] | None = None,
    origin: str | None = None,
) -> ReceiptResult:
    """Verify a receipt offline. The entry comes from `entry` or the receipt's extra line."""
    receipt = Receipt.parse(data)
    try:
        signed = note.open_checkpoint(receipt.checkpoint, log_key, witnesses or [], origin)
    except note.NoteError as exc:
        raise ReceiptError(f"receipt checkpoint: {exc}") from exc
    if entry is not None and receipt.extra is not None and entry != receipt.extra:
        raise ReceiptError("receipt extra line: does not match the entry supplied")
    body = entry if entry is not None else receipt.extra
    if body is None:
        raise ReceiptError("receipt carries no entry (no extra line) and none was supplied")
    cp = signed.checkpoint
    h = leaf_hash(body)
    try:
        merkle.verify_inclusion(receipt.index, cp.size, h, receipt.proof, cp.root)
    except merkle.ProofError as exc:
        raise ReceiptError(f"receipt inclusion proof: {exc}") from exc
    wit = tuple(s.name for s in signed.note.verified if s.name != log_key.name)
    return ReceiptResult(receipt.index, cp.size, cp.origin, cp.root, body, h, wit)


@dataclass
class AuditReport:
    """What an audit checked."""

    size: int
    root: bytes
    entries: int = 0
    checkpoints: int = 0
    tiles: int = 0  # tile and bundle files checked


class _CompactRange:
    """Right frontier of the tree over leaf hashes streamed in order: O(log n) memory."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[tuple[int, bytes]] = []  # (height, hash), heights strictly decreasing

    def append(self, h: bytes) -> None:
        height, cur = 0, h
        while self.stack and self.stack[-1][0] == height:
            cur = node_hash(self.stack.pop()[1], cur)
            height += 1
        self.stack.append((height, cur))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        acc = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            acc = node_hash(h, acc)
        return acc


def read_history(root: Path) -> list[bytes]:
    """Published checkpoints kept in .state/checkpoints (length-prefixed notes)."""
    path = Path(root) / ".state" / "checkpoints"
    if not path.exists():
        return []
    data, out, pos = path.read_bytes(), [], 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0 or not data[pos:nl].isdigit():
            raise AuditError(f"{path}: malformed record at byte {pos}")
        n = int(data[pos:nl])
        if nl + 1 + n > len(data):
            raise AuditError(f"{path}: truncated record at byte {pos}")
        out.append(data[nl + 1 : nl + 1 + n])
        pos = nl + 1 + n
    return out


def audit_log(
    root: Path,
    log_key: note.Verifier,
    *,
    entry_check: Callable[[int, bytes], None] | None = None,
    origin: str | None = None,
) -> AuditReport:
    """Audit a tlog-tiles directory end to end; raises AuditError naming the first failure."""
    root = Path(root)
    try:
        raw = (root / "checkpoint").read_bytes()
        signed = note.open_checkpoint(raw, log_key, [], origin)
    except FileNotFoundError as exc:
        raise AuditError(f"{root}/checkpoint: missing") from exc
    except note.NoteError as exc:
        raise AuditError(f"checkpoint: {exc}") from exc
    cp = signed.checkpoint
    history = read_history(root) or [raw]
    opened: list[note.Checkpoint] = []
    for i, h in enumerate(history):
        try:
            opened.append(note.open_checkpoint(h, log_key, [], origin).checkpoint)
        except note.NoteError as exc:
            raise AuditError(f"checkpoint history record {i}: {exc}") from exc
    if history[-1] != raw:
        raise AuditError("checkpoint: differs from the last checkpoint in the history")
    for i in range(1, len(opened)):
        if opened[i].size < opened[i - 1].size:
            raise AuditError(f"checkpoint history record {i}: tree shrank")
    wanted: dict[int, list[int]] = {}
    for i, c in enumerate(opened):
        wanted.setdefault(c.size, []).append(i)
    report = AuditReport(cp.size, cp.root)
    cache = TileCache()
    reader = TileReader(root, cp.size, cache)
    frontier = _CompactRange()

    def check_roots_at(size: int) -> None:
        for i in wanted.get(size, []):
            if opened[i].root != frontier.root():
                raise AuditError(
                    f"checkpoint history record {i} (size {size}): root does not match the entries"
                )

    check_roots_at(0)
    level0: list[bytes] = []
    for b in range((cp.size + TILE_WIDTH - 1) // TILE_WIDTH):
        try:
            bundle = reader.read_bundle(b)
            hashes = reader.read_tile(0, b)
        except TileError as exc:
            raise AuditError(str(exc)) from exc
        width = len(bundle)
        for j, e in enumerate(bundle):
            idx = b * TILE_WIDTH + j
            h = leaf_hash(e)
            if h != hashes[j]:
                raise AuditError(
                    f"entry {idx}: {tile_path('entries', b, width)} does not hash to "
                    f"{tile_path(0, b, width)}[{j}]"
                )
            if entry_check is not None:
                entry_check(idx, e)
            frontier.append(h)
            check_roots_at(frontier.size)
        level0.append(perfect_root(hashes) if width == TILE_WIDTH else b"")
        report.tiles += 1
    report.entries = frontier.size
    if frontier.root() != cp.root:
        raise AuditError("checkpoint: root hash does not match the entries in the tiles")
    _check_upper_tiles(reader, cp.size, level0, report)
    _check_older_tiles(root, reader, cp.size, report)
    for i in range(1, len(opened)):
        a, b2 = opened[i - 1], opened[i]
        if a.size == 0:
            continue
        try:
            proof = merkle.consistency_proof(TileReader(root, b2.size, cache).node, a.size, b2.size)
            merkle.verify_consistency(a.size, b2.size, proof, a.root, b2.root)
        except (merkle.ProofError, TileError) as exc:
            raise AuditError(
                f"checkpoint history record {i}: not consistent with record {i - 1}: {exc}"
            ) from exc
    report.checkpoints = len(opened)
    return report


def _check_older_tiles(root: Path, reader: TileReader, size: int, report: AuditReport) -> None:
    """Partial tiles and bundles kept for older checkpoints must be prefixes of the verified
    current ones (they are what proofs for those older sizes are built from)."""
    tile_dir = root / "tile"
    if not tile_dir.exists():
        return
    for path in sorted(tile_dir.rglob("*.p/*")):
        rel = path.relative_to(root).as_posix()
        parts = path.relative_to(tile_dir).parts
        try:
            level = parts[0]
            index = decode_index([*parts[1:-2], parts[-2].removesuffix(".p")])
            width = int(parts[-1])
        except (ValueError, IndexError):
            continue
        if level == "entries":
            if tile_width(0, index, size) == 0 or index * TILE_WIDTH + width > size:
                raise AuditError(f"{rel}: beyond the checkpoint (size {size})")
            current = reader.read_bundle(index)[:width]
            try:
                older = decode_bundle(path.read_bytes(), rel)
            except TileError as exc:
                raise AuditError(str(exc)) from exc
        else:
            lvl = int(level)
            span = TILE_WIDTH**lvl
            if index * TILE_WIDTH * span + width * span > size:
                raise AuditError(f"{rel}: beyond the checkpoint (size {size})")
            current = reader.read_tile(lvl, index)[:width]
            older = path.read_bytes()
            older = [older[i : i + HASH_SIZE] for i in range(0, len(older), HASH_SIZE)]
        if older != current:
            raise AuditError(f"{rel}: differs from the tile the checkpoint covers")
        report.tiles += 1


def _check_upper_tiles(
    reader: TileReader, size: int, below: list[bytes], report: AuditReport
) -> None:
    """Every hash in a level >= 1 tile must be the root of the full tile below it."""
    level = 1
    while TILE_WIDTH**level <= size:
        n_tiles = -(-(size // TILE_WIDTH**level) // TILE_WIDTH)
        roots: list[bytes] = []
        for t in range(n_tiles):
            try:
                hashes = reader.read_tile(level, t)
            except TileError as exc:
                raise AuditError(str(exc)) from exc
            width = tile_width(level, t, size)
            for j, h in enumerate(hashes):
                if h != below[t * TILE_WIDTH + j]:
                    raise AuditError(
                        f"{tile_path(level, t, width)}[{j}]: not the hash of the tile below"
                    )
            roots.append(perfect_root(hashes) if width == TILE_WIDTH else b"")
            report.tiles += 1
        below, level = roots, level + 1


def audit_custody(root: Path, log_key: note.Verifier) -> AuditReport:
    """`audit_log` plus every entry replayed as a custody statement: canonical form, signer in
    the key directory, valid signature, twin rules, device attestations over checkpoints the
    log had published before the entry. Forks are evidence, not corruption (see diversion)."""
    from sekisho.custody import statements as st
    from sekisho.custody.devices import Registry
    from sekisho.errors import InputError

    roots: dict[int, bytes] = {}
    for raw in read_history(root):
        try:
            cp = note.open_checkpoint(raw, log_key).checkpoint
        except note.NoteError:
            continue  # audit_log reports it with its position
        roots[cp.size] = cp.root
    registry = Registry(log_key)

    def check(idx: int, entry: bytes) -> None:
        where = f"entry {idx}"
        try:
            stmt = st.parse(entry, where=where)
            registry.check(
                stmt,
                root_at=lambda n: roots.get(n) if n <= idx else None,
                strict_prev=False,
                where=where,
            )
        except InputError as exc:
            raise AuditError(str(exc)) from exc
        registry.apply(stmt, idx)

    return audit_log(root, log_key, entry_check=check)


def witness_cosign(
    witness: note.Signer,
    log_key: note.Verifier,
    checkpoint: bytes,
    *,
    previous: bytes | None,
    proof: list[bytes],
    timestamp: int,
) -> bytes:
    """What a witness does (C2SP tlog-cosignature, Ed25519 type 0x04): check the new checkpoint
    is signed by the log and consistent with the last one it cosigned, then append its
    timestamped cosignature. Raises VerificationError (and signs nothing) otherwise."""
    if witness.alg != note.ALG_COSIGNATURE_V1:
        raise VerificationError("a witness cosigns with a type 0x04 (cosignature/v1) key")
    try:
        new = note.open_checkpoint(checkpoint, log_key).checkpoint
        old = note.open_checkpoint(previous, log_key).checkpoint if previous else None
    except note.NoteError as exc:
        raise VerificationError(f"witness: {exc}") from exc
    if old is not None and old.size > 0:
        try:
            merkle.verify_consistency(old.size, new.size, proof, old.root, new.root)
        except merkle.ProofError as exc:
            raise VerificationError(f"witness: not consistent with size {old.size}: {exc}") from exc
    return note.add_signatures(checkpoint, [witness], timestamp)
