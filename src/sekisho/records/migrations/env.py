"""Alembic environment: runs on the connection `records.repo` hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  version_table="sekisho_records_version")
with context.begin_transaction():
    context.run_migrations()
