"""Repositories over the records database: decisions (with the policy texts, snapshots and
context they used), counterparties, review cases, monitor state, and the hash-chained,
append-only audit log. Opening runs the Alembic migrations. SQLite by default
(`settings.db_url`); PostgreSQL through the same code.

Writes of one batch of decisions happen in one database transaction: all or nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, bindparam, create_engine, event, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sekisho.errors import NotFoundError, StoreError
from sekisho.model import Decision, canonical_json
from sekisho.records.models import (
    AuditEntry,
    Counterparty,
    CounterpartyDecision,
    DecisionRow,
    DecisionSnapshot,
    MonitorState,
    PolicyRow,
    ReviewCase,
)
from sekisho.settings import Settings

if TYPE_CHECKING:
    from sekisho.screen.policy import Policy
    from sekisho.screen.transaction import DecisionResult

GENESIS = "0" * 64
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return canonical_json(value).decode()


def entry_hash(prev_hash: str, at: str, actor: str, action: str, subject: str, payload: str) -> str:
    """Hash of one audit entry, chained to the previous one."""
    body = canonical_json([prev_hash, at, actor, action, subject, payload])
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class StoredDecision:
    decision: Decision
    transaction: dict[str, Any]
    context: dict[str, Any]


@dataclass(frozen=True)
class StoredCounterparty:
    key: str
    name: str
    country: str | None
    address: str | None


class Records:
    """The records database. Use `Records.open()`; one instance per process is enough."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings | None = None, url: str | None = None) -> Records:
        settings = settings or Settings.load()
        url = url or settings.db_url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url, future=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            with engine.begin() as conn:
                cfg = Config()
                cfg.set_main_option("script_location", str(_MIGRATIONS))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the records database {engine.url!r}: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- decisions -------------------------------------------------------------------------

    def save_decisions(self, results: Iterable[DecisionResult], policy: Policy,
                       *, actor: str = "sekisho") -> list[str]:
        """Record decisions (and their counterparties, policy, audit entries) atomically."""
        from sekisho.screen.monitor import encode_analysis
        from sekisho.screen.redflags import address_key, item_class, party_key

        results = list(results)
        now = _now()
        try:
            with Session(self.engine) as s, s.begin():
                self._lock_audit(s)
                if s.get(PolicyRow, policy.version) is None:
                    s.add(PolicyRow(version=policy.version, content_hash=policy.content_hash,
                                    human_version=policy.human_version,
                                    texts=_dumps(policy.texts), created_at=now))
                    s.flush()
                    self._audit(s, actor, "policy.add", policy.version, {"hash": policy.content_hash})
                by_snapshot = {}
                for r in results:
                    by_snapshot.update({v: k for k, v in r.context.sources.items()})
                seen: set[str] = set()
                for r in results:
                    d = r.decision
                    s.add(DecisionRow(
                        id=d.id, transaction_id=d.transaction_id, outcome=d.outcome.value,
                        input_digest=d.input_digest, policy_version=d.policy_version,
                        decided_at=d.decided_at, transaction_json=_dumps(r.transaction.to_dict()),
                        decision_json=_dumps(d.to_dict()), context_json=_dumps(r.context.to_dict())))
                    s.flush()
                    for sid in d.snapshots:
                        s.add(DecisionSnapshot(decision_id=d.id, snapshot_id=sid,
                                               source=by_snapshot.get(sid)))
                    classes = {}
                    for item in r.transaction.items:
                        cls_ = item_class(item)
                        classes[cls_] = max(classes.get(cls_, 0), item.quantity)
                    top = max(classes.items(), key=lambda kv: kv[1]) if classes else (None, None)
                    for p in r.transaction.all_parties():
                        key = party_key(p)
                        if key not in seen and s.get(Counterparty, key) is None:
                            s.add(Counterparty(key=key, name=p.name, country=p.country,
                                               address=p.address, address_key=address_key(p.address),
                                               first_seen=now, name_analysis=encode_analysis(p.name)))
                            s.flush()
                        seen.add(key)
                        link = s.get(CounterpartyDecision, (key, d.id, p.role.value))
                        if link is None:
                            s.add(CounterpartyDecision(counterparty_key=key, decision_id=d.id,
                                                       role=p.role.value, item_class=top[0],
                                                       quantity=top[1]))
                    if d.outcome.value == "review":  # held for a person: open a case
                        held = [r for r in d.reasons if r.outcome.value == "review"]
                        case_id = f"case_{uuid.uuid4().hex}"
                        s.add(ReviewCase(
                            id=case_id, created_at=now, kind="decision", decision_id=d.id,
                            counterparty_key=None, source=None, snapshot_id=None, entity_id=None,
                            score=None, status="open",
                            message=f"transaction {d.transaction_id} held: "
                                    + "; ".join(sorted({r.code for r in held}))))
                    self._audit(s, actor, "decision.add", d.id,
                                {"transaction_id": d.transaction_id, "outcome": d.outcome.value,
                                 "input_digest": d.input_digest, "policy_version": d.policy_version,
                                 "snapshots": list(d.snapshots)})
                    s.flush()
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record decisions (nothing was recorded): {exc}") from exc
        return [r.decision.id for r in results]

    def decision(self, decision_id: str) -> StoredDecision:
        with Session(self.engine) as s:
            row = s.get(DecisionRow, decision_id)
            if row is None:
                raise NotFoundError(f"no decision {decision_id!r}")
            return StoredDecision(Decision.from_dict(json.loads(row.decision_json)),
                                  json.loads(row.transaction_json), json.loads(row.context_json))

    def decisions(self, limit: int = 50) -> list[Decision]:
        with Session(self.engine) as s:
            rows = s.scalars(select(DecisionRow).order_by(DecisionRow.decided_at.desc()).limit(limit))
            return [Decision.from_dict(json.loads(r.decision_json)) for r in rows]

    def policy_texts(self, version: str) -> dict[str, str]:
        with Session(self.engine) as s:
            row = s.get(PolicyRow, version)
            if row is None:
                raise NotFoundError(f"policy version {version!r} is not in the records")
            return json.loads(row.texts)

    def decisions_for(self, counterparty_key: str) -> list[str]:
        with Session(self.engine) as s:
            return list(s.scalars(select(CounterpartyDecision.decision_id).where(
                CounterpartyDecision.counterparty_key == counterparty_key).distinct()))

    # -- counterparty history (redflags.History) ------------------------------------------

    def parties_at_address(self, address_key: str) -> int:
        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(Counterparty).where(
                Counterparty.address_key == address_key)) or 0)

    def max_quantity(self, party_key: str, item_class: str) -> float | None:
        with Session(self.engine) as s:
            return s.scalar(select(func.max(CounterpartyDecision.quantity)).where(
                CounterpartyDecision.counterparty_key == party_key,
                CounterpartyDecision.item_class == item_class))

    def counterparties(self, batch: int = 50_000) -> Iterator[list[StoredCounterparty]]:
        """All counterparties, in batches (keyset pagination: constant memory)."""
        last = ""
        with self.engine.connect() as conn:
            while True:
                rows = conn.execute(
                    select(Counterparty.key, Counterparty.name, Counterparty.country,
                           Counterparty.address).where(Counterparty.key > last)
                    .order_by(Counterparty.key).limit(batch)).all()
                if not rows:
                    return
                yield [StoredCounterparty(*r) for r in rows]
                last = rows[-1][0]

    def add_counterparties(self, rows: Iterable[StoredCounterparty]) -> int:
        """Bulk import (remembered counterparties from elsewhere; also used by the bench)."""
        from sekisho.screen.monitor import encode_analysis
        from sekisho.screen.redflags import address_key

        now = _now()
        values = [{"key": r.key, "name": r.name, "country": r.country, "address": r.address,
                   "address_key": address_key(r.address), "first_seen": now,
                   "name_analysis": encode_analysis(r.name)} for r in rows]
        with self.engine.begin() as conn:
            if values:
                conn.execute(Counterparty.__table__.insert(), values)
        return len(values)

    def save_name_analyses(self, analyses: dict[str, str]) -> None:
        """Store analysed names of counterparties {key: encoded analysis} (a cache of work the
        monitor did; losing it only costs time)."""
        if not analyses:
            return
        table = Counterparty.__table__
        stmt = table.update().where(table.c.key == bindparam("k")).values(
            name_analysis=bindparam("a"))
        with self.engine.begin() as conn:
            conn.execute(stmt, [{"k": k, "a": a} for k, a in analyses.items()])

    def count_counterparties(self) -> int:
        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(Counterparty)) or 0)

    # -- monitor and review cases ----------------------------------------------------------

    def monitor_state(self) -> dict[str, str]:
        with Session(self.engine) as s:
            return {r.source: r.snapshot_id for r in s.scalars(select(MonitorState))}

    def save_monitor_run(self, state: dict[str, str], cases: list[dict[str, Any]],
                         *, actor: str = "sekisho") -> list[str]:
        """New review cases and the new monitor state, atomically."""
        now = _now()
        ids = []
        try:
            with Session(self.engine) as s, s.begin():
                self._lock_audit(s)
                for c in cases:
                    case_id = f"case_{uuid.uuid4().hex}"
                    ids.append(case_id)
                    s.add(ReviewCase(id=case_id, created_at=now, status="open", **c))
                    self._audit(s, actor, "case.add", case_id, c)
                for source, sid in state.items():
                    row = s.get(MonitorState, source)
                    if row is None:
                        s.add(MonitorState(source=source, snapshot_id=sid, updated_at=now))
                    else:
                        row.snapshot_id, row.updated_at = sid, now
                self._audit(s, actor, "monitor.run", "monitor", {"state": state, "cases": len(cases)})
        except SQLAlchemyError as exc:
            raise StoreError(f"could not record the monitor run (nothing was recorded): {exc}") from exc
        return ids

    def cases(self, status: str | None = "open") -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            q = select(ReviewCase).order_by(ReviewCase.created_at)
            if status:
                q = q.where(ReviewCase.status == status)
            return [{c.name: getattr(r, c.name) for c in ReviewCase.__table__.columns}
                    for r in s.scalars(q)]

    # -- audit log -------------------------------------------------------------------------

    def _lock_audit(self, s: Session) -> None:
        if self.engine.dialect.name == "postgresql":
            s.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))

    def _audit(self, s: Session, actor: str, action: str, subject: str, payload: dict) -> None:
        last = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
        prev = last or GENESIS
        at = _now()
        body = _dumps(payload)
        s.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, payload=body,
                         prev_hash=prev, hash=entry_hash(prev, at, actor, action, subject, body)))
        s.flush()

    def audit(self, *, actor: str, action: str, subject: str, payload: dict) -> None:
        """Append one entry to the audit log."""
        with Session(self.engine) as s, s.begin():
            self._lock_audit(s)
            self._audit(s, actor, action, subject, payload)

    def audit_entries(self) -> list[AuditEntry]:
        with Session(self.engine) as s:
            return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))

    def verify_audit(self) -> int:
        """Recompute the hash chain; StoreError at the first broken link. Returns entries checked."""
        prev = GENESIS
        n = 0
        for e in self.audit_entries():
            expected = entry_hash(prev, e.at, e.actor, e.action, e.subject, e.payload)
            if e.prev_hash != prev or e.hash != expected:
                raise StoreError(f"audit log broken at entry {e.seq} ({e.action} {e.subject})")
            prev = e.hash
            n += 1
        return n


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
