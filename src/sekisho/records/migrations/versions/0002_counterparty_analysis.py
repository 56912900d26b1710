"""Counterparties keep their analysed name (tokens of every reading), so a monitor run after a
list update does not analyse a million names again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: rows written before this revision are analysed when a monitor run needs them
    op.add_column("counterparties", sa.Column("name_analysis", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("counterparties") as batch:
        batch.drop_column("name_analysis")
