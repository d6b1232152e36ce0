"""Conversation state: questions awaiting an answer, and events already handled."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from storage.models import InboundEvent, PendingQuestion

QUESTION_LIFETIME = timedelta(hours=24)


def save_question(
    session: Session,
    *,
    person_id: int,
    conversation: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """One open question per person per conversation: a new one replaces the old."""
    session.exec(
        delete(PendingQuestion).where(
            col(PendingQuestion.person_id) == person_id,
            col(PendingQuestion.conversation) == conversation,
        )
    )
    row = PendingQuestion(
        person_id=person_id,
        conversation=conversation,
        kind=kind,
        payload=json.dumps(payload),
        created_at=now,
    )
    session.add(row)
    session.flush()


def take_question(
    session: Session, *, person_id: int, conversation: str, now: datetime
) -> tuple[str, dict[str, Any]] | None:
    """The open question, removed as it is answered; stale ones are dropped."""
    statement = select(PendingQuestion).where(
        PendingQuestion.person_id == person_id, PendingQuestion.conversation == conversation
    )
    row = session.exec(statement).first()
    if row is None:
        return None
    session.delete(row)
    session.flush()
    if row.created_at < now - QUESTION_LIFETIME:
        return None
    payload: dict[str, Any] = json.loads(row.payload)
    return row.kind, payload


NO_REPLIES = "[]"


def claim_event(session: Session, *, platform: str, event_id: str, now: datetime) -> str | None:
    """Record the event in this unit of work: None the first time; for an event handled before
    (a retry, a duplicate delivery), what it was answered (JSON, "[]" if nothing was kept).

    The row is only written when the whole unit of work commits, so an attempt that fails
    leaves the event unseen and a retry applies it. Two deliveries at once: PostgreSQL makes
    the second wait on the unique key until the first commits; SQLite has one writer.
    """
    row = InboundEvent(platform=platform, event_id=event_id, received_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return _stored_replies(session, platform=platform, event_id=event_id)
    return None


def store_replies(session: Session, *, platform: str, event_id: str, replies: str) -> None:
    """What the event was answered, kept with it in the same unit of work as the change."""
    row = _event(session, platform=platform, event_id=event_id)
    if row is None:
        raise LookupError(f"event {platform}:{event_id} was not claimed")
    row.replies = replies
    session.add(row)
    session.flush()


def first_time_seen(session: Session, *, platform: str, event_id: str, now: datetime) -> bool:
    """Record the event; False if it was handled before (a retry or a duplicate delivery)."""
    return claim_event(session, platform=platform, event_id=event_id, now=now) is None


def _event(session: Session, *, platform: str, event_id: str) -> InboundEvent | None:
    statement = select(InboundEvent).where(
        InboundEvent.platform == platform, InboundEvent.event_id == event_id
    )
    return session.exec(statement.execution_options(populate_existing=True)).first()


def _stored_replies(session: Session, *, platform: str, event_id: str) -> str:
    row = _event(session, platform=platform, event_id=event_id)
    return row.replies if row is not None and row.replies is not None else NO_REPLIES


def forget_events_before(session: Session, moment: datetime) -> None:
    session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < moment))
