"""What the bot says back to a person, as data. Each platform renders these its own way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.plan import FieldChange


@dataclass(frozen=True)
class ActionChoice:
    ref: str
    title: str
    board_name: str


@dataclass(frozen=True)
class UpdateRecorded:
    """The confirmation: exactly what was recorded, before → after, and how to undo it."""

    board_name: str
    ref: str
    title: str
    changes: tuple[FieldChange, ...]
    update_id: int


@dataclass(frozen=True)
class UpdateUndone:
    board_name: str
    ref: str
    title: str
    restored: tuple[FieldChange, ...]


@dataclass(frozen=True)
class PlanChanged:
    """A chair's or admin's change to the plan itself (a new action, owners, milestones).

    Kept in the history like any update, but not undone with a tap: it is corrected the same
    way it was made."""

    board_name: str
    ref: str
    title: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class AskWhichAction:
    """The person owns several actions and did not say which one they meant."""

    choices: tuple[ActionChoice, ...]


@dataclass(frozen=True)
class AskWhichDate:
    phrase: str
    options: tuple[date, ...]


class NoticeKind(StrEnum):
    INFO = "info"
    HELP = "help"
    REFUSED = "refused"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class Notice:
    """A short, kind sentence: help, a refusal, or why nothing changed."""

    kind: NoticeKind
    text: str


Reply = UpdateRecorded | UpdateUndone | PlanChanged | AskWhichAction | AskWhichDate | Notice
