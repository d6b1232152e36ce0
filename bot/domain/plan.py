"""A board's plan as plain data: what the RAG summary, reminders and digest reason about."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.rag import Rag


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    role: str = ""
    chat_ids: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    timezone: str | None = field(default=None, compare=False)

    def chat_id(self, platform: str) -> str | None:
        return self.chat_ids.get(platform)


@dataclass(frozen=True)
class MilestoneView:
    position: int
    due: date | None
    text: str
    done: bool
    date_text: str = ""

    def is_overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today


@dataclass(frozen=True)
class ActionView:
    id: int
    board_id: int
    ref: str
    title: str
    workstream: str | None
    workstream_ref: str | None
    owners: tuple[PersonRef, ...]
    review_date: date | None
    review_date_text: str | None
    rag: Rag | None
    latest_update: str | None
    latest_update_at: datetime | None
    milestones: tuple[MilestoneView, ...] = ()
    outcomes: str | None = None
    measures: str | None = None
    # Per owner (person id): no reminders before this day.
    snoozed_until: dict[int, date] = field(default_factory=dict, compare=False, hash=False)
    # When the action last turned red, for "red for N weeks".
    red_since: datetime | None = field(default=None, compare=False)
    created_at: datetime | None = field(default=None, compare=False)

    @property
    def is_open(self) -> bool:
        return self.rag is not Rag.COMPLETE

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.review_date is not None and self.review_date < today

    def open_milestones(self) -> tuple[MilestoneView, ...]:
        return tuple(m for m in self.milestones if not m.done)

    def owned_by(self, person_id: int) -> bool:
        return any(owner.id == person_id for owner in self.owners)

    @property
    def owner_names(self) -> str:
        return ", ".join(owner.name for owner in self.owners) or "no owner"


@dataclass(frozen=True)
class BoardView:
    id: int
    name: str
    channel_id: str | None
    timezone: str
    bank_holiday_region: str
    digest_weekday: int
    digest_time: str
    reminder_lead_days: tuple[int, ...]
    chairs: tuple[PersonRef, ...] = ()
    admins: tuple[PersonRef, ...] = ()
    nudge_every_days: int = 2
    escalate_after_days: int = 5


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None
    after: str | None
    # The owner's own words this change was read from ("end of April"), shown beside it in
    # the confirmation so a misreading is caught at a glance. Not kept in the history.
    source: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    who: str | None
    source: str
    text: str | None
    changes: tuple[FieldChange, ...]
    undone: bool = False
    is_undo: bool = False

    @property
    def author(self) -> str:
        """Imports have no person behind them; say what did it instead."""
        if self.who:
            return self.who
        return "the plan import" if self.source == "import" else "someone"


@dataclass(frozen=True)
class BoardPlan:
    """Everything a summary or digest needs, loaded in a handful of queries."""

    board: BoardView
    actions: tuple[ActionView, ...]
    # RAG each action had at a past moment (e.g. the last digest), for "newly red"/"recovered".
    previous_rag: dict[int, Rag | None] = field(default_factory=dict)
    previous_at: datetime | None = None
