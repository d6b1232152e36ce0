"""What a plan file says, row by row, before anything is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date

from bot.domain.rag import Rag

# How a long step reports progress: `track(description, total)` is a context manager yielding
# `advance(n)`. The CLI passes a progress bar; everything else passes nothing.
Advance = Callable[[int], None]
Track = Callable[[str, int], AbstractContextManager[Advance]]


@contextmanager
def tracking(track: Track | None, description: str, total: int) -> Iterator[Advance]:
    """Long work reports its progress where someone is watching (a terminal's bar); else not."""
    if track is None or not total:
        yield _no_progress
        return
    with track(description, total) as advance:
        yield advance


def _no_progress(_count: int) -> None:
    return None


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
    # Each field's heading as the file wrote it ("Review Date", "RAG Status"), so reports speak
    # the user's words; not part of what the row says, so never compared.
    columns: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class CellError:
    """A problem a plan administrator can find and fix: file, row, column, what is wrong.

    `bad_file`: the file cannot be read as a plan at all (its type, layout or encoding), which
    the CLI reports as a usage error; otherwise it is a problem in what the file says.
    `names_file`: the message goes on from the file's name ("plan.csv has no rows: …").
    """

    file: str
    row: int
    column: str
    message: str
    bad_file: bool = False
    names_file: bool = False

    def __str__(self) -> str:
        if self.names_file:
            return f"{self.file} {self.message}"
        if self.row == 0 and not self.column:
            return f"{self.file}: {self.message}"
        if not self.column:
            return f"{self.file}, row {self.row}: {self.message}"
        return f"{self.file}, row {self.row}, column '{self.column}': {self.message}"


@dataclass(frozen=True)
class ReadNote:
    """How a file was read when it was not as its name or cells say: worth telling the user."""

    file: str
    message: str
    column: str = ""

    def __str__(self) -> str:
        if self.column:
            return f"{self.file}, column '{self.column}': {self.message}"
        return f"{self.file} {self.message}"


class PlanFileError(Exception):
    """Raised with every problem at once, so one fix-up round is enough."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        count = len(errors)
        heading = f"{count} problem{'s' if count != 1 else ''} in the plan file(s):"
        super().__init__("\n".join([heading, *(f"  {error}" for error in errors)]))

    @property
    def bad_file(self) -> bool:
        """Some file could not be read as a plan at all (rather than a cell being wrong)."""
        return any(error.bad_file for error in self.errors)
