"""The bundled sample: the real St Helens and Worcestershire plans, moved to the present.

The seed plans are from 2022 and 2017. So that reminders and digests mean something on a
fresh install, every date is moved forward by whole weeks (weekdays are kept) until the
plan's first review falls in the coming days. The dates as written are kept alongside.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

from bot.domain.plan_rows import ActionRow
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from storage.boards import CHAIR, add_role, ensure_board, list_boards
from storage.db import Database
from storage.people import get_or_create_person
from storage.plan_sync import apply_rows

FIRST_REVIEW_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class SampleBoard:
    name: str
    files: tuple[str, ...]
    as_of: date
    chair: tuple[str, str]
    review_date: date | None = None
    review_date_text: str | None = None


SAMPLE_BOARDS = (
    SampleBoard(
        name="St Helens Children's Improvement Board",
        files=("st_helens_plan.csv",),
        as_of=date(2022, 10, 31),
        chair=("Hilary Brooks", "DCS"),
    ),
    SampleBoard(
        name="Worcestershire Service Improvement Board",
        files=(
            "worcestershire_sip.csv",
            "worcestershire_milestones.csv",
            "worcestershire_owners.csv",
        ),
        as_of=date(2017, 2, 24),
        chair=("Nigel Richardson", "Independent Chair"),
        # The summary sheet has no review dates; the board next met on 29 March 2017.
        review_date=date(2017, 3, 29),
        review_date_text="Service Improvement Board, 29 March 2017",
    ),
)


def sample_file(name: str) -> Path:
    return Path(str(resources.files("bot").joinpath("sample", name)))


def load_sample_if_empty(db: Database, *, now: datetime, today: date) -> list[str]:
    """A fresh database gets the sample plan; one that holds any board is left alone."""
    with db.session() as session:
        if list_boards(session):
            return []
    for sample in SAMPLE_BOARDS:
        load_sample_board(db, sample, now=now, today=today)
    return [sample.name for sample in SAMPLE_BOARDS]


def load_sample_board(db: Database, sample: SampleBoard, *, now: datetime, today: date) -> None:
    calendar = WorkingCalendar()
    rows = read_plan_files(
        [sample_file(f) for f in sample.files], as_of=sample.as_of, calendar=calendar
    )
    rows = [_with_default_review(row, sample) for row in rows]
    shift = weeks_to_present(rows, today=today)
    rows = [shift_row(row, shift) for row in rows]
    with db.session() as session:
        board = ensure_board(session, sample.name, now=now, timezone="Europe/London")
        apply_rows(session, board, rows, now=now)
        chair = get_or_create_person(session, name=sample.chair[0], role=sample.chair[1], now=now)
        add_role(session, board, chair, CHAIR)


def _with_default_review(row: ActionRow, sample: SampleBoard) -> ActionRow:
    if sample.review_date is None or "title" not in row.present or "review_date" in row.present:
        return row
    return replace(
        row,
        review_date=sample.review_date,
        review_date_text=sample.review_date_text,
        present=row.present | {"review_date"},
    )


def weeks_to_present(rows: list[ActionRow], *, today: date) -> timedelta:
    """Whole weeks that bring the earliest review date to just after `today`."""
    reviews = [r.review_date for r in rows if r.review_date is not None]
    if not reviews:
        return timedelta(0)
    gap = (today + FIRST_REVIEW_AFTER - min(reviews)).days
    return timedelta(weeks=max(0, -(-gap // 7)))


def shift_row(row: ActionRow, shift: timedelta) -> ActionRow:
    milestones = tuple(replace(m, due=m.due + shift if m.due else None) for m in row.milestones)
    review = row.review_date + shift if row.review_date else None
    return replace(row, review_date=review, milestones=milestones)
