"""a version number per board, bumped by every change to its plan; an index for red lists

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00

- `board.version`: bumped in the same transaction as any change to what the board's plan
  reads show (actions, owners, milestones, history, workstreams, roles, channels, people's
  names and accounts). A process caches a board's plan under it, and one cheap read of the
  number tells any process, on SQLite or PostgreSQL, whether its copy is still the plan.
- `ix_action_board_rag`: one board's red actions without reading the rest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("board") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_action_board_rag", "action", ["board_id", "rag"])


def downgrade() -> None:
    op.drop_index("ix_action_board_rag", table_name="action")
    with op.batch_alter_table("board") as batch:
        batch.drop_column("version")
