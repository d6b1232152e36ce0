"""durable inbox; replies kept with handled events

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("delivery_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("partition", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("received_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lease_holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("lease_until", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("done_at", storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "delivery_key"),
    )
    op.create_index("ix_inbox_entry_pending", "inbox_entry", ["done_at", "lease_until"])
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.drop_column("replies")
    op.drop_index("ix_inbox_entry_pending", table_name="inbox_entry")
    op.drop_table("inbox_entry")
