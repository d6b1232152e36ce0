"""Reading and writing the fields an update can change, as the text kept in the history."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.domain.rag import Rag
from storage.models import Action, ActionOwner, Milestone
from storage.plan import milestone_at

MILESTONE_PREFIX = "milestone:"
MILESTONE_DUE_PREFIX = "milestone_due:"
SNOOZE_PREFIX = "snooze:"
OPEN, DONE = "open", "done"
SIMPLE_FIELDS = ("rag", "review_date", "latest_update", "title", "outcomes", "measures")


class UnknownFieldError(ValueError):
    pass


def read_field(session: Session, action: Action, field: str) -> str | None:
    if field == "review_date":
        return action.review_date.isoformat() if action.review_date else None
    if field in SIMPLE_FIELDS:
        value: str | None = getattr(action, field)
        return value
    if field.startswith(SNOOZE_PREFIX):
        until = _owner_link(session, action, field).snoozed_until
        return until.isoformat() if until else None
    if field.startswith(MILESTONE_DUE_PREFIX):
        due = _milestone(session, action, field).due
        return due.isoformat() if due else None
    milestone = _milestone(session, action, field)
    return DONE if milestone.done else OPEN


def write_field(
    session: Session, action: Action, field: str, value: str | None, *, now: datetime
) -> None:
    if field == "review_date":
        action.review_date = date.fromisoformat(value) if value else None
    elif field == "rag":
        action.rag = Rag(value).value if value else None
    elif field == "latest_update":
        action.latest_update = value
        action.latest_update_at = now
    elif field in SIMPLE_FIELDS:
        setattr(action, field, value)
    elif field.startswith(SNOOZE_PREFIX):
        _owner_link(session, action, field).snoozed_until = (
            date.fromisoformat(value) if value else None
        )
        return  # a snooze is the owner's, not a change to the action itself
    elif field.startswith(MILESTONE_DUE_PREFIX):
        _milestone(session, action, field).due = date.fromisoformat(value) if value else None
    else:
        milestone = _milestone(session, action, field)
        milestone.done = value == DONE
        milestone.done_at = now if milestone.done else None
    action.updated_at = now


def milestone_field(position: int) -> str:
    return f"{MILESTONE_PREFIX}{position}"


def milestone_due_field(position: int) -> str:
    return f"{MILESTONE_DUE_PREFIX}{position}"


def snooze_field(person_id: int) -> str:
    return f"{SNOOZE_PREFIX}{person_id}"


def _owner_link(session: Session, action: Action, field: str) -> ActionOwner:
    person_id = int(field.removeprefix(SNOOZE_PREFIX))
    link = session.get(ActionOwner, (action.id, person_id), populate_existing=True)
    if link is None:
        raise UnknownFieldError(field)
    return link


def _milestone(session: Session, action: Action, field: str) -> Milestone:
    prefixes = (MILESTONE_DUE_PREFIX, MILESTONE_PREFIX)
    prefix = next((p for p in prefixes if field.startswith(p)), None)
    if prefix is None:
        raise UnknownFieldError(field)
    position = int(field.removeprefix(prefix))
    assert action.id is not None
    milestone = milestone_at(session, action.id, position)
    if milestone is None:
        raise UnknownFieldError(field)
    return milestone
