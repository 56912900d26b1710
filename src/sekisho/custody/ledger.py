"""The custody ledger: a TileLog of statements plus the registry folded from it.

Why one place: every write goes check → append (durable) → apply, so a rejected statement
leaves the log untouched and an accepted one is in the registry only after it is on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sekisho.custody import note
from sekisho.custody import statements as st
from sekisho.custody.devices import Registry
from sekisho.custody.log import TileLog
from sekisho.custody.statements import Statement
from sekisho.errors import StoreError


class Ledger:
    """Open with `Ledger.create(dir, signer)` or `Ledger.open(dir)`; close when done."""

    def __init__(self, log: TileLog) -> None:
        self.log = log
        self.registry = Registry(log.verifier)
        self.statements: list[Statement] = []
        self._roots: dict[int, bytes] = {}
        for idx, entry in log.entries():
            try:
                stmt = st.parse(entry, where=f"entry {idx}")
            except st.StatementError as exc:
                raise StoreError(f"log entry {idx} is not a custody statement: {exc}") from exc
            self.registry.apply(stmt, idx)
            self.statements.append(stmt)
        for raw in log.history():
            cp = note.Checkpoint.parse(note.open_note(raw, [log.verifier]).text)
            self._roots[cp.size] = cp.root

    @classmethod
    def create(cls, root: Path, signer: note.Signer, origin: str | None = None) -> Ledger:
        return cls(TileLog.create(root, signer, origin))

    @classmethod
    def open(cls, root: Path, *, readonly: bool = False) -> Ledger:
        """`readonly=True`: no writer lock (see TileLog.open); record() then refuses."""
        return cls(TileLog.open(root, readonly=readonly))

    def close(self) -> None:
        self.log.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def operator(self) -> note.Signer:
        return self.log.signer

    def root_at(self, size: int) -> bytes | None:
        """Root of a checkpoint this log published at `size` (None if it never did)."""
        return self._roots.get(size)

    def record(self, stmt: Statement, *, strict_prev: bool = True, where: str = "statement") -> int:
        """Check, append durably, then fold in; returns the log index (existing if duplicate)."""
        return self.record_batch([stmt], strict_prev=strict_prev, where=where)[0]

    def record_batch(
        self, stmts: list[Statement], *, strict_prev: bool = True, where: str = "statement"
    ) -> list[int]:
        """All-or-nothing: every statement is checked (in order, against the state the earlier
        ones create) before any is appended."""
        # Check against a scratch copy of the chain heads so the batch can chain within itself.
        saved_heads = dict(self.registry.heads)
        saved_twins = {k: list(v) for k, v in self.registry.twins.items()}
        saved = (dict(self.registry.parties), dict(self.registry.keys), dict(self.registry.sites))
        seen: set[bytes] = set()
        try:
            for i, stmt in enumerate(stmts):
                if stmt.entry in seen or self.log.index_of(stmt.entry) is not None:
                    continue  # a duplicate: the log returns the existing index
                seen.add(stmt.entry)
                label = where if len(stmts) == 1 else f"{where}[{i}]"
                self.registry.check(
                    stmt, root_at=self.root_at, strict_prev=strict_prev, where=label
                )
                self.registry.apply(stmt, -1)
        finally:
            self.registry.heads = saved_heads
            self.registry.twins = saved_twins
            self.registry.parties, self.registry.keys, self.registry.sites = saved
        indexes = self.log.append_batch([s.entry for s in stmts])
        for stmt, idx in zip(stmts, indexes, strict=True):
            if idx >= len(self.statements):
                self.registry.apply(stmt, idx)
                self.statements.append(stmt)
        cp = note.Checkpoint.parse(note.open_note(self.log.checkpoint, [self.log.verifier]).text)
        self._roots[cp.size] = cp.root
        return indexes

    def device_statements(self, device: str) -> Iterator[tuple[int, Statement]]:
        for idx, stmt in enumerate(self.statements):
            if stmt.device == device:
                yield idx, stmt

    def receipt(self, index: int) -> bytes:
        return self.log.receipt(index)
