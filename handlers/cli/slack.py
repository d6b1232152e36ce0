"""`actionbot serve`: Slack over HTTP at /slack/events, or Socket Mode."""

from __future__ import annotations

from typing import Annotated

import typer

from handlers.cli.output import guarded
from handlers.cli.state import state


def register(app: typer.Typer) -> None:
    app.command()(guarded(serve))


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Serve Slack: HTTP events at /slack/events, or Socket Mode when SLACK_APP_TOKEN is set."""
    cli = state(ctx)
    cli.require_slack()
    platforms = cli.runtime(quiet=False).platforms
    platforms.serve_slack(host=host or cli.settings.host, port=port or cli.settings.port)
