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


def first_time_seen(session: Session, *, platform: str, event_id: str, now: datetime) -> bool:
    """Record the event; False if it was handled before (a retry or a duplicate delivery)."""
    row = InboundEvent(platform=platform, event_id=event_id, received_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def forget_events_before(session: Session, moment: datetime) -> None:
    session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < moment))
