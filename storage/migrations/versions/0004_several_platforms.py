"""several platforms at once: board channels per platform, console accounts, a send per platform

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00

- `board_channel`: a board's channel on platforms other than Slack (Slack's stays in
  board.channel_id, so existing channels keep working as platform "slack").
- `chat_identity.external_id` takes 200 characters (Teams account ids; console names).
- Everyone gets their console account, their name, as people created from now on do.
- The send log gets one row per delivery: "<key>@<platform>". Sent rows take the platform
  they went on; rows left claimed, or refused by Slack, are Slack's. A reminder skipped only
  because its owner had no Slack account becomes "unreachable" under its own key, so linking
  them on any platform lets the next sweep reach them. Skips for lateness keep their key.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSOLE = "console"
SLACK = "slack"
# What the dispatcher wrote when an owner or a board had no Slack account or channel.
NO_ACCOUNT = re.compile(r"^no \w+ account linked for | has no channel to post to$")


def upgrade() -> None:
    op.create_table(
        "board_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["board.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("board_id", "platform"),
    )
    with op.batch_alter_table("board_channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_board_channel_board_id"), ["board_id"], unique=False)
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.alter_column(
            "external_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=False,
        )
    op.execute(
        sa.text(
            "INSERT INTO chat_identity (person_id, platform, external_id)"
            " SELECT p.id, :console, p.name FROM person p WHERE NOT EXISTS"
            " (SELECT 1 FROM chat_identity c WHERE c.person_id = p.id AND c.platform = :console)"
        ).bindparams(console=CONSOLE)
    )
    _one_row_per_delivery()


def _one_row_per_delivery() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, key, status, platform, detail FROM notification")
    ).all()
    for row_id, key, status, platform, detail in rows:
        if status == "skipped" and NO_ACCOUNT.search(detail or ""):
            connection.execute(
                sa.text("UPDATE notification SET status = 'unreachable' WHERE id = :id"),
                {"id": row_id},
            )
        elif status != "skipped" or (detail or "").startswith("Slack refused"):
            connection.execute(
                sa.text("UPDATE notification SET key = :key WHERE id = :id"),
                {"id": row_id, "key": f"{key}@{platform or SLACK}"},
            )


def downgrade() -> None:
    """One row per message again: Slack's delivery if it had one, else any platform's."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, key, status FROM notification")).all()
    deliveries: dict[str, list[tuple[int, str]]] = {}
    for row_id, key, status in rows:
        base, at, platform = key.rpartition("@")
        if at:
            deliveries.setdefault(base, []).append((row_id, platform))
        elif status == "unreachable":
            connection.execute(
                sa.text("UPDATE notification SET status = 'skipped' WHERE id = :id"), {"id": row_id}
            )
    for base, found in deliveries.items():
        found.sort(key=lambda row: row[1] != SLACK)
        (kept, _), *others = found
        for row_id, _platform in others:
            connection.execute(sa.text("DELETE FROM notification WHERE id = :id"), {"id": row_id})
        connection.execute(sa.text("DELETE FROM notification WHERE key = :key"), {"key": base})
        connection.execute(
            sa.text("UPDATE notification SET key = :key WHERE id = :id"), {"id": kept, "key": base}
        )
    op.execute(
        sa.text("DELETE FROM chat_identity WHERE platform = :console").bindparams(console=CONSOLE)
    )
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.alter_column(
            "external_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=False,
        )
    with op.batch_alter_table("board_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_board_channel_board_id"))
    op.drop_table("board_channel")
