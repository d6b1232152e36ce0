"""The update history: every change to an action, who made it, when and from where; and the
audit of boards and people (renames, removals, chairs and admins), which outlives them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.domain.plan import FieldChange, HistoryEntry
from storage.models import ActionUpdate, AuditEntry, Person, UpdateChange

RAG_FIELD = "rag"


def record_update(
    session: Session,
    *,
    action_id: int,
    person_id: int | None,
    source: str,
    text: str | None,
    changes: Sequence[FieldChange],
    now: datetime,
    undoes_id: int | None = None,
) -> ActionUpdate:
    update = ActionUpdate(
        action_id=action_id,
        person_id=person_id,
        source=source,
        text=text,
        undoes_id=undoes_id,
        created_at=now,
    )
    session.add(update)
    session.flush()
    assert update.id is not None
    rows = [
        {"update_id": update.id, "field": c.field, "before": c.before, "after": c.after}
        for c in changes
    ]
    if rows:  # one executemany, not an INSERT … RETURNING a change
        session.execute(insert(UpdateChange), rows)
    return update


BOARD = "board"
PERSON = "person"


def record_audit(
    session: Session,
    *,
    subject: str,
    subject_id: int,
    name: str,
    changes: Sequence[FieldChange],
    source: str,
    now: datetime,
) -> None:
    """One entry per change to a board or person (`subject` BOARD or PERSON), named as it is
    now (for a rename: as it was)."""
    for change in changes:
        session.add(
            AuditEntry(
                subject=subject,
                subject_id=subject_id,
                name=name,
                field=change.field,
                before=change.before,
                after=change.after,
                source=source,
                created_at=now,
            )
        )
    session.flush()


def audit_entries(
    session: Session, *, subject: str | None = None, limit: int = 200
) -> Sequence[AuditEntry]:
    """Newest first; every subject's unless one is given."""
    statement = select(AuditEntry)
    if subject is not None:
        statement = statement.where(AuditEntry.subject == subject)
    return session.exec(statement.order_by(col(AuditEntry.id).desc()).limit(limit)).all()


def changes_of(session: Session, update_id: int) -> tuple[FieldChange, ...]:
    statement = (
        select(UpdateChange)
        .where(UpdateChange.update_id == update_id)
        .order_by(col(UpdateChange.id))
    )
    return tuple(FieldChange(c.field, c.before, c.after) for c in session.exec(statement))


def get_update(session: Session, update_id: int) -> ActionUpdate | None:
    """As stored now (not as an earlier read in this unit of work left it)."""
    return session.get(ActionUpdate, update_id, populate_existing=True)


def last_undoable_update(
    session: Session, *, person_id: int, action_id: int | None = None
) -> ActionUpdate | None:
    """The person's most recent chat update that has not been undone (and is not an undo)."""
    statement = select(ActionUpdate).where(
        ActionUpdate.person_id == person_id,
        col(ActionUpdate.undone_at).is_(None),
        col(ActionUpdate.undoes_id).is_(None),
        col(ActionUpdate.source).not_in(["import", "cli"]),
    )
    if action_id is not None:
        statement = statement.where(ActionUpdate.action_id == action_id)
    return session.exec(statement.order_by(col(ActionUpdate.id).desc())).first()


def later_updates_exist(session: Session, update: ActionUpdate) -> bool:
    statement = select(ActionUpdate.id).where(
        ActionUpdate.action_id == update.action_id,
        col(ActionUpdate.id) > update.id,
        col(ActionUpdate.undone_at).is_(None),
        col(ActionUpdate.undoes_id).is_(None),
    )
    return session.exec(statement).first() is not None


def action_history(session: Session, action_id: int, *, limit: int = 50) -> list[HistoryEntry]:
    """Newest first."""
    statement = (
        select(ActionUpdate, Person)
        .join(Person, col(Person.id) == col(ActionUpdate.person_id), isouter=True)
        .where(ActionUpdate.action_id == action_id)
        .order_by(col(ActionUpdate.id).desc())
        .limit(limit)
    )
    rows = session.exec(statement).all()
    ids = [u.id for u, _ in rows if u.id is not None]
    changes: dict[int, list[FieldChange]] = defaultdict(list)
    if ids:
        for c in session.exec(
            select(UpdateChange)
            .where(col(UpdateChange.update_id).in_(ids))
            .order_by(col(UpdateChange.id))
        ):
            changes[c.update_id].append(FieldChange(c.field, c.before, c.after))
    return [
        HistoryEntry(
            id=u.id or 0,
            at=u.created_at,
            who=p.name if p else None,
            source=u.source,
            text=u.text,
            changes=tuple(changes.get(u.id or 0, ())),
            undone=u.undone_at is not None,
            is_undo=u.undoes_id is not None,
        )
        for u, p in rows
    ]
