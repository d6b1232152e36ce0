"""Turning a parsed message into recorded changes, and undoing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.domain.plan import FieldChange
from bot.domain.replies import Notice, NoticeKind, UpdateRecorded, UpdateUndone
from bot.domain.updates import ParsedUpdate, resolve_shift
from bot.domain.workdays import WorkingCalendar
from handlers.application.fields import (
    DONE,
    UnknownFieldError,
    milestone_due_field,
    milestone_field,
    read_field,
    snooze_field,
    write_field,
)
from storage import history
from storage.boards import ADMIN, CHAIR, has_role
from storage.models import Action, Board
from storage.plan import changeable_ids, lock_action, milestones_of, owner_ids

MIN_UPDATE_WORDS = 2


@dataclass(frozen=True)
class Actor:
    person_id: int
    source: str


def may_change(session: Session, actor: Actor, action: Action) -> bool:
    """Owners change their own actions; the board's chairs and admins change any."""
    assert action.id is not None
    if actor.person_id in owner_ids(session, action.id):
        return True
    return has_role(session, action.board_id, actor.person_id, (CHAIR, ADMIN))


def changeable(session: Session, actor: Actor, actions: Sequence[Action]) -> list[Action]:
    """`may_change` for many actions at once, in the order given."""
    ids = changeable_ids(session, actor.person_id, [a.id for a in actions if a.id], (CHAIR, ADMIN))
    return [a for a in actions if a.id in ids]


def update_words(parsed: ParsedUpdate) -> str | None:
    """The words kept as the latest update: a bare "red" or "done" leaves the last one alone."""
    words = parsed.text.strip(" -–—:,.;")
    return words if len(words.split()) >= MIN_UPDATE_WORDS else None


def apply_update(
    session: Session,
    *,
    action: Action,
    board: Board,
    actor: Actor,
    parsed: ParsedUpdate,
    message: str,
    now: datetime,
    today: date,
    calendar: WorkingCalendar,
    chosen_date: date | None = None,
) -> UpdateRecorded | Notice:
    """Compute before → after for every field the message touches, then write them at once.

    The action is locked first, so "before" is what is there and no other change slips in
    between reading it and writing (the caller may lock it earlier; once is enough).
    """
    _lock(session, action)
    wanted = _wanted_values(session, action, parsed, today, calendar, chosen_date)
    if isinstance(wanted, Notice):
        return wanted
    sources = _sources(parsed, chosen=chosen_date is not None)
    changes = [
        FieldChange(field, before, after, sources.get(field))
        for field, after in wanted.items()
        if (before := read_field(session, action, field)) != after
    ]
    if not changes:
        return Notice(NoticeKind.INFO, f"Nothing to change on {action.ref}: it already says that.")
    for change in changes:
        write_field(session, action, change.field, change.after, now=now)
    assert action.id is not None
    entry = history.record_update(
        session,
        action_id=action.id,
        person_id=actor.person_id,
        source=actor.source,
        text=message,
        changes=changes,
        now=now,
    )
    assert entry.id is not None
    words_only = set(wanted) == {"latest_update"}
    return UpdateRecorded(
        board.name, action.ref, action.title, tuple(changes), entry.id, words_only=words_only
    )


def _wanted_values(
    session: Session,
    action: Action,
    parsed: ParsedUpdate,
    today: date,
    calendar: WorkingCalendar,
    chosen_date: date | None,
) -> dict[str, str | None] | Notice:
    wanted: dict[str, str | None] = {}
    if parsed.rag is not None:
        wanted["rag"] = parsed.rag.value
    new_date = chosen_date or parsed.new_date
    if new_date is None and parsed.date_shift is not None:
        new_date = resolve_shift(
            parsed.date_shift, action.review_date, today=today, calendar=calendar
        )
    moved = [new_date] if new_date is not None else []
    if past := [day for day in [*moved, *dict(parsed.milestone_dates).values()] if day < today]:
        return Notice(
            NoticeKind.NOT_UNDERSTOOD,
            f"{past[0]:%a %d %b %Y} is in the past, so nothing was changed. "
            "Send the new date, e.g. “new date 30 April”.",
        )
    if new_date is not None:
        wanted["review_date"] = new_date.isoformat()
    named = [*parsed.milestones_done, *(n for n, _ in parsed.milestone_dates)]
    if named:
        assert action.id is not None
        count = len(milestones_of(session, action.id))
        missing = [n for n in named if not 1 <= n <= count]
        if missing:
            return _no_such_milestone(action.ref, missing[0], count)
        wanted.update({milestone_field(n): DONE for n in parsed.milestones_done})
        wanted.update({milestone_due_field(n): d.isoformat() for n, d in parsed.milestone_dates})
    words = update_words(parsed)
    if words is not None:
        wanted["latest_update"] = words
    return wanted


def _sources(parsed: ParsedUpdate, *, chosen: bool) -> dict[str, str]:
    """Which of the owner's words each field was read from, for the confirmation."""
    sources: dict[str, str] = {}
    for piece, words in parsed.understood:
        if piece == "rag":
            sources["rag"] = words
        elif piece in ("date", "date_shift") and not chosen:
            sources["review_date"] = words
    milestone_words = [words for piece, words in parsed.understood if piece == "milestone"]
    if len(milestone_words) == 1:
        sources.update({milestone_field(n): milestone_words[0] for n in parsed.milestones_done})
    return sources


def _no_such_milestone(ref: str, number: int, count: int) -> Notice:
    has = f"it has {count}" if count else "it has none"
    return Notice(NoticeKind.NOT_UNDERSTOOD, f"{ref} has no milestone {number} ({has}).")


def snooze(
    session: Session,
    *,
    action: Action,
    board: Board,
    actor: Actor,
    until: date,
    message: str,
    now: datetime,
) -> UpdateRecorded | Notice:
    """Reminders to this owner about this action wait until `until`; the history says so."""
    _lock(session, action)
    assert action.id is not None
    if actor.person_id not in owner_ids(session, action.id):
        return Notice(
            NoticeKind.INFO,
            f"You don't get reminders for {action.ref}, so there's nothing to snooze.",
        )
    field = snooze_field(actor.person_id)
    change = FieldChange(field, read_field(session, action, field), until.isoformat())
    write_field(session, action, field, change.after, now=now)
    entry = history.record_update(
        session,
        action_id=action.id,
        person_id=actor.person_id,
        source=actor.source,
        text=message,
        changes=[change],
        now=now,
    )
    assert entry.id is not None
    return UpdateRecorded(board.name, action.ref, action.title, (change,), entry.id)


def undo(
    session: Session, *, update_id: int, actor: Actor, board: Board, action: Action, now: datetime
) -> UpdateUndone | Notice:
    """Put back the values an update replaced, as a new history entry that says so.

    Under the action's lock, and only while the update is still the last word on the action:
    if anything has changed it since, the undo is refused rather than erase that change.
    """
    _lock(session, action)
    original = history.get_update(session, update_id)
    if original is None or original.undone_at is not None:
        return Notice(NoticeKind.INFO, "That update has already been undone.")
    if original.action_id != action.id:
        return Notice(NoticeKind.INFO, "That update is not about this action.")
    if original.person_id != actor.person_id and not has_role(
        session, action.board_id, actor.person_id, (CHAIR, ADMIN)
    ):
        return Notice(NoticeKind.REFUSED, "Only the person who made an update can undo it.")
    written = history.changes_of(session, update_id)
    if history.later_updates_exist(session, original) or not _still_holds(session, action, written):
        return Notice(
            NoticeKind.REFUSED,
            f"{action.ref} has been updated again since, so I won't undo the earlier change. "
            "Send the values you want instead.",
        )
    restored = [FieldChange(c.field, c.after, c.before) for c in written]
    for change in restored:
        write_field(session, action, change.field, change.after, now=now)
    assert action.id is not None
    assert original.id is not None
    history.record_update(
        session,
        action_id=action.id,
        person_id=actor.person_id,
        source=actor.source,
        text="undo",
        changes=restored,
        now=now,
        undoes_id=original.id,
    )
    original.undone_at = now
    session.add(original)
    session.flush()
    return UpdateUndone(board.name, action.ref, action.title, tuple(restored))


def _still_holds(session: Session, action: Action, written: tuple[FieldChange, ...]) -> bool:
    """Every field the update wrote still says what it wrote (a vanished one does not)."""
    try:
        return all(read_field(session, action, c.field) == c.after for c in written)
    except UnknownFieldError:
        return False


def _lock(session: Session, action: Action) -> None:
    """Lock the action and read it afresh (PostgreSQL refreshes `action` in place)."""
    assert action.id is not None
    if lock_action(session, action.id) is None:
        raise LookupError(f"action {action.id} is no longer in the plan")
