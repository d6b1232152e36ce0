"""The answers to chat's questions: "which date did you mean?" and "which action?".

When a message is ambiguous the chat asks, and holds the update; these read the reply that
answers it (a number from the list, a ref, a ref and its board's name, a date, or "keep") and
settle the held update. Kept apart so the chat use case (chat.py) stays about finding and
applying updates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlmodel import Session

from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    Reply,
    name_words,
    names_board,
)
from bot.domain.updates import ParsedUpdate
from handlers.application.chat_context import ChatContext
from storage import conversations
from storage.models import Action, Board

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
        """A number, a ref, "1.7 St Helens", or "yes" to a single choice picks one; an answer
        that picks none is asked again with what to reply; a whole new update stands alone."""
        if asks_for_change(reply):
            return None  # "2.3 amber": a new update, which stands alone; the question lapses
        ids = [int(i) for i in payload["choices"]]
        numbered = nth(reply.text, ids)
        if numbered is not None:
            return self._apply_picked(ctx, int(numbered), original, text)
        offered = [a for i in ids if (a := ctx.session.get(Action, i)) is not None]
        choices = [choice(ctx.session, a) for a in offered]
        picked = pick_named(said(reply), choices)
        if picked is not None:
            return self._apply(ctx, offered[picked], original, text)
        if not is_attempted_pick(reply):
            return None  # a full new update: the question lapses and the message stands alone
        if not offered:
            return Notice(NoticeKind.INFO, "Those actions are no longer in the plan.")
        kept = {**payload, "choices": [a.id for a in offered]}
        self.remember(ctx, WHICH_ACTION, kept)
        return AskWhichAction(
            tuple(choices),
            not_theirs_here=payload.get("not_theirs_here"),
            unmatched=said(reply) or reply.text,
        )

    def _apply_picked(
        self, ctx: ChatContext, action_id: int, original: ParsedUpdate, text: str
    ) -> Reply:
        action = ctx.session.get(Action, action_id)
        if action is None:
            return Notice(NoticeKind.INFO, "That action is no longer in the plan.")
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


def choice(session: Session, action: Action, board: Board | None = None) -> ActionChoice:
    """An action as it is offered: its ref, its title and its board's name."""
    board = board or session.get(Board, action.board_id)
    assert board is not None
    return ActionChoice(action.ref, action.title, board.name)


_YES = frozenset({"yes", "y", "yep", "yeah", "yes please", "ok", "okay", "that one"})
_FILLER = frozenset({"on", "the", "for", "in", "at", "of"})


def said(reply: ParsedUpdate) -> str:
    """The answer as written, near enough: its ref (read off the front) and its words."""
    words = reply.text.strip()
    return f"{reply.ref} {words}".strip() if reply.ref else words


def pick_named(answer: str, choices: Sequence[ActionChoice]) -> int | None:
    """Which choice (its index) the answer names, if just one: "yes" to a single choice; a
    ref ("2.3") that only one has; a ref and its board's name or the start of any word in it,
    either way round ("1.7 St Helens", "worc 1.7"); or the board's name alone when only one
    choice is on that board. None: the answer names none of them, or more than one."""
    if name_words(answer) and " ".join(name_words(answer)) in _YES:
        return 0 if len(choices) == 1 else None
    refs = {c.ref.casefold() for c in choices}
    tokens = answer.split()
    written = [t for t in tokens if t.strip(".,:;()").casefold() in refs]
    if len(written) > 1:
        return None
    ref = written[0].strip(".,:;()").casefold() if written else None
    words = list(name_words(" ".join(t for t in tokens if t not in written)))
    while words and words[0] in _FILLER:
        words.pop(0)
    if ref is None and not words:
        return None
    matching = [
        index
        for index, offered in enumerate(choices)
        if (ref is None or offered.ref.casefold() == ref)
        and (not words or names_board(words, offered.board_name))
    ]
    return matching[0] if len(matching) == 1 else None


def asks_for_change(reply: ParsedUpdate) -> bool:
    """A RAG, a date or a milestone: what an update asks for, and no answer to "which?" does."""
    wanted = (reply.rag, reply.rag_guess, reply.new_date, reply.date_shift, reply.command)
    dated = reply.date_options or reply.date_doubts or reply.milestone_dates
    return any(w is not None for w in wanted) or bool(dated or reply.milestones_done)


def is_attempted_pick(reply: ParsedUpdate) -> bool:
    """A number, a ref, or words that ask for nothing ("1.7 Narnia", "asdf"): an answer to the
    question that missed, rather than a new update."""
    return is_bare_pick(reply) or not reply.is_meaningful
