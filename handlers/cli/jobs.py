"""`actionbot rag`, `digest` and `remind`: the answers chat gives, and the sends that are due."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from handlers.cli.output import (
    echo,
    echo_answer,
    fail,
    guarded,
    optional_name,
    print_json,
    rendered,
)
from handlers.cli.state import pick_board, state

if TYPE_CHECKING:
    from handlers.application.boards import BoardInfo
    from handlers.wiring import Runtime

# The use cases each command calls are imported in it: a command's start pays for what it
# runs, not for every other command's (tests/test_startup_imports.py).

CLI = "cli"


def register(app: typer.Typer) -> None:
    app.command()(guarded(rag))
    app.command()(guarded(digest))
    app.command()(guarded(remind))


def rag(
    ctx: typer.Context,
    query: Annotated[list[str] | None, typer.Argument(help="e.g. red, overdue, 2.3, @name")] = None,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    as_json_: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """The same answers as /rag in chat."""
    from handlers.application.conversation import Conversation, RagRequest
    from handlers.application.plan_admin import as_json

    board = optional_name(board, "--board")
    app = state(ctx).app()
    target = pick_board(app, board)
    conversation = Conversation(platform=CLI, user_id=CLI, channel=CLI)
    text = " ".join(query or [])
    answer = app.rag.answer(RagRequest(conversation, text, board_hint=target.name))
    if as_json_:
        print_json({"kind": type(answer).__name__, **as_json(answer)})
    else:
        echo_answer(rendered(answer))


def digest(
    ctx: typer.Context,
    board: Annotated[str | None, typer.Option(help="Board name (or a unique prefix).")] = None,
    post: Annotated[
        bool, typer.Option(help="Post it to the board's Slack and Teams channels now.")
    ] = False,
    as_json_: Annotated[bool, typer.Option("--json", help="Print the digest as JSON.")] = False,
) -> None:
    """Print this week's digest for a board (or post it to its channels)."""
    from handlers.application.plan_admin import as_json

    board = optional_name(board, "--board")
    cli = state(ctx)
    if post:
        cli.require_chat()
    runtime = cli.runtime()
    target = pick_board(runtime.app, board)
    found = runtime.app.jobs.digest(target.name)
    if as_json_:
        print_json({"kind": "Digest", **as_json(found)})
    else:
        echo_answer(rendered(found))
    if post:
        _post_digest(runtime, target)


def _post_digest(runtime: Runtime, board: BoardInfo) -> None:
    from bot.ports import NotDeliverableError

    if not board.channels:  # Slack's included
        fail(
            f"{board.name} has no channel: `actionbot board “{board.name}” --channel C0123ABC` "
            "(Slack) or `--teams-channel 19:…@thread.tacv2` (Teams)"
        )
    runtime.platforms.check_tokens()  # a refused token is a sentence, not a failed post
    runner = runtime.app.jobs.runner(*runtime.platforms.chat_notifiers())
    try:
        sent = runner.post_digest(board.name)
    except NotDeliverableError as error:
        fail(f"not posted: {error}")
    echo(f"Posted to {sent.channel} (message {sent.message_ref}).")


DRY_RUN = "Dry run: nothing was sent or recorded."
NO_CHAT_SERVICE = (
    "No chat service is configured (neither SLACK_BOT_TOKEN nor TEAMS_APP_ID is set), so "
    "nothing was sent or recorded: the reminders will go out once Slack or Teams is set up. "
    "To record these as sent anyway, run `actionbot remind --mark-sent`."
)


def remind(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option(help="Show what is due without sending or recording it.")
    ] = False,
    mark_sent: Annotated[
        bool,
        typer.Option(
            help="With no chat service configured: record what is printed as sent, so the "
            "scheduler won't send it again."
        ),
    ] = False,
) -> None:
    """Send the reminders and digests that are due now, and print them.

    With no chat service configured nothing can reach anyone, so what is due is printed and
    nothing is recorded (recording it would stop the real reminders later) unless --mark-sent.
    """
    from handlers.application.jobs import sweep_totals

    runtime = state(ctx).runtime()
    app, platforms = runtime.app, runtime.platforms
    settings = app.settings
    chat_configured = settings.slack_enabled or settings.teams_enabled
    if dry_run or (not chat_configured and not mark_sent):
        results = app.jobs.dry_run(platforms.console_notifier(sys.stdout))
        echo(sweep_totals(results, sent="due"))
        echo(DRY_RUN if dry_run else NO_CHAT_SERVICE)
        return
    platforms.check_tokens()  # a refused token is a sentence before anything is claimed
    # Sent through each chat platform and echoed here; printed only, with --mark-sent.
    notifiers = platforms.chat_notifiers(echo=sys.stdout) or [
        platforms.console_notifier(sys.stdout)
    ]
    echo(sweep_totals(app.jobs.runner(*notifiers, in_order=True).sweep()))
