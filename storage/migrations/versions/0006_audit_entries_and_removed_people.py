"""an audit of boards and people: renames, removals and roles; people removed, kept for history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00

- `audit_entry`: a change to a board or a person rather than to one action (`board rename`,
  `board remove`, a chair or admin added or removed, a setting; `people rename`, `people
  remove`). Names are kept as they were and there is no foreign key to the board or person,
  so an entry outlives what it is about.
- `person.removed_at`: set by `people remove`. The row stays, so every update they made
  still says who made it; their accounts, roles and email go, and their name key is changed
  to one no typed name can match.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("before", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("after", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_subject", ["subject", "subject_id"], unique=False)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("removed_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_subject")
    op.drop_table("audit_entry")
