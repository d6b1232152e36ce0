"""`actionbot import` and `actionbot export`: a board's plan in from spreadsheets, and out."""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from enum import StrEnum
from io import TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, NoReturn, TextIO

import typer

from handlers.cli.output import (
    USAGE,
    checked_name,
    echo,
    fail,
    guarded,
    note,
    optional_name,
    plural,
    print_json,
    progress,
)
from handlers.cli.state import pick_board, state

if TYPE_CHECKING:
    from bot.domain.plan_rows import ActionRow, PlanFileError, ReadNote
    from bot.domain.workdays import WorkingCalendar
    from bot.plan_io.reader import PlanRead
    from handlers.application.plan_admin import (
        ImportOutcome,
        ImportReport,
        PlanRows,
        ReportedChange,
    )

# The plan readers and writers (openpyxl), the calendar (holidays) and the use cases are
# imported by the command that uses them: `--help` and every other command don't pay for them
# (tests/test_startup_imports.py).


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command("import")(guarded(import_plan))
    app.command()(guarded(export))


# -- import ----------------------------------------------------------------------------------------

MOST_LISTED = 20  # refs or names listed in a report line before "…and N more"


def import_plan(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Plan files (.csv, .xlsx, or an actionbot .json export), read together."
        ),
    ],
    board: Annotated[str, typer.Option(help="Board to load into; created if missing.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="The plan's date (default today): a date with no year, like '09 Mar', is the "
            "nearest such date to it."
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would change; save nothing.")] = False,
    review_date: Annotated[
        str | None, typer.Option(help="Review date for files that have no review-date column.")
    ] = None,
    as_json_: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load (or refresh) a board's plan from its spreadsheets; all or nothing."""
    from bot.domain.plan_rows import PlanFileError
    from bot.domain.workdays import WorkingCalendar
    from handlers.application import rules

    board = checked_name(board, "--board")
    cli = state(ctx)
    calendar = WorkingCalendar(cli.settings.bank_holiday_region)
    as_of_day = cli.today()
    if as_of:
        as_of_day = rules.day(as_of, "--as-of", today=as_of_day, calendar=calendar)
    read = _read(files, as_of=as_of_day, calendar=calendar)
    rows = read.rows
    if review_date:
        day = rules.day(review_date, "--review-date", today=as_of_day, calendar=calendar)
        rows = [_with_review_date(row, day, review_date) for row in rows]
    app = cli.app()
    try:
        outcome = app.plans.import_rows(board, rows, dry_run=dry_run, track=progress)
    except PlanFileError as error:
        _plan_errors(error, files)
    if as_json_:
        print_json(_report_json(outcome, read.notes, dry_run=dry_run))
    else:
        _print_import(outcome, read.notes, dry_run=dry_run)


def _read(files: list[Path], *, as_of: date, calendar: WorkingCalendar) -> PlanRead:
    from bot.domain.plan_rows import PlanFileError
    from bot.plan_io.reader import read_plans

    try:
        return read_plans(files, as_of=as_of, calendar=calendar, track=progress)
    except PlanFileError as error:
        _plan_errors(error, files)


def _plan_errors(error: PlanFileError, files: list[Path]) -> NoReturn:
    """Every problem, by file, row and column, so one round of fixes is enough. A file that
    can't be read as a plan at all is a usage error (2); a problem in what it says is 1."""
    for problem in error.errors:
        note(f"  {problem}")
    where = "the plan file" if len(files) == 1 else "the plan files"
    fail(
        f"{plural(len(error.errors), 'problem')} in {where}; nothing was imported",
        USAGE if error.bad_file else 1,
    )


def _with_review_date(row: ActionRow, day: date, text: str) -> ActionRow:
    """Only actions from files with no review-date column; milestone-only rows stay as read."""
    if "title" not in row.present or "review_date" in row.present:
        return row
    return replace(
        row,
        review_date=day,
        review_date_text=text,
        present=row.present | {"review_date"},
        columns={**row.columns, "review_date": "--review-date"},
    )


def _print_import(outcome: ImportOutcome, notes: list[ReadNote], *, dry_run: bool) -> None:
    """Counts and at most MOST_LISTED refs a line, so a 5,000-action plan reads like a small one."""
    report = outcome.report
    echo(f"{outcome.board}{' (new board)' if outcome.created_board else ''}:")
    for found in notes:
        echo(f"  note: {found}")
    if report.created:
        echo(f"  created {plural(len(report.created), 'action')}: {_listed(report.created)}")
    if report.updated:
        echo(f"  updated {plural(len(report.updated), 'action')} ({_by_column(report)}):")
        for ref, changes in list(report.updated.items())[:MOST_LISTED]:
            echo(f"    {ref}: {_changed_columns(changes)}")
        if len(report.updated) > MOST_LISTED:
            echo(f"    …and {len(report.updated) - MOST_LISTED:,} more")
    if report.unchanged:
        echo(f"  left alone {plural(len(report.unchanged), 'action')} that already match")
    if report.not_in_files:
        kept = plural(len(report.not_in_files), "action")
        echo(f"  kept {kept} the files don't mention: {_listed(report.not_in_files)}")
    if report.people_created:
        added = plural(len(report.people_created), "new person", "new people")
        echo(f"  added {added}: {_listed(report.people_created)}")
    if not report.changed:
        echo("No changes.")
    if dry_run:
        echo("Dry run: nothing was saved.")


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MOST_LISTED])
    more = len(items) - MOST_LISTED
    return f"{shown} …and {more:,} more" if more > 0 else shown


def _by_column(report: ImportReport) -> str:
    """How many actions each column changed on, most first: "RAG Status on 2, Review Date on 1"."""
    counts: Counter[str] = Counter()
    for changes in report.updated.values():
        counts.update({change.column for change in changes})
    return ", ".join(f"{column} on {count:,}" for column, count in counts.most_common())


def _changed_columns(changes: list[ReportedChange]) -> str:
    """One action's changed columns in the file's words; milestones counted, not listed."""
    columns: dict[str, list[ReportedChange]] = {}
    for change in changes:
        columns.setdefault(change.column, []).append(change)
    parts = []
    for column, found in columns.items():
        steps = [c for c in found if c.field.startswith("milestone:")]
        if not steps:
            parts.append(column)
            continue
        added = sum(1 for c in steps if c.before is None)
        done = len(steps) - added
        counts = [f"{added:,} added"] if added else []
        counts += [f"{done:,} done"] if done else []
        parts.append(f"{column} ({', '.join(counts)})")
    return ", ".join(parts)


def _report_json(outcome: ImportOutcome, notes: list[ReadNote], *, dry_run: bool) -> object:
    from handlers.application.plan_admin import as_json

    report = outcome.report
    return {
        "board": outcome.board,
        "new_board": outcome.created_board,
        "dry_run": dry_run,
        "changed": report.changed,
        "counts": {
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged),
            "not_in_files": len(report.not_in_files),
            "people_created": len(report.people_created),
        },
        "created": report.created,
        "updated": [
            {"ref": ref, "changes": [as_json(change) for change in changes]}
            for ref, changes in report.updated.items()
        ],
        "unchanged": report.unchanged,
        "not_in_files": report.not_in_files,
        "people_created": report.people_created,
        "notes": [
            {"file": found.file, "column": found.column or None, "message": found.message}
            for found in notes
        ],
    }


# -- export ----------------------------------------------------------------------------------------


def export(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    format_: Annotated[ExportFormat, typer.Option("--format", help="csv, xlsx or json.")] = (
        ExportFormat.CSV
    ),
    output: Annotated[Path | None, typer.Option(help="File to write (csv/json: stdout).")] = None,
    force: Annotated[
        bool, typer.Option(help="Overwrite --output if it exists (never through a symlink).")
    ] = False,
) -> None:
    """Export a board's plan: csv/xlsx in the import layout, json with milestones and history."""
    board = optional_name(board, "--board")
    cli = state(ctx)
    if format_ is ExportFormat.XLSX and output is None:
        fail("--format xlsx needs --output FILE", USAGE)
    app = cli.app()
    name = pick_board(app, board).name
    if format_ is ExportFormat.JSON:
        plan = app.plans.export(name)
        with _text_out(output, force=force) as out:
            out.write(json.dumps(plan.record, indent=2, ensure_ascii=False) + "\n")
        written, board_name = len(plan.rows), plan.board.name
    else:
        with app.plans.rows(name) as streamed:
            written = _write_rows(streamed, format_, output, force=force)
            board_name = streamed.board.name
    if output is not None:
        note(f"Wrote {plural(written, 'action')} of {board_name} to {output}.")


def _write_rows(plan: PlanRows, format_: ExportFormat, output: Path | None, *, force: bool) -> int:
    """CSV or XLSX written row by row as the board is read (a 100,000-action board streams)."""
    from bot.domain.workdays import WorkingCalendar
    from bot.plan_io.writer import write_csv, write_xlsx

    calendar = WorkingCalendar(plan.board.bank_holiday_region)
    if format_ is ExportFormat.XLSX:
        assert output is not None
        with _binary_out(output, force=force) as binary:
            return write_xlsx(plan.rows, binary, calendar=calendar)
    with _text_out(output, force=force) as out:
        return write_csv(plan.rows, out, calendar=calendar)


@contextmanager
def _text_out(path: Path | None, *, force: bool) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with (
        _binary_out(path, force=force) as binary,
        TextIOWrapper(binary, encoding="utf-8", newline="") as out,
    ):
        yield out


@contextmanager
def _binary_out(path: Path, *, force: bool) -> Iterator[BinaryIO]:
    """A new file (O_CREAT|O_EXCL), or with --force an existing regular file truncated; never
    through a symlink (O_NOFOLLOW), never a FIFO or device. A failed export leaves no file."""
    existing = _existing(path, force=force)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= os.O_TRUNC if force else os.O_EXCL
    try:
        descriptor = os.open(path, flags, 0o644)
    except FileExistsError:
        fail(f"{path} already exists: use --force to overwrite it", USAGE)
    except OSError as error:
        if error.errno == errno.ELOOP:
            _symlink(path)
        fail(f"cannot write {path}: {error.strerror}")
    try:
        with os.fdopen(descriptor, "wb") as binary:
            yield binary
    except BaseException:
        if existing is None:
            path.unlink(missing_ok=True)
        raise


def _existing(path: Path, *, force: bool) -> os.stat_result | None:
    """What is at `path` already, if anything may be overwritten there; else exit 2."""
    try:
        existing = path.lstat()
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(existing.st_mode):
        _symlink(path)
    if not stat.S_ISREG(existing.st_mode):
        fail(f"{path} is not a regular file: choose another --output", USAGE)
    if not force:
        fail(f"{path} already exists: use --force to overwrite it", USAGE)
    return existing


def _symlink(path: Path) -> NoReturn:
    fail(f"{path} is a symbolic link: not writing through it; choose another --output", USAGE)
