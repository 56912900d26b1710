"""Initial records schema: policies, decisions, counterparties, review cases, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_log", "decisions", "decision_snapshots", "policies")


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("version", sa.String(80), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("human_version", sa.String(40), nullable=False),
        sa.Column("texts", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("transaction_id", sa.String(200), nullable=False, index=True),
        sa.Column("outcome", sa.String(20), nullable=False, index=True),
        sa.Column("input_digest", sa.String(64), nullable=False, index=True),
        sa.Column("policy_version", sa.String(80), sa.ForeignKey("policies.version"), nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.Column("transaction_json", sa.Text, nullable=False),
        sa.Column("decision_json", sa.Text, nullable=False),
        sa.Column("context_json", sa.Text, nullable=False),
    )
    op.create_table(
        "decision_snapshots",
        sa.Column("decision_id", sa.String(64), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("snapshot_id", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(80)),
    )
    op.create_table(
        "counterparties",
        sa.Column("key", sa.String(400), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("address", sa.Text),
        sa.Column("address_key", sa.String(400), index=True),
        sa.Column("first_seen", sa.String(40), nullable=False),
    )
    op.create_table(
        "counterparty_decisions",
        sa.Column("counterparty_key", sa.String(400), sa.ForeignKey("counterparties.key"), primary_key=True),
        sa.Column("decision_id", sa.String(64), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
        sa.Column("item_class", sa.String(40)),
        sa.Column("quantity", sa.Float),
    )
    op.create_index("ix_party_items", "counterparty_decisions", ["counterparty_key", "item_class"])
    op.create_table(
        "review_cases",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("counterparty_key", sa.String(400), index=True),
        sa.Column("decision_id", sa.String(64)),
        sa.Column("source", sa.String(80)),
        sa.Column("snapshot_id", sa.String(64)),
        sa.Column("entity_id", sa.String(200)),
        sa.Column("score", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    )
    op.create_table(
        "monitor_state",
        sa.Column("source", sa.String(80), primary_key=True),
        sa.Column("snapshot_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION sekisho_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sekisho_append_only()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for op_name in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{op_name.lower()} BEFORE {op_name} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade() -> None:
    raise NotImplementedError("the records database is append-only; no downgrade")
