"""Every change to a board's plan bumps `board.version` in the same transaction.

The plan cache (storage/plan_cache.py) keeps a board's plan under the version it was read at,
so one indexed read of that number tells any process, on SQLite or PostgreSQL, whether its
copy is still the plan. Doing the bump in a session hook, rather than in each writer, means a
writer added next year can't forget it: whatever is flushed or executed through a Session is
seen here.

- ORM objects flushed (an update, a snooze, a new owner, a chair): their board's version.
- Statements written outside a flush (the import's bulk writes, `people rename`): every
  board's, at commit, since a statement does not say which board it touched; those are rare.
- People and their chat accounts are shown on every board they own on: every board's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, event, select, update
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from storage.bulk import table_of
from storage.models import (
    Action,
    ActionOwner,
    ActionUpdate,
    Board,
    BoardChannel,
    BoardRole,
    ChatIdentity,
    Milestone,
    Person,
    Workstream,
)
from storage.tables import (
    ACTIONS,
    BOARDS,
)

_EVERY_BOARD = "actionbot: every board's plan changed"
_IN_FLUSH = "actionbot: flushing"
_PENDING = "actionbot: plan changes to bump"
_DML = {"INSERT", "UPDATE", "DELETE"}
_TABLE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([\w\"`]+)", re.IGNORECASE)

_BY_BOARD = (Action, Workstream, BoardRole, BoardChannel)
_BY_ACTION = (ActionOwner, Milestone, ActionUpdate)
_EVERYWHERE = (Person, ChatIdentity)
# A change row always comes with its update (an ORM row, or the import's bulk rows), which
# names the board; so an update's change rows, written in one statement, bump nothing more.
_PLAN_TABLES = frozenset(table_of(model).name for model in (*_BY_BOARD, *_BY_ACTION, *_EVERYWHERE))


def _changed(session: Session) -> Iterable[tuple[object, bool]]:
    """(object, is_new) for everything this flush writes."""
    for obj in session.new:
        yield obj, True
    for obj in (*session.dirty, *session.deleted):
        if session.is_modified(obj) or obj in session.deleted:
            yield obj, False


@event.listens_for(Session, "before_flush")
def _note_flushed(session: Session, _context: Any, _instances: Any) -> None:
    """Noted now, bumped at commit: the board's row is locked for the least time, and last."""
    pending = _pending(session)
    for obj, is_new in _changed(session):
        if isinstance(obj, Board) and obj.id is not None:
            pending.boards.add(obj.id)
        elif isinstance(obj, _BY_BOARD) and obj.board_id is not None:
            pending.boards.add(obj.board_id)
        elif isinstance(obj, _BY_ACTION) and obj.action_id is not None:
            pending.actions.add(obj.action_id)
        elif isinstance(obj, _EVERYWHERE) and not (is_new and isinstance(obj, Person)):
            # A new person owns nothing until an ActionOwner row, which is counted itself.
            pending.everywhere = True
    session.connection().info[_IN_FLUSH] = True


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.connection().info.pop(_IN_FLUSH, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_statement(
    connection: Connection, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
) -> None:
    """Writes outside a flush: the import's bulk statements, `people rename`'s UPDATE."""
    if connection.info.get(_IN_FLUSH) or statement.lstrip()[:6].upper() not in _DML:
        return
    found = _TABLE.match(statement)
    if found and found.group(1).strip('"`').lower() in _PLAN_TABLES:
        connection.info[_EVERY_BOARD] = True


@event.listens_for(Engine, "commit")
def _committed(connection: Connection) -> None:
    connection.info.pop(_IN_FLUSH, None)


@event.listens_for(Engine, "rollback")
def _rolled_back(connection: Connection) -> None:
    connection.info.pop(_IN_FLUSH, None)
    connection.info.pop(_EVERY_BOARD, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def has_written(session: Session) -> bool:
    """This unit of work has changed some plan: what it reads is not yet anyone else's."""
    pending = session.info.get(_PENDING)
    if pending is not None and pending.any():
        return True
    return session.in_transaction() and bool(session.connection().info.get(_EVERY_BOARD))


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if not session.in_transaction():
        return
    session.flush()
    pending = _pending(session)
    pending.everywhere |= bool(session.connection().info.pop(_EVERY_BOARD, False))
    if pending.any():
        _bump(session, pending)


@dataclass
class _Pending:
    boards: set[int] = field(default_factory=set)
    actions: set[int] = field(default_factory=set)
    everywhere: bool = False

    def any(self) -> bool:
        return self.everywhere or bool(self.boards or self.actions)


def _pending(session: Session) -> _Pending:
    found = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Pending()
    return found


def _bump(session: Session, pending: _Pending) -> None:
    """One UPDATE, on the unit of work's own connection (not through the Session: no events)."""
    bumped = update(BOARDS).values(version=BOARDS.c.version + 1)
    if not pending.everywhere:
        where: ColumnElement[bool] = BOARDS.c.id.in_(sorted(pending.boards))
        if pending.actions:
            owning = select(ACTIONS.c.board_id).where(ACTIONS.c.id.in_(sorted(pending.actions)))
            where = where | BOARDS.c.id.in_(owning)
        bumped = bumped.where(where)
    session.connection().execute(bumped)
