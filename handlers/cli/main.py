"""`actionbot`: run the bot, load and export plans, configure boards and people.

A thin edge: it reads options, calls the core and prints. Settings are read once, in the
root callback, and handed down in the context; nothing here is a module-level singleton.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from io import TextIOWrapper
from pathlib import Path
from typing import Annotated, BinaryIO, NoReturn, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Connection
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.dates import read_date
from bot.domain.plan_rows import ActionRow, PlanFileError
from bot.domain.safety import clean_name, name_problem, terminal_safe
from bot.domain.workdays import WorkingCalendar
from bot.plan_io.reader import read_plan_files
from bot.plan_io.writer import write_csv, write_xlsx
from bot.ports import NotDeliverableError, Notifier
from handlers.application.conversation import Conversation, RagRequest
from handlers.application.sample import load_sample_if_empty
from handlers.console.notifier import ConsoleNotifier, EchoNotifier, rendered
from handlers.console.repl import ConsoleError, ConsoleSession, sweep_totals
from handlers.wiring import Services, build_services
from schedules.dispatch import Dispatcher
from storage.boards import (
    ADMIN,
    CHAIR,
    add_role,
    board_by_name,
    ensure_board,
    list_boards,
    parse_lead_days,
    role_people,
)
from storage.db import Database
from storage.models import Board, Person
from storage.people import (
    actions_owned_counts,
    chat_ids_for,
    find_person,
    get_or_create_person,
    link_chat_id,
    list_people,
    person_by_email,
)
from storage.plan import action_counts_by_board
from storage.plan_export import board_json, board_rows, to_jsonable
from storage.plan_sync import ImportReport, NewBoard, import_rows

log = logging.getLogger(__name__)

app = typer.Typer(
    help="Keeps a council's improvement plan moving between board meetings.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)
people_app = typer.Typer(
    help="The people in the plans, and their chat accounts.", invoke_without_command=True
)
app.add_typer(people_app, name="people")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HH_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
BOARD_COLUMNS = ("name", "channel", "timezone", "chairs", "digest", "lead days", "actions")
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
SLACK_SETUP = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(or SLACK_APP_TOKEN for Socket Mode); see .env.example"
)


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


@dataclass(frozen=True)
class CliOptions:
    """What a caller (a test) may hand in as the context object instead of the defaults."""

    settings: Settings | None = None
    clock: Clock | None = None


@dataclass(frozen=True)
class CliState:
    settings: Settings
    clock: Clock

    def today(self) -> date:
        return self.clock.now().astimezone(ZoneInfo(self.settings.default_timezone)).date()


# -- output ---------------------------------------------------------------------------------------


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and an exit code; never a traceback."""
    typer.secho(f"actionbot: {terminal_safe(message)}", err=True, fg="red")
    raise typer.Exit(code)


def echo(text: str = "") -> None:
    """Text from files and the database can't move the cursor, recolour or retitle a terminal."""
    typer.echo(terminal_safe(text))


def checked_name(text: str, option: str) -> str:
    """A board's or person's name as given on the command line, or exit 2 before any write."""
    problem = name_problem(text)
    if problem is not None:
        fail(f"{option}: {problem}", 2)
    return clean_name(text)


def checked_names(texts: Sequence[str] | None, option: str) -> list[str]:
    return [checked_name(text, option) for text in texts or []]


def optional_name(text: str | None, option: str) -> str | None:
    return checked_name(text, option) if text is not None else None


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A rich table for people at a terminal; tab-separated lines for pipes and tests."""
    if _is_tty(sys.stdout):
        table = Table(title=title, title_justify="left")
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*(escape(terminal_safe(cell)) for cell in row))  # no [markup] either
        Console(highlight=False).print(table)
        return
    echo("\t".join(headers))
    for row in rows:
        echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))


# -- settings and services -------------------------------------------------------------------------


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Keeps a council's improvement plan moving between board meetings."""
    given = ctx.obj if isinstance(ctx.obj, CliOptions) else CliOptions()
    settings = given.settings or _read_settings()
    ctx.obj = CliState(settings=settings, clock=given.clock or SystemClock())


def _read_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(_problem(e["msg"]) for e in error.errors())
        fail(f"bad settings: {problems}", 2)


def _problem(message: str) -> str:
    return message.removeprefix("Value error, ")


def _state(ctx: typer.Context) -> CliState:
    state = ctx.obj
    assert isinstance(state, CliState)
    return state


def _services(state: CliState, *, quiet: bool = True) -> Services:
    """The composition root; migration chatter is hidden from one-shot commands."""
    if quiet:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return build_services(state.settings, clock=state.clock)


def _require_slack(settings: Settings) -> None:
    if not settings.slack_enabled:
        fail(SLACK_SETUP)


def _board_names(session: Session) -> str:
    return ", ".join(f"“{b.name}”" for b in list_boards(session)) or "none yet"


def _pick_board(session: Session, name: str | None, *, first: bool = False) -> Board:
    """By name (or a unique prefix); with no name, the only board (or the first, for `run`)."""
    if name:
        found = board_by_name(session, name)
        if found is None:
            fail(f"there's no board called “{name}”. Boards: {_board_names(session)}")
        return found
    boards = list(list_boards(session))
    if not boards:
        fail("there are no boards yet: `actionbot import FILE --board NAME` or `actionbot run`")
    if len(boards) > 1 and not first:
        fail(f"which board? Use --board NAME. Boards: {_board_names(session)}", 2)
    return boards[0]


def _parse_day(text: str, option: str, *, today: date, calendar: WorkingCalendar) -> date:
    """Dates as people write them, day first: 2022-10-31, 31/10/2022, "November 2022"."""
    reading = read_date(text, today=today, calendar=calendar, year_rule="base")
    if reading is not None and reading.date is not None:
        return reading.date
    if reading is not None and reading.is_ambiguous:
        options = " or ".join(day.isoformat() for day in reading.options)
        fail(f"{option} “{text}” could mean {options}: write it in full", 2)
    fail(f"{option} “{text}” is not a date (e.g. 2022-10-31 or “31 October 2022”)", 2)


# -- run, serve, chat ------------------------------------------------------------------------------


@app.command()
def run(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board for the console.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Who you are in the console.")] = None,
) -> None:
    """Run the bot: Slack when its tokens are set, else a console chat; sample plan if empty."""
    board, as_ = optional_name(board, "--board"), optional_name(as_, "--as")
    state = _state(ctx)
    services = _services(state, quiet=not state.settings.slack_enabled)
    if state.settings.load_sample_plan:
        now = services.clock.now()
        for name in load_sample_if_empty(services.db, now=now, today=state.today()):
            echo(f"Loaded the sample plan: {name}.")
    if state.settings.slack_enabled:
        _serve(services, host=state.settings.host, port=state.settings.port)
        return
    _console(services, board, as_)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve Slack: HTTP events at /slack/events, or Socket Mode when SLACK_APP_TOKEN is set."""
    state = _state(ctx)
    _require_slack(state.settings)
    services = _services(state, quiet=False)
    _serve(services, host=host or state.settings.host, port=port or state.settings.port)


def _serve(services: Services, *, host: str, port: int) -> None:
    from handlers.slack.server import serve as serve_slack  # Slack is imported only when used

    serve_slack(services, host=host, port=port)


@app.command()
def chat(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Who you are, e.g. “Bec Windsor”.")
    ] = None,
) -> None:
    """Talk to the bot in the terminal, as a person in the plan."""
    board, as_ = optional_name(board, "--board"), optional_name(as_, "--as")
    _console(_services(_state(ctx)), board, as_)


def _console(services: Services, board_name: str | None, person_name: str | None) -> NoReturn:
    with services.db.session(commit=False) as session:
        board = _pick_board(session, board_name, first=True)
        person = person_name or _default_person(session, board)
    try:
        console = ConsoleSession(services, board.name, person, inp=sys.stdin, out=sys.stdout)
    except ConsoleError as error:
        fail(str(error))
    raise typer.Exit(console.run())


def _default_person(session: Session, board: Board) -> str:
    """The board's first chair (or admin): the person the demo is for."""
    assert board.id is not None
    people = [*role_people(session, board.id, CHAIR), *role_people(session, board.id, ADMIN)]
    if not people:
        fail(f"{board.name} has no chair yet: use --as NAME, or `actionbot board --chair NAME`")
    return people[0].name


# -- import and export -----------------------------------------------------------------------------


@app.command("import")
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
    state = _state(ctx)
    calendar = WorkingCalendar(state.settings.bank_holiday_region)
    as_of_day = state.today()
    if as_of:
        as_of_day = _parse_day(as_of, "--as-of", today=as_of_day, calendar=calendar)
    rows = _read_rows(files, as_of=as_of_day, calendar=calendar)
    if review_date:
        day = _parse_day(review_date, "--review-date", today=as_of_day, calendar=calendar)
        rows = [_with_review_date(row, day, review_date) for row in rows]
    services = _services(state)
    new_board = NewBoard(state.settings.default_timezone, state.settings.bank_holiday_region)
    try:
        outcome = import_rows(
            services.db,
            board,
            rows,
            now=services.clock.now(),
            new_board=new_board,
            commit=not dry_run,
        )
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
        typer.echo(terminal_safe(f"  {problem}"), err=True)
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


@app.command()
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
    state = _state(ctx)
    if format_ is ExportFormat.XLSX and output is None:
        fail("--format xlsx needs --output FILE", 2)
    services = _services(state)
    with services.db.session(commit=False) as session:
        target = _pick_board(session, board)
        rows = board_rows(session, target)
        record = board_json(session, target, exported_at=services.clock.now())
    calendar = WorkingCalendar(target.bank_holiday_region)
    if format_ is ExportFormat.XLSX:
        assert output is not None
        with _binary_out(output, force=force) as binary:
            write_xlsx(rows, binary, calendar=calendar)
    elif format_ is ExportFormat.CSV:
        with _text_out(output, force=force) as out:
            write_csv(rows, out, calendar=calendar)
    else:
        with _text_out(output, force=force) as out:
            out.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    if output is not None:
        message = f"Wrote {len(rows)} action(s) of {target.name} to {output}."
        typer.echo(terminal_safe(message), err=True)


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
    try:
        existing = path.lstat()
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if stat.S_ISLNK(existing.st_mode):
            fail(f"{path} is a symbolic link: not writing through it; choose another --output", 2)
        if not stat.S_ISREG(existing.st_mode):
            fail(f"{path} is not a regular file: choose another --output", 2)
        if not force:
            fail(f"{path} already exists: use --force to overwrite it", 2)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= os.O_TRUNC if force else os.O_EXCL
    try:
        descriptor = os.open(path, flags, 0o644)
    except FileExistsError:
        fail(f"{path} already exists: use --force to overwrite it", 2)
    except OSError as error:
        if error.errno == errno.ELOOP:
            fail(f"{path} is a symbolic link: not writing through it; choose another --output", 2)
        fail(f"cannot write {path}: {error.strerror}")
    try:
        with os.fdopen(descriptor, "wb") as binary:
            yield binary
    except BaseException:
        if existing is None:
            path.unlink(missing_ok=True)
        raise


# -- boards ----------------------------------------------------------------------------------------


@app.command()
def boards(ctx: typer.Context) -> None:
    """List the boards and how each is set up."""
    services = _services(_state(ctx))
    with services.db.session(commit=False) as session:
        counts = action_counts_by_board(session)
        rows = [_board_line(session, b, counts.get(b.id or 0, 0)) for b in list_boards(session)]
    print_table("Boards", BOARD_COLUMNS, rows)


def _board_line(session: Session, board: Board, actions: int) -> list[str]:
    assert board.id is not None
    chairs = ", ".join(p.name for p in role_people(session, board.id, CHAIR))
    digest = f"{WEEKDAYS[board.digest_weekday].capitalize()} {board.digest_time}"
    return [
        board.name,
        board.channel_id or "",
        board.timezone,
        chairs,
        digest,
        board.reminder_lead_days,
        str(actions),
    ]


@dataclass(frozen=True)
class BoardSettings:
    """`actionbot board` options, checked before anything is written."""

    channel: str | None = None
    timezone: str | None = None
    digest_weekday: int | None = None
    digest_time: str | None = None
    lead_days: str | None = None
    nudge_every_days: int | None = None
    escalate_after_days: int | None = None
    bank_holiday_region: str | None = None


HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")


@app.command("board")
def configure_board(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Board name; created if there is none.")],
    channel: Annotated[str | None, typer.Option(help="Chat channel id, e.g. C0123ABC.")] = None,
    chair: Annotated[list[str] | None, typer.Option(help="A chair (repeatable).")] = None,
    admin: Annotated[list[str] | None, typer.Option(help="A plan administrator.")] = None,
    timezone: Annotated[str | None, typer.Option(help="e.g. Europe/London.")] = None,
    digest_day: Annotated[str | None, typer.Option(help="mon … sun.")] = None,
    digest_time: Annotated[str | None, typer.Option(help="HH:MM, board time.")] = None,
    lead_days: Annotated[
        str | None, typer.Option(help="Working days before a review to remind, e.g. 7,1.")
    ] = None,
    nudge_every: Annotated[
        int | None,
        typer.Option(min=1, help="Nudge a silent owner every N working days."),
    ] = None,
    escalate_after: Annotated[
        int | None, typer.Option(min=1, help="Tell the chairs after N silent working days.")
    ] = None,
    holidays: Annotated[
        str | None, typer.Option(help="Bank holidays: ENG (England and Wales), WLS, SCT, NIR.")
    ] = None,
) -> None:
    """Create a board or change its channel, chairs, admins, timezone, digest and reminders."""
    name = checked_name(name, "board name")
    chair, admin = checked_names(chair, "--chair"), checked_names(admin, "--admin")
    state = _state(ctx)
    wanted = _board_settings(channel, timezone, digest_day, digest_time, lead_days)
    if holidays is not None and holidays.upper() not in HOLIDAY_REGIONS:
        fail(f"--holidays “{holidays}” is not one of {', '.join(HOLIDAY_REGIONS)}", 2)
    wanted = replace(
        wanted,
        nudge_every_days=nudge_every,
        escalate_after_days=escalate_after,
        bank_holiday_region=holidays.upper() if holidays else None,
    )
    services = _services(state)
    now = services.clock.now()
    with services.db.session() as session:
        board = board_by_name(session, name)
        created = board is None
        if board is None:
            board = ensure_board(
                session,
                name,
                now=now,
                timezone=state.settings.default_timezone,
                holiday_region=state.settings.bank_holiday_region,
            )
        changes = _apply_board_settings(board, wanted)
        for role, names in ((CHAIR, chair or []), (ADMIN, admin or [])):
            changes += [_add_role(session, board, person, role, now=now) for person in names]
        line = _board_line(session, board, _action_count(session, board))
    echo(f"{'Created' if created else 'Updated'} board {board.name}.")
    for change in changes:
        echo(f"  {change}")
    print_table("Board", BOARD_COLUMNS, [line])


def _board_settings(
    channel: str | None,
    timezone: str | None,
    digest_day: str | None,
    digest_time: str | None,
    lead_days: str | None,
) -> BoardSettings:
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            fail(f"unknown timezone “{timezone}”: use a name like Europe/London", 2)
    weekday = None
    if digest_day is not None:
        key = digest_day.strip().casefold()[:3]
        if key not in WEEKDAYS:
            fail(f"--digest-day “{digest_day}” is not a day (mon, tue, … sun)", 2)
        weekday = WEEKDAYS.index(key)
    if digest_time is not None:
        match = HH_MM.fullmatch(digest_time.strip())
        if match is None:
            fail(f"--digest-time “{digest_time}” is not a time like 09:00", 2)
        digest_time = f"{int(match.group(1)):02d}:{match.group(2)}"
    if lead_days is not None:
        lead_days = _lead_days(lead_days)
    if channel is not None and channel.startswith("#"):
        fail("--channel takes the channel's id (e.g. C0123ABC), not its #name", 2)
    return BoardSettings(channel, timezone, weekday, digest_time, lead_days)


def _lead_days(text: str) -> str:
    try:
        days = parse_lead_days(text)
    except ValueError:
        fail(f"--lead-days “{text}” should be whole days, e.g. 7,1", 2)
    if not days:
        fail("--lead-days needs at least one day, e.g. 7,1", 2)
    return ",".join(str(day) for day in days)


def _apply_board_settings(board: Board, wanted: BoardSettings) -> list[str]:
    changes: list[str] = []
    fields = (
        ("channel_id", "channel", wanted.channel),
        ("timezone", "timezone", wanted.timezone),
        ("digest_weekday", "digest day", wanted.digest_weekday),
        ("digest_time", "digest time", wanted.digest_time),
        ("reminder_lead_days", "lead days", wanted.lead_days),
        ("nudge_every_days", "nudge every (working days)", wanted.nudge_every_days),
        ("escalate_after_days", "tell the chairs after (working days)", wanted.escalate_after_days),
        ("bank_holiday_region", "bank holidays", wanted.bank_holiday_region),
    )
    for attribute, label, value in fields:
        if value is not None and getattr(board, attribute) != value:
            setattr(board, attribute, value)
            shown = (
                WEEKDAYS[value].capitalize()
                if isinstance(value, int) and attribute == "digest_weekday"
                else value
            )
            changes.append(f"{label}: {shown}")
    return changes


def _add_role(session: Session, board: Board, name: str, role: str, *, now: datetime) -> str:
    person = find_person(session, name)
    added = ""
    if person is None:
        person = get_or_create_person(session, name=name, role="", now=now)
        added = " (new person)"
    add_role(session, board, person, role)
    return f"{role}: {person.name}{added}"


def _action_count(session: Session, board: Board) -> int:
    return action_counts_by_board(session).get(board.id or 0, 0)


# -- people ----------------------------------------------------------------------------------------


@people_app.callback()
def people(ctx: typer.Context) -> None:
    """List everyone: role, email, Slack id and how many actions they own."""
    if ctx.invoked_subcommand is not None:
        return
    services = _services(_state(ctx))
    with services.db.session(commit=False) as session:
        owned = actions_owned_counts(session)
        everyone = list(list_people(session))
        chat_ids = chat_ids_for(session, [p.id for p in everyone if p.id is not None])
    rows = [
        [
            p.name,
            p.role,
            p.email or "",
            chat_ids.get(p.id or 0, {}).get("slack", ""),
            str(owned.get(p.id or 0, 0)),
        ]
        for p in everyone
    ]
    print_table("People", ("name", "role", "email", "slack id", "actions owned"), rows)


@people_app.command("link")
def people_link(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person, as named in the plan.")],
    slack: Annotated[str | None, typer.Option(help="Their Slack user id, e.g. U0123ABC.")] = None,
    email: Annotated[str | None, typer.Option(help="Their email (for `people sync`).")] = None,
) -> None:
    """Link a person to their Slack account (and/or record their email)."""
    name = checked_name(name, "person name")
    if slack is None and email is None:
        fail("give --slack USER_ID and/or --email ADDRESS", 2)
    if slack is not None and SLACK_USER_ID.fullmatch(slack) is None:
        fail(f"“{slack}” isn't a Slack user id (they look like U0123ABC)", 2)
    services = _services(_state(ctx))
    with services.db.session() as session:
        person = find_person(session, name)
        if person is None:
            fail(f"no one called “{name}” (or several match): see `actionbot people`")
        if email is not None:
            _set_email(session, person, email)
        if slack is not None:
            link_chat_id(session, person, platform="slack", external_id=slack)
        who = person.name
    done = [f"Slack {slack}" if slack else "", f"email {email}" if email else ""]
    echo(f"Linked {who}: {' and '.join(d for d in done if d)}.")


def _set_email(session: Session, person: Person, email: str) -> None:
    address = email.strip()
    if "@" not in address:
        fail(f"“{email}” isn't an email address", 2)
    holder = person_by_email(session, address)
    if holder is not None and holder.id != person.id:
        fail(f"{address} already belongs to {holder.name}")
    person.email = address


@people_app.command("sync")
def people_sync(ctx: typer.Context) -> None:
    """Find everyone with an email in Slack and link their accounts."""
    state = _state(ctx)
    _require_slack(state.settings)
    from handlers.slack.app import make_client  # Slack is imported only when used
    from handlers.slack.people_sync import sync_people

    services = _services(state)
    found = sync_people(services, make_client(state.settings))
    rows = [[name, email, user_id or "not found"] for name, email, user_id in found]
    print_table("Slack accounts", ("name", "email", "slack id"), rows)
    linked = sum(1 for _name, _email, user_id in found if user_id)
    echo(f"Linked {linked} of {len(found)} people with an email.")


# -- rag, digest, remind --------------------------------------------------------------------------


@app.command()
def rag(
    ctx: typer.Context,
    query: Annotated[list[str] | None, typer.Argument(help="e.g. red, overdue, 2.3, @name")] = None,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """The same answers as /rag in chat."""
    board = optional_name(board, "--board")
    services = _services(_state(ctx))
    with services.db.session(commit=False) as session:
        target = _pick_board(session, board)
    conversation = Conversation(platform="cli", user_id="cli", channel="cli")
    text = " ".join(query or [])
    answer = services.rag.answer(RagRequest(conversation, text, board_hint=target.name))
    if as_json:
        record = {"kind": type(answer).__name__, **to_jsonable(answer)}
        echo(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        echo(rendered(answer))


@app.command()
def digest(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    post: Annotated[bool, typer.Option(help="Post it to the board's Slack channel now.")] = False,
) -> None:
    """Print this week's digest for a board (or post it to Slack)."""
    board = optional_name(board, "--board")
    state = _state(ctx)
    if post:
        _require_slack(state.settings)
    services = _services(state)
    with services.db.session(commit=False) as session:
        target = _pick_board(session, board)
    console = ConsoleNotifier(sys.stdout, clock=services.clock)
    dispatcher = services.dispatcher(console, in_order=True)
    echo(rendered(dispatcher.digest_for(target)))
    if post:
        _post_digest(services, target)


def _post_digest(services: Services, board: Board) -> None:
    if not board.channel_id:
        fail(f"{board.name} has no channel: `actionbot board “{board.name}” --channel C0123ABC`")
    from handlers.slack.app import make_client  # Slack is imported only when used
    from handlers.slack.notifier import SlackNotifier

    notifier = SlackNotifier(make_client(services.settings))
    try:
        sent = services.dispatcher(notifier).post_digest_now(board)
    except NotDeliverableError as error:
        fail(f"not posted: {error}")
    echo(f"Posted to {sent.channel} (message {sent.message_ref}).")


@app.command()
def remind(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option(help="Show what is due without sending or recording it.")
    ] = False,
) -> None:
    """Send the reminders and digests that are due now, and print them."""
    state = _state(ctx)
    services = _services(state)
    if dry_run:
        with rollback_database(services.db) as db:
            notifier = ConsoleNotifier(sys.stdout, clock=services.clock)
            # One connection holds the whole dry run, so sends can't overlap.
            dispatcher = Dispatcher(db=db, clock=services.clock, notifier=notifier, send_workers=1)
            results = dispatcher.run_once()
        echo(sweep_totals(results, sent="due"))
        echo("Dry run: nothing was sent or recorded.")
        return
    results = services.dispatcher(_sweep_notifier(services), in_order=True).run_once()
    echo(sweep_totals(results))


def _sweep_notifier(services: Services) -> Notifier:
    """Slack when it is configured (and echoed here); otherwise the console."""
    if not services.settings.slack_enabled:
        return ConsoleNotifier(sys.stdout, clock=services.clock)
    from handlers.slack.app import make_client  # Slack is imported only when used
    from handlers.slack.notifier import SlackNotifier

    return EchoNotifier(SlackNotifier(make_client(services.settings)), sys.stdout)


class _RollbackDatabase(Database):
    """Every unit of work joins one outer transaction, which is then thrown away."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    @contextmanager
    def session(self, *, commit: bool = True, write: bool | None = None) -> Iterator[Session]:
        with Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise


@contextmanager
def rollback_database(db: Database) -> Iterator[Database]:
    """A database on which a whole sweep runs for real and then leaves no trace."""
    with db.engine.connect() as connection:
        outer = connection.begin()
        try:
            yield _RollbackDatabase(connection)
        finally:
            outer.rollback()


def main() -> None:
    """The console script: known errors are already one line; anything else becomes one."""
    try:
        app()
    except Exception as error:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        typer.secho(
            terminal_safe(f"actionbot: {type(error).__name__}: {error}"), err=True, fg="red"
        )
        typer.echo("(set LOG_LEVEL=DEBUG for the details)", err=True)
        raise SystemExit(1) from None
