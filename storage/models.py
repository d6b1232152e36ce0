"""The plan as stored. Tables only; queries live in the storage modules beside this one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime


def _utc_column(nullable: bool = False) -> Column[datetime]:
    return Column(UtcDateTime(), nullable=nullable)


class Board(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    # The board's Slack channel (`actionbot board --channel`); other platforms' in BoardChannel.
    channel_id: str | None = Field(default=None, max_length=64)
    timezone: str = Field(default="Europe/London", max_length=64)
    bank_holiday_region: str = Field(default="ENG", max_length=8)
    digest_weekday: int = Field(default=0, description="0 = Monday")
    digest_time: str = Field(default="09:00", max_length=5)
    reminder_lead_days: str = Field(default="7,1", max_length=64)
    nudge_every_days: int = Field(default=2)
    escalate_after_days: int = Field(default=5)
    created_at: datetime = Field(sa_column=_utc_column())
    # Bumped in the transaction of every change to what the board's plan reads show
    # (storage/plan_version.py), so a cached read knows, in any process, when it is stale.
    version: int = Field(default=0)


class BoardRole(SQLModel, table=True):
    __tablename__ = "board_role"
    __table_args__ = (UniqueConstraint("board_id", "person_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16, description="chair | admin")


class Workstream(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("board_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    ref: str | None = Field(default=None, max_length=32)
    name: str = Field(max_length=300)
    lead: str | None = None


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(unique=True, max_length=200)
    role: str = Field(default="")
    email: str | None = Field(default=None, unique=True, max_length=320)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=_utc_column())
    # Removed from the plans (`actionbot people remove`): the row stays so the history still
    # says who made each update, but under a name key no typed name can match.
    removed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ChatIdentity(SQLModel, table=True):
    """A person's account on one chat platform: how a message from it is known to be theirs,
    and where their reminders go. Every platform alike, the console included."""

    __tablename__ = "chat_identity"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        UniqueConstraint("person_id", "platform"),
    )
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    # Long enough for a Teams account id, or a name (the console's accounts).
    external_id: str = Field(max_length=200)


class BoardChannel(SQLModel, table=True):
    """Where a board's digest goes on a platform other than Slack (whose is Board.channel_id)."""

    __tablename__ = "board_channel"
    __table_args__ = (UniqueConstraint("board_id", "platform"),)
    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=200)


class ChatAddress(SQLModel, table=True):
    """Where the bot can start a conversation with an account, on platforms that need more than
    an id to message someone first (a Teams conversation reference: service URL, tenant,
    conversation). Saved whenever the account talks to the bot or installs the app; the JSON
    is the adapter's, stored as given and never read here."""

    __tablename__ = "chat_address"
    __table_args__ = (UniqueConstraint("platform", "account_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16, index=True)
    account_id: str = Field(max_length=200)
    address: str = Field(description="JSON, opaque to storage")
    updated_at: datetime = Field(sa_column=_utc_column())


class Action(SQLModel, table=True):
    # (board_id, rag): `/rag red` and the digest's red list read one board's red actions.
    __table_args__ = (
        UniqueConstraint("board_id", "ref"),
        Index("ix_action_board_rag", "board_id", "rag"),
    )
    id: int | None = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True)
    workstream_id: int | None = Field(default=None, foreign_key="workstream.id")
    ref: str = Field(max_length=32)
    title: str
    outcomes: str | None = None
    measures: str | None = None
    review_date: date | None = Field(default=None, index=True)
    review_date_text: str | None = None
    rag: str | None = Field(default=None, max_length=16)
    latest_update: str | None = None
    latest_update_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


class ActionOwner(SQLModel, table=True):
    __tablename__ = "action_owner"
    action_id: int = Field(foreign_key="action.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    snoozed_until: date | None = Field(
        default=None, index=True, description="no reminders before this day"
    )


class Milestone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    position: int
    due: date | None = Field(default=None, index=True)
    date_text: str = ""
    text: str
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ActionUpdate(SQLModel, table=True):
    """One entry in an action's history: who changed what, when and from where."""

    __tablename__ = "action_update"
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    source: str = Field(max_length=16, description="slack | console | teams | import | cli")
    created_at: datetime = Field(sa_column=_utc_column())
    text: str | None = None
    undoes_id: int | None = Field(default=None, foreign_key="action_update.id")
    undone_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class UpdateChange(SQLModel, table=True):
    __tablename__ = "update_change"
    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(foreign_key="action_update.id", index=True)
    field: str = Field(max_length=64)
    before: str | None = None
    after: str | None = None


class AuditEntry(SQLModel, table=True):
    """A change to a board or a person rather than to one action (an action's own changes are
    ActionUpdate's): a rename, a removal, a chair or admin added or removed, a setting.

    Names are kept as they were and `subject_id` has no foreign key, so the entry outlives
    the board or person it is about (a removed board's entry says what went with it)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_subject", "subject", "subject_id"),)
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=16, description="board | person")
    subject_id: int
    name: str = Field(max_length=200, description="the board's or person's name at the time")
    field: str = Field(max_length=64, description="name | removed | chair | admin | a setting")
    before: str | None = None
    after: str | None = None
    source: str = Field(max_length=16, description="cli (as ActionUpdate.source)")
    created_at: datetime = Field(sa_column=_utc_column())


class Notification(SQLModel, table=True):
    """A reminder, nudge or digest, claimed under a unique key before it is sent.

    One row per delivery: the message's key and the platform ("reminder:…@slack"), so a
    message for someone on two platforms goes once on each. A message that could go nowhere
    has one row under its own key: skipped (too late to help) or unreachable (no account on
    any platform the bot sends on; sent once they are linked).
    """

    __table_args__ = (Index("ix_notification_status", "status", "claimed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=16)
    board_id: int = Field(foreign_key="board.id", index=True)
    action_id: int | None = Field(default=None, foreign_key="action.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    due_at: datetime = Field(sa_column=_utc_column())
    status: str = Field(
        default="claimed", max_length=16, description="claimed | sent | skipped | unreachable"
    )
    claimed_at: datetime = Field(sa_column=_utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    attempts: int = 0
    platform: str | None = Field(default=None, max_length=16)
    channel: str | None = Field(default=None, max_length=64)
    message_ref: str | None = Field(default=None, max_length=64)
    detail: str | None = None


class PendingQuestion(SQLModel, table=True):
    """An update held back while the bot asks which action or which date was meant."""

    __tablename__ = "pending_question"
    __table_args__ = (UniqueConstraint("person_id", "conversation"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    conversation: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    payload: str
    created_at: datetime = Field(sa_column=_utc_column())


class InboundEvent(SQLModel, table=True):
    """Chat events already handled, so a platform's retry never applies an update twice."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=128)
    received_at: datetime = Field(sa_column=_utc_column())
    # What the bot answered, so a redelivery after a crash is answered again, not applied again.
    replies: str | None = None


class InboxEntry(SQLModel, table=True):
    """A request Slack (or another platform) delivered, stored before it is acknowledged.

    Acknowledged means durable: the HTTP 200 goes back only once this row is committed, and a
    worker applies it afterwards. A crash at any moment leaves the row for the next start.
    """

    __tablename__ = "inbox_entry"
    __table_args__ = (
        UniqueConstraint("platform", "delivery_key"),
        Index("ix_inbox_entry_pending", "done_at", "lease_until"),
    )
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    delivery_key: str = Field(max_length=200, description="the same for Slack's retries")
    partition: str = Field(max_length=200, description="entries of one partition go in order")
    body: str = Field(description="the request as delivered (already verified)")
    content_type: str = Field(max_length=100)
    received_at: datetime = Field(sa_column=_utc_column())
    lease_holder: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=500)
    done_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    outcome: str | None = Field(default=None, max_length=16, description="applied | failed")


class SchedulerLease(SQLModel, table=True):
    """Which process runs the scheduler; a lease that isn't renewed lapses and is taken over."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_column=_utc_column())
    acquired_at: datetime = Field(sa_column=_utc_column())
