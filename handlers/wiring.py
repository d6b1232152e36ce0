"""The composition root: settings in, the running parts out. No module-level globals.

`build_services` connects the database and builds the use cases; `Services.application` is
the one object every adapter is handed (handlers/application/app.py). `compose` adds the
platform adapters the CLI starts (Slack, the console), so the CLI imports no adapter itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any, TextIO

from bot import logs
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.domain.workdays import WorkingCalendar
from bot.ports import Notifier
from handlers.application.addresses import Addresses
from handlers.application.app import AdminForms, Application
from handlers.application.boards import Boards
from handlers.application.chat import ChatHandlers
from handlers.application.errors import Problem
from handlers.application.health import Check, Health, lease_check
from handlers.application.home import HomeHandler
from handlers.application.inbox import Inbox
from handlers.application.jobs import Jobs
from handlers.application.people import People
from handlers.application.plan_admin import PlanAdmin
from handlers.application.rag import RagHandler
from handlers.application.taps import TapHandlers
from schedules.dispatch import Dispatcher
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    chat: ChatHandlers
    rag: RagHandler

    def dispatcher(self, notifier: Notifier, *more: Notifier, in_order: bool = False) -> Dispatcher:
        """Sends on each platform given (one notifier each): every message on each platform
        its recipient is linked to. `in_order`: one send at a time, for a terminal where order
        is what people read."""
        return Dispatcher(
            db=self.db,
            clock=self.clock,
            notifier=[notifier, *more],
            stale_claim_after=timedelta(seconds=self.settings.claim_stale_seconds),
            send_workers=1 if in_order else self.settings.send_workers,
        )

    @cached_property
    def application(self) -> Application:
        """The façade the adapters are given; built once."""
        return build_application(self)


def build_services(
    settings: Settings, *, clock: Clock | None = None, warm: bool = True
) -> Services:
    """Connects (and migrates) the database; everything else is plain construction.

    `warm`: load what the first request would otherwise wait for (for a server); a one-shot
    CLI command passes False and pays only for what it uses."""
    logs.configure(settings.log_level)
    clock = clock or SystemClock()
    db = Database.connect(settings.database_url)
    if warm:
        warm_up(settings, clock)
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        chat=ChatHandlers(
            db=db,
            clock=clock,
            default_timezone=settings.default_timezone,
            holiday_region=settings.bank_holiday_region,
        ),
        rag=RagHandler(db=db, clock=clock),
    )


def warm_up(settings: Settings, clock: Clock) -> None:
    """The bank-holiday tables load on first use (~70 ms): pay it now, not in an owner's reply."""
    WorkingCalendar(settings.bank_holiday_region).is_working_day(clock.now().date())


def build_application(services: Services) -> Application:
    settings, db, clock = services.settings, services.db, services.clock
    zone, region = settings.default_timezone, settings.bank_holiday_region
    taps = TapHandlers(db=db, clock=clock, default_timezone=zone)
    home = HomeHandler(db=db, clock=clock, default_timezone=zone)
    return Application(
        settings=settings,
        clock=clock,
        chat=services.chat,
        rag=services.rag,
        taps=taps,
        home=home,
        admin=AdminForms(taps, home),
        inbox=Inbox(db),
        jobs=Jobs(
            db=db,
            clock=clock,
            settings=settings,
            make_dispatcher=services.dispatcher,
            delivery_platforms=delivery_platforms(settings),
        ),
        health=Health(db),
        addresses=Addresses(db, clock),
        boards=Boards(db=db, clock=clock, default_timezone=zone, holiday_region=region),
        people=People(db, clock),
        plans=PlanAdmin(db=db, clock=clock, default_timezone=zone, holiday_region=region),
    )


def delivery_platforms(settings: Settings) -> tuple[str, ...]:
    """Where reminders go in this deployment: Slack and/or Teams as set up, else the console."""
    chats = tuple(
        name
        for name, enabled in (("slack", settings.slack_enabled), ("teams", settings.teams_enabled))
        if enabled
    )
    return chats or ("console",)


class Platforms:
    """The adapters the CLI starts. Each platform is imported only when it is used.

    `teams_connections`: how the bot gets its Microsoft tokens; the SDK's MSAL unless a test
    hands in its stand-in for Entra."""

    def __init__(self, app: Application, *, teams_connections: object | None = None) -> None:
        self.app = app
        self.teams_connections = teams_connections
        self._teams: Any = None

    def serve(self, *, host: str, port: int) -> None:
        """Blocks until SIGTERM or Ctrl-C: Slack at /slack/events (or Socket Mode), Teams at
        /api/messages, whichever are configured."""
        from handlers.serve import serve

        settings, clock = self.app.settings, self.app.clock
        serve(
            self.app,
            host=host,
            port=port,
            teams_connections=self.teams_connections,
            on_ready=lambda: warm_up(settings, clock),
        )

    def check_tokens(self) -> None:
        """Before serving: a token Slack refuses (the bot token; the app-level one in Socket
        Mode) is a Problem naming it and where to get another. Slack not answering is not: it
        may be back by the first request. Microsoft is not asked (Teams' settings were checked
        as they were read)."""
        settings = self.app.settings
        if not settings.slack_enabled:
            return
        from handlers.slack.app import make_client
        from handlers.slack.doctor import refused_tokens

        refused = refused_tokens(settings, make_client(settings))
        if refused is not None:
            raise Problem(refused)

    def doctor(self) -> list[Check]:
        """`actionbot doctor` once the database is known good: who holds the scheduler lease,
        then each platform's settings, with every board's Slack channel."""
        app = self.app
        lease = lease_check(
            app.health.scheduler_lease(), now=app.clock.now(), settings=app.settings
        )
        boards = [(line.name, line.channel or None) for line in app.boards.lines()]
        return [lease, *Platforms.check_chat(app.settings, boards)]

    @staticmethod
    def check_chat(
        settings: Settings, boards: list[tuple[str, str | None]] | None = None
    ) -> list[Check]:
        """Each configured chat platform's settings: Slack's asked of Slack (and, given
        `boards` as (name, Slack channel id), each board's channel); Teams' only read, never
        sent to Microsoft. A deployment with neither is said to be console-only. No database."""
        checks: list[Check] = []
        if settings.slack_enabled:
            from handlers.slack.app import make_client
            from handlers.slack.doctor import slack_checks

            checks += slack_checks(settings, make_client(settings), boards)
        if settings.teams_enabled:
            from handlers.teams.doctor import teams_settings_check

            checks.append(teams_settings_check(settings))
        if not checks:
            checks.append(
                Check(
                    None,
                    "Neither Slack nor Teams is configured: this is a console-only deployment "
                    "(`actionbot chat`; `actionbot remind` prints what is due). For Slack set "
                    "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; for Teams TEAMS_APP_ID, "
                    "TEAMS_APP_PASSWORD and TEAMS_TENANT_ID (see .env.example)",
                )
            )
        return checks

    def chat_notifiers(self, *, echo: TextIO | None = None) -> list[Notifier]:
        """One notifier per configured chat platform; with `echo`, each prints what it sent."""
        notifiers: list[Notifier] = []
        if self.app.settings.slack_enabled:
            notifiers.append(self.slack_notifier())
        if self.app.settings.teams_enabled:
            notifiers.append(self.teams_notifier())
        if echo is None:
            return notifiers
        from handlers.console.notifier import EchoNotifier

        return [EchoNotifier(notifier, echo) for notifier in notifiers]

    def teams_notifier(self) -> Notifier:
        notifier: Notifier = self._teams_parts().notifier(self.app)
        return notifier

    def sync_teams_people(self) -> list[tuple[str, str, str]]:
        """(name, email, Entra object id or "") for everyone with an email; found ones linked."""
        from handlers.teams.people_sync import sync_people

        return sync_people(self.app, self._teams_parts())

    def _teams_parts(self) -> Any:
        if self._teams is None:
            from handlers.teams.server import teams_parts

            self._teams = teams_parts(self.app, self.teams_connections)  # type: ignore[arg-type]
        return self._teams

    def console(self, board: str, person: str, *, inp: TextIO, out: TextIO) -> int:
        """A terminal conversation until /quit; errors.Problem for an unknown board or person."""
        from handlers.console.repl import ConsoleSession

        return ConsoleSession(self.app, board, person, inp=inp, out=out).run()

    def console_notifier(self, out: TextIO) -> Notifier:
        """Prints each message; for reminders without a chat platform, and dry runs."""
        from handlers.console.notifier import ConsoleNotifier

        return ConsoleNotifier(out, clock=self.app.clock)

    def slack_notifier(self, *, echo: TextIO | None = None) -> Notifier:
        """Sends through Slack; with `echo`, prints what went there too."""
        from handlers.console.notifier import EchoNotifier
        from handlers.slack.app import make_client
        from handlers.slack.notifier import SlackNotifier

        notifier = SlackNotifier(make_client(self.app.settings))
        return EchoNotifier(notifier, echo) if echo is not None else notifier

    def sync_slack_people(self) -> list[tuple[str, str, str]]:
        """(name, email, Slack id or "") for everyone with an email; found ones linked."""
        from handlers.slack.app import make_client
        from handlers.slack.people_sync import sync_people

        return sync_people(self.app, make_client(self.app.settings))


@dataclass(frozen=True)
class Runtime:
    """What the CLI runs on: the application, and the platforms it can start."""

    app: Application
    platforms: Platforms


def compose(
    settings: Settings, *, clock: Clock | None = None, teams_connections: object | None = None
) -> Runtime:
    # Nothing is warmed for a one-shot command; `Platforms.serve` warms once it answers.
    app = build_services(settings, clock=clock, warm=False).application
    return Runtime(app, Platforms(app, teams_connections=teams_connections))
