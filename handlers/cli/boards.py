"""`actionbot boards` and `actionbot board NAME …`: how each board is set up, and changing it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated, TypeVar
from urllib.parse import unquote

import typer

from handlers.application import rules
from handlers.application.boards import BoardLine, BoardSettings
from handlers.application.errors import Invalid
from handlers.cli.output import checked_name, checked_names, echo, guarded, print_table
from handlers.cli.state import CliState, state

T = TypeVar("T")
TEAMS = "teams"
BOARD_COLUMNS = ("name", "channel", "timezone", "chairs", "digest", "lead days", "actions")
# Last, and only where Teams is in use, so Slack-only output (and scripts reading it) is as it was.
TEAMS_COLUMN = "teams channel"
TEAMS_CHANNEL_MAX = 200  # BoardChannel.channel_id
TEAMS_CHANNEL_HELP = (
    "--teams-channel takes the Teams channel's id, like 19:abc123…@thread.tacv2: in Teams, "
    "the channel's ⋯ → Get link to channel; the id is the part after /channel/, URL-decoded"
)


def register(app: typer.Typer) -> None:
    app.command()(guarded(boards))
    app.command("board")(guarded(configure_board))


def boards(ctx: typer.Context) -> None:
    """List the boards and how each is set up."""
    cli = state(ctx)
    lines = cli.app().boards.lines()
    _print_boards("Boards", cli, lines)


def configure_board(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Board name (an existing one, or --create).")],
    channel: Annotated[
        str | None, typer.Option(help="The Slack channel id, e.g. C0123ABC.")
    ] = None,
    teams_channel: Annotated[
        str | None,
        typer.Option(
            help="The Teams channel id, e.g. 19:abc…@thread.tacv2 (from Get link to channel)."
        ),
    ] = None,
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
    """Create a board or change its channels, chairs, admins, timezone, digest and reminders."""
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
        channels={TEAMS: teams_channel_id(teams_channel)} if teams_channel is not None else {},
        nudge_every_days=nudge_every,
        escalate_after_days=escalate_after,
        bank_holiday_region=_checked(holidays, partial(rules.holiday_region, label="--holidays")),
    )
    done = cli.app().boards.configure(name, wanted, chairs=chairs, admins=admins, create=create)
    echo(f"{'Created' if done.created else 'Updated'} board {done.name}.")
    for change in done.changes:
        echo(f"  {change}")
    _print_boards("Board", cli, [done.line])


def _checked(text: str | None, check: Callable[[str], T]) -> T | None:
    """An option as the shared rule reads it; None when it wasn't given."""
    return None if text is None else check(text)


def teams_channel_id(text: str) -> str:
    """A Teams channel's conversation id ("19:…@thread.tacv2", older "…@thread.skype").

    Taken as Teams hands it over too: URL-encoded ("19%3a…%40thread.tacv2") or as the whole
    "Get link to channel" address, whose /channel/ segment it is. Anything else (a channel's
    name, a team id, a Slack id) is refused before anything is written.
    """
    found = unquote(text.strip())
    if "/channel/" in found:
        found = found.split("/channel/", 1)[1].split("/", 1)[0].split("?", 1)[0]
    if (
        not found.startswith("19:")
        or "@thread." not in found
        or len(found) > TEAMS_CHANNEL_MAX
        or any(character.isspace() for character in found)
    ):
        raise Invalid(f"“{text}” isn't a Teams channel id. {TEAMS_CHANNEL_HELP}")
    return found


def _print_boards(title: str, cli: CliState, lines: Sequence[BoardLine]) -> None:
    teams = cli.settings.teams_enabled or any(TEAMS in line.channels for line in lines)
    columns = (*BOARD_COLUMNS, TEAMS_COLUMN) if teams else BOARD_COLUMNS
    print_table(title, columns, [_row(line, teams=teams) for line in lines])


def _row(line: BoardLine, *, teams: bool = False) -> list[str]:
    row = [
        line.name,
        line.channel,
        line.timezone,
        ", ".join(line.chairs),
        line.digest,
        line.lead_days,
        str(line.actions),
    ]
    return [*row, line.channels.get(TEAMS, "")] if teams else row
