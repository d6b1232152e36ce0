"""`actionbot import` and `actionbot export`: a board's plan in from spreadsheets, and out."""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from enum import StrEnum
from io import TextIOWrapper
from pathlib import Path
from typing import Annotated, BinaryIO, NoReturn, TextIO

import typer

from bot.domain.plan_rows import ActionRow, PlanFileError
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from bot.plan_io.writer import write_csv, write_xlsx
from handlers.application import rules
from handlers.application.plan_admin import ImportReport, PlanExport
from handlers.cli.output import USAGE, checked_name, echo, fail, guarded, note, optional_name
from handlers.cli.state import pick_board, state


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


def register(app: typer.Typer) -> None:
    app.command("import")(guarded(import_plan))
    app.command()(guarded(export))


# -- import ----------------------------------------------------------------------------------------


def import_plan(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Plan files (.csv, .xlsx), read together.")],
    board: Annotated[str, typer.Option(help="Board to load into; created if missing.")],
    as_of: Annotated[
        str | None, typer.Option(help="The plan's date: years for dates like '09 Mar'.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Report what would change; save nothing.")] = False,
    review_date: Annotated[
        str | None, typer.Option(help="Review date for files that have no review-date column.")
    ] = None,
) -> None:
    """Load (or refresh) a board's plan from its spreadsheets; all or nothing."""
    board = checked_name(board, "--board")
    cli = state(ctx)
    calendar = WorkingCalendar(cli.settings.bank_holiday_region)
    as_of_day = cli.today()
    if as_of:
        as_of_day = rules.day(as_of, "--as-of", today=as_of_day, calendar=calendar)
    rows = _read_rows(files, as_of=as_of_day, calendar=calendar)
    if review_date:
        day = rules.day(review_date, "--review-date", today=as_of_day, calendar=calendar)
        rows = [_with_review_date(row, day, review_date) for row in rows]
    app = cli.app()
    try:
        outcome = app.plans.import_rows(board, rows, dry_run=dry_run)
    except PlanFileError as error:
        _plan_errors(error)
    _print_import(
        outcome.report, board=outcome.board, new_board=outcome.created_board, dry_run=dry_run
    )


def _read_rows(files: list[Path], *, as_of: date, calendar: WorkingCalendar) -> list[ActionRow]:
    try:
        return read_plan_files(files, as_of=as_of, calendar=calendar)
    except PlanFileError as error:
        _plan_errors(error)


def _plan_errors(error: PlanFileError) -> NoReturn:
    """Every problem, by file, row and column, so one round of fixes is enough."""
    for problem in error.errors:
        note(f"  {problem}")
    fail(f"{len(error.errors)} problem(s) in the plan file(s); nothing was imported")


def _with_review_date(row: ActionRow, day: date, text: str) -> ActionRow:
    """Only actions from files with no review-date column; milestone-only rows stay as read."""
    if "title" not in row.present or "review_date" in row.present:
        return row
    return replace(
        row, review_date=day, review_date_text=text, present=row.present | {"review_date"}
    )


def _print_import(report: ImportReport, *, board: str, new_board: bool, dry_run: bool) -> None:
    echo(f"{board}{' (new board)' if new_board else ''}:")
    if report.created:
        echo(f"  created {len(report.created)} action(s): {', '.join(report.created)}")
    if report.updated:
        echo(f"  updated {len(report.updated)} action(s):")
        for ref, fields in report.updated.items():
            echo(f"    {ref}: {', '.join(fields)}")
    if report.unchanged:
        echo(f"  left alone {len(report.unchanged)} action(s) that already match")
    if report.not_in_files:
        echo(f"  not in the files (kept): {', '.join(report.not_in_files)}")
    if report.people_created:
        people = ", ".join(report.people_created)
        echo(f"  new people ({len(report.people_created)}): {people}")
    if not report.changed:
        echo("No changes.")
    if dry_run:
        echo("Dry run: nothing was saved.")


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
    plan = app.plans.export(pick_board(app, board).name)
    _write(plan, format_, output, force=force)
    if output is not None:
        note(f"Wrote {len(plan.rows)} action(s) of {plan.board.name} to {output}.")


def _write(plan: PlanExport, format_: ExportFormat, output: Path | None, *, force: bool) -> None:
    calendar = WorkingCalendar(plan.board.bank_holiday_region)
    if format_ is ExportFormat.XLSX:
        assert output is not None
        with _binary_out(output, force=force) as binary:
            write_xlsx(plan.rows, binary, calendar=calendar)
    elif format_ is ExportFormat.CSV:
        with _text_out(output, force=force) as out:
            write_csv(plan.rows, out, calendar=calendar)
    else:
        with _text_out(output, force=force) as out:
            out.write(json.dumps(plan.record, indent=2, ensure_ascii=False) + "\n")


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
