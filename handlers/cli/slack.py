"""`actionbot serve`: Slack at /slack/events (or Socket Mode) and Teams at /api/messages."""

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
    """Serve Slack (/slack/events, or Socket Mode) and Teams (/api/messages), as configured.

    A token Slack refuses stops it at once, saying which token and where to get another."""
    cli = state(ctx)
    cli.require_chat()
    platforms = cli.runtime(quiet=False).platforms
    platforms.check_tokens()
    platforms.serve(host=host or cli.settings.host, port=port or cli.settings.port)
