"""What a plan file says, row by row, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.rag import Rag

FIELDS: tuple[str, ...] = (
    "ref",
    "title",
    "workstream_ref",
    "workstream",
    "workstream_lead",
    "outcomes",
    "measures",
    "owners",
    "review_date",
    "rag",
    "latest_update",
    "milestones",
)


@dataclass(frozen=True)
class SourceRef:
    """Where a row came from, as the user would find it in their spreadsheet."""

    file: str
    row: int


@dataclass(frozen=True)
class OwnerName:
    """A person (or, when nobody is named, a role) responsible for an action."""

    name: str
    role: str = ""

    @property
    def key(self) -> str:
        """The same person written in two rows or files must be one person."""
        return " ".join(self.name.casefold().split())


@dataclass(frozen=True)
class MilestoneRow:
    """A dated step; `date_text` keeps what was written ("TBC", "14 March")."""

    due: date | None
    date_text: str
    text: str
    done: bool = False


@dataclass(frozen=True)
class ActionRow:
    """One action as a file describes it; `present` says which fields the file speaks for."""

    source: SourceRef
    present: frozenset[str]
    ref: str | None = None
    title: str | None = None
    workstream_ref: str | None = None
    workstream: str | None = None
    workstream_lead: str | None = None
    outcomes: str | None = None
    measures: str | None = None
    owners: tuple[OwnerName, ...] = ()
    review_date: date | None = None
    review_date_text: str | None = None
    rag: Rag | None = None
    latest_update: str | None = None
    milestones: tuple[MilestoneRow, ...] = ()


@dataclass(frozen=True)
class CellError:
    """A problem a plan administrator can find and fix: file, row, column, what is wrong."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0 and not self.column:
            return f"{self.file}: {self.message}"
        if not self.column:
            return f"{self.file}, row {self.row}: {self.message}"
        return f"{self.file}, row {self.row}, column '{self.column}': {self.message}"


class PlanFileError(Exception):
    """Raised with every problem at once, so one fix-up round is enough."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        count = len(errors)
        heading = f"{count} problem{'s' if count != 1 else ''} in the plan file(s):"
        super().__init__("\n".join([heading, *(f"  {error}" for error in errors)]))
