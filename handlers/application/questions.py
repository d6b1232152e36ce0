"""The answers to chat's questions: "which date did you mean?" and "which action?".

When a message is ambiguous the chat asks, and holds the update; these read the reply that
answers it (a number from the list, a ref, a date, or "keep") and settle the held update.
Kept apart so the chat use case (chat.py) stays about finding and applying updates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from bot.domain.replies import AskWhichDate, Notice, NoticeKind, Reply
from bot.domain.updates import ParsedUpdate
from handlers.application.chat_context import ChatContext
from storage import conversations
from storage.models import Action

WHICH_ACTION = "which_action"
WHICH_DATE = "which_date"


class Apply(Protocol):
    """Applies an update an answer completed (the chat's own `_apply`)."""

    def __call__(
        self,
        ctx: ChatContext,
        action: Action,
        parsed: ParsedUpdate,
        text: str,
        chosen_date: date | None = None,
    ) -> Reply: ...


class QuestionAnswers:
    """The chat's questions, asked and answered. The chat hands in how it applies an update
    an answer completes and how it reads a message, so the two are not written twice."""

    def __init__(self, apply: Apply, parse: Callable[[str, datetime], ParsedUpdate]) -> None:
        self._apply = apply
        self._parse = parse

    def remember(self, ctx: ChatContext, kind: str, payload: dict[str, Any]) -> None:
        assert ctx.person.id is not None
        conversations.save_question(
            ctx.session,
            person_id=ctx.person.id,
            conversation=ctx.conversation.key,
            kind=kind,
            payload=payload,
            now=ctx.now,
        )

    def answer(self, ctx: ChatContext, reply: ParsedUpdate) -> Reply | None:
        """A reply to "which action?" or "which date?" completes the update that was held."""
        assert ctx.person.id is not None
        question = conversations.take_question(
            ctx.session, person_id=ctx.person.id, conversation=ctx.conversation.key, now=ctx.now
        )
        if question is None:
            return None
        kind, payload = question
        original_text = str(payload["text"])
        original = self._parse(original_text, ctx.now)
        if kind == WHICH_ACTION:
            return self._answer_which_action(ctx, reply, payload, original, original_text)
        return self._answer_which_date(ctx, reply, payload, original, original_text)

    def _answer_which_action(
        self,
        ctx: ChatContext,
        reply: ParsedUpdate,
        payload: dict[str, Any],
        original: ParsedUpdate,
        text: str,
    ) -> Reply | None:
        choices = [int(i) for i in payload["choices"]]
        if not is_bare_pick(reply):
            return None  # a full new update: the question lapses and the message stands alone
        picked = pick(reply, choices, ctx.session)
        if picked is None:
            self.remember(ctx, WHICH_ACTION, payload)
            return again(choices)
        action = ctx.session.get(Action, picked)
        assert action is not None
        return self._apply(ctx, action, original, text)

    def _answer_which_date(
        self,
        ctx: ChatContext,
        reply: ParsedUpdate,
        payload: dict[str, Any],
        original: ParsedUpdate,
        text: str,
    ) -> Reply | None:
        options = tuple(date.fromisoformat(d) for d in payload["options"])
        milestone = payload.get("milestone")
        action = ctx.session.get(Action, int(payload["action_id"]))
        if action is None:
            return Notice(NoticeKind.INFO, "That action is no longer in the plan.")
        if is_keep(reply.text):
            return self._apply(ctx, action, settle_date(original, milestone, None), text)
        if reply.date_options or reply.date_doubts:  # the answer is itself doubtful: ask again
            self.remember(ctx, WHICH_DATE, payload)
            reasons = reply.date_doubts or ("that could be more than one date",)
            phrase = reply.date_phrase or original.date_phrase or "that date"
            return AskWhichDate(phrase, reply.date_options, reasons, milestone)
        chosen = reply.new_date or nth(reply.text, options)
        if chosen is None and reply.is_meaningful and not is_bare_pick(reply):
            return None
        if chosen is None:
            self.remember(ctx, WHICH_DATE, payload)
            question = date_question(original)
            return question or AskWhichDate(original.date_phrase or "that date", options)
        settled = settle_date(original, milestone, chosen)
        if milestone is not None:
            return self._apply(ctx, action, settled, text)
        return self._apply(ctx, action, settled, text, chosen_date=chosen)


_KEEP_RE = re.compile(
    r"^\s*(?:keep(?:\s+(?:it|the\s+(?:current\s+|same\s+)?date|as\s+is))?|no\s+change|leave"
    r"(?:\s+it)?(?:\s+as\s+is)?|unchanged|skip|same(?:\s+date)?|as\s+is)\s*[.!]*\s*$",
    re.IGNORECASE,
)


def date_question(parsed: ParsedUpdate) -> AskWhichDate | None:
    """The review date is asked about first; a milestone's doubtful date after that."""
    phrase = parsed.date_phrase or "that date"
    if parsed.date_options or (parsed.review_doubts and parsed.new_date is None):
        return AskWhichDate(phrase, parsed.date_options, parsed.review_doubts)
    if not parsed.milestone_doubts:
        return None
    milestone, reason = parsed.milestone_doubts[0]
    return AskWhichDate(phrase, (), (reason,), milestone=milestone)


def settle_date(parsed: ParsedUpdate, milestone: int | None, chosen: date | None) -> ParsedUpdate:
    """The update with the asked-about date answered (`None`: keep the date as it is)."""
    if milestone is not None:
        doubts = tuple(d for d in parsed.milestone_doubts if d[0] != milestone)
        moved = parsed.milestone_dates + (((milestone, chosen),) if chosen else ())
        return replace(parsed, milestone_doubts=doubts, milestone_dates=moved)
    return replace(parsed, review_doubts=(), date_options=(), new_date=None, date_shift=None)


def is_keep(text: str) -> bool:
    """ "keep", "no change", "leave it as is": the answer that leaves the date alone."""
    return bool(_KEEP_RE.match(text))


def iso_days(days: Sequence[date]) -> list[str]:
    return [d.isoformat() for d in days]


def nth(text: str, options: Sequence[Any]) -> Any | None:
    """ "1" or "2" picks from a numbered list."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return options[int(stripped) - 1]
    return None


def is_bare_pick(reply: ParsedUpdate) -> bool:
    """Just "2" or just a ref: an answer, not a new update."""
    rest = reply.text.strip().rstrip(".)")
    return rest.isdigit() or (reply.ref is not None and not rest)


def pick(reply: ParsedUpdate, choices: list[int], session: Session) -> int | None:
    picked = nth(reply.text, choices)
    if picked is not None:
        return int(picked)
    if reply.ref:
        for action_id in choices:
            action = session.get(Action, action_id)
            if action is not None and action.ref == reply.ref:
                return action_id
    return None


def again(choices: list[int]) -> Notice:
    return Notice(
        NoticeKind.NOT_UNDERSTOOD,
        f"Please reply with the action's ref or its number (1–{len(choices)}).",
    )
