"""The errors a use case raises, in the application's own words: no adapter sees SQLAlchemy.

`Busy`: the database is locked or unreachable; nothing was changed, and the same request can
simply be sent again. `Problem`: the request can't be done as asked (an email someone else
has); `NotFound`: no board or person by that name; `Invalid`: it was malformed (a day that
isn't one), checked before anything is written. Each carries the sentence to show.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.domain.replies import Notice, NoticeKind, Reply
from storage.db import Database

log = logging.getLogger(__name__)

BUSY = "the database is busy or unreachable"


class Busy(Exception):  # noqa: N818 - "busy" is what it says to an adapter
    """The database is busy or unreachable: nothing was recorded; worth another try."""


class Problem(Exception):  # noqa: N818 - the base of NotFound and Invalid
    """A request that can't be done as asked; `message` says why, for the person asking."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(Problem):
    """A request that is malformed: a name, date, time or setting that can't be one."""


class NotFound(Problem):
    """No board or person by that name (or, for a name's prefix, several)."""


@contextmanager
def busy_as_busy() -> Iterator[None]:
    """Around a unit of work: the database's "locked" or "gone away" becomes `Busy`."""
    try:
        yield
    except OperationalError as error:
        raise Busy(BUSY) from error


def is_busy(error: BaseException) -> bool:
    """`Busy`, or a database error a use case let through (reads translate nothing)."""
    return isinstance(error, Busy | OperationalError)


def one_unit_of_work(
    db: Database, what: str, work: Callable[[Session], list[Reply]]
) -> list[Reply]:
    """Run a request in one write transaction: a busy database is `Busy` (the caller retries,
    nothing was recorded); any other failure is a kind sentence with an id to quote, and a
    full traceback in the log — never to the person."""
    try:
        with db.session(write=True) as session:
            return work(session)
    except OperationalError as error:
        log.warning("%s not handled: %s", what, BUSY)
        raise Busy(BUSY) from error
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("%s failed (error %s)", what, error_id)
        text = f"Sorry, something went wrong and nothing was changed (error {error_id})."
        return [Notice(NoticeKind.NOT_UNDERSTOOD, text)]
