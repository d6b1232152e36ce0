"""The tables as SQLAlchemy Core sees them: for the reads that select columns and build plain
views, and the bulk writes that insert rows, instead of an ORM object per row."""

from __future__ import annotations

from storage.bulk import table_of
from storage.models import (
    Action,
    ActionOwner,
    ActionUpdate,
    Board,
    BoardRole,
    ChatIdentity,
    Milestone,
    Person,
    UpdateChange,
    Workstream,
)

ACTIONS = table_of(Action)
BOARDS = table_of(Board)
CHANGES = table_of(UpdateChange)
CHATS = table_of(ChatIdentity)
MILESTONES = table_of(Milestone)
OWNERS = table_of(ActionOwner)
PEOPLE = table_of(Person)
ROLES = table_of(BoardRole)
UPDATES = table_of(ActionUpdate)
WORKSTREAMS = table_of(Workstream)
