"""Is the bot able to do its job? What a load balancer's health check asks."""

from __future__ import annotations

import logging

from sqlalchemy import text

from storage.db import Database

log = logging.getLogger(__name__)


class Health:
    def __init__(self, db: Database) -> None:
        self.db = db

    def database_answers(self) -> bool:
        """Healthy means able to do the job: a bot that can't reach its database is not."""
        try:
            with self.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: the database did not answer")
            return False
        return True
