"""`actionbot boards` and `actionbot board NAME …`: how each board is set up, and changing it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, TypeVar

import typer

from handlers.application import rules
from handlers.application.boards import BoardLine, BoardSettings
from handlers.cli.output import checked_name, checked_names, echo, guarded, print_table
from handlers.cli.state import state

T = TypeVar("T")
BOARD_COLUMNS = ("name", "channel", "timezone", "chairs", "digest", "lead days", "actions")


def register(app: typer.Typer) -> None:
    app.command()(guarded(boards))
    app.command("board")(guarded(configure_board))


def boards(ctx: typer.Context) -> None:
    """List the boards and how each is set up."""
    lines = state(ctx).app().boards.lines()
    print_table("Boards", BOARD_COLUMNS, [_row(line) for line in lines])


def configure_board(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Board name (an existing one, or --create).")],
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
    create: Annotated[
        bool, typer.Option("--create", help="Make a new board if there is none by that name.")
    ] = False,
) -> None:
    """Create a board or change its channel, chairs, admins, timezone, digest and reminders."""
    name = checked_name(name, "board name")
    chairs, admins = checked_names(chair, "--chair"), checked_names(admin, "--admin")
    cli = state(ctx)
    # Checked in this order, before anything is written (keyword arguments run in order).
    wanted = BoardSettings(
        timezone=_checked(timezone, rules.timezone),
        digest_weekday=_checked(digest_day, partial(rules.weekday, label="--digest-day")),
        digest_time=_checked(digest_time, partial(rules.clock_time, label="--digest-time")),
        lead_days=_checked(lead_days, partial(rules.lead_days, label="--lead-days")),
        channel=_checked(channel, partial(rules.channel_id, label="--channel")),
        nudge_every_days=nudge_every,
        escalate_after_days=escalate_after,
        bank_holiday_region=_checked(holidays, partial(rules.holiday_region, label="--holidays")),
    )
    done = cli.app().boards.configure(name, wanted, chairs=chairs, admins=admins, create=create)
    echo(f"{'Created' if done.created else 'Updated'} board {done.name}.")
    for change in done.changes:
        echo(f"  {change}")
    print_table("Board", BOARD_COLUMNS, [_row(done.line)])


def _checked(text: str | None, check: Callable[[str], T]) -> T | None:
    """An option as the shared rule reads it; None when it wasn't given."""
    return None if text is None else check(text)


def _row(line: BoardLine) -> list[str]:
    return [
        line.name,
        line.channel,
        line.timezone,
        ", ".join(line.chairs),
        line.digest,
        line.lead_days,
        str(line.actions),
    ]
