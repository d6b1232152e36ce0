"""A board's plan in and out as a whole: imported from its spreadsheets, exported, the sample.

Reading files is the caller's (bot.plan_io); this takes and gives rows. An import works out
its changes first and writes them in one short transaction, all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.clock import Clock
from bot.domain.plan_rows import ActionRow, Track
from handlers.application.boards import BoardInfo
from handlers.application.errors import NotFound, busy_as_busy
from handlers.application.sample import load_sample_if_empty
from storage.boards import board_by_name
from storage.db import Database
from storage.plan_export import board_json, board_rows, stream_rows, to_jsonable
from storage.plan_sync import (
    ImportOutcome,
    ImportReport,
    NewBoard,
    ReportedChange,
    begin_read,
    import_rows,
)

__all__ = [
    "ImportOutcome",
    "ImportReport",
    "PlanAdmin",
    "PlanExport",
    "PlanRows",
    "ReportedChange",
    "as_json",
]


@dataclass(frozen=True)
class PlanExport:
    """The plan in the import layout (`rows`), and as a JSON record with its history."""

    board: BoardInfo
    rows: list[ActionRow]
    record: dict[str, Any]


@dataclass(frozen=True)
class PlanRows:
    """The plan in the import layout, read as it is written out (see `PlanAdmin.rows`)."""

    board: BoardInfo
    rows: Iterator[ActionRow]


class PlanAdmin:
    def __init__(
        self, *, db: Database, clock: Clock, default_timezone: str, holiday_region: str
    ) -> None:
        self.db = db
        self.clock = clock
        self.new_board = NewBoard(default_timezone, holiday_region)

    def import_rows(
        self,
        board: str,
        rows: Sequence[ActionRow],
        *,
        dry_run: bool = False,
        track: Track | None = None,
    ) -> ImportOutcome:
        """Creates the board if need be. PlanFileError, before anything is written, when a
        row adds to an action that isn't there; `dry_run` does it all and keeps nothing.
        `track(description, total)` shows how far a long import has got."""
        with busy_as_busy():
            return import_rows(
                self.db,
                board,
                rows,
                now=self.clock.now(),
                new_board=self.new_board,
                commit=not dry_run,
                track=track,
            )

    def export(self, board: str) -> PlanExport:
        with self.db.session(commit=False) as session:
            found = board_by_name(session, board)
            if found is None:
                raise NotFound(f"there's no board called “{board}”")
            rows = board_rows(session, found)
            record = board_json(session, found, exported_at=self.clock.now())
            info = BoardInfo(
                found.name, found.channel_id, found.timezone, found.bank_holiday_region
            )
        return PlanExport(info, rows, record)

    @contextmanager
    def rows(self, board: str) -> Iterator[PlanRows]:
        """The board's rows as the CSV and XLSX exports write them, read in batches while the
        caller writes them out: one read snapshot, and memory flat whatever the board's size
        (`export` builds the whole record, history and all, for JSON)."""
        with self.db.session(commit=False) as session:
            begin_read(session)
            found = board_by_name(session, board)
            if found is None or found.id is None:
                raise NotFound(f"there's no board called “{board}”")
            info = BoardInfo(
                found.name, found.channel_id, found.timezone, found.bank_holiday_region
            )
            yield PlanRows(info, stream_rows(session, found.id))

    def load_sample_if_empty(self, today: date) -> list[str]:
        """The bundled sample plans on an empty database; the names of the boards loaded."""
        return load_sample_if_empty(self.db, now=self.clock.now(), today=today)


def as_json(value: object) -> Any:
    """Any answer or record the core returns, as plain JSON values (dates as ISO text)."""
    return to_jsonable(value)
