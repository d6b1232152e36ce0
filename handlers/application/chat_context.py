"""One chat message's unit of work: its session, who sent it, where, and when.

Shared by the chat use case and the answers to its questions, which both act within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers.application.conversation import Conversation
from storage.models import Person


@dataclass(frozen=True)
class ChatContext:
    session: Session
    person: Person
    conversation: Conversation
    now: datetime
    # The board the platform says the person is on (the console's current board), by name.
    board_hint: str | None = None
