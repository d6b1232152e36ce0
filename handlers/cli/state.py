"""Settings read once (in the root callback), handed down in the context, and the application
the composition root builds from them. Nothing here is a module-level singleton.

The CLI is the program's entry point, the one layer above the composition root
(pyproject.toml's contracts): it asks the composition root for the application and the platforms
it starts, and so imports no adapter, no storage and no SQLAlchemy itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from bot.clock import Clock, SystemClock
from bot.domain.safety import terminal_safe
from handlers.cli.output import USAGE, fail, note

if TYPE_CHECKING:
    # The settings (pydantic), the application and the composition root are imported when a
    # command runs, not to print --help (tests/test_startup_imports.py).
    from bot.config import Settings
    from handlers.application.app import Application
    from handlers.application.boards import BoardInfo
    from handlers.wiring import Runtime

__all__ = ["CliOptions", "CliState", "pick_board", "root", "state"]

CHAT_SETUP = (
    "No chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, "
    "or TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID for Teams; see .env.example"
)
SLACK_SETUP = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(or SLACK_APP_TOKEN for Socket Mode); see .env.example"
)


@dataclass(frozen=True)
class CliOptions:
    """What a caller (a test) may hand in as the context object instead of the defaults."""

    settings: Settings | None = None
    clock: Clock | None = None
    # How the bot gets Microsoft tokens: a test's stand-in for Entra, instead of MSAL.
    teams_connections: object | None = None


@dataclass(frozen=True)
class CliState:
    settings: Settings
    clock: Clock
    teams_connections: object | None = None

    def today(self) -> date:
        return self.clock.now().astimezone(ZoneInfo(self.settings.default_timezone)).date()

    def runtime(self, *, quiet: bool = True) -> Runtime:
        """The composition root's; migration chatter is hidden from one-shot commands."""
        if quiet:
            logging.getLogger("alembic").setLevel(logging.WARNING)
        from handlers.wiring import compose

        path = self.settings.sqlite_path
        new = path is not None and not path.exists()
        runtime = compose(self.settings, clock=self.clock, teams_connections=self.teams_connections)
        if new:
            # Said once, when it is made: which plan every later command reads and writes.
            note(f"Created a new plan database at {path} (set DATABASE_URL to use another).")
        return runtime

    def app(self, *, quiet: bool = True) -> Application:
        return self.runtime(quiet=quiet).app

    def require_slack(self) -> None:
        if not self.settings.slack_enabled:
            fail(SLACK_SETUP)

    def require_chat(self) -> None:
        if not (self.settings.slack_enabled or self.settings.teams_enabled):
            fail(CHAT_SETUP)


def root(ctx: typer.Context) -> None:
    """Keeps a council's improvement plan moving between board meetings."""
    given = ctx.obj if isinstance(ctx.obj, CliOptions) else CliOptions()
    settings = given.settings or _read_settings()
    ctx.obj = CliState(
        settings=settings,
        clock=given.clock or SystemClock(),
        teams_connections=given.teams_connections,
    )


def state(ctx: typer.Context) -> CliState:
    found = ctx.obj
    assert isinstance(found, CliState)
    return found


def _read_settings() -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(setting_problem(e) for e in error.errors())
        fail(f"bad settings: {problems}. Set it right in the environment or .env", USAGE)


def setting_problem(error: Mapping[str, Any]) -> str:
    """ "SEND_WORKERS=0: Input should be greater than or equal to 1": the variable, the value
    given, and what is allowed; a whole-settings check ("… is still the placeholder") as is."""
    message = str(error["msg"]).removeprefix("Value error, ")
    location = error.get("loc") or ()
    if not location:
        return message
    value = error.get("input")
    shown = "" if isinstance(value, dict) else terminal_safe(str(value))[:60]
    return f"{str(location[0]).upper()}={shown}: {message}"


def pick_board(app: Application, name: str | None, *, first: bool = False) -> BoardInfo:
    """By name (or a unique prefix); with no name, the only board (or the first, for `run`)."""
    from handlers.application.errors import Invalid, NotFound, Problem

    if name:
        found = app.boards.find(name)
        if found is None:
            raise NotFound(app.boards.no_such(name))
        return found
    names = app.boards.names()
    if not names:
        raise Problem(
            "there are no boards yet: `actionbot import FILE --board NAME` or `actionbot run`"
        )
    if len(names) > 1 and not first:
        raise Invalid(f"which board? Use --board NAME. Boards: {_board_names(app)}")
    found = app.boards.find(names[0])
    assert found is not None
    return found


def _board_names(app: Application) -> str:
    return ", ".join(f"“{name}”" for name in app.boards.names()) or "none yet"
