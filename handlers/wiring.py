"""The composition root: settings in, the running parts out. No module-level globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot import logs
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.ports import Notifier
from handlers.application.chat import ChatHandlers
from handlers.application.rag import RagHandler
from schedules.dispatch import Dispatcher
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    chat: ChatHandlers
    rag: RagHandler

    def dispatcher(self, notifier: Notifier, *, in_order: bool = False) -> Dispatcher:
        """`in_order`: one send at a time, for a terminal where order is what people read."""
        return Dispatcher(
            db=self.db,
            clock=self.clock,
            notifier=notifier,
            stale_claim_after=timedelta(seconds=self.settings.claim_stale_seconds),
            send_workers=1 if in_order else self.settings.send_workers,
        )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Connects (and migrates) the database; everything else is plain construction."""
    logs.configure(settings.log_level)
    clock = clock or SystemClock()
    db = Database.connect(settings.database_url)
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
