"""The chat handlers every adapter drives: a message in, replies out, one unit of work each."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.replies import (
    AskWhichAction,
    Notice,
    NoticeKind,
    Reply,
    decode_replies,
    encode_replies,
)
from bot.domain.safety import clean_text, looks_like_code
from bot.domain.snooze import SnoozeRequest, parse_snooze
from bot.domain.updates import Command, ParsedUpdate, parse_update
from bot.domain.workdays import WorkingCalendar
from handlers.application import identity
from handlers.application.chat_context import ChatContext
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.errors import one_unit_of_work
from handlers.application.help import (
    EXAMPLE_UPDATE,
    HELP_TEXT,
    LOOKS_LIKE_CODE,
    NOT_UNDERSTOOD,
    QUESTION_GONE,
    SNOOZE_NOT_UNDERSTOOD,
    TOO_LONG,
    UNKNOWN_PERSON,
)
from handlers.application.questions import (
    WHICH_ACTION,
    WHICH_DATE,
    QuestionAnswers,
    choice,
    date_question,
    iso_days,
)
from handlers.application.updates import (
    Actor,
    apply_update,
    changeable,
    may_change,
    snooze,
    undo,
)
from storage import conversations, history, notifications
from storage.boards import board_by_name, boards_by_id, boards_for_channel
from storage.db import Database
from storage.models import Action, Board, Notification, Person
from storage.plan import actions_owned_by, actions_with_ref, lock_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidates:
    """The actions to ask about. `not_theirs_here`: the ref written, which is on the board the
    person is on but not theirs to change there (these are the ones elsewhere that are)."""

    actions: list[Action]
    not_theirs_here: str | None = None


class ChatHandlers:
    """Platform-neutral: Slack, the console and Teams all call these same methods."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        default_timezone: str = "Europe/London",
        holiday_region: str = "ENG",
    ):
        self.db = db
        self.clock = clock
        self.default_tz = ZoneInfo(default_timezone)
        # Dates in replies are read before the action (and so its board) is known.
        self.calendar = WorkingCalendar(holiday_region)
        self.questions = QuestionAnswers(self._apply, self._parse)

    def identify(self, session: Session, conversation: Conversation) -> Person | None:
        """The person linked to the account the message came from, on any platform."""
        return identity.identify(session, conversation.platform, conversation.user_id)

    def on_message(self, message: IncomingMessage) -> list[Reply]:
        """Everything the message changes is committed before the replies are returned.

        One unit of work: the event id, the change, its history and the replies kept for a
        redelivery commit together or not at all. A database that is locked or unreachable
        (Busy) is the caller's to retry: nothing was recorded, not even the event.
        """
        return one_unit_of_work(self.db, "message", lambda session: self._once(session, message))

    def _once(self, session: Session, message: IncomingMessage) -> list[Reply]:
        """An event handled before is not applied again; a redelivery gets the same answer."""
        now = self.clock.now()
        conv = message.conversation
        if message.event_id is None:
            return self._on_message(session, message, now)
        seen = conversations.claim_event(
            session, platform=conv.platform, event_id=message.event_id, now=now
        )
        if seen is not None:
            return decode_replies(seen) if message.redelivered else []
        replies = self._on_message(session, message, now)
        conversations.store_replies(
            session,
            platform=conv.platform,
            event_id=message.event_id,
            replies=encode_replies(replies),
        )
        return replies

    def _on_message(self, session: Session, message: IncomingMessage, now: datetime) -> list[Reply]:
        conv = message.conversation
        text = clean_text(message.text)
        person = self.identify(session, conv)
        if person is None:
            return [Notice(NoticeKind.REFUSED, UNKNOWN_PERSON)]
        ctx = ChatContext(session, person, conv, now, board_hint=message.board_hint)
        parsed = self._parse(text, now)
        if parsed.too_long:
            return [Notice(NoticeKind.NOT_UNDERSTOOD, TOO_LONG)]
        if looks_like_code(text):
            return [Notice(NoticeKind.NOT_UNDERSTOOD, LOOKS_LIKE_CODE)]
        if parsed.command is Command.HELP:
            return [Notice(NoticeKind.HELP, HELP_TEXT)]
        if parsed.command is Command.UNDO:
            return [self._undo(ctx)]
        pending = self.questions.answer(ctx, parsed)
        if pending is not None:
            return [pending]
        if message.answers_question:
            return [Notice(NoticeKind.INFO, QUESTION_GONE)]
        request = self._snooze_request(text, now)
        if request is not None:
            return [self._update(ctx, replace(parsed, ref=request.ref), text)]
        if parsed.rag is None and parsed.rag_guess is not None:
            return [_did_you_mean(parsed)]
        if not parsed.is_meaningful:
            return [Notice(NoticeKind.NOT_UNDERSTOOD, NOT_UNDERSTOOD)]
        return [self._update(ctx, parsed, text, about=message.about_action)]

    # -- which action ---------------------------------------------------------------------------

    def _update(
        self, ctx: ChatContext, parsed: ParsedUpdate, text: str, *, about: int | None = None
    ) -> Reply:
        pinned = ctx.session.get(Action, about) if about is not None and not parsed.ref else None
        target = pinned or self._target_action(ctx, parsed)
        if isinstance(target, Action):
            return self._apply(ctx, target, parsed, text)
        if isinstance(target, Candidates):
            return self._ask_which_action(ctx, target, text)
        return target

    def _ask_which_action(self, ctx: ChatContext, candidates: Candidates, text: str) -> Reply:
        """Only actions the person may change are offered: other boards' stay unnamed."""
        actor = self._actor(ctx)
        actions = changeable(ctx.session, actor, candidates.actions)
        boards = boards_by_id(ctx.session, [a.board_id for a in actions])
        if not actions:
            return Notice(NoticeKind.NOT_UNDERSTOOD, "You can't change any of those actions.")
        payload: dict[str, object] = {"text": text, "choices": [a.id for a in actions]}
        if candidates.not_theirs_here is not None:
            payload["not_theirs_here"] = candidates.not_theirs_here
        self.questions.remember(ctx, WHICH_ACTION, payload)
        return AskWhichAction(
            tuple(choice(ctx.session, a, boards.get(a.board_id)) for a in actions),
            not_theirs_here=candidates.not_theirs_here,
        )

    def _target_action(self, ctx: ChatContext, parsed: ParsedUpdate) -> Action | Candidates | Reply:
        if parsed.ref:
            return self._action_by_ref(ctx, parsed.ref)
        threaded = self._action_in_thread(ctx)
        if threaded is not None:
            return threaded
        assert ctx.person.id is not None
        owned = [a for a in actions_owned_by(ctx.session, ctx.person.id) if a.rag != "complete"]
        if len(owned) == 1:
            return owned[0]
        if not owned:
            return Notice(
                NoticeKind.NOT_UNDERSTOOD,
                "You don't own any open actions. Start your message with the action's ref, "
                f"e.g. `2.3 {EXAMPLE_UPDATE}`.",
            )
        return Candidates(owned)

    def _action_by_ref(self, ctx: ChatContext, ref: str) -> Action | Candidates | Reply:
        """The board the person is on first; other boards only when the ref isn't on it.

        Refs repeat across boards ("1.7" on St Helens and on Worcestershire). On the board they
        are on (`_boards_here`), that board's action with the ref is meant, if they may change
        it. If it is there but not theirs, nothing is changed silently elsewhere: the ones with
        that ref they may change on other boards are offered, else it is refused. With the ref
        on no board they are on (or nothing saying which board), the ones they own, else the
        ones whose board they chair or administer. Actions they can't change are never offered
        or named (nor their boards)."""
        candidates = list(actions_with_ref(ctx.session, ref))
        if not candidates:
            return Notice(NoticeKind.NOT_UNDERSTOOD, f"I can't find an action {ref}.")
        actor = self._actor(ctx)
        mine = changeable(ctx.session, actor, candidates)
        here = self._boards_here(ctx)
        if any(a.board_id in here for a in candidates):
            mine_here = [a for a in mine if a.board_id in here]
            if mine_here:
                return self._one_or_ask(ctx, mine_here)
            elsewhere = [a for a in mine if a.board_id not in here]
            if elsewhere:
                return Candidates(elsewhere, not_theirs_here=ref)
        if not mine:
            return Notice(NoticeKind.REFUSED, not_yours(ref))
        return self._one_or_ask(ctx, mine)

    def _one_or_ask(self, ctx: ChatContext, actions: list[Action]) -> Action | Candidates:
        """The ones the person owns if any, else all of them: one is meant, several are asked."""
        assert ctx.person.id is not None
        owned_ids = {a.id for a in actions_owned_by(ctx.session, ctx.person.id)}
        choices = [a for a in actions if a.id in owned_ids] or actions
        return choices[0] if len(choices) == 1 else Candidates(choices)

    def _boards_here(self, ctx: ChatContext) -> set[int]:
        """The board the person is on: the one the platform names (the console's current board),
        else the board of the reminder or digest they reply to in its thread, else the boards
        posting to the channel they wrote in. Empty: nothing says which board."""
        if ctx.board_hint:
            board = board_by_name(ctx.session, ctx.board_hint)
            if board is not None and board.id is not None:
                return {board.id}
            log.info("board hint %r names no board; looking wider", ctx.board_hint)
        sent = self._sent_in_thread(ctx)
        if sent is not None:
            return {sent.board_id}
        in_channel = boards_for_channel(ctx.session, ctx.conversation.channel)
        return {b.id for b in in_channel if b.id is not None}

    def _sent_in_thread(self, ctx: ChatContext) -> Notification | None:
        """The reminder or digest whose thread the message is a reply in."""
        conv = ctx.conversation
        if conv.thread is None:
            return None
        return notifications.sent_in_thread(
            ctx.session, platform=conv.platform, channel=conv.channel, message_ref=conv.thread
        )

    def _action_in_thread(self, ctx: ChatContext) -> Action | None:
        sent = self._sent_in_thread(ctx)
        if sent is None or sent.action_id is None:
            return None
        return ctx.session.get(Action, sent.action_id)

    # -- applying ---------------------------------------------------------------------------------

    def _apply(
        self,
        ctx: ChatContext,
        action: Action,
        parsed: ParsedUpdate,
        text: str,
        chosen_date: date | None = None,
    ) -> Reply:
        """Locked before anything is read: who may change it, and the values it replaces."""
        assert action.id is not None
        locked = lock_action(ctx.session, action.id)
        if locked is None:
            return Notice(NoticeKind.INFO, "That action is no longer in the plan.")
        action = locked
        actor = self._actor(ctx)
        if not may_change(ctx.session, actor, action):
            return Notice(
                NoticeKind.REFUSED,
                f"Sorry, only the owners of {action.ref} or the board's chair can change it. "
                "Nothing was changed.",
            )
        question = date_question(parsed)  # an answered date is settled out of `parsed`
        if question is not None:
            payload = {
                "text": text,
                "action_id": action.id,
                "options": iso_days(question.options),
                "milestone": question.milestone,
            }
            self.questions.remember(ctx, WHICH_DATE, payload)
            return question
        board = ctx.session.get(Board, action.board_id)
        assert board is not None
        request = self._snooze_request(text, ctx.now)
        if request is not None:
            return self._snooze(ctx, action, board, actor, request, text)
        return apply_update(
            ctx.session,
            action=action,
            board=board,
            actor=actor,
            parsed=parsed,
            message=text,
            now=ctx.now,
            today=self._today(ctx.now),
            calendar=WorkingCalendar(board.bank_holiday_region),
            chosen_date=chosen_date,
        )

    def _snooze(
        self,
        ctx: ChatContext,
        action: Action,
        board: Board,
        actor: Actor,
        request: SnoozeRequest,
        text: str,
    ) -> Reply:
        if request.until is None:
            return Notice(NoticeKind.NOT_UNDERSTOOD, SNOOZE_NOT_UNDERSTOOD)
        return snooze(
            ctx.session,
            action=action,
            board=board,
            actor=actor,
            until=request.until,
            message=text,
            now=ctx.now,
        )

    def _snooze_request(self, text: str, now: datetime) -> SnoozeRequest | None:
        return parse_snooze(text, today=self._today(now), calendar=self.calendar)

    def _undo(self, ctx: ChatContext) -> Reply:
        assert ctx.person.id is not None
        threaded = self._action_in_thread(ctx)
        last = history.last_undoable_update(
            ctx.session,
            person_id=ctx.person.id,
            action_id=threaded.id if threaded else None,
        )
        if last is None or last.id is None:
            return Notice(NoticeKind.INFO, "There's no update of yours to undo.")
        action = ctx.session.get(Action, last.action_id)
        assert action is not None
        board = ctx.session.get(Board, action.board_id)
        assert board is not None
        actor = Actor(person_id=ctx.person.id, source=ctx.conversation.platform)
        return undo(
            ctx.session, update_id=last.id, actor=actor, board=board, action=action, now=ctx.now
        )

    def _actor(self, ctx: ChatContext) -> Actor:
        assert ctx.person.id is not None
        return Actor(person_id=ctx.person.id, source=ctx.conversation.platform)

    # -- time ----------------------------------------------------------------------------------

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.default_tz).date()

    def _parse(self, text: str, now: datetime) -> ParsedUpdate:
        return parse_update(text, today=self._today(now), calendar=self.calendar)


def not_yours(ref: str) -> str:
    """For a ref that exists only where the person may not change it: no board is named."""
    return (
        f"I can't find an action {ref} that you can change: only the owners of {ref} "
        "or its board's chair can change it. Nothing was changed."
    )


def _did_you_mean(parsed: ParsedUpdate) -> Notice:
    """A near-miss of a status word is asked about, never read silently nor refused."""
    assert parsed.rag_guess is not None
    label = parsed.rag_guess.label
    example = f"{parsed.ref} {label.lower()}" if parsed.ref else label.lower()
    return Notice(
        NoticeKind.NOT_UNDERSTOOD,
        f"“{parsed.rag_guess_phrase}” — did you mean {label}? Nothing was changed: send it "
        f"again with the status spelled out, e.g. “{example} - …”.",
    )
