"""chat addresses: how to message an account first, on platforms that need more than its id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00

- `chat_address`: per (platform, account id), the JSON a platform needs to open a
  conversation with that account unprompted (a Teams conversation reference), saved when
  the account first talks to the bot or installs the app. One row per account: saving it
  again replaces it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("account_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("updated_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "account_id"),
    )
    with op.batch_alter_table("chat_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_address_platform"), ["platform"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_address_platform"))
    op.drop_table("chat_address")
