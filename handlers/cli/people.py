"""`actionbot people`, `people link`, `people sync`, `people rename` and `people remove`: who is
in the plans, and their accounts. A person is named in full (case and spacing aside); a
partial name is answered with whom it may mean."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from handlers.cli.boards import flag, print_history
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
    print_table,
)
from handlers.cli.state import CliState, state

if TYPE_CHECKING:
    from handlers.application.people import PersonLine, PersonRemoval

# The use cases and their rules are imported by the command that runs them
# (tests/test_startup_imports.py).

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
        help="The people in the plans and their chat accounts: listed, linked, renamed, removed.",
        invoke_without_command=True,
    )
    people_app.callback()(guarded(people))
    people_app.command("link")(guarded(people_link))
    people_app.command("sync")(guarded(people_sync))
    people_app.command("rename")(guarded(people_rename))
    people_app.command("remove")(guarded(people_remove))
    app.add_typer(people_app, name="people")


def people(
    ctx: typer.Context,
    as_json: Annotated[bool, flag("--json", "Print everyone as JSON, for scripts.")] = False,
    history: Annotated[
        bool, flag("--history", "List people's changes instead: renames and removals.")
    ] = False,
) -> None:
    """List everyone: role, email, Slack (and Teams) id and how many actions they own."""
    if ctx.invoked_subcommand is not None:
        return
    cli = state(ctx)
    app = cli.app()  # one composition (one connection and migration check) for the command
    if history:
        zone = cli.settings.default_timezone
        print_history("People changes", app.people.history(), as_json=as_json, zone=zone)
        return
    everyone = app.people.everyone()
    if as_json:
        print_json([person_record(p) for p in everyone])
    elif everyone:
        _print_people(cli, everyone)
    else:
        echo("No one is in the plans yet: `actionbot import FILE --board NAME` loads a plan.")
    platforms = app.jobs.delivery_platforms
    if missing := app.people.unreachable(platforms):
        named = ", ".join(f"{u.name} ({u.open_actions} open)" for u in missing)
        where = " or ".join(platforms)
        link = f" Link them with `actionbot people link NAME --{platforms[0]} ID`."
        said = note if as_json else echo  # stdout stays one JSON document
        said(
            f"Can't reach {plural(len(missing), 'person', 'people')} on {where}: {named}."
            + (link if SLACK in platforms or TEAMS in platforms else "")
        )


def people_link(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's full name, as in the plan.")],
    slack: Annotated[str | None, typer.Option(help="Their Slack user id, e.g. U0123ABC.")] = None,
    teams: Annotated[
        str | None,
        typer.Option(help="Their Microsoft Entra object id (a GUID), for Teams."),
    ] = None,
    email: Annotated[str | None, typer.Option(help="Their email (for `people sync`).")] = None,
    force: Annotated[
        bool, flag("--force", "Move an account that is linked to someone else.")
    ] = False,
) -> None:
    """Link a person to their Slack and/or Teams account (and/or record their email)."""
    from handlers.application import rules
    from handlers.application.errors import Invalid

    name = checked_name(name, "person name")
    if slack is None and teams is None and email is None:
        raise Invalid("give --slack USER_ID, --teams OBJECT_ID and/or --email ADDRESS")
    if slack is not None and SLACK_USER_ID.fullmatch(slack) is None:
        raise Invalid(f"“{slack}” isn't a Slack user id (they look like U0123ABC)")
    accounts = {SLACK: slack} if slack is not None else {}
    if teams is not None:
        accounts[TEAMS] = entra_object_id(teams)
    email = rules.email(email, "--email") if email is not None else None
    who = state(ctx).app().people.link(name, accounts=accounts, email=email, force=force)
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
    from handlers.application.errors import Invalid

    found = text.strip().removeprefix("{").removesuffix("}").lower()
    if ENTRA_OBJECT_ID.fullmatch(found) is None or found == NIL_GUID:
        raise Invalid(f"“{text}” isn't an Entra object id. {TEAMS_ID_HELP}")
    return found


def people_sync(
    ctx: typer.Context,
    teams: Annotated[
        bool, flag("--teams", "Look them up in Teams (Entra) instead of Slack.")
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


def people_rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="Their full name as it is now.")],
    new: Annotated[str, typer.Argument(help="Their name as it should be.")],
) -> None:
    """Rename someone (a misspelt import, a changed name); their actions and accounts stay."""
    old, new = checked_name(old, "person name"), checked_name(new, "new name")
    done = state(ctx).app().people.rename(old, new)
    if not done.changed:
        echo(f"{done.after} is already called that; nothing was changed.")
        return
    echo(f"Renamed {done.before} to {done.after}. Past updates keep the name they were made under.")


def people_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Their full name.")],
    reassign_to: Annotated[
        str | None,
        typer.Option(help="Who takes over every action they own (their full name)."),
    ] = None,
    yes: Annotated[
        bool, flag("--yes", "Remove them (without it, says what would happen).")
    ] = False,
) -> None:
    """Take someone out of the plans: their accounts, roles and email; their actions passed on.

    Refused while an open action has no other owner, unless --reassign-to names who takes
    their actions over. Their past updates stay in the history under their name."""
    name = checked_name(name, "person name")
    heir = optional_name(reassign_to, "--reassign-to")
    done = state(ctx).app().people.remove(name, reassign_to=heir, confirmed=yes)
    echo(f"{'Removed' if done.removed else 'Would remove'} {done.name}:")
    for line in removal_lines(done):
        echo(f"  {line}")
    if not done.removed:
        fail(f"nothing was changed: add --yes to remove {done.name}")
    echo("Their past updates stay in the history under their name.")


def removal_lines(done: PersonRemoval) -> list[str]:
    """What removing someone does, a line each."""
    from handlers.application.people import describe_actions

    lines = []
    if done.passed_on:
        count = plural(len(done.passed_on), "action")
        lines.append(f"{count} passed to {done.reassigned_to}: {describe_actions(done.passed_on)}")
    if done.dropped_from:
        count = plural(len(done.dropped_from), "action")
        where = describe_actions(done.dropped_from)
        lines.append(f"no longer an owner of {count} that others own or that are complete: {where}")
    if not done.passed_on and not done.dropped_from:
        lines.append("owns no actions")
    lines += [f"no longer {role}" for role in done.roles]
    if done.accounts:
        lines.append(f"{' and '.join(a.capitalize() for a in done.accounts)} unlinked")
    lines += [
        f'{board} is left with no chair: add one with `actionbot board "{board}" --chair NAME`'
        for board in done.chairless
    ]
    return lines


def person_record(person: PersonLine) -> dict[str, object]:
    """Someone for `people --json`: the same keys for everyone, whatever is linked."""
    return {
        "name": person.name,
        "role": person.role,
        "email": person.email or None,
        "slack": person.accounts.get(SLACK),
        "teams": person.accounts.get(TEAMS),
        "actions_owned": person.actions_owned,
    }


def _print_people(cli: CliState, everyone: Sequence[PersonLine]) -> None:
    teams = cli.settings.teams_enabled or any(TEAMS in p.accounts for p in everyone)
    columns = (*PEOPLE_COLUMNS, TEAMS_COLUMN) if teams else PEOPLE_COLUMNS
    rows = []
    for p in everyone:
        row = [p.name, p.role, p.email, p.accounts.get(SLACK, ""), str(p.actions_owned)]
        rows.append([*row, p.accounts.get(TEAMS, "")] if teams else row)
    print_table("People", columns, rows)
