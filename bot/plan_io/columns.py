"""Headers as people write them ("By Whom", "Update October") mapped to our fields."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

MILESTONES = "milestones"  # a cell holding several dated milestones (one column per month)
MILESTONE_DATE = "milestone_date"  # milestones file: one milestone per row
MILESTONE_TEXT = "milestone_text"

FileKind = Literal["plan", "milestones"]

# Normalised header spellings (see normalise) for each field, space-separated.
_SYNONYMS: dict[str, str] = {
    "ref": "ref refno refnumber reference no number actionref actionno actionnumber projectref "
    "projectno id",
    "title": "action actions project projects title actiondescription descriptionofaction "
    "projectname actiontitle projecttitle",
    "outcomes": "outcomes outcome outcomesexpected expectedoutcomes expectedoutcome",
    "measures": "measure measures measureofsuccess measuresofsuccess kpi kpis successmeasures",
    "owners": "bywhom owners owner lead leads responsible actionowner actionowners projectowner "
    "responsibleofficer leadofficer",
    "review_date": "reviewdate review duedate deadline targetdate due nextreview nextreviewdate "
    "dateofreview",
    "rag": "rag ragstatus status ragrating rating",
    "latest_update": "update updates latestupdate commentary comments comment progress "
    "progressupdate latestposition currentposition",
    "workstream": "workstream workstreamname priority priorityarea priorityareas theme area",
    "workstream_ref": "workstreamref workstreamno workstreamnumber priorityref priorityno "
    "priorityareano themeref",
    "workstream_lead": "workstreamlead workstreamleads prioritylead priorityarealead themelead "
    "sponsor",
    MILESTONE_DATE: "date datetext milestonedate",
    MILESTONE_TEXT: "description milestonedescription milestonetext",
}
_FIELD_BY_NAME = {name: field for field, names in _SYNONYMS.items() for name in names.split()}

_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
    r"june|july|august|september|october|november|december)"
)
_MONTH_COLUMN = re.compile(rf"(?:milestones?.*|{_MONTH}(?:\d{{2}}|\d{{4}})?)")
_UPDATE_COLUMN = re.compile(rf"(?:latest)?updates?{_MONTH}?(?:\d{{2}}|\d{{4}})?")


def normalise(header: str) -> str:
    """Case, spaces and punctuation vary between councils; letters and digits don't."""
    return "".join(ch for ch in header.casefold() if ch.isalnum())


def field_for(header: str) -> str | None:
    """The canonical field for one header cell; None for columns we don't use."""
    key = normalise(header)
    if not key:
        return None
    if key in _FIELD_BY_NAME:
        return _FIELD_BY_NAME[key]
    if _UPDATE_COLUMN.fullmatch(key):
        return "latest_update"
    if _MONTH_COLUMN.fullmatch(key):
        return MILESTONES
    return None


@dataclass(frozen=True)
class Columns:
    """Which column holds each field; the first column wins when two name the same field."""

    names: tuple[str, ...]
    index: Mapping[str, int]
    milestone_cells: tuple[int, ...]

    def has(self, field: str) -> bool:
        return field in self.index

    def name(self, field: str) -> str:
        """The header as the user wrote it, for error messages they can act on."""
        return self.names[self.index[field]] if field in self.index else field

    @property
    def kind(self) -> FileKind | None:
        """A title makes a plan; ref + date + text without a title makes a milestones list."""
        if self.has("title"):
            return "plan"
        if self.has("ref") and self.has(MILESTONE_DATE) and self.milestone_text is not None:
            return "milestones"
        return None

    @property
    def milestone_text(self) -> int | None:
        """A milestones file may call its text column 'Milestone' rather than 'Description'."""
        if self.has(MILESTONE_TEXT):
            return self.index[MILESTONE_TEXT]
        return self.milestone_cells[0] if self.milestone_cells else None


def map_columns(header: Sequence[str]) -> Columns:
    """Map a header row; unknown columns (confidence, notes) are simply not used."""
    index: dict[str, int] = {}
    cells: list[int] = []
    for position, name in enumerate(header):
        field = field_for(name)
        if field == MILESTONES:
            cells.append(position)
        elif field is not None:
            index.setdefault(field, position)
    return Columns(tuple(header), index, tuple(cells))


def header_score(header: Sequence[str]) -> int:
    """How many columns a row names; 0 unless it can head a plan or a milestones list."""
    columns = map_columns(header)
    if columns.kind is None:
        return 0
    return len(columns.index) + len(columns.milestone_cells)


def is_header(header: Sequence[str]) -> bool:
    return header_score(header) > 0


@dataclass(frozen=True)
class MissingColumn:
    """Why no row could head the file: the row most like a header, and what it lacks."""

    headings: tuple[str, ...]
    missing: str  # "column of action titles"
    advice: str  # what to head it


_MOST_HEADINGS_SHOWN = 20


def missing_column(candidates: Sequence[Sequence[str]]) -> MissingColumn:
    """The top row naming most of our columns (else the first with words in it) and the
    column it would need to head a plan or a milestones list."""
    best: Sequence[str] = ()
    best_score = -1
    for row in candidates:
        if not any(cell.strip() for cell in row):
            continue
        columns = map_columns(row)
        found = len(columns.index) + len(columns.milestone_cells)
        if found > best_score:
            best, best_score = row, found
    headings = tuple(cell.strip() for cell in best if cell.strip())
    columns = map_columns(best)
    if columns.has("ref") and columns.has(MILESTONE_DATE) and columns.milestone_text is None:
        return MissingColumn(
            headings,
            "column of milestone descriptions",
            "head the column that describes each milestone 'Description' or 'Milestone'",
        )
    return MissingColumn(
        headings,
        "column of action titles",
        "head the column that holds each action 'Action', 'Project' or 'Title' (a list of "
        "milestones needs 'Ref', 'Date' and 'Description' instead)",
    )


def quoted_headings(headings: Sequence[str]) -> str:
    """'Ref', 'RAG Status', 'Review Date' (and how many more, for a very wide row)."""
    shown = ", ".join(f"'{name}'" for name in headings[:_MOST_HEADINGS_SHOWN])
    more = len(headings) - _MOST_HEADINGS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown
