"""`actionbot doctor`: checks this configuration end to end and says what is wrong, and what
to do about it, one line per check. Exit 0 when nothing is wrong, 1 otherwise.

The database is checked first, read only: a database that is missing or not migrated is not
created or migrated here (every other command does that on start), and what is read from it
(the scheduler lease, the boards' channels) is then skipped.
"""

from __future__ import annotations

import typer

from handlers.cli.output import echo, guarded
from handlers.cli.state import state

MARKS = {True: "✓", False: "✗", None: "–"}
SKIPPED = (
    "The scheduler lease and the boards' channels weren't checked: they are read from the "
    "database, once it is right"
)


def register(app: typer.Typer) -> None:
    app.command()(guarded(doctor))


def doctor(ctx: typer.Context) -> None:
    """Check the database, the scheduler, Slack and Teams as configured; say what to fix."""
    from handlers.application.health import Check, database_check
    from handlers.wiring import Platforms

    cli = state(ctx)
    database = database_check(cli.settings)
    checks = [database]
    if database.ok:
        checks += cli.runtime().platforms.doctor()
    else:
        checks += [Check(None, SKIPPED), *Platforms.check_chat(cli.settings)]
    for check in checks:
        echo(f"{MARKS[check.ok]} {check.text}")
    failed = sum(check.ok is False for check in checks)
    if failed:
        echo(f"{failed} of {len(checks)} checks found something to fix (✗ above).")
        raise typer.Exit(1)
    echo("Nothing to fix.")
