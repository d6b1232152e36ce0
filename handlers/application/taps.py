"""Buttons and forms: structured updates with the same rules and history as typed ones.

A tap names its action and values outright, so nothing is parsed or asked; everything else —
who may change what, before → after, undo — is the services' job, exactly as for a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.plan import ActionView
from bot.domain.rag import Rag
from bot.domain.replies import Notice, NoticeKind, Reply, decode_replies, encode_replies
from bot.domain.safety import clean_text
from bot.domain.snooze import parse_snooze
from bot.domain.updates import ParsedUpdate
from bot.domain.workdays import WorkingCalendar
from handlers.application import admin, identity, rules
from handlers.application.conversation import Conversation
from handlers.application.errors import one_unit_of_work
from handlers.application.help import UNKNOWN_PERSON
from handlers.application.updates import Actor, apply_update, may_change, snooze, undo
from storage import conversations, history
from storage.boards import board_by_name
from storage.db import Database
from storage.models import Action, Board, Person
from storage.plan import action_view, find_action, lock_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tap:
    """Who pressed, where, and a key that is the same however often Slack delivers the press."""

    conversation: Conversation
    event_key: str
    # Delivered again after an attempt that may have been applied (an inbox replay after a
    # crash): a press already handled is answered again, never applied again.
    redelivered: bool = False


class AdminOp(StrEnum):
    ADD_ACTION = "add_action"
    CHANGE_OWNERS = "change_owners"
    CHANGE_DATE = "change_date"
    ADD_MILESTONE = "add_milestone"
    TICK_MILESTONE = "tick_milestone"


@dataclass(frozen=True)
class AdminRequest:
    """One admin form, whichever operation it asks for; fields it doesn't need are ignored."""

    op: AdminOp
    board_name: str
    ref: str = ""
    title: str = ""
    owner_ids: tuple[str, ...] = ()  # platform account ids, as a people picker returns them
    day: date | None = None
    text: str = ""
    position: int | None = None


@dataclass(frozen=True)
class _Context:
    session: Session
    person: Person
    tap: Tap
    now: datetime

    @property
    def actor(self) -> Actor:
        assert self.person.id is not None
        return Actor(person_id=self.person.id, source=self.tap.conversation.platform)


_Step = Callable[[_Context], Reply]


class TapHandlers:
    """Platform-neutral: a Slack button and (later) a Teams card call the same methods."""

    def __init__(self, *, db: Database, clock: Clock, default_timezone: str = "Europe/London"):
        self.db = db
        self.clock = clock
        self.default_tz = ZoneInfo(default_timezone)

    def set_rag(self, tap: Tap, action_id: int, rag: Rag) -> list[Reply]:
        """Green, Amber, Red, Complete: the RAG alone; the last words are kept."""
        parsed = ParsedUpdate(text=rag.label, rag=rag)
        return self._run(tap, lambda ctx: self._apply(ctx, action_id, parsed, rag.label))

    def change(
        self,
        tap: Tap,
        action_id: int,
        *,
        rag: Rag | None,
        new_date: date | None,
        text: str,
    ) -> list[Reply]:
        """The form: any of RAG, review date and words; blank fields change nothing."""
        words = " ".join(clean_text(text).split())
        parsed = ParsedUpdate(text=words, rag=rag, new_date=new_date)
        return self._run(tap, lambda ctx: self._apply(ctx, action_id, parsed, words))

    def snooze(self, tap: Tap, action_id: int, *, days: int) -> list[Reply]:
        """ "Snooze 3 days": read as the typed words would be, so the two never differ."""
        words = f"snooze {days} days"
        return self._run(tap, lambda ctx: self._snooze(ctx, action_id, words))

    def undo(self, tap: Tap, update_id: int) -> list[Reply]:
        return self._run(tap, lambda ctx: self._undo(ctx, update_id))

    def administer(self, tap: Tap, request: AdminRequest) -> list[Reply]:
        """Chairs' and admins' changes to the plan, by the rules in admin.py."""
        cleaned = replace(
            request,
            ref=rules.ref(request.ref),
            title=rules.title(request.title),
            text=rules.words(request.text),
        )
        return self._run(tap, lambda ctx: self._administer(ctx, cleaned))

    def describe(self, action_id: int) -> ActionView | None:
        """What a form shows before it is filled in: the action as it stands now."""
        with self.db.session(commit=False) as session:
            action = session.get(Action, action_id)
            return action_view(session, action) if action is not None else None

    def form_for(self, conversation: Conversation, action_id: int) -> ActionView | Notice:
        """What a "Change date" or "Add update" form shows, only to someone who may change
        the action: anyone else gets the same refusal as a press, and no form."""
        with self.db.session(commit=False, write=False) as session:
            person = _identify(session, conversation)
            if person is None or person.id is None:
                return Notice(NoticeKind.REFUSED, UNKNOWN_PERSON)
            action = session.get(Action, action_id)
            if action is None:
                return Notice(NoticeKind.INFO, "That action is no longer in the plan.")
            actor = Actor(person_id=person.id, source=conversation.platform)
            if not may_change(session, actor, action):
                return refusal(action.ref)
            return action_view(session, action)

    # -- one unit of work per tap ------------------------------------------------------------

    def _run(self, tap: Tap, step: _Step) -> list[Reply]:
        """A press delivered twice (a retry, a double tap) records one change; [] the second,
        or, for a redelivery, the answer the first one got.

        One unit of work: the press, the change and the answer commit together or not at all;
        a database that is locked or unreachable (Busy) is the caller's to retry.
        """
        return one_unit_of_work(self.db, "tap", lambda session: self._once(session, tap, step))

    def _once(self, session: Session, tap: Tap, step: _Step) -> list[Reply]:
        now = self.clock.now()
        conv = tap.conversation
        seen = conversations.claim_event(
            session, platform=conv.platform, event_id=tap.event_key, now=now
        )
        if seen is not None:
            return decode_replies(seen) if tap.redelivered else []
        person = _identify(session, conv)
        if person is None:
            replies: list[Reply] = [Notice(NoticeKind.REFUSED, UNKNOWN_PERSON)]
        else:
            replies = [step(_Context(session, person, tap, now))]
        conversations.store_replies(
            session, platform=conv.platform, event_id=tap.event_key, replies=encode_replies(replies)
        )
        return replies

    def _apply(self, ctx: _Context, action_id: int, parsed: ParsedUpdate, words: str) -> Reply:
        found = _action_and_board(ctx.session, action_id)
        if isinstance(found, Notice):
            return found
        action, board = found
        if not may_change(ctx.session, ctx.actor, action):
            return refusal(action.ref)
        return apply_update(
            ctx.session,
            action=action,
            board=board,
            actor=ctx.actor,
            parsed=parsed,
            message=words,
            now=ctx.now,
            today=self._today(ctx.now),
            calendar=WorkingCalendar(board.bank_holiday_region),
        )

    def _snooze(self, ctx: _Context, action_id: int, words: str) -> Reply:
        found = _action_and_board(ctx.session, action_id)
        if isinstance(found, Notice):
            return found
        action, board = found
        calendar = WorkingCalendar(board.bank_holiday_region)
        request = parse_snooze(words, today=self._today(ctx.now), calendar=calendar)
        if request is None or request.until is None:
            return Notice(NoticeKind.NOT_UNDERSTOOD, f"I couldn't {words}.")
        return snooze(
            ctx.session,
            action=action,
            board=board,
            actor=ctx.actor,
            until=request.until,
            message=words,
            now=ctx.now,
        )

    def _undo(self, ctx: _Context, update_id: int) -> Reply:
        entry = history.get_update(ctx.session, update_id)
        if entry is None:
            return Notice(NoticeKind.INFO, "That update no longer exists.")
        found = _action_and_board(ctx.session, entry.action_id)
        if isinstance(found, Notice):
            return found
        action, board = found
        return undo(
            ctx.session,
            update_id=update_id,
            actor=ctx.actor,
            board=board,
            action=action,
            now=ctx.now,
        )

    def _administer(self, ctx: _Context, request: AdminRequest) -> Reply:
        board = board_by_name(ctx.session, request.board_name)
        if board is None or board.id is None:
            return Notice(NoticeKind.INFO, f"There's no board called “{request.board_name}”.")
        owners = _people(ctx.session, ctx.tap.conversation.platform, request.owner_ids)
        if isinstance(owners, Notice):
            return owners
        admin_ctx = admin.AdminContext(ctx.session, board, ctx.actor, ctx.now)
        if request.op is AdminOp.ADD_ACTION:
            return admin.add_action(
                admin_ctx,
                title=request.title,
                owners=owners,
                review_date=request.day,
                ref=request.ref or None,
            )
        found = find_action(ctx.session, board.id, request.ref)
        # Locked before the admin rules read it, as for any other change to an action.
        action = lock_action(ctx.session, found.id) if found and found.id else None
        if action is None:
            return Notice(NoticeKind.NOT_UNDERSTOOD, f"{board.name} has no action “{request.ref}”.")
        return self._on_action(admin_ctx, action, request, owners)

    def _on_action(
        self,
        ctx: admin.AdminContext,
        action: Action,
        request: AdminRequest,
        owners: list[Person],
    ) -> Reply:
        if request.op is AdminOp.CHANGE_OWNERS:
            return admin.change_owners(ctx, action=action, owners=owners)
        if request.op is AdminOp.CHANGE_DATE and request.day is not None:
            today = self._today(ctx.now)
            return admin.change_review_date(ctx, action=action, new_date=request.day, today=today)
        if request.op is AdminOp.ADD_MILESTONE:
            return admin.add_milestone(ctx, action=action, due=request.day, text=request.text)
        if request.op is AdminOp.TICK_MILESTONE and request.position is not None:
            return admin.tick_milestone(ctx, action=action, position=request.position)
        return Notice(NoticeKind.NOT_UNDERSTOOD, "That form is missing what the change needs.")

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.default_tz).date()


def refusal(ref: str) -> Notice:
    """The same polite no as for a typed update: nothing changes."""
    return Notice(
        NoticeKind.REFUSED,
        f"Sorry, only the owners of {ref} or the board's chair can change it. Nothing was changed.",
    )


def _identify(session: Session, conversation: Conversation) -> Person | None:
    """As the chat handlers do: the person linked to the account, on any platform."""
    return identity.identify(session, conversation.platform, conversation.user_id)


def _people(session: Session, platform: str, ids: tuple[str, ...]) -> list[Person] | Notice:
    """People picked in the chat app must already be linked to someone in the plan."""
    found: list[Person] = []
    for external_id in ids:
        person = _identify(session, Conversation(platform, external_id, ""))
        if person is None:
            return Notice(
                NoticeKind.NOT_UNDERSTOOD,
                f"I don't know who {external_id} is in the plan yet; link them first "
                "(`actionbot people link`). Nothing was changed.",
            )
        found.append(person)
    return found


def _action_and_board(session: Session, action_id: int) -> tuple[Action, Board] | Notice:
    """The action locked for this change (before anything about it is read) and its board."""
    action = lock_action(session, action_id)
    board = session.get(Board, action.board_id) if action is not None else None
    if action is None or board is None:
        return Notice(NoticeKind.INFO, "That action is no longer in the plan.")
    return action, board
