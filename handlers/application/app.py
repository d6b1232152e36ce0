"""The application as an adapter sees it: every use case a platform can ask for, in one object.

Slack, Teams, the console and the CLI are handed an `Application` by the composition root
(handlers/wiring.py) and reach the core through it alone: no adapter opens a database
session, imports storage or SQLAlchemy, or builds a use case itself. The Teams adapter is
written against this object and bot.ports.Notifier, and nothing else of the core.

Each use case owns its unit of work: one transaction per request, committed before it
returns. A database that is locked or away surfaces as `errors.Busy`; a request that can't be
done as asked as `errors.Problem` (`NotFound`, `Invalid`), each with the sentence to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Settings
from bot.domain.replies import Reply
from handlers.application.addresses import Addresses
from handlers.application.boards import Boards
from handlers.application.chat import ChatHandlers
from handlers.application.health import Health
from handlers.application.home import HomeHandler
from handlers.application.inbox import Inbox
from handlers.application.jobs import Jobs
from handlers.application.people import People
from handlers.application.plan_admin import PlanAdmin
from handlers.application.rag import RagHandler
from handlers.application.taps import AdminRequest, Tap, TapHandlers


@dataclass(frozen=True)
class AdminForms:
    """The plan admin form (add an action, change owners or a review date, milestones):
    which boards someone may administer, and submitting it. Chairs and admins only."""

    taps: TapHandlers
    home: HomeHandler

    def boards_for(self, platform: str, user_id: str) -> tuple[str, ...]:
        """The boards whose plan this account's person may change; () for anyone else."""
        return self.home.administers(platform, user_id)

    def submit(self, tap: Tap, request: AdminRequest) -> list[Reply]:
        return self.taps.administer(tap, request)


@dataclass(frozen=True)
class Application:
    """What every platform adapter is given.

    Conversations: `chat` (a message in), `rag` (a /rag query), `taps` (a button or form),
    `home` (someone's actions at a glance), `admin` (the plan admin form).
    Running a platform: `inbox` (requests stored before they are acknowledged), `jobs`
    (sweeps and digests through the platform's notifier), `health`, `addresses` (where a
    platform that needs one — Teams — can reach a person or channel later).
    Managing the plan (the CLI, and any admin surface): `boards`, `people`, `plans`.
    """

    settings: Settings
    clock: Clock
    chat: ChatHandlers
    rag: RagHandler
    taps: TapHandlers
    home: HomeHandler
    admin: AdminForms
    inbox: Inbox
    jobs: Jobs
    health: Health
    addresses: Addresses
    boards: Boards
    people: People
    plans: PlanAdmin

    def today(self) -> date:
        """Today where the council is (the default time zone)."""
        return self.clock.now().astimezone(ZoneInfo(self.settings.default_timezone)).date()
