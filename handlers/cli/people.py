"""`actionbot people`, `people link` and `people sync`: who is in the plans, and their accounts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated

import typer

from handlers.application.errors import Invalid, NotFound
from handlers.application.people import PersonLine
from handlers.cli.output import USAGE, checked_name, echo, fail, guarded, print_table
from handlers.cli.state import CliState, state

SLACK = "slack"
TEAMS = "teams"
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
# An Entra (Azure AD) object id: a GUID, written 8-4-4-4-12 as the admin centres show it.
ENTRA_OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NIL_GUID = "00000000-0000-0000-0000-000000000000"  # the example in the help, never a person
PEOPLE_COLUMNS = ("name", "role", "email", "slack id", "actions owned")
# Last, and only where Teams is in use, so Slack-only output (and scripts reading it) is as it was.
TEAMS_COLUMN = "teams id"
TEAMS_ID_HELP = (
    "--teams must be the person's Microsoft Entra object id, a GUID like "
    f"{NIL_GUID} (Teams admin centre → Users, or Entra ID → Users → Object ID)"
)
TEAMS_SETUP = (
    "Teams is not configured: set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID; "
    "see README “Microsoft Teams”"
)


def register(app: typer.Typer) -> None:
    people_app = typer.Typer(
        help="The people in the plans, and their chat accounts.", invoke_without_command=True
    )
    people_app.callback()(guarded(people))
    people_app.command("link")(guarded(people_link))
    people_app.command("sync")(guarded(people_sync))
    app.add_typer(people_app, name="people")


def people(ctx: typer.Context) -> None:
    """List everyone: role, email, Slack (and Teams) id and how many actions they own."""
    if ctx.invoked_subcommand is not None:
        return
    cli = state(ctx)
    app = cli.app()  # one composition (one connection and migration check) for the command
    _print_people(cli, app.people.everyone())
    platforms = app.jobs.delivery_platforms
    if missing := app.people.unreachable(platforms):
        named = ", ".join(f"{u.name} ({u.open_actions} open)" for u in missing)
        where = " or ".join(platforms)
        link = f" Link them with `actionbot people link NAME --{platforms[0]} ID`."
        echo(
            f"Can't reach {len(missing)} on {where}: {named}."
            + (link if SLACK in platforms or TEAMS in platforms else "")
        )


def people_link(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person, as named in the plan.")],
    slack: Annotated[str | None, typer.Option(help="Their Slack user id, e.g. U0123ABC.")] = None,
    teams: Annotated[
        str | None,
        typer.Option(help="Their Microsoft Entra object id (a GUID), for Teams."),
    ] = None,
    email: Annotated[str | None, typer.Option(help="Their email (for `people sync`).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Move an account that is linked to someone else.")
    ] = False,
) -> None:
    """Link a person to their Slack and/or Teams account (and/or record their email)."""
    name = checked_name(name, "person name")
    if slack is None and teams is None and email is None:
        raise Invalid("give --slack USER_ID, --teams OBJECT_ID and/or --email ADDRESS")
    if slack is not None and SLACK_USER_ID.fullmatch(slack) is None:
        raise Invalid(f"“{slack}” isn't a Slack user id (they look like U0123ABC)")
    accounts = {SLACK: slack} if slack is not None else {}
    if teams is not None:
        accounts[TEAMS] = entra_object_id(teams)
    try:
        who = state(ctx).app().people.link(name, accounts=accounts, email=email, force=force)
    except NotFound as error:
        fail(f"{error.message}: see `actionbot people`")
    done = [
        f"Slack {slack}" if slack else "",
        f"Teams {accounts[TEAMS]}" if TEAMS in accounts else "",
        f"email {email}" if email else "",
    ]
    echo(f"Linked {who}: {' and '.join(d for d in done if d)}.")


def entra_object_id(text: str) -> str:
    """The Teams account a person is linked by: their Entra object id, lowercased.

    It is what Teams says of whoever writes to the bot (aadObjectId), in any case; stored
    lowercased so the lookup is one comparison. Anything else (an email, a Teams "29:…" id,
    the example GUID) is refused before anything is written.
    """
    found = text.strip().removeprefix("{").removesuffix("}").lower()
    if ENTRA_OBJECT_ID.fullmatch(found) is None or found == NIL_GUID:
        raise Invalid(f"“{text}” isn't an Entra object id. {TEAMS_ID_HELP}")
    return found


def people_sync(
    ctx: typer.Context,
    teams: Annotated[
        bool, typer.Option("--teams", help="Look them up in Teams (Entra) instead of Slack.")
    ] = False,
) -> None:
    """Find everyone with an email in Slack (or, with --teams, Teams) and link their accounts."""
    cli = state(ctx)
    if teams:
        if not cli.settings.teams_enabled:
            fail(TEAMS_SETUP, USAGE)
        found = cli.runtime().platforms.sync_teams_people()
        title, column = "Teams accounts", TEAMS_COLUMN
    else:
        cli.require_slack()
        found = cli.runtime().platforms.sync_slack_people()
        title, column = "Slack accounts", "slack id"
    rows = [[name, address, account or "not found"] for name, address, account in found]
    print_table(title, ("name", "email", column), rows)
    linked = sum(1 for _name, _address, account in found if account)
    echo(f"Linked {linked} of {len(found)} people with an email.")


def _print_people(cli: CliState, everyone: Sequence[PersonLine]) -> None:
    teams = cli.settings.teams_enabled or any(TEAMS in p.accounts for p in everyone)
    columns = (*PEOPLE_COLUMNS, TEAMS_COLUMN) if teams else PEOPLE_COLUMNS
    rows = []
    for p in everyone:
        row = [p.name, p.role, p.email, p.accounts.get(SLACK, ""), str(p.actions_owned)]
        rows.append([*row, p.accounts.get(TEAMS, "")] if teams else row)
    print_table("People", columns, rows)
