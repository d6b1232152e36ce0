"""`actionbot boards` and `actionbot board …`: how each board is set up, and changing it.

`board NAME [OPTIONS]` (short for `board set NAME …`) creates or configures a board;
`board rename OLD NEW` and `board remove NAME --yes` rename and remove one. Each change is
recorded in the audit, which `boards --history` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import typer
from typer.core import TyperGroup

from handlers.cli.output import (
    checked_name,
    checked_names,
    echo,
    fail,
    guarded,
    note,
    plural,
    print_json,
    print_table,
)
from handlers.cli.state import CliState, state

if TYPE_CHECKING:
    from handlers.application.boards import BoardLine
    from handlers.application.people import AuditLine

# The use cases and their rules are imported by the command that runs them, so `--help` and
# the other commands don't load the database layer for this one (tests/test_startup_imports.py).

T = TypeVar("T")
TEAMS = "teams"
SLACK = "slack"
SET = "set"
BOARD_COLUMNS = ("name", "channel", "timezone", "chairs", "digest", "lead days", "actions")
# Last, and only where Teams is in use, so Slack-only output (and scripts reading it) is as it was.
TEAMS_COLUMN = "teams channel"
HISTORY_COLUMNS = ("when", "name", "change", "before", "after", "source")
TEAMS_CHANNEL_MAX = 200  # BoardChannel.channel_id
TEAMS_CHANNEL_HELP = (
    "--teams-channel takes the Teams channel's id, like 19:abc123…@thread.tacv2: in Teams, "
    "the channel's ⋯ → Get link to channel; the id is the part after /channel/, URL-decoded"
)


def flag(name: str, text: str) -> Any:
    """A boolean option that takes no value (`--json`), shown in --help without a type."""
    return typer.Option(name, help=text, metavar="")


class BoardCommands(TyperGroup):
    """`board NAME …` is `board set NAME …`: anything that isn't a subcommand (or --help)
    goes to `set`, so `board "St Helens" --chair …` keeps working beside `board rename`."""

    # `ctx` is typer's vendored click Context, which typer doesn't export by a public name.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [SET, *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    app.command()(guarded(boards))
    board_app = typer.Typer(
        cls=BoardCommands,
        no_args_is_help=True,
        help=(
            "Create a board or change its channels, chairs, admins, timezone, digest and "
            "reminders; rename or remove one. `actionbot board NAME [OPTIONS]` is short for "
            "`actionbot board set NAME [OPTIONS]`."
        ),
    )
    board_app.command(SET)(guarded(configure_board))
    board_app.command("rename")(guarded(rename_board))
    board_app.command("remove")(guarded(remove_board))
    app.add_typer(board_app, name="board")


def boards(
    ctx: typer.Context,
    as_json: Annotated[bool, flag("--json", "Print the boards as JSON, for scripts.")] = False,
    history: Annotated[
        bool, flag("--history", "List boards' changes instead: renames, removals, chairs.")
    ] = False,
) -> None:
    """List the boards and how each is set up (or, with --history, what changed)."""
    cli = state(ctx)
    app = cli.app()
    if history:
        zone = cli.settings.default_timezone
        print_history("Board changes", app.boards.history(), as_json=as_json, zone=zone)
        return
    lines = app.boards.lines()
    if as_json:
        print_json([board_record(line) for line in lines])
        return
    if not lines:
        echo(
            "No boards yet: `actionbot import FILE --board NAME` loads a plan, or "
            "`actionbot board NAME --create` makes an empty board."
        )
        return
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
    chair: Annotated[
        list[str] | None, typer.Option(help="A chair, by full name (repeatable).")
    ] = None,
    admin: Annotated[
        list[str] | None, typer.Option(help="A plan administrator, by full name (repeatable).")
    ] = None,
    remove_chair: Annotated[
        list[str] | None, typer.Option(help="Take a chair off the board (repeatable).")
    ] = None,
    remove_admin: Annotated[
        list[str] | None, typer.Option(help="Take an administrator off the board (repeatable).")
    ] = None,
    new_person: Annotated[
        bool,
        flag("--new-person", "Add a --chair/--admin as someone new even if a name is like it."),
    ] = False,
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
        bool, flag("--create", "Make a new board if there is none by that name.")
    ] = False,
) -> None:
    """Create a board or change its channels, chairs, admins, timezone, digest and reminders."""
    from handlers.application import rules
    from handlers.application.boards import BoardSettings, RoleChanges

    name = checked_name(name, "board name")
    roles = RoleChanges(
        chairs=checked_names(chair, "--chair"),
        admins=checked_names(admin, "--admin"),
        remove_chairs=checked_names(remove_chair, "--remove-chair"),
        remove_admins=checked_names(remove_admin, "--remove-admin"),
        new_people=new_person,
    )
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
    done = cli.app().boards.configure(name, wanted, roles=roles, create=create)
    echo(f"{'Created' if done.created else 'Updated'} board {done.name}.")
    for change in done.changes:
        echo(f"  {change}")
    if done.chairless:
        echo(
            f"{done.name} has no chair now, so no one is told about silent owners: add one "
            f'with `actionbot board "{done.name}" --chair NAME`.'
        )
    _print_boards("Board", cli, [done.line])


def rename_board(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The board's name (or a unique prefix).")],
    new: Annotated[str, typer.Argument(help="Its new name.")],
) -> None:
    """Rename a board; its actions, history, chairs and channels stay as they are."""
    old, new = checked_name(old, "board name"), checked_name(new, "new name")
    done = state(ctx).app().boards.rename(old, new)
    if not done.changed:
        echo(f"The board is already called {done.after}; nothing was changed.")
        return
    echo(f"Renamed board “{done.before}” to “{done.after}”.")


def remove_board(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The board's whole name.")],
    yes: Annotated[
        bool, flag("--yes", "Remove it for good (without it, says what would be removed).")
    ] = False,
) -> None:
    """Remove a board and everything on it: actions, milestones, history, chairs, channels."""
    from handlers.application.boards import describe_contents

    name = checked_name(name, "board name")
    done = state(ctx).app().boards.remove(name, confirmed=yes)
    contents = describe_contents(done.contents) or "nothing else: it is empty"
    if not done.removed:
        echo(f"Would remove board “{done.name}” and everything on it: {contents}.")
        echo(
            "To keep a copy first: "
            f'actionbot export --board "{done.name}" --format json --output board.json'
        )
        fail(f"nothing was changed: add --yes to remove “{done.name}” for good")
    echo(f"Removed board “{done.name}”: {contents}.")
    echo(
        "Its people are still in `actionbot people`; "
        "`actionbot people remove NAME` takes out anyone no longer needed."
    )


def _checked(text: str | None, check: Callable[[str], T]) -> T | None:
    """An option as the shared rule reads it; None when it wasn't given."""
    return None if text is None else check(text)


def teams_channel_id(text: str) -> str:
    """A Teams channel's conversation id ("19:…@thread.tacv2", older "…@thread.skype").

    Taken as Teams hands it over too: URL-encoded ("19%3a…%40thread.tacv2") or as the whole
    "Get link to channel" address, whose /channel/ segment it is. Anything else (a channel's
    name, a team id, a Slack id) is refused before anything is written.
    """
    from handlers.application.errors import Invalid

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


def board_record(line: BoardLine) -> dict[str, object]:
    """A board for `boards --json`: the same keys for every board, whatever is set."""
    day, _, time = line.digest.partition(" ")
    return {
        "name": line.name,
        "slack_channel": line.channel or None,
        "teams_channel": line.channels.get(TEAMS),
        "timezone": line.timezone,
        "bank_holidays": line.bank_holiday_region,
        "chairs": list(line.chairs),
        "admins": list(line.admins),
        "digest_day": day,
        "digest_time": time,
        "lead_days": [int(d) for d in line.lead_days.split(",") if d.strip().isdigit()],
        "nudge_every_days": line.nudge_every_days,
        "escalate_after_days": line.escalate_after_days,
        "actions": line.actions,
    }


def audit_record(line: AuditLine) -> dict[str, object]:
    return {
        "at": line.at.isoformat(),
        "subject": line.subject,
        "name": line.name,
        "field": line.field,
        "before": line.before,
        "after": line.after,
        "source": line.source,
    }


def print_history(
    title: str, lines: Sequence[AuditLine], *, as_json: bool, zone: str = "UTC"
) -> None:
    """Newest first; a table on a terminal (times in `zone`), tab-separated when piped, or
    JSON (times as ISO strings with their offset)."""
    if as_json:
        print_json([audit_record(line) for line in lines])
        return
    if not lines:
        echo("No changes recorded yet.")
        return
    rows = [
        [
            f"{line.at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}",
            line.name,
            line.field,
            line.before or "",
            line.after or "",
            line.source,
        ]
        for line in lines
    ]
    print_table(title, HISTORY_COLUMNS, rows)
    note(f"{plural(len(lines), 'change')}, newest first.")


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
