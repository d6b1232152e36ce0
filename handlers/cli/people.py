"""`actionbot people`, `people link` and `people sync`: who is in the plans, and their accounts."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from handlers.application.errors import Invalid, NotFound
from handlers.cli.output import checked_name, echo, fail, guarded, print_table
from handlers.cli.state import state

SLACK = "slack"
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
PEOPLE_COLUMNS = ("name", "role", "email", "slack id", "actions owned")


def register(app: typer.Typer) -> None:
    people_app = typer.Typer(
        help="The people in the plans, and their chat accounts.", invoke_without_command=True
    )
    people_app.callback()(guarded(people))
    people_app.command("link")(guarded(people_link))
    people_app.command("sync")(guarded(people_sync))
    app.add_typer(people_app, name="people")


def people(ctx: typer.Context) -> None:
    """List everyone: role, email, Slack id and how many actions they own."""
    if ctx.invoked_subcommand is not None:
        return
    everyone = state(ctx).app().people.everyone()
    rows = [
        [p.name, p.role, p.email, p.accounts.get(SLACK, ""), str(p.actions_owned)] for p in everyone
    ]
    print_table("People", PEOPLE_COLUMNS, rows)
    cli = state(ctx)
    platforms = cli.app().jobs.delivery_platforms
    if missing := cli.app().people.unreachable(platforms):
        named = ", ".join(f"{u.name} ({u.open_actions} open)" for u in missing)
        where = " or ".join(platforms)
        link = f" Link them with `actionbot people link NAME --{platforms[0]} ID`."
        echo(
            f"Can't reach {len(missing)} on {where}: {named}."
            + (link if "slack" in platforms else "")
        )


def people_link(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person, as named in the plan.")],
    slack: Annotated[str | None, typer.Option(help="Their Slack user id, e.g. U0123ABC.")] = None,
    email: Annotated[str | None, typer.Option(help="Their email (for `people sync`).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Move an account that is linked to someone else.")
    ] = False,
) -> None:
    """Link a person to their Slack account (and/or record their email)."""
    name = checked_name(name, "person name")
    if slack is None and email is None:
        raise Invalid("give --slack USER_ID and/or --email ADDRESS")
    if slack is not None and SLACK_USER_ID.fullmatch(slack) is None:
        raise Invalid(f"“{slack}” isn't a Slack user id (they look like U0123ABC)")
    accounts = {SLACK: slack} if slack is not None else {}
    try:
        who = state(ctx).app().people.link(name, accounts=accounts, email=email, force=force)
    except NotFound as error:
        fail(f"{error.message}: see `actionbot people`")
    done = [f"Slack {slack}" if slack else "", f"email {email}" if email else ""]
    echo(f"Linked {who}: {' and '.join(d for d in done if d)}.")


def people_sync(ctx: typer.Context) -> None:
    """Find everyone with an email in Slack and link their accounts."""
    cli = state(ctx)
    cli.require_slack()
    found = cli.runtime().platforms.sync_slack_people()
    rows = [[name, address, user_id or "not found"] for name, address, user_id in found]
    print_table("Slack accounts", ("name", "email", "slack id"), rows)
    linked = sum(1 for _name, _address, user_id in found if user_id)
    echo(f"Linked {linked} of {len(found)} people with an email.")
