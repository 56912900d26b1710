"""SQLAlchemy 2 tables of the records database (decisions, policies, counterparties, cases,
audit log). The schema itself is created by the Alembic migrations in `migrations/`; these
classes mirror it for queries. JSON is stored as text so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PolicyRow(Base):
    """Exact policy texts by version, so old decisions replay against the rules they used."""

    __tablename__ = "policies"
    version: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    human_version: Mapped[str] = mapped_column(String(40))
    texts: Mapped[str] = mapped_column(Text)  # JSON {file name: YAML text}
    created_at: Mapped[str] = mapped_column(String(40))


class DecisionRow(Base):
    """One decision (append-only): the normalised transaction, the answer, the context."""

    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    input_digest: Mapped[str] = mapped_column(String(64), index=True)
    policy_version: Mapped[str] = mapped_column(ForeignKey("policies.version"))
    decided_at: Mapped[str] = mapped_column(String(40))
    transaction_json: Mapped[str] = mapped_column(Text)
    decision_json: Mapped[str] = mapped_column(Text)
    context_json: Mapped[str] = mapped_column(Text)


class DecisionSnapshot(Base):
    __tablename__ = "decision_snapshots"
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    snapshot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(80))


class Counterparty(Base):
    """A party Sekisho has seen in a checked transaction (re-screened when lists change)."""

    __tablename__ = "counterparties"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    address_key: Mapped[str | None] = mapped_column(String(400), index=True)
    first_seen: Mapped[str] = mapped_column(String(40))
    # the analysed name, tagged with the analyser's fingerprint (screen.monitor.encode_analysis);
    # NULL or another fingerprint: analyse again
    name_analysis: Mapped[str | None] = mapped_column(Text, nullable=True)


class CounterpartyDecision(Base):
    __tablename__ = "counterparty_decisions"
    counterparty_key: Mapped[str] = mapped_column(ForeignKey("counterparties.key"), primary_key=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_class: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[float | None] = mapped_column(Float)


class ReviewCase(Base):
    """Something a person must look at (from monitoring or a held decision)."""

    __tablename__ = "review_cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    counterparty_key: Mapped[str | None] = mapped_column(String(400), index=True)
    decision_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(80))
    snapshot_id: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(200))
    score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")


class MonitorState(Base):
    """Last snapshot of each source the monitor has compared counterparties against."""

    __tablename__ = "monitor_state"
    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    snapshot_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[str] = mapped_column(String(40))


class AuditEntry(Base):
    """Append-only, hash-chained audit log (UPDATE/DELETE refused by database triggers)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


Index("ix_party_items", CounterpartyDecision.counterparty_key, CounterpartyDecision.item_class)
