"""`actionbot`: run the bot, load and export plans, configure boards and people.

A thin edge: it reads options, calls the application and prints. The commands live by group
— plan.py (import, export), boards.py, people.py, jobs.py (rag, digest, remind), slack.py
(serve) — and share output.py (one line per error, tables) and state.py (settings, the
application). This module is the typer app, `run`, `chat` and the console script.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TYPE_CHECKING, Annotated

import typer

from handlers.cli import boards, doctor, jobs, people, plan, slack, teams
from handlers.cli.output import echo, guarded, optional_name
from handlers.cli.state import CliOptions, pick_board, root, state

if TYPE_CHECKING:
    from handlers.wiring import Runtime

__all__ = ["CliOptions", "app", "main"]

app = typer.Typer(
    help="Keeps a council's improvement plan moving between board meetings.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    # Plain help: typer's rich help shows a flag as `--json <bool>`, as if it took a value.
    rich_markup_mode=None,
)


def run(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board for the console.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Who you are in the console.")] = None,
) -> None:
    """Run the bot: Slack and/or Teams when set up, else a console chat; sample plan if empty."""
    board, as_ = optional_name(board, "--board"), optional_name(as_, "--as")
    cli = state(ctx)
    chat = cli.settings.slack_enabled or cli.settings.teams_enabled
    runtime = cli.runtime(quiet=not chat)
    if cli.settings.load_sample_plan:
        for name in runtime.app.plans.load_sample_if_empty(cli.today()):
            echo(f"Loaded the sample plan: {name}.")
    if chat:
        runtime.platforms.check_tokens()
        runtime.platforms.serve(host=cli.settings.host, port=cli.settings.port)
        return
    _console(runtime, board, as_)


def chat(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    as_: Annotated[
        str | None, typer.Option("--as", help="Who you are, e.g. “Bec Windsor”.")
    ] = None,
) -> None:
    """Talk to the bot in the terminal, as a person in the plan."""
    board, as_ = optional_name(board, "--board"), optional_name(as_, "--as")
    _console(state(ctx).runtime(), board, as_)


def _console(runtime: Runtime, board_name: str | None, person_name: str | None) -> None:
    from handlers.application.errors import Problem

    board = pick_board(runtime.app, board_name, first=True)
    person = person_name or runtime.app.boards.first_chair(board.name)
    if person is None:
        raise Problem(
            f"{board.name} has no chair yet: use --as NAME, or `actionbot board --chair NAME`"
        )
    code = runtime.platforms.console(board.name, person, inp=sys.stdin, out=sys.stdout)
    raise typer.Exit(code)


app.callback()(root)
app.command()(guarded(run))
slack.register(app)
app.command()(guarded(chat))
plan.register(app)
boards.register(app)
jobs.register(app)
people.register(app)
teams.register(app)
doctor.register(app)


def main() -> None:
    """The console script: known errors are already one line; anything else becomes one."""
    try:
        app()
    except Exception:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            traceback.print_exc()
        typer.secho(
            "actionbot: something went wrong that I can't explain in a sentence, and nothing "
            "more was done. Run it again with LOG_LEVEL=DEBUG to see the details, and report "
            "them if it keeps happening.",
            err=True,
            fg="red",
        )
        raise SystemExit(1) from None
